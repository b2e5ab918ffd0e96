/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared helpers of the benchmark workloads (bench/suite.sh).  Each
 * workload is deterministic and ends with one line on standard output:
 *   checksum HEX seconds S
 * The checksum must be the same traced and native; the seconds are the
 * workload's own measure of its work (setup and exit excluded). */
#ifndef BENCH_H
#define BENCH_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* xorshift64*: the same sequence on every run. */
static inline uint64_t bench_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline unsigned long bench_arg(int argc, char **argv, int i, unsigned long def)
{
	if (argc <= i)
		return def;
	char *end;
	unsigned long v = strtoul(argv[i], &end, 10);
	if (*end || !v) {
		fprintf(stderr, "%s: bad argument '%s'\n", argv[0], argv[i]);
		exit(2);
	}
	return v;
}

static inline void bench_result(uint64_t sum, double seconds)
{
	printf("checksum %016llx seconds %.6f\n", (unsigned long long)sum, seconds);
	fflush(stdout);
}
#endif
