/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The subcommands, and the option helpers they share with main.c. */
#ifndef UFFDTRACE_COMMANDS_H
#define UFFDTRACE_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"
#include "report.h"

int cmd_report(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_convert(int argc, char **argv);

/* Name the help a usage error points to ("uffdtrace report --help"). */
void usage_command(const char *help);
/* Print "uffdtrace: MESSAGE" (FMT with ARG) and a hint to see --help; exit 1. */
void usage_error(const char *fmt, const char *arg) __attribute__((noreturn));
/* Report the option getopt just refused (it returned C); exit 1. */
void bad_option(int c, char **argv) __attribute__((noreturn));
long parse_number(const char *s, const char *what, long min, long max);
int parse_report_by(const char *s, enum report_by *by);

/* "function", or "module+0xOFF" for a frame no symbol covers. */
const char *report_frame_name(const struct model *m, uint32_t frame_id, char *buf, size_t len);
void report_folded(FILE *f, const struct model *m, bool by_faults);

#endif
