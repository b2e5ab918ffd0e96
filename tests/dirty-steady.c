/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A steady writer: RATE pages per second for SECS seconds, keeping to its
 * schedule (page i is written at start + i / RATE, in 1 ms steps), one
 * store per page, cycling over a buffer of NPAGES pages at DIRTY_STEADY (a
 * buffer of at least RATE * SECS pages: every page written once).  Untraced
 * with READY, it writes "PID LO HI" there once running, to be attached to;
 * otherwise, when traced, it first waits for its buffer to be protected.
 * Its output depends only on RATE * SECS.  Page 0 is written first, and the
 * schedule starts once that write is done.
 * Usage: dirty-steady TRUTH RATE SECS NPAGES [READY] */
#include "tgt.h"

#define DIRTY_STEADY 0x100000000000UL

int main(int argc, char **argv)
{
	if (argc < 5)
		die("usage: dirty-steady TRUTH RATE SECS NPAGES [READY]");
	truth_open(argv[1]);
	long rate = atol(argv[2]);
	double secs = atof(argv[3]);
	size_t npages = strtoul(argv[4], NULL, 0);
	const char *ready = argc > 5 ? argv[5] : NULL;
	long total = (long)(rate * secs + 0.5);
	if (rate < 1 || total < 1 || npages < 1)
		die("bad RATE, SECS or NPAGES");
	char *buf = map_guarded(npages, DIRTY_STEADY);
	bool prot = ready ? true : wait_protected(buf, npages);
	/* The first write first: a tracer's first fault may be slow (it loads
	 * symbols); the schedule starts once it is served. */
	buf[0] = 1;
	long done = 1, max_behind = 0;
	double start = now_s() - 1.0 / (double)rate, t;
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (!f)
			die("%s: %s", ready, strerror(errno));
		fprintf(f, "%d %#lx %#lx\n", (int)getpid(), (unsigned long)buf,
			(unsigned long)(buf + npages * PG));
		fclose(f);
	}
	while (done < total) {
		t = now_s();
		long due = (long)((t - start) * (double)rate);
		if (due > total)
			due = total;
		if (due - done > max_behind)
			max_behind = due - done;
		for (; done < due; done++)
			buf[(size_t)done % npages * PG + (size_t)(done / (long)npages) % PG] =
				(char)(done % 251 + 1);
		if (done < total) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	double end = now_s();
	truth("protected=%d", prot);
	truth("buf_start=%#lx", (unsigned long)buf);
	truth("buf_end=%#lx", (unsigned long)(buf + npages * PG));
	truth("writes=%ld", total);
	truth("pages=%zu", (size_t)total < npages ? (size_t)total : npages);
	truth("rate_x10=%ld", (long)((double)total / (end - start) * 10 + 0.5));
	/* The most writes it was ever late by (a tracer too slow shows here). */
	truth("max_behind=%ld", max_behind);
	truth("seconds_x1000=%ld", (long)((end - start) * 1000 + 0.5));
	truth_close();
	printf("steady: %ld pages written, checksum %016llx\n", total,
	       (unsigned long long)fnv1a(buf, npages * PG));
	return 0;
}
