// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel's own cost of async write-protection (UFFD_FEATURE_WP_ASYNC),
 * per page and epoch, as a limit for "uffdtrace --mode=async": the limit
 * any tracer of dirty pages built on it can reach.
 *
 * A region of PAGES populated pages (default 65536, 256 MiB) gets ROUNDS
 * rounds of one store per page, first unprotected ("plain"), then
 * registered with an in-process userfaultfd in async mode, where each round
 * is the stores ("fault": the kernel resolves every first write itself)
 * and then one PAGEMAP_SCAN with PM_SCAN_WP_MATCHING over the region, which
 * collects the written pages and protects them again ("scan").  Prints
 * microseconds per page for each, medians over the rounds:
 *   plain P fault F scan S async_cost (F - P + S) pages_per_scan N */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uffdtrace/compat.h"

#define PAGE 4096UL

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmpd);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double stores(unsigned char *m, size_t pages, int r)
{
	double t0 = bench_now();
	for (size_t i = 0; i < pages; i++)
		m[i * PAGE + (size_t)(r % 64) * 64] = (unsigned char)(i + (size_t)r);
	return bench_now() - t0;
}

int main(int argc, char **argv)
{
	size_t pages = bench_arg(argc, argv, 1, 65536);
	int rounds = (int)bench_arg(argc, argv, 2, 11);
	if (rounds > 64)
		rounds = 64;
	size_t len = pages * PAGE;
	unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 2;
	madvise(m, len, MADV_NOHUGEPAGE);
	memset(m, 0, len);
	double plain[64], fault[64], scan[64];
	for (int r = 0; r < rounds; r++)
		plain[r] = stores(m, pages, r);

	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API,
		.features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED };
	struct uffdio_register reg = { .range = { (unsigned long)m, len }, .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .range = { (unsigned long)m, len }, .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	int pm = open("/proc/self/pagemap", O_RDONLY);
	if (uffd < 0 || pm < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) {
		perror("async-cost: userfaultfd");
		return 2;
	}
	static struct page_region vec[1024];
	size_t got = 0;
	for (int r = 0; r < rounds; r++) {
		fault[r] = stores(m, pages, r);
		double t0 = bench_now();
		got = 0;
		for (unsigned long start = (unsigned long)m, end = start + len; start < end;) {
			struct pm_scan_arg a = {
				.size = sizeof a,
				.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
				.start = start,
				.end = end,
				.vec = (uint64_t)(uintptr_t)vec,
				.vec_len = 1024,
				.category_mask = PAGE_IS_WRITTEN,
				.return_mask = PAGE_IS_WRITTEN,
			};
			int n = ioctl(pm, PAGEMAP_SCAN, &a);
			if (n < 0) {
				perror("async-cost: PAGEMAP_SCAN");
				return 2;
			}
			for (int i = 0; i < n; i++)
				got += (vec[i].end - vec[i].start) / PAGE;
			if (a.walk_end <= start)
				break;
			start = a.walk_end;
		}
		scan[r] = bench_now() - t0;
		if (got != pages) {
			fprintf(stderr, "async-cost: the scan found %zu written pages of %zu\n", got, pages);
			return 1;
		}
	}
	double p = median(plain, rounds) / (double)pages * 1e6;
	double f = median(fault, rounds) / (double)pages * 1e6;
	double s = median(scan, rounds) / (double)pages * 1e6;
	printf("plain %.4f fault %.4f scan %.4f async_cost %.4f pages_per_scan %zu\n", p, f, s,
	       f - p + s, got);
	return 0;
}
