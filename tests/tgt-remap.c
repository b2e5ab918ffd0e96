/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Memory unmapped and mapped again at the same address: A pages written in
 * the first mapping, B in the second (some at the same addresses).
 * Usage: tgt-remap TRUTH */
#include "tgt.h"

#define NPAGES 64
#define A 20
#define B 30

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: tgt-remap TRUTH");
	truth_open(argv[1]);
	char *p = map_guarded(NPAGES, 0);
	bool prot1 = wait_protected(p, NPAGES);
	for (int i = 0; i < A; i++)
		p[(size_t)i * 2 * PG] = 1; /* pages 0, 2, ..., 38 */
	uint64_t s1 = fnv1a(p, NPAGES * PG);
	if (munmap(p, NPAGES * PG) < 0)
		die("munmap: %s", strerror(errno));
	/* Keep uffdtrace from seeing the hole and the new mapping as one
	 * change only by luck: the new one comes a little later. */
	msleep(50);
	char *q = mmap(p, NPAGES * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (q != p)
		die("mmap again at %p: %s", (void *)p, q == MAP_FAILED ? strerror(errno) : "moved");
	bool prot2 = wait_protected(q, NPAGES);
	for (int i = 0; i < B; i++)
		q[(size_t)(i + 20) * PG + 5] = 2; /* pages 20..49 */
	uint64_t s2 = fnv1a(q, NPAGES * PG);
	truth("protected=%d", prot1 && prot2);
	truth("lo=%#lx", (unsigned long)p);
	truth("hi=%#lx", (unsigned long)(p + NPAGES * PG));
	truth("a=%d", A);
	truth("b=%d", B);
	truth_close();
	printf("remap: %016llx %016llx\n", (unsigned long long)s1, (unsigned long long)s2);
	return 0;
}
