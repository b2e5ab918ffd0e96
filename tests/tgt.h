/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the test target programs (header-only, no config.h). */
#ifndef UFFDTRACE_TESTS_TGT_H
#define UFFDTRACE_TESTS_TGT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PG 4096UL

static inline void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("target: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
	va_end(ap);
	exit(99);
}

static inline void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The ground-truth file named on the command line ("-" or absent: none). */
static FILE *truth_f;

static inline void truth_open(const char *path)
{
	if (!path || !strcmp(path, "-"))
		return;
	truth_f = fopen(path, "w");
	if (!truth_f)
		die("cannot create %s: %s", path, strerror(errno));
	/* A static buffer: no malloc later, which tgt-brk and tgt-fixed need. */
	static char truth_buf[4096];
	setvbuf(truth_f, truth_buf, _IOLBF, sizeof truth_buf);
}

static inline void __attribute__((format(printf, 1, 2))) truth(const char *fmt, ...)
{
	va_list ap;
	if (!truth_f)
		return;
	va_start(ap, fmt);
	vfprintf(truth_f, fmt, ap);
	va_end(ap);
	fputc('\n', truth_f);
}

static inline void truth_close(void)
{
	if (truth_f)
		fclose(truth_f);
	truth_f = NULL;
}

/* NPAGES of read-write anonymous memory that is a VMA of its own: a
 * PROT_NONE guard page on each side keeps the kernel from merging it with
 * a neighbour.  HINT, if not 0, is the fixed address of the first usable
 * page (MAP_FIXED_NOREPLACE). */
static inline char *map_guarded(size_t npages, uintptr_t hint)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	void *want = NULL;
	if (hint) {
		flags |= MAP_FIXED_NOREPLACE;
		want = (void *)(hint - PG);
	}
	char *g = mmap(want, (npages + 2) * PG, PROT_NONE, flags, -1, 0);
	if (g == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	if (hint && g != want)
		die("mmap: got %p, not %p", (void *)g, want);
	char *p = g + PG;
	if (mprotect(p, npages * PG, PROT_READ | PROT_WRITE) < 0)
		die("mprotect: %s", strerror(errno));
	return p;
}

/* Is a tracer attached (TracerPid in /proc/self/status)? */
static inline bool traced(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long tp = 0;
	if (!f)
		return false;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "TracerPid: %ld", &tp) == 1)
			break;
	fclose(f);
	return tp != 0;
}

/* Is the page of ADDR write-protected by a userfaultfd (pagemap bit 57)? */
static inline bool page_wp(const void *addr)
{
	uint64_t v = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (pread(fd, &v, sizeof v, (off_t)((uintptr_t)addr / PG * sizeof v)) != (ssize_t)sizeof v)
		v = 0;
	close(fd);
	return (v >> 57) & 1;
}

/* uffdtrace learns of new mappings asynchronously.  A target that wants
 * every write of [P, P + NPAGES pages) seen as a fault (not as a page found
 * dirty when first protected) waits, when traced, until the first and last
 * page are write-protected.  Untraced it returns at once.  Returns false if
 * that did not happen within 5 s. */
static inline bool wait_protected(const void *p, size_t npages)
{
	if (!traced())
		return true;
	const char *last = (const char *)p + (npages - 1) * PG;
	double end = now_s() + 5;
	while (now_s() < end) {
		if (page_wp(p) && page_wp(last))
			return true;
		msleep(1);
	}
	fprintf(stderr, "target: %p was not write-protected within 5 s\n", p);
	return false;
}

/* A simple checksum of memory, to show the data arrived intact. */
static inline uint64_t fnv1a(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ULL;
	return h;
}

#endif
