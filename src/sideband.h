/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Learn of the target's new mappings from perf side-band records. */
#ifndef UFFDTRACE_SIDEBAND_H
#define UFFDTRACE_SIDEBAND_H

#include <stdint.h>
#include <sys/types.h>

struct sideband;

/* One ring buffer per CPU; poll the descriptors it hands out. */
struct sideband *sideband_new(void);
void sideband_free(struct sideband *sb);
/* Follow TID and every thread or child it creates from now on. */
int sideband_follow(struct sideband *sb, pid_t tid);
int sideband_nfds(const struct sideband *sb);
int sideband_fd(const struct sideband *sb, int i);

/* Drain all buffers; FN is called for each new writable private mapping,
 * and with PID -1 when records were lost (rescan every process). */
void sideband_drain(struct sideband *sb,
		    void (*fn)(pid_t pid, uint64_t start, uint64_t end, void *arg), void *arg);

#endif
