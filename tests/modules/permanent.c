// SPDX-License-Identifier: GPL-2.0-only
/* Test module: no module_exit, so the kernel marks it [permanent] and refuses rmmod. */
#include <linux/init.h>
#include <linux/module.h>

static int __init permanent_init(void)
{
	pr_info("modguard-test: permanent loaded\n");
	return 0;
}

module_init(permanent_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modguard test module: permanent (no exit)");
