/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one record every source produces and every sink consumes. */
#ifndef UFFDTRACE_EVENT_H
#define UFFDTRACE_EVENT_H

#include <stdint.h>

#define PAGE_SIZE_4K 4096ULL
#define PAGE_OF(a) ((a) & ~(PAGE_SIZE_4K - 1))

enum event_flags {
	EV_KERNEL = 1 << 0,    /* written by the kernel inside a syscall */
	EV_UNTRACKED = 1 << 1, /* found dirty when its region was first
				* protected: written before tracking began,
				* by an unknown site; no fault */
	EV_EA_MISMATCH = 1 << 2, /* the decoded store does not cover addr */
	EV_ASYNC = 1 << 3,     /* async mode: the page was found written when
				* its epoch was collected; no fault, no writer */
};

/* Events that stand for a dirty page found, not for a write fault. */
#define EV_NO_FAULT (EV_UNTRACKED | EV_ASYNC)

struct event {
	uint64_t time_ns; /* since the start of tracing */
	uint64_t addr;    /* exact faulting address */
	uint64_t ip;      /* user PC: the store, or just after the syscall */
	uint64_t sp;
	uint64_t args[6]; /* syscall arguments, for kernel writes */
	uint32_t pid;
	uint32_t tid;
	uint32_t region;  /* region id, see struct region */
	int32_t syscall;  /* syscall number of a kernel write, else -1 */
	uint32_t flags;   /* enum event_flags */
	uint32_t stack;   /* stack id (struct context_tables), innermost first */
	uint32_t insn;    /* instruction id, 0 if not captured */
	uint32_t access_size; /* bytes per element the store writes */
	uint64_t count;   /* elements written (rep count), 1 otherwise */
};

enum region_kind { REGION_HEAP, REGION_ANON, REGION_STACK, REGION_KINDS };

/* A traced range of the target's memory.  Ids are never reused, so the
 * statistics of memory unmapped and mapped again stay apart. */
struct region {
	uint32_t id;
	uint32_t pid;
	enum region_kind kind;
	uint64_t start, end; /* the widest extent it had */
	uint64_t first_ns, unmapped_ns;
	int unmapped;
};

const char *region_kind_name(enum region_kind k);

#endif
