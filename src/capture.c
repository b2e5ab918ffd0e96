/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What one write fault records, and when.
 *
 * Who wrote, and whether from user code or from the kernel inside which
 * syscall: /proc/PID/task/TID/syscall tells, with no ptrace stop, while the
 * writer sleeps in the fault.  That and its PC is all --capture=pages takes.
 *
 * The instruction and backtrace need the registers: a user-mode writer is
 * interrupted (PTRACE_INTERRUPT) while its fault is pending; the kernel
 * drops the fault, the thread stops before the store, and we read it, then
 * un-protect and let it run the store again.  A kernel-mode writer must never
 * be stopped with its fault pending, nor interrupted out of its syscall (a
 * recv with MSG_WAITALL would return early): its fault is resolved at once
 * and its call site unwound from the perf sample the fault left behind, with
 * the user registers and stack as they were at syscall entry. */
#include "tracer.h"
#include "log.h"
#include "wsite.h"

#include <asm/perf_regs.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>

#define MAX_DEPTH 256

struct kernel_sample {
	uint64_t addr;
	uint64_t regs[SAMPLE_REGS];
	size_t len;
	unsigned char stack[16384];
};

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
		return; /* "running": the fault did not need to wait after all */
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

void capture_process_init(struct tracer *t, struct process *p)
{
	capture_process_free(p);
	p->symbolizer = symbolizer_new(p->pid);
	if (t->opt->capture >= CAPTURE_STACK)
		p->unwinder = unwinder_new(p->pid);
}

void capture_process_free(struct process *p)
{
	if (p->symbolizer)
		symbolizer_free(p->symbolizer);
	if (p->unwinder)
		unwinder_free(p->unwinder);
	p->symbolizer = NULL;
	p->unwinder = NULL;
}

void capture_code_changed(struct process *p)
{
	if (p->symbolizer)
		symbolizer_flush(p->symbolizer);
	if (p->unwinder)
		unwinder_flush(p->unwinder);
}

/* Symbolize IPS (innermost first) into an interned stack. */
static uint32_t make_stack(struct tracer *t, struct process *p, const uint64_t *ips, int n)
{
	uint32_t frames[MAX_DEPTH];
	if (n > MAX_DEPTH)
		n = MAX_DEPTH;
	for (int i = 0; i < n; i++) {
		struct frame f = { .ip = ips[i] };
		struct frame_info fi = { 0 };
		/* A return address points after the call: look up the call. */
		if (p->symbolizer && symbolize(p->symbolizer, i ? ips[i] - 1 : ips[i], &fi) == 0) {
			f.module = emit_string(t, fi.module);
			f.function = emit_string(t, fi.function);
			f.file = emit_string(t, fi.file);
			f.line = fi.line;
			f.offset = fi.offset + (i ? 1 : 0);
		}
		frames[i] = emit_frame(t, &f);
	}
	return emit_stack(t, frames, (uint32_t)n);
}

static void finish(struct tracer *t, struct process *p, struct event *ev,
		   const uint64_t *ips, int n, const struct insn_info *insn)
{
	if (insn && insn->len) {
		struct insn_rec r = { .ip = ips[0], .len = insn->len };
		memcpy(r.bytes, insn->bytes, sizeof r.bytes);
		r.text = emit_string(t, insn->text);
		ev->insn = emit_insn(t, &r);
		ev->access_size = insn->access_size;
		ev->count = insn->count;
		if (!insn->ea_match)
			ev->flags |= EV_EA_MISMATCH;
	}
	if (n > 0)
		ev->stack = make_stack(t, p, ips, n);
	emit_event(t, ev);
}

/* Recent user-mode page faults, one slot per page hash: enough to cover the
 * milliseconds between a mapping's creation and its protection. */
#define TOUCH_SLOTS 65536

struct touch {
	uint64_t page;
	uint64_t ip;
	uint32_t pid, tid;
};

static size_t touch_slot(uint64_t page)
{
	return (size_t)((page >> 12) * 0x9e3779b97f4a7c15ULL >> 48) & (TOUCH_SLOTS - 1);
}

void capture_touch(struct tracer *t, pid_t pid, pid_t tid, uint64_t ip, uint64_t addr)
{
	if (!t->touches)
		t->touches = xcalloc(TOUCH_SLOTS, sizeof *t->touches);
	struct touch *s = &t->touches[touch_slot(PAGE_OF(addr))];
	*s = (struct touch){ PAGE_OF(addr), ip, (uint32_t)pid, (uint32_t)tid };
}

void capture_found(struct tracer *t, struct process *p, struct event *ev)
{
	const struct touch *s = t->touches ? &t->touches[touch_slot(PAGE_OF(ev->addr))] : NULL;
	if (s && s->page == PAGE_OF(ev->addr) && s->pid == (uint32_t)p->pid && s->ip) {
		ev->tid = s->tid;
		ev->ip = s->ip;
		ev->stack = make_stack(t, p, &ev->ip, 1);
	}
	emit_event(t, ev);
}

void capture_kernel_sample(struct tracer *t, const struct fault_sample *s)
{
	struct thread *th = thread_find(t, s->tid);
	if (!th)
		return;
	if (!th->ksample)
		th->ksample = xmalloc(sizeof *th->ksample);
	struct kernel_sample *k = th->ksample;
	k->addr = s->addr;
	memcpy(k->regs, s->regs, sizeof k->regs);
	k->len = s->stack_len < sizeof k->stack ? s->stack_len : sizeof k->stack;
	memcpy(k->stack, s->stack, k->len);
}

/* The sample the kernel write's fault left, taken before the fault is
 * resolved: after that the thread runs on and its next fault's sample would
 * take the slot.  NULL if perf dropped it. */
static struct kernel_sample *take_sample(struct tracer *t, struct thread *th, const struct event *ev)
{
	if (!th)
		return NULL;
	/* The sample was written before the thread blocked: it is there. */
	follow_sideband(t);
	struct kernel_sample *k = th->ksample;
	if (!k || PAGE_OF(k->addr) != PAGE_OF(ev->addr))
		return NULL;
	th->ksample = NULL;
	return k;
}

static int kernel_stack(struct process *p, struct thread *th, struct kernel_sample *k,
			uint64_t *ips, int max)
{
	int n = p->unwinder ? unwind_sample(p->unwinder, k->regs, k->regs[PERF_REG_X86_SP],
					    k->stack, k->len, ips, max) : 0;
	/* Give the buffer back for the thread's next sample. */
	if (!th->ksample)
		th->ksample = k;
	else
		free(k);
	return n;
}

void capture_serve(struct tracer *t, struct process *p, struct thread *th, struct event *ev)
{
	enum capture_mode mode = t->opt->capture;
	bool kernel = ev->flags & EV_KERNEL;
	if (mode > CAPTURE_PAGES && th && !kernel && !th->interrupting && !t->stopping &&
	    !th->capture_pending && ptrace(PTRACE_INTERRUPT, th->tid, 0, 0) == 0) {
		/* Leave the fault unresolved: the stop will show the store. */
		th->interrupting = true;
		th->capture_pending = true;
		t->capturing++;
		th->pending = *ev;
		th->pending_proc = p;
		return;
	}
	struct kernel_sample *k = mode == CAPTURE_STACK && kernel ? take_sample(t, th, ev) : NULL;
	watch_resolve(p, ev->addr);
	uint64_t ips[MAX_DEPTH];
	int n = 0;
	if (k)
		n = kernel_stack(p, th, k, ips, t->opt->depth < MAX_DEPTH ? t->opt->depth : MAX_DEPTH);
	if (n <= 0) {
		/* The PC alone names the writing function (for a kernel write,
		 * the syscall's caller). */
		ips[0] = ev->ip;
		n = ev->ip ? 1 : 0;
	}
	finish(t, p, ev, ips, n, NULL);
}

/* Unwind a stopped thread from its registers and one copy of its stack:
 * libunwind's ptrace accessors would read the stack a word per syscall. */
static int unwind_stopped(struct thread *th, const struct user_regs_struct *regs, uint64_t *ips, int max)
{
	struct kernel_sample *k = th->ksample;
	if (!k)
		k = th->ksample = xmalloc(sizeof *k);
	uint64_t *r = k->regs;
	memset(r, 0, sizeof k->regs);
	r[PERF_REG_X86_AX] = regs->rax;
	r[PERF_REG_X86_BX] = regs->rbx;
	r[PERF_REG_X86_CX] = regs->rcx;
	r[PERF_REG_X86_DX] = regs->rdx;
	r[PERF_REG_X86_SI] = regs->rsi;
	r[PERF_REG_X86_DI] = regs->rdi;
	r[PERF_REG_X86_BP] = regs->rbp;
	r[PERF_REG_X86_SP] = regs->rsp;
	r[PERF_REG_X86_IP] = regs->rip;
	r[PERF_REG_X86_FLAGS] = regs->eflags;
	r[PERF_REG_X86_R8] = regs->r8;
	r[PERF_REG_X86_R9] = regs->r9;
	r[PERF_REG_X86_R10] = regs->r10;
	r[PERF_REG_X86_R11] = regs->r11;
	r[PERF_REG_X86_R12] = regs->r12;
	r[PERF_REG_X86_R13] = regs->r13;
	r[PERF_REG_X86_R14] = regs->r14;
	r[PERF_REG_X86_R15] = regs->r15;
	/* As much of the stack as is mapped, up to the copy's size. */
	size_t len = sizeof k->stack;
	ssize_t got;
	do {
		struct iovec l = { k->stack, len }, rem = { (void *)(uintptr_t)regs->rsp, len };
		got = process_vm_readv(th->tid, &l, 1, &rem, 1, 0);
		len /= 2;
	} while (got < 0 && len >= 512);
	k->len = got > 0 ? (size_t)got : 0;
	k->addr = 0; /* not a fault sample */
	return unwind_sample(th->proc->unwinder, k->regs, regs->rsp, k->stack, k->len, ips, max);
}

/* Read up to LEN code bytes at IP; an instruction may straddle a page end,
 * and the next page may not be mapped. */
static int read_code(pid_t pid, uint64_t ip, uint8_t *buf, size_t len)
{
	size_t first = 4096 - (ip & 4095);
	if (first > len)
		first = len;
	struct iovec l[2] = { { buf, first }, { buf + first, len - first } };
	struct iovec r[2] = { { (void *)(uintptr_t)ip, first },
			      { (void *)(uintptr_t)(ip + first), len - first } };
	ssize_t n = process_vm_readv(pid, l, first < len ? 2 : 1, r, first < len ? 2 : 1, 0);
	return n < 0 ? 0 : (int)n;
}

void capture_at_stop(struct tracer *t, struct thread *th)
{
	if (!th->capture_pending)
		return;
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0) {
		capture_flush(t, th);
		return;
	}
	struct process *p = th->pending_proc;
	struct event ev = th->pending;
	th->capture_pending = false;
	t->capturing--;
	uint64_t ips[MAX_DEPTH];
	int n = 1;
	ips[0] = regs.rip;
	if (t->opt->capture >= CAPTURE_STACK && th->proc->unwinder) {
		int depth = t->opt->depth < MAX_DEPTH ? t->opt->depth : MAX_DEPTH;
		int got = unwind_stopped(th, &regs, ips, depth);
		n = got > 0 ? got : 1;
		ips[0] = regs.rip;
	}
	uint8_t code[16];
	struct insn_info insn = { 0 };
	int len = read_code(th->proc->pid, regs.rip, code, sizeof code);
	if (len <= 0 || insn_decode(code, (size_t)len, &regs, ev.addr, &insn) < 0)
		insn.len = 0;
	ev.ip = regs.rip;
	ev.sp = regs.rsp;
	watch_resolve(p, ev.addr);
	finish(t, p, &ev, ips, n, &insn);
}

void capture_flush(struct tracer *t, struct thread *th)
{
	if (!th->capture_pending)
		return;
	th->capture_pending = false;
	t->capturing--;
	watch_resolve(th->pending_proc, th->pending.addr);
	finish(t, th->pending_proc, &th->pending, &th->pending.ip, th->pending.ip ? 1 : 0, NULL);
}
