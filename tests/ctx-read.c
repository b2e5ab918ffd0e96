/* SPDX-License-Identifier: GPL-2.0-or-later */
/* read() a file into a fresh heap buffer from a function of its own,
 * load_file, called from main: the kernel writes the buffer inside read,
 * and the write context is that call.
 * Usage: tgt-ctx-read TRUTH FILE  (FILE a whole number of pages long) */
#include "tgt.h"
#include <sys/stat.h>

static __attribute__((noinline)) ssize_t load_file(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);
	/* No tail call: load_file stays on the stack under read. */
	__asm__ volatile("" ::: "memory");
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: tgt-ctx-read TRUTH FILE");
	int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s: %s", argv[2], strerror(errno));
	size_t size = (size_t)st.st_size;
	if (!size || size % PG)
		die("%s: size %zu is not a whole number of pages", argv[2], size);
	truth_open(argv[1]);
	char *buf = aligned_alloc(PG, size);
	if (!buf)
		die("aligned_alloc: %s", strerror(errno));
	bool prot = wait_protected(buf, size / PG);
	ssize_t got = load_file(fd, buf, size);
	if (got != (ssize_t)size)
		die("read returned %zd, not %zu", got, size);
	close(fd);
	truth("protected=%d", prot);
	truth("lo=%#lx", (unsigned long)buf);
	truth("hi=%#lx", (unsigned long)(buf + size));
	truth("pages=%zu", size / PG);
	truth_close();
	printf("read: %zu bytes, checksum %016llx\n", size, (unsigned long long)fnv1a(buf, size));
	free(buf);
	return 0;
}
