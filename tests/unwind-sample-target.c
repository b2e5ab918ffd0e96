/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Target for unwind-sample-check: page-faults on a fresh page at the end of a known call chain. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Usage: unwind-sample-target read|store.  Prints "READY", waits for a
 * byte on stdin (the checker enables its perf event meanwhile), then runs
 * main -> f0 -> f1 -> f2 -> f3, where f3 maps a fresh page and
 *   read:  read()s into it, so the kernel's copy faults in kernel mode;
 *   store: stores into it, a user-mode fault.
 * It then prints "DONE <page address>" and stays alive (the checker reads
 * its memory) until stdin closes.
 */

#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

static void *page;
volatile int sink;

/* The asm statements after each call keep -O2 from turning the calls into
 * tail jumps, which would remove the frames the checker expects. */
NOINLINE int f3(int mode_read)
{
	int fd;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		exit(2);
	if (mode_read) {
		fd = open("/proc/self/exe", O_RDONLY);
		if (fd < 0 || read(fd, page, 4096) != 4096)
			exit(2);
		close(fd);
	} else {
		*(volatile char *)page = 1;
	}
	asm volatile("" ::: "memory");
	return sink;
}

NOINLINE int f2(int m)
{
	int r = f3(m);

	asm volatile("" ::: "memory");
	return r + sink;
}

NOINLINE int f1(int m)
{
	int r = f2(m);

	asm volatile("" ::: "memory");
	return r + sink;
}

NOINLINE int f0(int m)
{
	int r = f1(m);

	asm volatile("" ::: "memory");
	return r + sink;
}

int main(int argc, char **argv)
{
	char c;
	int r;

	if (argc != 2 || (strcmp(argv[1], "read") && strcmp(argv[1], "store")))
		return 2;
	printf("READY\n");
	fflush(stdout);
	if (read(0, &c, 1) != 1)
		return 2;
	r = f0(!strcmp(argv[1], "read"));
	asm volatile("" ::: "memory");
	printf("DONE %p\n", page);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return r;
}
