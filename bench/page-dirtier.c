// SPDX-License-Identifier: GPL-2.0-or-later
/* Workload: one store to each 4 KiB page of an anonymous region, ROUNDS
 * times over (the same pages each round: with --interval they fault again
 * in every epoch).  Usage: page-dirtier [MIB [ROUNDS]] (256 MiB, 5 rounds).
 * Huge pages are turned off so that a page is 4 KiB traced or not. */
#include "bench.h"

#include <sys/mman.h>

#define PAGE 4096UL

int main(int argc, char **argv)
{
	size_t mib = bench_arg(argc, argv, 1, 256), rounds = bench_arg(argc, argv, 2, 5);
	size_t pages = mib * 256, len = pages * PAGE;
	unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	madvise(m, len, MADV_NOHUGEPAGE);
	double t0 = bench_now();
	for (size_t r = 0; r < rounds; r++)
		for (size_t i = 0; i < pages; i++)
			m[i * PAGE + (r * 64 % PAGE)] = (unsigned char)(i * 31 + r);
	double t1 = bench_now();
	uint64_t sum = 0xcbf29ce484222325ULL;
	for (size_t r = 0; r < rounds && r < PAGE / 64; r++)
		for (size_t i = 0; i < pages; i++)
			sum = (sum ^ m[i * PAGE + r * 64]) * 0x100000001b3ULL;
	bench_result(sum, t1 - t0);
	return 0;
}
