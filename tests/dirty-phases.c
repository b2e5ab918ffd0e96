/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dirty pages per epoch, known in advance: two buffers, A (64 pages at
 * DIRTY_A) and B (32 pages at DIRTY_B), written in phases, each phase in an
 * epoch of its own with an empty epoch between two phases.
 *
 * The target sees the epochs: a page it wrote is write-protected again
 * (pagemap bit 57) once the epoch it was written in has ended, in sync mode
 * (--interval re-protects) as in async mode (PAGEMAP_SCAN re-protects what
 * it collects).  So after each phase it waits for every page of A and B to
 * be protected again: an epoch boundary just passed.  It then sleeps 1.5
 * intervals, which lands it in the middle of the epoch after next, half an
 * interval away from either boundary, and writes the next phase there.
 * Phase 0, written before the target knows where the epochs lie, is a
 * single page: it cannot straddle a boundary.  Every page a phase writes is
 * written three times.
 *
 * Usage: dirty-phases TRUTH INTERVAL_MS */
#include "tgt.h"

#define DIRTY_A 0x100000000000UL
#define DIRTY_B 0x100000100000UL
#define A_PAGES 64
#define B_PAGES 32

struct span {
	int buf; /* 0: A, 1: B */
	int first, count;
};

/* Each phase: up to two spans of pages. */
static const struct span phases[][2] = {
	{ { 0, 0, 1 }, { 0, 0, 0 } },	/* A0: 1 page */
	{ { 0, 0, 20 }, { 0, 0, 0 } },	/* A0-19: 20 pages, A0 again */
	{ { 0, 10, 20 }, { 1, 0, 5 } },	/* A10-29, B0-4: 25, A10-19 again */
	{ { 1, 0, 16 }, { 0, 0, 0 } },	/* B0-15: 16, B0-4 again */
	{ { 0, 0, 40 }, { 1, 20, 3 } },	/* A0-39, B20-22: 43, A0-29 again */
};
#define NPHASES (sizeof phases / sizeof phases[0])

static char *bufs[2];
static const int npages[2] = { A_PAGES, B_PAGES };
static int pagemap_fd = -1;

/* Are all pages of both buffers write-protected? */
static bool all_protected(void)
{
	uint64_t v[A_PAGES];
	for (int b = 0; b < 2; b++) {
		size_t len = (size_t)npages[b] * sizeof v[0];
		off_t off = (off_t)((uintptr_t)bufs[b] / PG * sizeof v[0]);
		if (pread(pagemap_fd, v, len, off) != (ssize_t)len)
			die("pagemap: %s", strerror(errno));
		for (int i = 0; i < npages[b]; i++)
			if (!((v[i] >> 57) & 1))
				return false;
	}
	return true;
}

/* Until an epoch boundary has re-protected every page; its time. */
static bool wait_boundary(long interval_ms, double *when)
{
	double end = now_s() + 2 + 10 * interval_ms / 1e3;
	while (now_s() < end) {
		if (all_protected()) {
			*when = now_s();
			return true;
		}
		msleep(1);
	}
	return false;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: dirty-phases TRUTH INTERVAL_MS");
	truth_open(argv[1]);
	long interval_ms = atol(argv[2]);
	if (interval_ms < 20)
		die("INTERVAL_MS must be at least 20");
	bufs[0] = map_guarded(A_PAGES, DIRTY_A);
	bufs[1] = map_guarded(B_PAGES, DIRTY_B);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap_fd < 0)
		die("pagemap: %s", strerror(errno));
	bool tr = traced();
	bool prot = wait_protected(bufs[0], A_PAGES) && wait_protected(bufs[1], B_PAGES);

	static int written[2][A_PAGES]; /* in how many phases each page was */
	bool aligned = true;
	double max_write_ms = 0, last_boundary = 0;
	truth("interval_ms=%ld", interval_ms);
	truth("phases=%zu", NPHASES);
	truth("a_start=%#lx", (unsigned long)bufs[0]);
	truth("b_start=%#lx", (unsigned long)bufs[1]);
	for (size_t k = 0; k < NPHASES; k++) {
		if (k > 0 && tr)
			msleep(interval_ms * 3 / 2);
		double t0 = now_s();
		int pages = 0, rewritten = 0, per_buf[2] = { 0, 0 };
		for (int s = 0; s < 2; s++) {
			const struct span *sp = &phases[k][s];
			for (int i = sp->first; i < sp->first + sp->count; i++) {
				char *pg = bufs[sp->buf] + (size_t)i * PG;
				for (int w = 0; w < 3; w++)
					pg[(k * 3 + (size_t)w) * 64] = (char)(k * 16 + (size_t)w + 1);
				pages++;
				per_buf[sp->buf]++;
				if (written[sp->buf][i]++)
					rewritten++;
			}
		}
		double t1 = now_s();
		if ((t1 - t0) * 1e3 > max_write_ms)
			max_write_ms = (t1 - t0) * 1e3;
		/* Since the boundary before: where in its epoch the phase fell. */
		if (k > 0)
			truth("phase%zu_offset_ms=%.1f", k, (t0 - last_boundary) * 1e3);
		truth("phase%zu_write_ms=%.3f", k, (t1 - t0) * 1e3);
		truth("phase%zu_pages=%d", k, pages);
		truth("phase%zu_rewritten=%d", k, rewritten);
		truth("phase%zu_a=%d", k, per_buf[0]);
		truth("phase%zu_b=%d", k, per_buf[1]);
		if (tr && !wait_boundary(interval_ms, &last_boundary)) {
			fprintf(stderr, "target: no epoch boundary after phase %zu\n", k);
			aligned = false;
		}
	}
	int distinct[2] = { 0, 0 };
	for (int b = 0; b < 2; b++)
		for (int i = 0; i < npages[b]; i++)
			distinct[b] += written[b][i] != 0;
	truth("a_pages=%d", distinct[0]);
	truth("b_pages=%d", distinct[1]);
	truth("max_write_ms=%.3f", max_write_ms);
	truth("protected=%d", prot);
	truth("aligned=%d", aligned && tr);
	truth_close();
	printf("phases: %zu, checksum %016llx %016llx\n", NPHASES,
	       (unsigned long long)fnv1a(bufs[0], A_PAGES * PG),
	       (unsigned long long)fnv1a(bufs[1], B_PAGES * PG));
	return 0;
}
