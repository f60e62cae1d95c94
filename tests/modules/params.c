// SPDX-License-Identifier: GPL-2.0-only
/* Test module: echoes its parameter, so a test can see arguments reach the kernel. */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

static char *word = "default";
module_param(word, charp, 0444);
MODULE_PARM_DESC(word, "word echoed to the kernel log");

static int number;
module_param(number, int, 0444);
MODULE_PARM_DESC(number, "number echoed to the kernel log");

static int __init params_init(void)
{
	pr_info("modguard-test: params word=%s number=%d\n", word, number);
	return 0;
}

static void __exit params_exit(void)
{
	pr_info("modguard-test: params unloaded\n");
}

module_init(params_init);
module_exit(params_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modguard test module: parameters");
