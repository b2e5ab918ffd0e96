/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Remote syscalls: run a syscall inside a stopped thread, then restore it. */
#ifndef UFFDTRACE_INJECT_H
#define UFFDTRACE_INJECT_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

struct remote {
	pid_t tid;
	struct user_regs_struct saved; /* the thread's state, restored at the end */
	uint64_t text;                 /* where "syscall; int3" was written */
	long saved_text;
	int pending_signal;            /* arrived meanwhile; deliver on resume */
};

/* TID must be in a ptrace-stop.  Saves its registers and code. */
int remote_begin(struct remote *r, pid_t tid);
/* Returns the syscall's raw result (-errno on failure), or -ESRCH if the
 * thread vanished. */
long remote_syscall(struct remote *r, long nr, uint64_t a1, uint64_t a2,
		    uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);
/* Put code and registers back exactly as they were. */
int remote_end(struct remote *r);

/* Create a userfaultfd in the target's address space through the stopped
 * thread R, move it to the tracer and close the target's copy.  Returns the
 * tracer's descriptor, or -errno. */
int inject_userfaultfd(struct remote *r, pid_t pid);

#endif
