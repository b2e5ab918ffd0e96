// SPDX-License-Identifier: GPL-2.0-or-later
/* Workload: qsort(3) of N pseudo-random ints (default 8M, 32 MiB, one
 * malloc'ed array).  Usage: qsort-ints [N].  Checks the order; the
 * checksum depends on it. */
#include "bench.h"

static int cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	size_t n = bench_arg(argc, argv, 1, 8u << 20);
	int *a = malloc(n * sizeof *a);
	if (!a)
		return 2;
	uint64_t s = 88172645463325252ULL;
	double t0 = bench_now();
	for (size_t i = 0; i < n; i++)
		a[i] = (int)(bench_rand(&s) >> 33);
	qsort(a, n, sizeof *a, cmp);
	double t1 = bench_now();
	uint64_t sum = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		if (i && a[i - 1] > a[i]) {
			fprintf(stderr, "qsort-ints: not sorted at %zu\n", i);
			return 1;
		}
		sum = (sum ^ (uint64_t)a[i]) * 0x100000001b3ULL;
	}
	bench_result(sum, t1 - t0);
	free(a);
	return 0;
}
