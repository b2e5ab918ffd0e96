/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Summaries of the model: a text table for people, JSON for scripts. */
#ifndef UFFDTRACE_REPORT_H
#define UFFDTRACE_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "model.h"

struct run_info {
	pid_t pid;
	const char *command;
	bool exited;     /* the target ended while traced */
	int exit_status; /* its exit code, or 128 + signal */
	double seconds;  /* how long it was traced */
};

struct report_opts {
	int top;      /* rows in each top list */
	int by;       /* enum site_grouping of the text tables */
};

void report_text(FILE *f, const struct model *m, const struct run_info *run,
		 const struct report_opts *o);
void report_json(FILE *f, const struct model *m, const struct run_info *run,
		 const struct report_opts *o);

#endif
