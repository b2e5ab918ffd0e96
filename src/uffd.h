/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The userfaultfd engine: features, registration, protection and messages. */
#ifndef UFFDTRACE_UFFD_H
#define UFFDTRACE_UFFD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "uffdtrace/compat.h"

/* Features every write-tracing descriptor needs. */
#define UFFD_WANT (UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_THREAD_ID | \
		   UFFD_FEATURE_EXACT_ADDRESS | UFFD_FEATURE_EVENT_UNMAP |     \
		   UFFD_FEATURE_EVENT_REMOVE | UFFD_FEATURE_EVENT_REMAP)

/* Negotiate features: WANT must all be there, OPTIONAL are taken if the
 * kernel has them.  Returns 0 and the features granted, or -errno. */
int uffd_api(int fd, uint64_t want, uint64_t optional, uint64_t *granted);
/* Ask the kernel what it offers, with a throw-away descriptor. */
int uffd_probe_features(uint64_t *features);

int uffd_register_wp(int fd, uint64_t start, uint64_t end);
int uffd_unregister(int fd, uint64_t start, uint64_t end);
/* Set or clear write protection; clearing wakes the waiting threads. */
int uffd_protect(int fd, uint64_t start, uint64_t end, bool protect);

/* Read up to MAX pending messages without blocking.  Returns the count,
 * 0 if none, or -errno. */
int uffd_read_msgs(int fd, struct uffd_msg *msgs, int max);

/* Call FN for each run of pages in [start, end) that held data when they
 * were protected (present, not the shared zero page, not written since),
 * using PAGEMAP_SCAN on PAGEMAP_FD. */
int pagemap_present(int pagemap_fd, uint64_t start, uint64_t end,
		    void (*fn)(uint64_t s, uint64_t e, void *arg), void *arg);

/* Does this kernel have PAGEMAP_SCAN (Linux 6.7)? */
bool pagemap_scan_works(void);

/* Async mode: call FN for each run of pages written since they were last
 * protected, and protect them again, in one PAGEMAP_SCAN per batch. */
int pagemap_collect(int pagemap_fd, uint64_t start, uint64_t end,
		    void (*fn)(uint64_t s, uint64_t e, void *arg), void *arg);

#endif
