/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Link 3 of the write-context call chain: see ctx.h. */
#include "ctx.h"

__attribute__((noinline)) int f1(int kind, char *p, size_t n)
{
	int line = f2(kind, p, n);
	CTX_AFTER_CALL();
	return line;
}
