// SPDX-License-Identifier: GPL-2.0-or-later
/* Workload: an open-addressing hash table of MIB MiB (default 64; 16-byte
 * slots), filled to 3/4 with pseudo-random keys, then every key looked up
 * together with as many absent ones.  Usage: hash-table [MIB]. */
#include "bench.h"

#include <string.h>

struct slot {
	uint64_t key, val;
};

static inline uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

int main(int argc, char **argv)
{
	size_t mib = bench_arg(argc, argv, 1, 64);
	size_t nslots = mib << 16, mask = nslots - 1; /* 16 bytes a slot */
	if (nslots & mask) {
		fprintf(stderr, "hash-table: MIB must be a power of two\n");
		return 2;
	}
	struct slot *t = malloc(nslots * sizeof *t);
	if (!t)
		return 2;
	size_t nkeys = nslots / 4 * 3;
	uint64_t s = 0x9E3779B97F4A7C15ULL, sum = 0;
	double t0 = bench_now();
	memset(t, 0, nslots * sizeof *t);
	for (size_t i = 0; i < nkeys; i++) {
		uint64_t k = bench_rand(&s) | 1; /* even keys are never inserted */
		size_t h = mix(k) & mask;
		while (t[h].key && t[h].key != k)
			h = (h + 1) & mask;
		t[h].key = k;
		t[h].val += i;
	}
	s = 0x9E3779B97F4A7C15ULL;
	uint64_t found = 0;
	for (size_t i = 0; i < nkeys; i++) {
		uint64_t r = bench_rand(&s);
		for (int absent = 0; absent < 2; absent++) {
			uint64_t k = absent ? r & ~1ULL : r | 1;
			size_t h = mix(k) & mask;
			while (t[h].key && t[h].key != k)
				h = (h + 1) & mask;
			if (t[h].key == k) {
				found++;
				sum = (sum ^ t[h].val) * 0x100000001b3ULL;
			}
		}
	}
	double t1 = bench_now();
	if (found != nkeys) {
		fprintf(stderr, "hash-table: found %llu of %zu keys\n", (unsigned long long)found, nkeys);
		return 1;
	}
	bench_result(sum ^ found, t1 - t0);
	free(t);
	return 0;
}
