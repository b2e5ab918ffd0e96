/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Launch or attach; the table of processes and threads; ptrace stops; detach.
 *
 * Threads are seized, never stopped for long: faults are served by the
 * userfaultfd loop, and ptrace only reports the target's life events. */
#include "tracer.h"
#include "log.h"
#include "sideband.h"
#include "uffd.h"
#include "uffdtrace/compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PTRACE_OPTS (PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD)
#define PTRACE_OPTS_FORKS (PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK)
/* Async mode stops threads as they exit, to collect a last time. */
#define PTRACE_OPTS_FOR(o) (PTRACE_OPTS | ((o)->follow_forks ? PTRACE_OPTS_FORKS : 0) | \
			    ((o)->async ? PTRACE_O_TRACEEXIT : 0))
/* Syscall stops before the start-up phase gives up looking for rseq(). */
#define STARTUP_SYSCALL_LIMIT 2000

static unsigned hash_tid(pid_t tid)
{
	return (unsigned)tid % 1024;
}

struct thread *thread_find(struct tracer *t, pid_t tid)
{
	for (struct thread *th = t->threads[hash_tid(tid)]; th; th = th->next_hash)
		if (th->tid == tid)
			return th;
	return NULL;
}

struct thread *thread_add(struct tracer *t, struct process *p, pid_t tid)
{
	struct thread *th = thread_find(t, tid);
	if (th)
		return th;
	th = xcalloc(1, sizeof *th);
	th->tid = tid;
	th->proc = p;
	th->syscall_fd = -1;
	th->next_hash = t->threads[hash_tid(tid)];
	t->threads[hash_tid(tid)] = th;
	p->nthreads++;
	emit_thread(t, p->pid, tid);
	return th;
}

void thread_del(struct tracer *t, struct thread *th)
{
	struct thread **pp = &t->threads[hash_tid(th->tid)];
	while (*pp != th)
		pp = &(*pp)->next_hash;
	*pp = th->next_hash;
	capture_flush(t, th);
	if (th->syscall_fd >= 0)
		close(th->syscall_fd);
	struct process *p = th->proc;
	free(th->ksample);
	free(th);
	if (--p->nthreads == 0)
		process_del(t, p);
}

struct process *process_find(struct tracer *t, pid_t pid)
{
	for (struct process *p = t->procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

struct process *process_add(struct tracer *t, pid_t pid)
{
	struct process *p = xcalloc(1, sizeof *p);
	p->pid = pid;
	p->uffd = -1;
	p->pagemap_fd = -1;
	p->next = t->procs;
	t->procs = p;
	return p;
}

void process_del(struct tracer *t, struct process *p)
{
	watch_stop(p);
	for (size_t i = 0; i < p->nfork_uffds; i++)
		close(p->fork_uffds[i]);
	struct process **pp = &t->procs;
	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	capture_process_free(p);
	ranges_free(&p->ranges);
	free(p->excluded);
	free(p->stacks);
	free(p->found);
	free(p->fork_uffds);
	free(p);
}

void target_resume(struct thread *th, int sig)
{
	int req = th->syscall_tracing ? PTRACE_SYSCALL : PTRACE_CONT;
	if (!sig) {
		sig = th->pending_signal;
		th->pending_signal = 0;
	}
	th->stopped = false;
	ptrace(req, th->tid, 0, sig);
}

/* The kernel writes each thread's rseq area on every return to user space;
 * protecting it would fault inside the kernel at every switch, and hang a
 * thread that has a ptrace interrupt pending.  Learn where it is. */
static void learn_rseq(struct tracer *t, struct thread *th)
{
	struct process *p = th->proc;
	struct ut_rseq_configuration rc = { 0 };
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
		return;
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, th->tid, sizeof rc, &rc) > 0 && rc.rseq_abi_pointer) {
		watch_exclude_page(t, p, rc.rseq_abi_pointer);
		/* glibc puts it at a fixed offset from the thread pointer, which
		 * tells where threads created later will have theirs. */
		p->rseq_offset = (int64_t)(rc.rseq_abi_pointer - regs.fs_base);
		p->rseq_known = true;
	} else if (p->rseq_known && regs.fs_base) {
		watch_exclude_page(t, p, regs.fs_base + (uint64_t)p->rseq_offset);
	}
	watch_mark_stack(t, p, regs.rsp);
}

static void new_thread_stopped(struct tracer *t, struct thread *th)
{
	th->stopped = true;
	learn_rseq(t, th);
}

/* After execve the address space is new and the old descriptor went with
 * the old mm.  Make a new one at the exit of execve: at the exec event
 * itself the kernel has yet to store execve's return value in rax, which
 * would overwrite an injected syscall number. */
static void begin_process(struct process *p, struct thread *th)
{
	watch_stop(p);
	p->nexcluded = 0;
	p->nstacks = 0;
	p->rseq_known = false;
	p->count_present = true;
	p->need_inject = true;
	/* Until ld.so registers rseq, watch the syscalls of the only thread. */
	p->startup = true;
	p->startup_syscalls = 0;
	th->syscall_tracing = true;
	th->in_syscall = true;
}

static int inject_at_exec_exit(struct tracer *t, struct thread *th)
{
	struct process *p = th->proc;
	p->need_inject = false;
	int rc = watch_start(t, p, th->tid);
	if (rc < 0)
		warn_msg("process %d is not traced after its execve: cannot create a "
			 "userfaultfd in it: %s", p->pid, strerror(-rc));
	return rc;
}

static void end_startup(struct tracer *t, struct thread *th)
{
	th->syscall_tracing = false;
	th->proc->startup = false;
	learn_rseq(t, th);
}

static void on_syscall_stop(struct tracer *t, struct thread *th)
{
	struct process *p = th->proc;
	th->in_syscall = !th->in_syscall;
	if (p->need_inject && !th->in_syscall && inject_at_exec_exit(t, th) < 0)
		return;
	if (!p->startup) {
		th->syscall_tracing = false;
		return;
	}
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
		return;
	/* At the exit of rseq(), before the kernel first writes the area. */
	if (!th->in_syscall && regs.orig_rax == __NR_rseq)
		end_startup(t, th);
	else if (++p->startup_syscalls > STARTUP_SYSCALL_LIMIT)
		end_startup(t, th);
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* A thread we have not met: its creation stop came before its creator's
 * PTRACE_EVENT_CLONE. */
static struct thread *adopt_unknown(struct tracer *t, pid_t tid)
{
	char path[64], line[256];
	pid_t tgid = 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	FILE *f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "Tgid: %d", &tgid) == 1)
				break;
		fclose(f);
	}
	struct process *p = tgid ? process_find(t, tgid) : NULL;
	if (!p)
		p = process_add(t, tgid ? tgid : tid);
	return thread_add(t, p, tid);
}

static void on_new_child(struct tracer *t, struct thread *parent, int event, pid_t child)
{
	if (event == PTRACE_EVENT_CLONE) {
		/* Its own first stop, and even its exit, may have come before
		 * this event: add it only if it is still there. */
		if (!thread_find(t, child) && syscall(SYS_tgkill, parent->proc->pid, child, 0) == 0)
			thread_add(t, parent->proc, child);
		return;
	}
	/* fork or vfork with -f: a new process. */
	struct process *cp = process_find(t, child);
	if (!cp)
		cp = process_add(t, child);
	thread_add(t, cp, child);
	if (event == PTRACE_EVENT_FORK && parent->proc->nfork_uffds > 0) {
		struct process *pp = parent->proc;
		int fd = pp->fork_uffds[0];
		memmove(pp->fork_uffds, pp->fork_uffds + 1, --pp->nfork_uffds * sizeof(int));
		cp->count_present = true; /* for its new mappings */
		cp->rseq_offset = pp->rseq_offset;
		cp->rseq_known = pp->rseq_known;
		for (size_t i = 0; i < pp->nexcluded; i++)
			watch_exclude_page(t, cp, pp->excluded[i]);
		/* The child starts with the parent's registrations and protection. */
		cp->ranges.n = 0;
		for (size_t i = 0; i < pp->ranges.n; i++) {
			const struct region *r = region_get(t, pp->ranges.v[i].region);
			uint32_t id = emit_region(t, child, r->kind, pp->ranges.v[i].start, pp->ranges.v[i].end);
			ranges_add(&cp->ranges, pp->ranges.v[i].start, pp->ranges.v[i].end, id);
		}
		watch_adopt(t, cp, fd);
	}
}

void target_fork_uffd(struct tracer *t, struct process *p, int uffd)
{
	(void)t;
	p->fork_uffds = xrealloc(p->fork_uffds, (p->nfork_uffds + 1) * sizeof(int));
	p->fork_uffds[p->nfork_uffds++] = uffd;
}

void target_handle_wait(struct tracer *t, pid_t tid, int status)
{
	struct thread *th = thread_find(t, tid);
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (tid == t->leader) {
			t->leader_exited = true;
			t->exit_status = status;
		}
		struct process *p = th ? th->proc : NULL;
		pid_t group = p ? p->pid : 0;
		if (th)
			thread_del(t, th); /* may free P, with its last thread */
		/* A leader is reported last, when its whole group is gone: drop
		 * any thread we still hold for it. */
		if (p && tid == group && process_find(t, group) == p)
			for (unsigned i = 0; i < 1024; i++)
				for (struct thread *o = t->threads[i], *nx; o; o = nx) {
					nx = o->next_hash;
					if (o->proc == p)
						thread_del(t, o);
				}
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (!th)
		th = adopt_unknown(t, tid);
	th->stopped = true;
	int sig = WSTOPSIG(status);
	int event = status >> 16;
	unsigned long msg = 0;
	/* Whatever stopped it, the registers are those of the pending write
	 * or past the syscall that wrote: take what waited for a stop. */
	capture_at_stop(t, th);

	switch (event) {
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
		on_new_child(t, th, event, (pid_t)msg);
		break;
	case PTRACE_EVENT_EXEC: {
		struct process *p = th->proc;
		/* Only the exec'ing thread is left, under the leader's tid
		 * (the event reports that tid even when a non-leader exec'd). */
		for (unsigned i = 0; i < 1024; i++)
			for (struct thread *o = t->threads[i], *nx; o; o = nx) {
				nx = o->next_hash;
				if (o->proc == p && o != th)
					thread_del(t, o);
			}
		begin_process(p, th);
		break;
	}
	case PTRACE_EVENT_EXIT:
		/* Async mode: the last thread is leaving, its memory still
		 * there: collect what it wrote since the last interval. */
		if (t->opt->async && th->proc->nthreads == 1)
			watch_collect(t, th->proc);
		break;
	case PTRACE_EVENT_STOP:
		if (is_stop_signal(sig)) {
			/* Group-stop: stay stopped, as without a tracer. */
			th->stopped = false;
			ptrace(PTRACE_LISTEN, tid, 0, 0);
			return;
		}
		if (th->interrupting) {
			th->interrupting = false;
		} else {
			new_thread_stopped(t, th);
		}
		break;
	case 0:
		if (sig == (SIGTRAP | 0x80)) {
			on_syscall_stop(t, th);
			break;
		}
		/* A signal for the target: deliver it untouched. */
		target_resume(th, sig);
		return;
	default:
		break;
	}
	if (!t->stopping)
		target_resume(th, 0);
}

/* Find the program as execvp would, to report a clear error before forking. */
static int check_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return access(path, X_OK) == 0 ? 0 : -errno;
}

static int check_program(const char *prog)
{
	if (strchr(prog, '/'))
		return check_file(prog);
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	int err = -ENOENT;
	while (*path) {
		size_t len = strcspn(path, ":");
		char full[4096];
		snprintf(full, sizeof full, "%.*s/%s", (int)len, len ? path : ".", prog);
		int rc = check_file(full);
		if (rc == 0)
			return 0;
		if (rc != -ENOENT)
			err = rc;
		path += len + (path[len] == ':');
	}
	return err;
}

int target_launch(struct tracer *t, char **argv)
{
	int rc = check_program(argv[0]);
	if (rc == -ENOENT)
		die_hint("check the name, or give a path such as ./program",
			 "%s: command not found", argv[0]);
	if (rc < 0)
		die_hint("make the file executable (chmod +x) or check the path",
			 "%s: cannot execute: %s", argv[0], strerror(-rc));

	int go[2], fail[2];
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(fail, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		char c;
		close(go[1]);
		/* Wait until the tracer has seized us. */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		int e = errno;
		if (write(fail[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(fail[1]);
	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_OPTS_FOR(t->opt)) < 0) {
		int e = errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		die_hint("uffdtrace needs ptrace: run it as root, or check kernel.yama.ptrace_scope",
			 "cannot trace the new process: %s", strerror(e));
	}
	t->leader = pid;
	t->launched = true;
	struct process *p = process_add(t, pid);
	struct thread *th = thread_add(t, p, pid);
	if (write(go[1], "g", 1) != 1)
		return -errno;
	close(go[1]);

	for (;;) {
		int st;
		if (waitpid(pid, &st, __WALL) < 0)
			return -errno;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			int e = 0;
			if (read(fail[0], &e, sizeof e) == sizeof e)
				die_hint("check that it is a program for this machine, and its interpreter exists",
					 "%s: cannot execute: %s", argv[0], strerror(e));
			die_hint("run it without uffdtrace to see why",
				 "%s exited before it could be traced", argv[0]);
		}
		if (WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_EXEC)
			break;
		/* Anything else before exec (a signal): pass it on. */
		int sig = (st >> 16) == 0 ? WSTOPSIG(st) : 0;
		ptrace(PTRACE_CONT, pid, 0, sig);
	}
	close(fail[0]);
	th->stopped = true;
	rc = sideband_follow(t->sb, pid);
	if (rc < 0)
		return rc;
	begin_process(p, th);
	/* Run to the exit of execve and inject there. */
	for (;;) {
		int st;
		target_resume(th, 0);
		if (waitpid(pid, &st, __WALL) < 0)
			return -errno;
		if (!WIFSTOPPED(st))
			return -ESRCH;
		th->stopped = true;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80) && (st >> 16) == 0)
			break;
		if ((st >> 16) == 0)
			th->pending_signal = WSTOPSIG(st);
	}
	th->in_syscall = false;
	rc = inject_at_exec_exit(t, th);
	if (rc < 0)
		return rc;
	target_resume(th, 0);
	return 0;
}

/* Wait until TID is in a ptrace-stop, handling what comes first. */
static int wait_stopped(struct tracer *t, struct thread *th)
{
	for (;;) {
		int st;
		if (waitpid(th->tid, &st, __WALL) < 0)
			return -errno;
		if (!WIFSTOPPED(st)) {
			target_handle_wait(t, th->tid, st);
			return -ESRCH;
		}
		int event = st >> 16, sig = WSTOPSIG(st);
		th->stopped = true;
		if (event == 0 && sig != (SIGTRAP | 0x80)) {
			th->pending_signal = sig;
			return 0;
		}
		if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
		    event == PTRACE_EVENT_VFORK) {
			unsigned long msg;
			ptrace(PTRACE_GETEVENTMSG, th->tid, 0, &msg);
			on_new_child(t, th, event, (pid_t)msg);
		}
		return 0;
	}
}

int target_attach(struct tracer *t, pid_t pid)
{
	t->leader = pid;
	struct process *p = process_add(t, pid);
	unsigned long opts = PTRACE_OPTS_FOR(t->opt);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	/* Seize until a pass finds no new thread: threads may be created by
	 * threads not yet seized. */
	for (bool found = true; found;) {
		found = false;
		DIR *d = opendir(path);
		if (!d)
			return -errno;
		struct dirent *de;
		while ((de = readdir(d))) {
			pid_t tid = atoi(de->d_name);
			if (tid <= 0 || thread_find(t, tid))
				continue;
			if (ptrace(PTRACE_SEIZE, tid, 0, opts) < 0) {
				int e = errno;
				if (e == ESRCH)
					continue;
				closedir(d);
				return -e;
			}
			ptrace(PTRACE_INTERRUPT, tid, 0, 0);
			thread_add(t, p, tid);
			found = true;
		}
		closedir(d);
	}
	/* Every thread must be stopped while code is patched for injection. */
	for (unsigned i = 0; i < 1024; i++)
		for (struct thread *th = t->threads[i]; th; th = th->next_hash)
			if (!th->stopped)
				wait_stopped(t, th);
	struct thread *leader = thread_find(t, pid);
	if (!leader)
		return -ESRCH;
	/* Know the thread stacks before deciding what to protect. */
	for (unsigned i = 0; i < 1024; i++)
		for (struct thread *th = t->threads[i]; th; th = th->next_hash) {
			struct user_regs_struct regs;
			if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) == 0)
				watch_mark_stack(t, p, regs.rsp);
			sideband_follow(t->sb, th->tid);
		}
	int rc = watch_start(t, p, pid);
	if (rc < 0)
		return rc;
	/* What was dirty before we came is no write of the trace; what a new
	 * mapping holds when we first protect it was written while traced. */
	p->count_present = true;
	for (unsigned i = 0; i < 1024; i++)
		for (struct thread *th = t->threads[i]; th; th = th->next_hash)
			learn_rseq(t, th);
	for (unsigned i = 0; i < 1024; i++)
		for (struct thread *th = t->threads[i]; th; th = th->next_hash)
			if (th->stopped)
				target_resume(th, 0);
	return 0;
}

void target_detach_all(struct tracer *t)
{
	/* First drop all protection, so no thread can block in a fault while
	 * we wait for it to stop. */
	for (struct process *p = t->procs; p; p = p->next)
		watch_stop(p);
	for (unsigned i = 0; i < 1024; i++)
		for (struct thread *th = t->threads[i]; th; th = th->next_hash) {
			th->syscall_tracing = false;
			if (th->stopped)
				continue;
			th->interrupting = true;
			ptrace(PTRACE_INTERRUPT, th->tid, 0, 0);
		}
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 5;
	for (;;) {
		bool left = false;
		for (unsigned i = 0; i < 1024; i++)
			for (struct thread *th = t->threads[i], *nx; th; th = nx) {
				nx = th->next_hash;
				if (th->stopped) {
					ptrace(PTRACE_DETACH, th->tid, 0, th->pending_signal);
					thread_del(t, th);
				} else {
					left = true;
				}
			}
		if (!left)
			break;
		int st;
		pid_t tid = waitpid(-1, &st, __WALL | WNOHANG);
		if (tid < 0)
			break;
		if (tid == 0) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > deadline.tv_sec)
				break; /* our exit detaches what is left */
			usleep(1000);
			continue;
		}
		struct thread *th = thread_find(t, tid);
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			target_handle_wait(t, tid, st);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (!th)
			th = adopt_unknown(t, tid);
		int event = st >> 16, sig = WSTOPSIG(st);
		th->stopped = true;
		if (event == 0 && sig != (SIGTRAP | 0x80))
			th->pending_signal = sig;
		else if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
			 event == PTRACE_EVENT_VFORK) {
			unsigned long msg;
			ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
			thread_add(t, th->proc, (pid_t)msg); /* detached when it stops */
		}
	}
}
