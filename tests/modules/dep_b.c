// SPDX-License-Identifier: GPL-2.0-only
/* Test module: uses dep_a's export, so modprobe must load dep_a first. */
#include <linux/init.h>
#include <linux/module.h>

int modguard_dep_a_value(void);

static int __init dep_b_init(void)
{
	pr_info("modguard-test: dep_b loaded, dep_a says %d\n", modguard_dep_a_value());
	return 0;
}

static void __exit dep_b_exit(void)
{
	pr_info("modguard-test: dep_b unloaded\n");
}

module_init(dep_b_init);
module_exit(dep_b_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modguard test module: dependency user");
