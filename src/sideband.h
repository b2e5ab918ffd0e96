/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Perf side band: the target's new mappings, and its kernel-mode faults. */
#ifndef UFFDTRACE_SIDEBAND_H
#define UFFDTRACE_SIDEBAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The user registers of a perf sample, indexed by PERF_REG_X86_*. */
#define SAMPLE_REGS 24

/* A page fault taken in kernel mode (a syscall writing user memory), with
 * the thread's user registers at syscall entry and a copy of its stack. */
struct fault_sample {
	pid_t pid, tid;
	uint64_t addr;
	uint64_t regs[SAMPLE_REGS];
	const void *stack; /* valid during the callback only */
	size_t stack_len;
};

struct sideband_ops {
	/* A new writable private anonymous, heap or stack mapping (KIND is an
	 * enum region_kind) or code mapping (KIND is SIDEBAND_CODE); PID -1
	 * when records were lost: then look at every process again. */
	void (*mapping)(void *arg, pid_t pid, uint64_t start, uint64_t end, int kind);
	void (*kernel_fault)(void *arg, const struct fault_sample *s);
	/* A page fault in user mode: the instruction IP touched ADDR. */
	void (*touch)(void *arg, pid_t pid, pid_t tid, uint64_t ip, uint64_t addr);
};
#define SIDEBAND_CODE (-2)

struct sideband;

/* One ring buffer per CPU; poll the descriptors it hands out.  With
 * KERNEL_FAULTS, kernel-mode page faults are sampled with stacks too; with
 * TOUCHES, user-mode page faults with their instruction. */
struct sideband *sideband_new(bool kernel_faults, bool touches);
void sideband_free(struct sideband *sb);
/* Follow TID and every thread or child it creates from now on. */
int sideband_follow(struct sideband *sb, pid_t tid);
int sideband_nfds(const struct sideband *sb);
int sideband_fd(const struct sideband *sb, int i);
void sideband_drain(struct sideband *sb, const struct sideband_ops *ops, void *arg);
/* Records are waiting; costs no syscall, so the fault loop may ask often. */
bool sideband_pending(const struct sideband *sb);

#endif
