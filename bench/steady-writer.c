// SPDX-License-Identifier: GPL-2.0-or-later
/* Workload: a steady writer.  RATE times a second (default 2000) it does a
 * fixed amount of CPU work (WORK iterations of a multiply-xorshift chain),
 * then one store to the next page of a ring of RING pages (default 16384,
 * 64 MiB, populated before the measurement), then sleeps until the next
 * slot of the pace.  It reports its own busy time: the sum over the COUNT
 * pages (default 20000, 10 s) of the time from the start of the work to
 * the end of the store, so that the pacing and the sleeps do not count.
 * Traced with an interval shorter than the ring's cycle (ring/rate = 8 s),
 * every store is the first of its page in an epoch.
 *   steady-writer run [WORK [COUNT [RATE [RING]]]]
 *   steady-writer calibrate MICROSECONDS    prints the WORK for that long
 * Output: "checksum HEX seconds BUSY cpu CPU", CPU being the thread's CPU
 * time over the whole paced run (the sleeps take none; unlike BUSY it
 * leaves out the time other programs had the CPU, but also the time spent
 * asleep in a fault a tracer serves), and on standard error the busy time
 * per page (mean, p50, p99, max) and how many slots were missed. */
#include "bench.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096UL

static uint64_t work(uint64_t x, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		x ^= x >> 29;
	}
	return x;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "calibrate") == 0) {
		double us = atof(argv[2]), best = 1e9;
		unsigned long n = 1000000;
		/* The fastest of several tries: the machine's quiet speed. */
		for (int i = 0; i < 15; i++) {
			double t0 = bench_now();
			volatile uint64_t sink = work((uint64_t)i, n);
			(void)sink;
			double t = bench_now() - t0;
			if (t < best)
				best = t;
		}
		printf("%lu\n", (unsigned long)(us * 1e-6 / best * (double)n));
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: steady-writer run [WORK [COUNT [RATE [RING]]]] | calibrate US\n");
		return 2;
	}
	unsigned long iters = bench_arg(argc, argv, 2, 100000), count = bench_arg(argc, argv, 3, 20000);
	unsigned long rate = bench_arg(argc, argv, 4, 2000), ring = bench_arg(argc, argv, 5, 16384);
	unsigned char *m = mmap(NULL, ring * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double *busy = malloc(count * sizeof *busy);
	if (m == MAP_FAILED || !busy)
		return 2;
	madvise(m, ring * PAGE, MADV_NOHUGEPAGE);
	memset(m, 1, ring * PAGE);
	memset(busy, 0, count * sizeof *busy);
	/* Let a tracer protect the ring and settle before the clock starts. */
	usleep(300000);
	uint64_t x = 1, sum = 0;
	unsigned long missed = 0;
	double total = 0, slot = 1.0 / (double)rate;
	struct timespec next, c0, c1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (unsigned long i = 0; i < count; i++) {
		double t0 = bench_now();
		x = work(x, iters);
		m[(i % ring) * PAGE + (i / ring % 64) * 64] = (unsigned char)x;
		double t1 = bench_now();
		busy[i] = t1 - t0;
		total += busy[i];
		sum = (sum ^ (x & 0xff)) * 0x100000001b3ULL;
		long ns = next.tv_nsec + (long)(slot * 1e9);
		next.tv_sec += ns / 1000000000L;
		next.tv_nsec = ns % 1000000000L;
		if (t1 > (double)next.tv_sec + (double)next.tv_nsec / 1e9) {
			missed++;
			clock_gettime(CLOCK_MONOTONIC, &next);
		} else {
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	qsort(busy, count, sizeof *busy, cmpd);
	fprintf(stderr, "steady-writer: %lu pages at %lu/s, %lu iterations each: busy per page "
		"mean %.1f us, p50 %.1f, p99 %.1f, max %.1f; %lu slots missed\n",
		count, rate, iters, total / (double)count * 1e6, busy[count / 2] * 1e6,
		busy[count * 99 / 100] * 1e6, busy[count - 1] * 1e6, missed);
	for (unsigned long i = 0; i < ring; i++)
		sum = (sum ^ m[i * PAGE]) * 0x100000001b3ULL;
	printf("checksum %016llx seconds %.6f cpu %.6f\n", (unsigned long long)sum, total, cpu);
	return 0;
}
