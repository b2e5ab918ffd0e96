/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The target of the SVG tests: two writer functions of known page counts,
 * writer_small (64 pages) then writer_big (192 pages), in one mapping of
 * their own, a chunk every few milliseconds so the time axis has a shape.
 * Usage: svg-target TRUTH [ANY...] (the other arguments only show up in
 * the command line the picture quotes). */
#include "tgt.h"

#define SMALL 64
#define BIG 192
#define CHUNK 8

/* noinline and noclone keep each a frame of its own; the different values
 * keep -O2's identical code folding from making them one function. */
static void __attribute__((noinline, noclone)) writer_small(char *p, size_t npages)
{
	for (size_t i = 0; i < npages; i++)
		p[i * PG] = 's';
}

static void __attribute__((noinline, noclone)) writer_big(char *p, size_t npages)
{
	for (size_t i = 0; i < npages; i++)
		p[i * PG + 1] = 'b';
}

int main(int argc, char **argv)
{
	truth_open(argc > 1 ? argv[1] : NULL);
	char *buf = map_guarded(SMALL + BIG, 0);
	bool prot = wait_protected(buf, SMALL + BIG);
	for (size_t i = 0; i < SMALL; i += CHUNK) {
		writer_small(buf + i * PG, CHUNK);
		msleep(3);
	}
	for (size_t i = SMALL; i < SMALL + BIG; i += CHUNK) {
		writer_big(buf + i * PG, CHUNK);
		msleep(3);
	}
	truth("protected=%d", prot);
	truth("buf_start=%#lx", (unsigned long)buf);
	truth("buf_end=%#lx", (unsigned long)(buf + (SMALL + BIG) * PG));
	truth("small=%d", SMALL);
	truth("big=%d", BIG);
	truth_close();
	printf("svg-target: writer_small %d pages, writer_big %d pages, checksum %016llx\n", SMALL, BIG,
	       (unsigned long long)fnv1a(buf, (SMALL + BIG) * PG));
	return 0;
}
