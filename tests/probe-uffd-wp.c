/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Does this kernel offer userfaultfd write-protection?  Exit 0 if so, 77
 * (skip) with the reason on standard output otherwise.  With "devuffd",
 * the same through /dev/userfaultfd (USERFAULTFD_IOC_NEW). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif
#define FEAT_WP (1ULL << 0)          /* UFFD_FEATURE_PAGEFAULT_FLAG_WP */
#define FEAT_WP_UNPOPULATED (1ULL << 13)

int main(int argc, char **argv)
{
	int fd;
	if (argc > 1 && !strcmp(argv[1], "devuffd")) {
		int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
		if (dev < 0) {
			printf("/dev/userfaultfd: %s\n", strerror(errno));
			return 77;
		}
		fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC);
		close(dev);
		if (fd < 0) {
			printf("USERFAULTFD_IOC_NEW: %s\n", strerror(errno));
			return 77;
		}
	} else {
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			printf("userfaultfd: %s\n", strerror(errno));
			return 77;
		}
	}
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	if (ioctl(fd, UFFDIO_API, &api) < 0) {
		printf("UFFDIO_API: %s\n", strerror(errno));
		return 77;
	}
	close(fd);
	if (!(api.features & FEAT_WP)) {
		printf("no userfaultfd write-protection (features %#llx)\n",
		       (unsigned long long)api.features);
		return 77;
	}
	if (!(api.features & FEAT_WP_UNPOPULATED)) {
		printf("no UFFD_FEATURE_WP_UNPOPULATED (features %#llx)\n",
		       (unsigned long long)api.features);
		return 77;
	}
	return 0;
}
