/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pictures of a trace: a flame graph of write sites and a dirty-page heat map. */
#ifndef UFFDTRACE_SVG_H
#define UFFDTRACE_SVG_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"
#include "report.h"

/* Write one SVG file to PATH: the flame graph (weighted by pages, or by
 * faults) above the dirty-rate chart and the heat map of pages dirtied,
 * time across and regions down.  Returns 0, or -1 with errno set. */
int svg_write(const char *path, const struct model *m, const struct run_info *run, bool by_faults);

/* The dirty-rate chart alone, for views that draw their own page: pages
 * first dirtied per second in each timeline bin, as bars filling the box
 * (X, Y, W, H), with its rate scale left of X.  The time axis is the
 * caller's: bin I spans X + W * I / model_timeline_bins(M). */
void svg_rate_chart(FILE *f, const struct model *m, double x, double y, double w, double h);

#endif
