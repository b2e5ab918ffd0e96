/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the user asked for on the command line. */
#ifndef UFFDTRACE_OPTIONS_H
#define UFFDTRACE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct addr_range {
	uint64_t start, end;
};

/* What each write fault records; each level adds to the one before. */
enum capture_mode {
	CAPTURE_PAGES, /* thread, address, user or kernel: no ptrace stop */
	CAPTURE_INSN,  /* and the decoded store instruction */
	CAPTURE_STACK, /* and the backtrace, symbolized */
};

struct options {
	pid_t pid;              /* -p; 0 when launching */
	char **argv;            /* PROGRAM and ARGS after "--" */
	const char *output;     /* -o trace file */
	const char *json;       /* --json FILE, "-" for stdout */
	bool summary;           /* --summary, or by default */
	bool follow_forks;      /* -f */
	unsigned region_mask;   /* bit per enum region_kind */
	struct addr_range *ranges; /* --range, empty = everything */
	int nranges;
	double duration;        /* --duration seconds, 0 = unlimited */
	int top;                /* rows per summary table */
	enum capture_mode capture;
	int depth;              /* --depth: frames per backtrace */
	int by;                 /* --by: enum report_by of the summary */
	int tui;                /* --tui 1, --no-tui 0, -1: on a terminal */
	bool summary_given;     /* --summary was asked for explicitly */
	unsigned interval_ms;   /* --interval: a new epoch this often */
	bool async;             /* --mode=async: the kernel resolves faults;
				 * dirty pages are collected each interval */
	bool epoch_lines;       /* print a line per epoch ("dirty") */
	bool csv;               /* ... as CSV */
};

#endif
