/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Messages to the user: every error names its cause and what to do. */
#ifndef UFFDTRACE_LOG_H
#define UFFDTRACE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Exit codes, as strace: the traced program's own status when it ran to
 * the end, 1 for every error of uffdtrace itself. */
#define EXIT_TRACER_ERROR 1

extern int log_verbose;

void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debug_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "uffdtrace: CAUSE\n  hint: HINT" and exit 1. */
void die_hint(const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
