/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A known set of writes for the CTF conversion test: ctf_fill_pages writes
 * each of NPAGES pages (default 64) of a mapping of their own once, and a
 * read() fills 2 pages of another, so both user and kernel writes appear.
 * Usage: ctf-target TRUTH [NPAGES] */
#include "tgt.h"

/* noinline and named so: the test looks for this function in the CTF. */
static __attribute__((noinline)) void ctf_fill_pages(char *buf, size_t npages)
{
	for (size_t i = 0; i < npages; i++)
		buf[i * PG + 8] = (char)(i | 1);
}

int main(int argc, char **argv)
{
	size_t npages = argc > 2 ? strtoul(argv[2], NULL, 0) : 64;
	truth_open(argc > 1 ? argv[1] : NULL);
	if (npages < 1 || npages > 100000)
		die("NPAGES must be from 1 to 100000");
	char *buf = map_guarded(npages, 0);
	char *kbuf = map_guarded(2, 0);
	/* Waiting for protection makes every write a fault: exact counts. */
	bool prot = wait_protected(buf, npages) && wait_protected(kbuf, 2);
	ctf_fill_pages(buf, npages);
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, kbuf, 2 * PG) != (ssize_t)(2 * PG))
		die("read /dev/zero: %s", strerror(errno));
	close(fd);
	truth("protected=%d", prot);
	truth("buf_start=%#lx", (unsigned long)buf);
	truth("buf_end=%#lx", (unsigned long)(buf + npages * PG));
	truth("pages=%zu", npages);
	truth("kbuf_start=%#lx", (unsigned long)kbuf);
	truth("kbuf_end=%#lx", (unsigned long)(kbuf + 2 * PG));
	truth_close();
	printf("ctf-target: %zu pages written, checksum %016llx\n", npages,
	       (unsigned long long)fnv1a(buf, npages * PG));
	return 0;
}
