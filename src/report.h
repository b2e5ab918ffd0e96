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

enum report_by {
	REPORT_BY_FUNCTION, REPORT_BY_INSN, REPORT_BY_REGION, REPORT_BY_THREAD, REPORT_BY_PAGE,
};

struct report_opts {
	int top;          /* rows in each top list */
	enum report_by by; /* how write sites are grouped; with ONLY, the one table */
	bool only;        /* --by given to "report": just that table */
	bool sort_faults; /* order by faults instead of pages */
	bool full;        /* "report": both orders, functions, timeline */
};

void report_text(FILE *f, const struct model *m, const struct run_info *run,
		 const struct report_opts *o);
/* One line per epoch: start, end, pages, rates, faults, rewritten pages and
 * the write working set so far, after a header line. */
void report_csv(FILE *f, const struct model *m);
void report_csv_header(FILE *f);
void report_csv_epoch(FILE *f, const struct model *m, size_t i, uint64_t working_set);
void report_json(FILE *f, const struct model *m, const struct run_info *run,
		 const struct report_opts *o);

#endif
