/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writes into memory mapped after the start.
 * Usage: tgt-fresh TRUTH MODE
 *   wait  a large malloc (mmap'd by glibc) and a plain mmap; waits until
 *         uffdtrace protects them, then writes a known set of pages
 *   late  a mapping of its own, written at once (before uffdtrace can know
 *         of it), then lives on for 300 ms
 *   exit  the same, but exits right after writing */
#include "tgt.h"

static void write_set(char *first, size_t stride, size_t count)
{
	for (size_t i = 0; i < count; i++)
		first[i * stride] = (char)(i | 1);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: tgt-fresh TRUTH wait|late|exit");
	truth_open(argv[1]);
	const char *mode = argv[2];
	if (!strcmp(mode, "wait")) {
		size_t size = 1024 * PG;
		char *m = malloc(size);
		if (!m)
			die("malloc failed");
		/* glibc put the chunk at the start of a mapping of its own, a
		 * 16-byte header before M; the header page is written by malloc. */
		char *chunk = (char *)((uintptr_t)m & ~(PG - 1));
		if (m - chunk != 16)
			die("malloc did not mmap the chunk (%p)", (void *)m);
		bool p1 = wait_protected(chunk + PG, 1024);
		write_set(chunk + PG + 64, 2 * PG, 512);
		truth("mal_lo=%#lx", (unsigned long)(chunk + PG));
		truth("mal_hi=%#lx", (unsigned long)(chunk + 1025 * PG));
		truth("mal_first=%#lx", (unsigned long)(chunk + PG));
		truth("mal_stride=%lu", 2 * PG);
		truth("mal_count=%d", 512);

		char *a = mmap(NULL, 512 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a == MAP_FAILED)
			die("mmap: %s", strerror(errno));
		bool p2 = wait_protected(a, 512);
		write_set(a + PG + 7, 4 * PG, 128);
		truth("mm_lo=%#lx", (unsigned long)a);
		truth("mm_hi=%#lx", (unsigned long)(a + 512 * PG));
		truth("mm_first=%#lx", (unsigned long)(a + PG));
		truth("mm_stride=%lu", 4 * PG);
		truth("mm_count=%d", 128);
		truth("protected=%d", p1 && p2);
		truth_close();
		printf("fresh: %llx %llx\n", (unsigned long long)fnv1a(chunk + PG, 1024 * PG),
		       (unsigned long long)fnv1a(a, 512 * PG));
		return 0;
	}
	if (strcmp(mode, "late") && strcmp(mode, "exit"))
		die("unknown mode %s", mode);
	/* Let uffdtrace finish starting up, so only this mapping is new. */
	msleep(100);
	char *b = map_guarded(64, 0);
	write_set(b, PG, 40);
	truth("buf_start=%#lx", (unsigned long)b);
	truth("buf_end=%#lx", (unsigned long)(b + 64 * PG));
	truth("pages=%d", 40);
	truth_close();
	if (!strcmp(mode, "late"))
		msleep(300);
	printf("fresh %s: %llx\n", mode, (unsigned long long)fnv1a(b, 64 * PG));
	return 0;
}
