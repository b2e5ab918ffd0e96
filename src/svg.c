/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until the SVG drawing lands. */
#include "svg.h"

#include <errno.h>

int svg_write(const char *path, const struct model *m, const struct run_info *run, bool by_faults)
{
	(void)path, (void)m, (void)run, (void)by_faults;
	errno = ENOSYS;
	return -1;
}
