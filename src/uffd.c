/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Thin, checked wrappers around the userfaultfd ioctls and PAGEMAP_SCAN. */
#include "uffd.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int uffd_api(int fd, uint64_t want, uint64_t optional, uint64_t *granted)
{
	uint64_t avail;
	int rc = uffd_probe_features(&avail);
	if (rc < 0)
		return rc;
	if ((avail & want) != want)
		return -EOPNOTSUPP;
	struct uffdio_api api = { .api = UFFD_API, .features = want | (avail & optional) };
	if (ioctl(fd, UFFDIO_API, &api) < 0)
		return -errno;
	*granted = api.features;
	return 0;
}

int uffd_probe_features(uint64_t *features)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
		if (dev < 0)
			return -errno;
		fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
		close(dev);
		if (fd < 0)
			return -errno;
	}
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	int rc = ioctl(fd, UFFDIO_API, &api) < 0 ? -errno : 0;
	close(fd);
	*features = api.features;
	return rc;
}

int uffd_register_wp(int fd, uint64_t start, uint64_t end)
{
	struct uffdio_register reg = {
		.range = { .start = start, .len = end - start },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	return ioctl(fd, UFFDIO_REGISTER, &reg) < 0 ? -errno : 0;
}

int uffd_unregister(int fd, uint64_t start, uint64_t end)
{
	struct uffdio_range r = { .start = start, .len = end - start };
	return ioctl(fd, UFFDIO_UNREGISTER, &r) < 0 ? -errno : 0;
}

int uffd_protect(int fd, uint64_t start, uint64_t end, bool protect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = start, .len = end - start },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};
	return ioctl(fd, UFFDIO_WRITEPROTECT, &wp) < 0 ? -errno : 0;
}

int uffd_read_msgs(int fd, struct uffd_msg *msgs, int max)
{
	ssize_t n = read(fd, msgs, sizeof *msgs * (size_t)max);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return (int)(n / (ssize_t)sizeof *msgs);
}

/* Walk [start, end) with PAGEMAP_SCAN as TEMPLATE asks, in batches,
 * calling FN for each run of matching pages. */
static int pagemap_scan(int pagemap_fd, const struct pm_scan_arg *template, uint64_t start,
			uint64_t end, void (*fn)(uint64_t s, uint64_t e, void *arg), void *arg)
{
	struct page_region vec[256];
	while (start < end) {
		struct pm_scan_arg a = *template;
		a.size = sizeof a;
		a.start = start;
		a.end = end;
		a.vec = (uint64_t)(uintptr_t)vec;
		a.vec_len = 256;
		int n = ioctl(pagemap_fd, PAGEMAP_SCAN, &a);
		if (n < 0)
			return -errno;
		for (int i = 0; i < n; i++)
			fn(vec[i].start, vec[i].end, arg);
		if (a.walk_end <= start)
			break;
		start = a.walk_end;
	}
	return 0;
}

int pagemap_present(int pagemap_fd, uint64_t start, uint64_t end,
		    void (*fn)(uint64_t s, uint64_t e, void *arg), void *arg)
{
	/* Present, not the shared zero page (read, never written), and still
	 * write-protected: a page written since its protection was a fault
	 * (or, in async mode, will be collected) and is not counted twice. */
	const struct pm_scan_arg present = {
		.category_mask = PAGE_IS_PRESENT | PAGE_IS_PFNZERO | PAGE_IS_WRITTEN,
		.category_inverted = PAGE_IS_PFNZERO | PAGE_IS_WRITTEN,
		.return_mask = PAGE_IS_PRESENT,
	};
	return pagemap_scan(pagemap_fd, &present, start, end, fn, arg);
}

int pagemap_collect(int pagemap_fd, uint64_t start, uint64_t end,
		    void (*fn)(uint64_t s, uint64_t e, void *arg), void *arg)
{
	const struct pm_scan_arg written = {
		/* A part of the range not (yet) registered is skipped. */
		.flags = PM_SCAN_WP_MATCHING,
		.category_mask = PAGE_IS_WRITTEN,
		.return_mask = PAGE_IS_WRITTEN,
	};
	return pagemap_scan(pagemap_fd, &written, start, end, fn, arg);
}

bool pagemap_scan_works(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct pm_scan_arg a = { .size = sizeof a }; /* an empty range */
	bool ok = ioctl(fd, PAGEMAP_SCAN, &a) >= 0;
	close(fd);
	return ok;
}
