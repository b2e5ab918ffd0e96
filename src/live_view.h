/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live tracer as a source for the ncurses view, run in its own thread. */
#ifndef UFFDTRACE_LIVE_VIEW_H
#define UFFDTRACE_LIVE_VIEW_H

#include "report.h"
#include "tracer.h"

/* Start the view over T's model.  Returns 0, or -1 if it cannot run. */
int live_view_start(struct tracer *t, const struct run_info *run);
/* The view could not run (no usable terminal): print a summary instead. */
bool live_view_failed(void);
/* Tracing is over (ENDED: the target exited; else we detach): let the user
 * look until they quit, unless a signal on SIGFD says to close. */
void live_view_finish(struct tracer *t, bool ended, int sigfd);

#endif
