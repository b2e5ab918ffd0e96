/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For the live view's new-epoch key: rewrites the same NPAGES pages every
 * 100 ms for ROUNDS rounds (default 16 pages, 200 rounds: about 20 s) and
 * prints a line per round, so a new epoch makes the same writes reappear.
 * The lines go to OUT if given: under the live view the terminal is taken.
 * Usage: tui-live-target [NPAGES [ROUNDS [OUT]]] */
#include "tgt.h"

static __attribute__((noinline)) void rewrite(char *p, size_t npages, long round)
{
	for (size_t i = 0; i < npages; i++)
		p[i * PG + (size_t)(round % 512)] = (char)(round + (long)i);
}

int main(int argc, char **argv)
{
	long npages = argc > 1 ? atol(argv[1]) : 16;
	long rounds = argc > 2 ? atol(argv[2]) : 200;
	if (npages < 1 || npages > 65536 || rounds < 1)
		die("usage: tui-live-target [NPAGES [ROUNDS [OUT]]]");
	FILE *out = stdout;
	if (argc > 3 && !(out = fopen(argv[3], "w")))
		die("%s: %s", argv[3], strerror(errno));
	char *p = map_guarded((size_t)npages, 0);
	wait_protected(p, (size_t)npages);
	for (long r = 0; r < rounds; r++) {
		rewrite(p, (size_t)npages, r);
		fprintf(out, "tui-live-target: round %ld, %ld pages\n", r + 1, npages);
		fflush(out);
		msleep(100);
	}
	if (out != stdout)
		fclose(out);
	return 0;
}
