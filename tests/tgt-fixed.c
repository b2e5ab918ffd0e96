/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Three kinds of memory, for --range, --regions and --stacks: a buffer at
 * the fixed address 0x200000000000 (anon), another anonymous buffer, new
 * heap from sbrk, and a deep part of the main stack.  WAIT names which to
 * wait for until protected: f (fixed), a (anon), h (heap), p (pages 16 to
 * 32 of the fixed buffer only), or "-".
 * Usage: tgt-fixed TRUTH WAIT */
#include "tgt.h"
#include <alloca.h>

#define FIXED_ADDR 0x200000000000UL
#define NF 64
#define NA 32
#define NH 48
#define STACK_BYTES (256 * 1024)

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: tgt-fixed TRUTH WAIT");
	const char *w = argv[2];
	truth_open(argv[1]);
	char *f = map_guarded(NF, FIXED_ADDR);
	char *a = map_guarded(NA, 0);
	/* The heap, grown from a page boundary: no malloc from here on. */
	uintptr_t cur = (uintptr_t)sbrk(0);
	uintptr_t lo = (cur + PG - 1) & ~(PG - 1);
	if (sbrk((intptr_t)(lo - cur + NH * PG)) == (void *)-1)
		die("sbrk: %s", strerror(errno));
	char *h = (char *)lo;
	bool prot = true;
	if (strchr(w, 'f'))
		prot &= wait_protected(f, NF);
	if (strchr(w, 'p'))
		prot &= wait_protected(f + 16 * PG, 17);
	if (strchr(w, 'a'))
		prot &= wait_protected(a, NA);
	if (strchr(w, 'h'))
		prot &= wait_protected(h, NH);
	for (size_t i = 0; i < NF; i += 2)
		f[i * PG] = 1;          /* 32 pages */
	for (size_t i = 0; i < NA; i++)
		a[i * PG] = 2;          /* 32 pages */
	for (size_t i = 0; i < NH; i += 3)
		h[i * PG] = 3;          /* 16 pages */
	/* Stack pages well below anything written so far. */
	volatile char *s = alloca(STACK_BYTES);
	for (size_t i = 0; i < STACK_BYTES; i += PG)
		s[i] = 4;
	truth("protected=%d", prot);
	truth("f_lo=%#lx\nf_hi=%#lx\nf_pages=%d", (unsigned long)f,
	      (unsigned long)(f + NF * PG), NF / 2);
	truth("a_lo=%#lx\na_hi=%#lx\na_pages=%d", (unsigned long)a,
	      (unsigned long)(a + NA * PG), NA);
	truth("h_lo=%#lx\nh_hi=%#lx\nh_pages=%d", (unsigned long)h,
	      (unsigned long)(h + NH * PG), NH / 3);
	truth("s_lo=%#lx\ns_hi=%#lx", (unsigned long)s, (unsigned long)(s + STACK_BYTES));
	truth_close();
	printf("fixed: %016llx\n", (unsigned long long)(fnv1a(f, NF * PG) ^ fnv1a(a, NA * PG) ^
							 fnv1a(h, NH * PG)));
	return 0;
}
