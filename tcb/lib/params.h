/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MODGUARD_PARAMS_H
#define MODGUARD_PARAMS_H

/*
 * Module parameters as init_module(2) and finit_module(2) take them: the
 * arguments joined by single spaces ("" for none).  Returns a string to
 * free(), or NULL when out of memory.
 */
char *modguard_join_params(int argc, char *const argv[]);

#endif
