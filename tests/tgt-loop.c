/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A long-running writer to attach to: ITERS rounds (default 400), each
 * writing every page of its buffer and sleeping 10 ms.  Writes its pid to
 * READY once running; prints a checksum that depends only on ITERS.
 * Usage: tgt-loop READY [ITERS] */
#include "tgt.h"

#define NPAGES 32

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: tgt-loop READY [ITERS]");
	long iters = argc > 2 ? atol(argv[2]) : 400;
	char *p = map_guarded(NPAGES, 0);
	uint64_t sum = 0;
	for (long it = 0; it < iters; it++) {
		for (size_t i = 0; i < NPAGES; i++)
			p[i * PG + (size_t)(it % 512)] = (char)(it + (long)i);
		sum ^= fnv1a(p, NPAGES * PG) + (uint64_t)it;
		if (it == 0) {
			FILE *f = fopen(argv[1], "w");
			if (!f)
				die("%s: %s", argv[1], strerror(errno));
			fprintf(f, "%d %#lx %#lx\n", (int)getpid(), (unsigned long)p,
				(unsigned long)(p + NPAGES * PG));
			fclose(f);
		}
		msleep(10);
	}
	printf("loop: %ld rounds, checksum %016llx\n", iters, (unsigned long long)sum);
	return 0;
}
