/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Link 2 of the write-context call chain: see ctx.h. */
#include "ctx.h"

__attribute__((noinline)) int f0(int kind, char *p, size_t n)
{
	int line = f1(kind, p, n);
	CTX_AFTER_CALL();
	return line;
}
