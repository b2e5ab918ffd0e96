/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Learn of the target's new mappings from perf side-band records. */
#ifndef UFFDTRACE_SIDEBAND_H
#define UFFDTRACE_SIDEBAND_H

#include <stdbool.h>
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

/* Called for each new writable private anonymous, heap or stack mapping
 * (KIND is an enum region_kind), for each new code mapping (KIND is
 * SIDEBAND_CODE), and with PID -1 when records were lost: then every
 * process must be looked at again. */
#define SIDEBAND_CODE (-2)
typedef void (*sideband_fn)(pid_t pid, uint64_t start, uint64_t end, int kind, void *arg);
void sideband_drain(struct sideband *sb, sideband_fn fn, void *arg);
/* Records are waiting; costs no syscall, so the fault loop may ask often. */
bool sideband_pending(const struct sideband *sb);

#endif
