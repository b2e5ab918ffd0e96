/* SPDX-License-Identifier: GPL-2.0-or-later */
/* read() a file into a fresh heap buffer: the kernel does the writing.
 * Usage: tgt-read TRUTH FILE  (FILE a whole number of pages long) */
#include "tgt.h"
#include <sys/stat.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: tgt-read TRUTH FILE");
	int tf = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (tf < 0 || fd < 0 || fstat(fd, &st) < 0)
		die("open: %s", strerror(errno));
	size_t size = (size_t)st.st_size;
	if (!size || size % PG)
		die("%s: size %zu is not a whole number of pages", argv[2], size);
	/* A fresh, page-aligned part of the heap, untouched by user code. */
	uintptr_t cur = (uintptr_t)sbrk(0);
	uintptr_t lo = (cur + PG - 1) & ~(PG - 1);
	if (sbrk((intptr_t)(lo - cur + size)) == (void *)-1)
		die("sbrk: %s", strerror(errno));
	char *buf = (char *)lo;
	bool prot = wait_protected(buf, size / PG);
	ssize_t got = read(fd, buf, size);
	if (got != (ssize_t)size)
		die("read returned %zd", got);
	char line[256];
	int n = snprintf(line, sizeof line, "protected=%d\nlo=%#lx\nhi=%#lx\npages=%zu\n", prot,
			 (unsigned long)lo, (unsigned long)(lo + size), size / PG);
	if (write(tf, line, (size_t)n) != n)
		die("write: %s", strerror(errno));
	close(tf);
	n = snprintf(line, sizeof line, "read: %zu bytes, checksum %016llx\n", size,
		     (unsigned long long)fnv1a(buf, size));
	if (write(1, line, (size_t)n) != n)
		die("write: %s", strerror(errno));
	return 0;
}
