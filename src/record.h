/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "uffdtrace record": trace a live process until it ends or we are told to stop. */
#ifndef UFFDTRACE_RECORD_H
#define UFFDTRACE_RECORD_H

#include "options.h"

/* Returns the process exit code of uffdtrace. */
int record_run(struct options *opt);

#endif
