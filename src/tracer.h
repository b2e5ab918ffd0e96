/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live tracer's state: traced processes, their threads, and the sinks. */
#ifndef UFFDTRACE_TRACER_H
#define UFFDTRACE_TRACER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "options.h"
#include "regions.h"
#include "sideband.h"
#include "stacks.h"

struct model;
struct trace_writer;
struct sideband;

struct kernel_sample;

struct thread {
	pid_t tid;
	struct process *proc;
	struct thread *next_hash;
	int syscall_fd;        /* /proc/PID/task/TID/syscall, read while it faults */
	bool stopped;          /* in a ptrace-stop that we hold */
	bool interrupting;     /* PTRACE_INTERRUPT sent, stop not seen yet */
	bool syscall_tracing;  /* resumed with PTRACE_SYSCALL (start-up phase) */
	bool in_syscall;       /* between syscall-enter and -exit stops */
	int pending_signal;    /* to deliver when it resumes */
	/* A user-mode write waits, unresolved, for the thread's stop. */
	bool capture_pending;
	struct event pending;
	struct process *pending_proc; /* whose userfaultfd reported it */
	/* Its latest page fault taken in kernel mode (--capture=stack). */
	struct kernel_sample *ksample;
};

struct process {
	pid_t pid;
	struct process *next;
	int uffd;              /* -1 until injected */
	int pagemap_fd;
	uint64_t start_brk;    /* the heap grows up from here */
	uint64_t features;
	struct range_table ranges; /* what is registered and protected */
	uint64_t *excluded;    /* pages never protected: rseq areas */
	size_t nexcluded, capexcluded;
	int64_t rseq_offset;   /* rseq area - thread pointer, if known */
	bool rseq_known;
	bool need_inject;      /* exec'd: make a userfaultfd at execve's exit */
	bool startup;          /* launched: until the rseq area is known */
	int startup_syscalls;
	bool count_present;    /* pages found dirty at protection count as written */
	uint64_t *stacks;      /* stack pointers seen: their mappings are stacks */
	size_t nstacks;
	int *fork_uffds;       /* children's descriptors from UFFD_EVENT_FORK */
	size_t nfork_uffds;
	bool rescan;           /* new mappings reported, not yet looked at */
	struct traced_range *found; /* protected, not yet scanned for pages
				     * written before (watch_found) */
	size_t nfound, capfound;
	struct unwinder *unwinder;   /* with --capture=stack */
	struct symbolizer *symbolizer;
	int nthreads;
};

struct tracer {
	struct options *opt;
	struct process *procs;
	struct thread *threads[1024]; /* hash on tid */
	struct sideband *sb;
	struct model *model;
	struct trace_writer *writer;
	pid_t leader;          /* the process the user named or launched */
	bool launched;
	bool leader_exited;
	int exit_status;       /* wait status of the leader */
	uint64_t t0_ns;
	bool stopping;
	/* The model is written here and read by the live view's thread. */
	pthread_mutex_t lock;
	int wake_fd;           /* eventfd: the live view asks for something */
	volatile int view_quit, view_epoch;
	uint64_t blocked_ns;   /* time writers waited for us, roughly */
	uint64_t last_fault_ns; /* when the latest fault was served */
	struct touch *touches; /* recent first touches, by page (capture.c) */
	bool draining;         /* in follow_sideband */
	int capturing;         /* threads interrupted for a capture */
};

uint64_t now_ns(void);
/* record.c: take in what perf has reported (new mappings, samples). */
void follow_sideband(struct tracer *t);
/* Start a new epoch: protect every traced page of every process again
 * (async mode: collect the written pages, which protects them again). */
void tracer_new_epoch(struct tracer *t);

/* target.c: processes, threads and ptrace. */
struct thread *thread_find(struct tracer *t, pid_t tid);
struct thread *thread_add(struct tracer *t, struct process *p, pid_t tid);
void thread_del(struct tracer *t, struct thread *th);
struct process *process_find(struct tracer *t, pid_t pid);
struct process *process_add(struct tracer *t, pid_t pid);
void process_del(struct tracer *t, struct process *p);
int target_launch(struct tracer *t, char **argv);
int target_attach(struct tracer *t, pid_t pid);
/* Handle one wait status; returns false once nothing is left to trace. */
void target_handle_wait(struct tracer *t, pid_t tid, int status);
void target_resume(struct thread *th, int sig);
void target_detach_all(struct tracer *t);
/* A child's descriptor from UFFD_EVENT_FORK of parent P (-f). */
void target_fork_uffd(struct tracer *t, struct process *p, int uffd);

/* watch.c: the write protection of one process. */
int watch_start(struct tracer *t, struct process *p, pid_t stopped_tid);
/* Take over UFFD, a descriptor for P that already exists. */
int watch_adopt(struct tracer *t, struct process *p, int uffd);
void watch_rescan(struct tracer *t, struct process *p);
/* Perf reported [s, e) as a new mapping of P. */
void watch_new_mapping(struct tracer *t, struct process *p, uint64_t s, uint64_t e,
		       enum region_kind kind);
/* Serve every pending message; returns how many there were. */
int watch_serve(struct tracer *t, struct process *p);
void watch_exclude_page(struct tracer *t, struct process *p, uint64_t addr);
void watch_mark_stack(struct tracer *t, struct process *p, uint64_t sp);
/* Count the pages that newly protected ranges held already: written
 * before their protection, by the writer their first touch names. */
void watch_found(struct tracer *t);
/* Protect every traced page again: a new epoch. */
void watch_reprotect(struct process *p);
/* Async mode: record the pages written since the last collection, and
 * protect them again.  Returns 0 or -errno. */
int watch_collect(struct tracer *t, struct process *p);
/* Drop all protection and the descriptor; no thread can block after it. */
void watch_stop(struct process *p);

/* capture.c: what a fault records. */
/* Fill in who wrote: user or kernel, syscall, PC and SP, without a stop. */
void capture_fault(struct tracer *t, struct thread *th, pid_t tid,
		   uint64_t addr, struct event *ev);
/* Decide what FAULT of P needs; resolves it now, or later at a stop. */
void capture_serve(struct tracer *t, struct process *p, struct thread *th, struct event *ev);
/* TH is in a ptrace-stop: finish the writes that waited for it. */
void capture_at_stop(struct tracer *t, struct thread *th);
/* Record what is still pending without its stop (exit, detach). */
void capture_flush(struct tracer *t, struct thread *th);
void capture_process_init(struct tracer *t, struct process *p);
/* Keep the latest kernel-mode fault sample of its thread. */
void capture_kernel_sample(struct tracer *t, const struct fault_sample *s);
/* Remember that instruction IP of TID first touched the page of ADDR. */
void capture_touch(struct tracer *t, pid_t pid, pid_t tid, uint64_t ip, uint64_t addr);
/* A page found dirty when first protected: name its writer if its first
 * touch was sampled, then record it. */
void capture_found(struct tracer *t, struct process *p, struct event *ev);
void capture_process_free(struct process *p);
/* Code was mapped or unmapped in P: cached unwind and symbol data may be stale. */
void capture_code_changed(struct process *p);

/* watch.c: un-protect one page and wake its writers. */
void watch_resolve(struct process *p, uint64_t addr);

/* record.c: sinks. */
uint32_t emit_region(struct tracer *t, pid_t pid, enum region_kind kind,
		     uint64_t start, uint64_t end);
/* Change region R->id to R. */
void emit_region_set(struct tracer *t, const struct region *r);
/* Read-only: changes go through emit_region_set, under the model lock. */
const struct region *region_get(struct tracer *t, uint32_t id);
void emit_event(struct tracer *t, const struct event *ev);
void emit_thread(struct tracer *t, pid_t pid, pid_t tid);
uint32_t emit_string(struct tracer *t, const char *s);
uint32_t emit_frame(struct tracer *t, const struct frame *f);
uint32_t emit_stack(struct tracer *t, const uint32_t *frames, uint32_t depth);
uint32_t emit_insn(struct tracer *t, const struct insn_rec *i);

#endif
