/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder for the ncurses live view, being written. */
#include "view.h"

#include <stdio.h>

int tui_run(struct view_source *src)
{
	(void)src;
	fprintf(stderr, "uffdtrace: the live view is not built yet; use --no-tui\n");
	return -1;
}
