/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The call chain of the write-context targets: main -> f0 -> f1 -> f2 -> f3,
 * each in a compilation unit of its own (ctx-main.c, ctx-f0.c .. ctx-f3.c).
 * f3 makes one store of the kind asked for and returns the source line of
 * that store (or of the call that makes it). */
#ifndef UFFDTRACE_TESTS_CTX_H
#define UFFDTRACE_TESTS_CTX_H

#include <stddef.h>

enum ctx_kind {
	CTX_BYTE,   /* volatile char store: mov byte ptr */
	CTX_QWORD,  /* volatile uint64_t store: mov qword ptr */
	CTX_STOSB,  /* inline asm rep stosb over N bytes */
	CTX_AVX,    /* inline asm vmovdqu of a ymm register */
	CTX_MEMSET, /* libc memset of N bytes */
	CTX_MEMCPY, /* libc memcpy of N bytes */
	CTX_NKINDS
};

/* A barrier after each call keeps the calls from becoming tail jumps, which
 * would drop the caller's frame. */
#define CTX_AFTER_CALL() __asm__ volatile("" ::: "memory")

int f0(int kind, char *p, size_t n);
int f1(int kind, char *p, size_t n);
int f2(int kind, char *p, size_t n);
int f3(int kind, char *p, size_t n);

#endif
