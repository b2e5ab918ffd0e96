/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pictures of a trace: a flame graph of write sites and a dirty-page heat map. */
#ifndef UFFDTRACE_SVG_H
#define UFFDTRACE_SVG_H

#include <stdbool.h>

#include "model.h"
#include "report.h"

/* Write one SVG file to PATH: the flame graph (weighted by pages, or by
 * faults) above the heat map of pages dirtied, time across and regions
 * down.  Returns 0, or -1 with errno set. */
int svg_write(const char *path, const struct model *m, const struct run_info *run, bool by_faults);

#endif
