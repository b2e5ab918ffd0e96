/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The end of the write-context call chain: one store of each kind, each on
 * a line of its own that the store reports with __LINE__.  See ctx.h. */
#include "ctx.h"

#include <stdint.h>
#include <string.h>

/* What memcpy copies: read-only data, never traced. */
static const char ctx_src[4096] = "uffdtrace write-context source";

__attribute__((noinline)) int f3(int kind, char *p, size_t n)
{
	switch (kind) {
	case CTX_BYTE:
		*(volatile char *)p = 'b'; return __LINE__;
	case CTX_QWORD:
		*(volatile uint64_t *)p = 0x0123456789abcdefULL; return __LINE__;
	case CTX_STOSB: {
		void *d = p;
		size_t c = n;
		__asm__ volatile("rep stosb" : "+D"(d), "+c"(c) : "a"(0x5a) : "memory"); return __LINE__;
	}
	case CTX_AVX:
		__asm__ volatile("vpcmpeqb %%ymm0, %%ymm0, %%ymm0\n\tvmovdqu %%ymm0, (%0)\n\tvzeroupper" : : "r"(p) : "xmm0", "memory"); return __LINE__;
	case CTX_MEMSET:
		memset(p, 0x6d, n); return __LINE__;
	case CTX_MEMCPY:
		memcpy(p, ctx_src, n); return __LINE__; /* n <= sizeof ctx_src */
	}
	return -1;
}
