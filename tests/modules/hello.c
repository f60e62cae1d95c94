// SPDX-License-Identifier: GPL-2.0-only
/* Test module: the ordinary case, init and exit. */
#include <linux/init.h>
#include <linux/module.h>

static int __init hello_init(void)
{
	pr_info("modguard-test: hello loaded\n");
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("modguard-test: hello unloaded\n");
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modguard test module: hello");
