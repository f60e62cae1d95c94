/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MODGUARD_COMMANDS_H
#define MODGUARD_COMMANDS_H

int cmd_keygen(int argc, char *argv[]);
int cmd_sign(int argc, char *argv[]);
int cmd_verify(int argc, char *argv[]);
int cmd_info(int argc, char *argv[]);
int cmd_strip(int argc, char *argv[]);
int cmd_keys(int argc, char *argv[]);
int cmd_guard(int argc, char *argv[]);
int cmd_admit(int argc, char *argv[]);
int cmd_load(int argc, char *argv[]);
int cmd_modprobe(int argc, char *argv[]);
int cmd_setup(int argc, char *argv[]);
int cmd_status(int argc, char *argv[]);
int cmd_trust_add(int argc, char *argv[]);
int cmd_initrd(int argc, char *argv[]);

#endif
