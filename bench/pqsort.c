// SPDX-License-Identifier: GPL-2.0-or-later
/* Workload: parallel quicksort with THREADS threads (default 128) of N
 * pseudo-random ints (default 8M), the kind of smoke test used for the
 * kernel's uffd-wp work: each thread partitions its part of the array,
 * starts a thread for the lower half and sorts the upper half itself,
 * until THREADS threads run; the leaves sort with a plain recursive
 * quicksort.  Then checks the order.  Usage: pqsort [N [THREADS]]. */
#include "bench.h"

#include <pthread.h>

static int *a;
static size_t leaves;

static size_t partition(size_t lo, size_t hi)
{
	/* Median of three as the pivot; Hoare's scheme. */
	size_t mid = lo + (hi - lo) / 2;
	int x = a[lo], y = a[mid], z = a[hi - 1];
	int p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
	size_t i = lo, j = hi - 1;
	for (;;) {
		while (a[i] < p)
			i++;
		while (a[j] > p)
			j--;
		if (i >= j)
			return j + 1;
		int t = a[i];
		a[i++] = a[j];
		a[j--] = t;
	}
}

static void sort(size_t lo, size_t hi)
{
	while (hi - lo > 16) {
		size_t m = partition(lo, hi);
		if (m - lo < hi - m) {
			sort(lo, m);
			lo = m;
		} else {
			sort(m, hi);
			hi = m;
		}
	}
	for (size_t i = lo + 1; i < hi; i++) {
		int v = a[i];
		size_t j = i;
		for (; j > lo && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

struct part {
	size_t lo, hi, width; /* width: threads this part may use */
};

static void *psort(void *arg)
{
	struct part *p = arg;
	if (p->width > 1) {
		/* A part too small to partition is sorted here and split in
		 * the middle: there are always THREADS threads. */
		size_t m;
		if (p->hi - p->lo > 16) {
			m = partition(p->lo, p->hi);
		} else {
			sort(p->lo, p->hi);
			m = p->lo + (p->hi - p->lo) / 2;
		}
		struct part left = { p->lo, m, p->width / 2 };
		pthread_t t;
		if (pthread_create(&t, NULL, psort, &left) != 0) {
			fprintf(stderr, "pqsort: cannot create a thread\n");
			exit(2);
		}
		struct part right = { m, p->hi, p->width - p->width / 2 };
		psort(&right);
		pthread_join(t, NULL);
		return NULL;
	}
	__atomic_fetch_add(&leaves, 1, __ATOMIC_RELAXED);
	sort(p->lo, p->hi);
	return NULL;
}

int main(int argc, char **argv)
{
	size_t n = bench_arg(argc, argv, 1, 8u << 20), threads = bench_arg(argc, argv, 2, 128);
	a = malloc(n * sizeof *a);
	if (!a)
		return 2;
	uint64_t s = 0x853c49e6748fea9bULL;
	double t0 = bench_now();
	for (size_t i = 0; i < n; i++)
		a[i] = (int)(bench_rand(&s) >> 33);
	struct part all = { 0, n, threads };
	psort(&all);
	double t1 = bench_now();
	uint64_t sum = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		if (i && a[i - 1] > a[i]) {
			fprintf(stderr, "pqsort: NOT SORTED at %zu (%d > %d)\n", i, a[i - 1], a[i]);
			return 1;
		}
		sum = (sum ^ (uint64_t)a[i]) * 0x100000001b3ULL;
	}
	if (leaves != threads) {
		fprintf(stderr, "pqsort: %zu leaf threads instead of %zu\n", leaves, threads);
		return 1;
	}
	bench_result(sum, t1 - t0);
	free(a);
	return 0;
}
