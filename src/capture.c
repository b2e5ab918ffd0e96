/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What one write fault records: who wrote, from user code or from the kernel
 * inside which syscall.  /proc/PID/task/TID/syscall tells it while the
 * writer sleeps in the fault, with no ptrace stop. */
#include "tracer.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int open_syscall_file(pid_t tid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)tid);
	return open(path, O_RDONLY | O_CLOEXEC);
}

void capture_fault(struct tracer *t, struct thread *th, pid_t tid,
		   uint64_t addr, struct event *ev)
{
	(void)t;
	(void)addr;
	char buf[256];
	int fd = th ? th->syscall_fd : -1;
	if (th && fd < 0)
		fd = th->syscall_fd = open_syscall_file(tid);
	else if (!th)
		fd = open_syscall_file(tid);
	if (fd < 0)
		return;
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (!th)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	/* "-1 SP PC" for a user-mode fault (PC is the store);
	 * "NR A1 .. A6 SP PC" for a fault inside syscall NR. */
	char *p = buf, *end;
	long nr = strtol(p, &end, 10);
	if (end == p)
		return; /* "running": it left the fault already */
	p = end;
	if (nr >= 0) {
		ev->syscall = (int32_t)nr;
		ev->flags |= EV_KERNEL;
		for (int i = 0; i < 6; i++) {
			ev->args[i] = strtoull(p, &end, 16);
			p = end;
		}
	}
	ev->sp = strtoull(p, &end, 16);
	p = end;
	ev->ip = strtoull(p, &end, 16);
}
