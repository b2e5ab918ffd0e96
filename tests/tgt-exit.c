/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writes some memory and prints, then ends as asked.
 * Usage: tgt-exit CODE | abort | segv */
#include "tgt.h"
#include <signal.h>

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "0";
	char *p = map_guarded(16, 0);
	wait_protected(p, 16);
	for (int i = 0; i < 16; i++)
		p[(size_t)i * PG] = (char)i;
	char *m = malloc(100000);
	if (!m)
		die("malloc");
	memset(m, 'x', 100000);
	printf("exit: ending with %s\n", how);
	for (int i = 0; i < 300; i++)
		printf("line %d %016llx\n", i, (unsigned long long)fnv1a(m, (size_t)i * 100));
	fflush(stdout);
	if (!strcmp(how, "abort"))
		abort();
	if (!strcmp(how, "segv")) {
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	}
	return atoi(how);
}
