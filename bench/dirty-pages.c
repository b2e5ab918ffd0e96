// SPDX-License-Identifier: GPL-2.0-or-later
/* Benchmark workload: time one store to each page of a populated,
 * write-protected region.  "native" runs it bare; "inproc" protects the
 * region with its own userfaultfd and serves the faults from a thread in the
 * same process (the limit a tracer in another process is measured against);
 * "traced" waits until a tracer has protected the region.  Prints the cost
 * per page in microseconds and a checksum. */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

static int uffd = -1;

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void *handler(void *arg)
{
	(void)arg;
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	for (;;) {
		struct uffd_msg m[64];
		if (poll(&p, 1, -1) < 0)
			continue;
		ssize_t n = read(uffd, m, sizeof m);
		for (ssize_t i = 0; i < n / (ssize_t)sizeof *m; i++) {
			if (m[i].event != UFFD_EVENT_PAGEFAULT)
				continue;
			struct uffdio_writeprotect wp = {
				.range = { m[i].arg.pagefault.address & ~(PAGE - 1), PAGE }, .mode = 0 };
			ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
		}
	}
	return NULL;
}

static void protect_inproc(char *m, size_t len)
{
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = { .range = { (unsigned long)m, len }, .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .range = { (unsigned long)m, len }, .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) {
		perror("userfaultfd");
		exit(2);
	}
	pthread_t t;
	pthread_create(&t, NULL, handler, NULL);
}

/* Wait until another process registered our region with a userfaultfd
 * ("uw" in its VmFlags), then a little longer for the protection. */
static void wait_traced(char *m)
{
	char line[512];
	unsigned long addr = (unsigned long)m;
	for (int tries = 0; tries < 5000; tries++) {
		FILE *f = fopen("/proc/self/smaps", "r");
		int in = 0, found = 0;
		unsigned long s, e;
		while (f && fgets(line, sizeof line, f)) {
			/* A mapping's header line: "start-end perms ..." */
			if (sscanf(line, "%lx-%lx ", &s, &e) == 2)
				in = s <= addr && addr < e;
			else if (in && strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " uw"))
				found = 1;
		}
		if (f)
			fclose(f);
		if (found) {
			usleep(50000);
			return;
		}
		usleep(1000);
	}
	fprintf(stderr, "dirty-pages: the region was never protected\n");
	exit(3);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: dirty-pages native|inproc|traced PAGES\n");
		return 2;
	}
	size_t pages = strtoul(argv[2], NULL, 10), len = pages * PAGE;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m == MAP_FAILED)
		return 2;
	madvise(m, len, MADV_NOHUGEPAGE);
	if (strcmp(argv[1], "inproc") == 0)
		protect_inproc(m, len);
	else if (strcmp(argv[1], "traced") == 0)
		wait_traced(m);
	double t0 = now_us();
	for (size_t i = 0; i < pages; i++)
		m[i * PAGE] = (char)(i | 1);
	double t1 = now_us();
	unsigned long sum = 0;
	for (size_t i = 0; i < pages; i++)
		sum += (unsigned char)m[i * PAGE];
	printf("us_per_page %.3f checksum %lu\n", (t1 - t0) / (double)pages, sum);
	return 0;
}
