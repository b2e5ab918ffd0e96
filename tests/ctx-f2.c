/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Link 4 of the write-context call chain: see ctx.h. */
#include "ctx.h"

__attribute__((noinline)) int f2(int kind, char *p, size_t n)
{
	int line = f3(kind, p, n);
	CTX_AFTER_CALL();
	return line;
}
