/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A known write pattern: of NPAGES pages (default 300) in a mapping of
 * their own, every 3rd page is written, every 9th a second time.
 * Usage: tgt-pattern TRUTH [NPAGES] */
#include "tgt.h"

int main(int argc, char **argv)
{
	size_t npages = argc > 2 ? strtoul(argv[2], NULL, 0) : 300;
	truth_open(argc > 1 ? argv[1] : NULL);
	if (npages < 3)
		die("NPAGES must be at least 3");
	char *buf = map_guarded(npages, 0);
	bool prot = wait_protected(buf, npages);
	size_t pages = 0, writes = 0;
	for (size_t i = 0; i < npages; i += 3) {
		buf[i * PG + i % PG] = (char)(i + 1);
		pages++;
		writes++;
	}
	for (size_t i = 0; i < npages; i += 9) {
		buf[i * PG + 100] = (char)(i + 2);
		writes++;
	}
	truth("protected=%d", prot);
	truth("buf_start=%#lx", (unsigned long)buf);
	truth("buf_end=%#lx", (unsigned long)(buf + npages * PG));
	truth("pages=%zu", pages);
	truth("writes=%zu", writes);
	truth_close();
	printf("pattern: %zu of %zu pages written, %zu stores, checksum %016llx\n", pages,
	       npages, writes, (unsigned long long)fnv1a(buf, npages * PG));
	return 0;
}
