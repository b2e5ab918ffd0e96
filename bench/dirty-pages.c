// SPDX-License-Identifier: GPL-2.0-or-later
/* Benchmark workload: time one store to each page of a
 * write-protected region (never touched before, so each store also pays
 * for a zero-filled page).  "native" runs it bare; "inproc" protects the
 * region with its own userfaultfd and serves the faults from a thread in the
 * same process (the limit a tracer in another process is measured against);
 * "traced" waits until a tracer has protected the region.  Prints the cost
 * per page in microseconds and a checksum. */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
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
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP | (1 << 13) /* WP_UNPOPULATED */ };
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

/* Wait until another process has write-protected our region: bit 57 of
 * a page's /proc/self/pagemap entry is its uffd-wp bit.  Check the last
 * page, which is protected last. */
static void wait_traced(char *m, size_t len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t entry = 0;
	off_t off = (off_t)(((uintptr_t)m + len - PAGE) / PAGE * 8);
	for (int tries = 0; fd >= 0 && tries < 10000; tries++) {
		if (pread(fd, &entry, sizeof entry, off) == sizeof entry && (entry >> 57 & 1)) {
			close(fd);
			return;
		}
		usleep(500);
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
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 2;
	/* Pages stay unpopulated: a tracer protects the region as soon as it
	 * appears, and writes that populate it would race with that.  Every
	 * mode pays the same zero-fill per page. */
	madvise(m, len, MADV_NOHUGEPAGE);
	if (strcmp(argv[1], "inproc") == 0)
		protect_inproc(m, len);
	else if (strcmp(argv[1], "traced") == 0)
		wait_traced(m, len);
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
