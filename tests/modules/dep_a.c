// SPDX-License-Identifier: GPL-2.0-only
/* Test module: exports a symbol that dep_b needs, so dep_b cannot load alone. */
#include <linux/init.h>
#include <linux/module.h>

int modguard_dep_a_value(void)
{
	return 42;
}
EXPORT_SYMBOL_GPL(modguard_dep_a_value);

static int __init dep_a_init(void)
{
	pr_info("modguard-test: dep_a loaded\n");
	return 0;
}

static void __exit dep_a_exit(void)
{
	pr_info("modguard-test: dep_a unloaded\n");
}

module_init(dep_a_init);
module_exit(dep_a_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modguard test module: dependency provider");
