/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Grows the heap with sbrk and writes a known set of pages of the new part.
 * No malloc or stdio runs between the growth and the end, so nothing else
 * writes there.  Usage: tgt-brk TRUTH */
#include "tgt.h"

#define NPAGES 200

static void say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int fd, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (fd >= 0 && write(fd, line, (size_t)n) != n)
		_exit(98);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: tgt-brk TRUTH");
	int tf = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (tf < 0)
		die("%s: %s", argv[1], strerror(errno));
	/* Start on a page boundary, so the grown part is whole pages. */
	uintptr_t cur = (uintptr_t)sbrk(0);
	uintptr_t lo = (cur + PG - 1) & ~(PG - 1);
	if (sbrk((intptr_t)(lo - cur + NPAGES * PG)) == (void *)-1)
		die("sbrk: %s", strerror(errno));
	char *buf = (char *)lo;
	bool prot = wait_protected(buf, NPAGES);
	size_t pages = 0;
	for (size_t i = 0; i < NPAGES; i++)
		if (i % 5 == 0 || i % 7 == 0) {
			buf[i * PG + 3] = 1;
			buf[i * PG + 2000] = 2;
			pages++;
		}
	say(tf, "protected=%d\n", prot);
	say(tf, "lo=%#lx\nhi=%#lx\n", (unsigned long)lo, (unsigned long)(lo + NPAGES * PG));
	say(tf, "pages=%zu\n", pages);
	close(tf);
	say(1, "brk: %zu pages, checksum %016llx\n", pages,
	    (unsigned long long)fnv1a(buf, NPAGES * PG));
	return 0;
}
