// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The trust store by path, for the tools.  The trusted program opens its
 * store and deny list itself, once, beneath /etc/modguard, and hands the
 * library descriptors (tcb/lib/trust.c); these conveniences are not part of
 * the trusted computing base.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "libmodguard.h"
#include "trust.h"

int modguard_trust_add_path(struct modguard_trust *t, const char *path, struct modguard_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int r;

	if (fd < 0)
		return mg_fail(err, MG_E_IO, errno, "cannot open trust store: %s", strerror(errno));
	r = modguard_trust_add_fd(t, fd, err);
	close(fd);
	return r;
}

int modguard_trust_load_denylist(struct modguard_trust *t, const char *path,
				 struct modguard_err *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int r;

	if (fd < 0)
		return mg_fail(err, MG_E_IO, errno, "cannot open: %s", strerror(errno));
	r = modguard_trust_load_denylist_fd(t, fd, err);
	close(fd);
	return r;
}
