// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test module standing in for a rootkit.  It does nothing harmful: it only
 * logs a marker, so a test can tell from the kernel log whether it ran.
 */
#include <linux/init.h>
#include <linux/module.h>

static int __init evil_init(void)
{
	pr_alert("MODGUARD-EVIL-LOADED\n");
	return 0;
}

static void __exit evil_exit(void)
{
	pr_info("modguard-test: evil unloaded\n");
}

module_init(evil_init);
module_exit(evil_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modguard test module: stand-in for a rootkit");
