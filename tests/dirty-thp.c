/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dirty pages in a transparent huge page.  An 8 MiB buffer at DIRTY_THP (2 MiB
 * aligned), madvise(MADV_HUGEPAGE), its first huge page populated by a write;
 * exits 77 unless /proc/self/smaps then shows it as AnonHugePages.  Writes
 * "PID" to READY, to be attached to (the huge page must exist before
 * uffdtrace protects the buffer: a protected empty range is populated in
 * 4 KiB pages), and waits until the buffer and a one-page clock at
 * DIRTY_CLOCK are write-protected.  Then: the clock page is written and the
 * target waits for it to be protected again (an epoch boundary), writes one
 * byte in each of 7 distinct 4 KiB pages of the huge page, then writes the
 * clock page and waits for the next boundary.  So the 7 writes lie in an
 * epoch of their own (the pages found present at attach lie in the first).
 * Usage: dirty-thp TRUTH READY */
#include "tgt.h"

#define DIRTY_THP 0x100000000000UL
#define DIRTY_CLOCK 0x100000a00000UL
#define HPAGE (2UL << 20)
#define BUF_PAGES (4 * HPAGE / PG)

static const int offsets[] = { 1, 50, 100, 200, 300, 400, 511 };
#define NWRITES (sizeof offsets / sizeof offsets[0])

/* AnonHugePages (kB) of the mapping holding ADDR, or -1. */
static long anon_huge_kb(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in = false;
	long kb = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static bool wait_wp(const void *p, const void *q, double secs)
{
	double end = now_s() + secs;
	while (now_s() < end) {
		if (page_wp(p) && (!q || page_wp(q)))
			return true;
		msleep(1);
	}
	return false;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: dirty-thp TRUTH READY");
	truth_open(argv[1]);
	char *buf = map_guarded(BUF_PAGES, DIRTY_THP);
	char *clk = map_guarded(1, DIRTY_CLOCK);
	if (madvise(buf, BUF_PAGES * PG, MADV_HUGEPAGE) < 0) {
		printf("skip: madvise(MADV_HUGEPAGE): %s\n", strerror(errno));
		return 77;
	}
	buf[0] = 1;
	long kb = anon_huge_kb(buf);
	truth("thp_kb_populated=%ld", kb);
	if (kb < (long)(HPAGE >> 10)) {
		printf("skip: no transparent huge page for the buffer (AnonHugePages: %ld kB)\n", kb);
		return 77;
	}
	FILE *f = fopen(argv[2], "w");
	if (!f)
		die("%s: %s", argv[2], strerror(errno));
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);

	/* Attached and protected: the huge page, its last 4 KiB page, the clock. */
	bool prot = wait_wp(buf, buf + HPAGE - PG, 10) && wait_wp(clk, NULL, 10);
	truth("protected=%d", prot);
	truth("thp_kb_protected=%ld", anon_huge_kb(buf));
	clk[0] = 1;
	bool b1 = wait_wp(clk, NULL, 10);
	for (size_t i = 0; i < NWRITES; i++)
		buf[(size_t)offsets[i] * PG + 7] = (char)(i + 2);
	truth("thp_kb_written=%ld", anon_huge_kb(buf));
	clk[0] = 2;
	bool b2 = wait_wp(clk, NULL, 10);
	truth("boundaries=%d", b1 && b2);
	truth("buf_start=%#lx", (unsigned long)buf);
	truth("clock_start=%#lx", (unsigned long)clk);
	truth("writes=%zu", NWRITES);
	truth("thp_kb_end=%ld", anon_huge_kb(buf));
	truth_close();
	printf("thp: %zu pages written, checksum %016llx\n", NWRITES,
	       (unsigned long long)fnv1a(buf, HPAGE));
	return 0;
}
