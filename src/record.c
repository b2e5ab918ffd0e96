/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live tracer's event loop: serve every userfaultfd, follow new mappings,
 * handle ptrace stops and our own signals, then detach and summarize. */
#include "record.h"
#include "live_view.h"
#include "log.h"
#include "model.h"
#include "report.h"
#include "sideband.h"
#include "trace_writer.h"
#include "tracer.h"
#include "uffd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Every change to the model goes through these, under the lock the live
 * view takes to read it; the view holds it only to copy what it draws. */
uint32_t emit_region(struct tracer *t, pid_t pid, enum region_kind kind,
		     uint64_t start, uint64_t end)
{
	pthread_mutex_lock(&t->lock);
	uint32_t id = model_region_new(t->model, (uint32_t)pid, kind, start, end, now_ns() - t->t0_ns);
	pthread_mutex_unlock(&t->lock);
	if (t->writer)
		trace_writer_region(t->writer, region_get(t, id));
	return id;
}

void emit_region_set(struct tracer *t, const struct region *r)
{
	pthread_mutex_lock(&t->lock);
	model_region(t->model, r->id)->r = *r;
	pthread_mutex_unlock(&t->lock);
	if (t->writer)
		trace_writer_region(t->writer, r);
}

const struct region *region_get(struct tracer *t, uint32_t id)
{
	return &model_region(t->model, id)->r;
}

void emit_event(struct tracer *t, const struct event *ev)
{
	pthread_mutex_lock(&t->lock);
	model_add(t->model, ev);
	pthread_mutex_unlock(&t->lock);
	if (t->writer)
		trace_writer_event(t->writer, ev);
}

void emit_thread(struct tracer *t, pid_t pid, pid_t tid)
{
	pthread_mutex_lock(&t->lock);
	model_thread(t->model, (uint32_t)pid, (uint32_t)tid);
	pthread_mutex_unlock(&t->lock);
	if (t->writer)
		trace_writer_thread(t->writer, (uint32_t)pid, (uint32_t)tid);
}

uint32_t emit_string(struct tracer *t, const char *s)
{
	bool added;
	pthread_mutex_lock(&t->lock);
	uint32_t id = context_string(&t->model->ctx, s, &added);
	pthread_mutex_unlock(&t->lock);
	if (added && t->writer)
		trace_writer_string(t->writer, id, s);
	return id;
}

uint32_t emit_frame(struct tracer *t, const struct frame *f)
{
	bool added;
	pthread_mutex_lock(&t->lock);
	uint32_t id = context_frame(&t->model->ctx, f, &added);
	pthread_mutex_unlock(&t->lock);
	if (added && t->writer)
		trace_writer_frame(t->writer, id, f);
	return id;
}

uint32_t emit_stack(struct tracer *t, const uint32_t *frames, uint32_t depth)
{
	bool added;
	pthread_mutex_lock(&t->lock);
	uint32_t id = context_stack(&t->model->ctx, frames, depth, &added);
	pthread_mutex_unlock(&t->lock);
	if (added && t->writer)
		trace_writer_stack(t->writer, id, frames, depth);
	return id;
}

uint32_t emit_insn(struct tracer *t, const struct insn_rec *i)
{
	bool added;
	pthread_mutex_lock(&t->lock);
	uint32_t id = context_insn(&t->model->ctx, i, &added);
	pthread_mutex_unlock(&t->lock);
	if (added && t->writer)
		trace_writer_insn(t->writer, id, i);
	return id;
}

/* One line per epoch on standard output ("uffdtrace dirty"). */
static void print_epoch(struct tracer *t, const struct epoch_stat *e)
{
	static bool header;
	double s = (double)(e->end_ns - e->start_ns) / 1e9, rate = s > 0 ? (double)e->pages / s : 0;
	double rewritten = e->pages ? 100.0 * (double)e->rewritten / (double)e->pages : 0;
	if (t->opt->csv) {
		if (!header)
			report_csv_header(stdout);
		report_csv_epoch(stdout, t->model, (size_t)(e - t->model->epochs), t->model->pages_written);
	} else {
		if (!header)
			printf("%9s %10s %9s %9s %12s %10s\n", "time(s)", "pages", "pages/s", "MiB/s",
			       "working set", "rewritten");
		printf("%9.3f %10" PRIu64 " %9.0f %9.2f %12" PRIu64 " %9.1f%%\n", (double)e->end_ns / 1e9,
		       e->pages, rate, rate * 4096 / (1 << 20), t->model->pages_written, rewritten);
	}
	header = true;
	fflush(stdout);
}

void tracer_new_epoch(struct tracer *t)
{
	for (struct process *p = t->procs; p; p = p->next) {
		if (t->opt->async)
			watch_collect(t, p);
		else
			watch_reprotect(p);
	}
	uint64_t now = now_ns() - t->t0_ns;
	pthread_mutex_lock(&t->lock);
	model_new_epoch(t->model, now);
	pthread_mutex_unlock(&t->lock);
	if (t->writer)
		trace_writer_epoch(t->writer, now);
	if (t->opt->epoch_lines)
		print_epoch(t, &t->model->epochs[t->model->nepochs - 2]);
}

static void on_new_mapping(void *arg, pid_t pid, uint64_t start, uint64_t end, int kind)
{
	struct tracer *t = arg;
	for (struct process *p = t->procs; p; p = p->next) {
		if (pid < 0)
			p->rescan = true;
		else if (p->pid != pid)
			continue;
		else if (kind == SIDEBAND_CODE)
			capture_code_changed(p);
		else
			watch_new_mapping(t, p, start, end, (enum region_kind)kind);
	}
}

static void on_kernel_fault(void *arg, const struct fault_sample *s)
{
	capture_kernel_sample(arg, s);
}

static void on_touch(void *arg, pid_t pid, pid_t tid, uint64_t ip, uint64_t addr)
{
	capture_touch(arg, pid, tid, ip, addr);
}

/* Protect new mappings as soon as perf reports them: the target may be
 * writing to them already. */
void follow_sideband(struct tracer *t)
{
	static const struct sideband_ops ops = { on_new_mapping, on_kernel_fault, on_touch };
	if (!sideband_pending(t->sb) || t->draining)
		return;
	t->draining = true; /* a mapping met while draining may drain again */
	sideband_drain(t->sb, &ops, t);
	for (struct process *p = t->procs; p; p = p->next)
		if (p->rescan) {
			p->rescan = false;
			watch_rescan(t, p);
		}
	t->draining = false;
}

static void check_kernel(const struct options *opt)
{
	uint64_t f;
	int rc = uffd_probe_features(&f);
	if (rc < 0)
		die_hint("run as root, or set vm.unprivileged_userfaultfd=1; the kernel needs "
			 "CONFIG_USERFAULTFD",
			 "cannot create a userfaultfd: %s", strerror(-rc));
	if (!(f & UFFD_FEATURE_PAGEFAULT_FLAG_WP))
		die_hint("uffdtrace needs Linux 5.7 or later built with CONFIG_HAVE_ARCH_USERFAULTFD_WP",
			 "this kernel has no userfaultfd write-protection (uffd-wp)");
	if ((f & UFFD_WANT) != UFFD_WANT)
		die_hint("uffdtrace needs Linux 5.13 or later",
			 "this kernel lacks userfaultfd features uffdtrace needs (have %#llx, need %#llx)",
			 (unsigned long long)f, (unsigned long long)UFFD_WANT);
	if (opt->async && !(f & UFFD_FEATURE_WP_ASYNC))
		die_hint("async mode needs Linux 6.7 or later; the default synchronous mode with "
			 "--interval MS gives the same counts at a higher cost",
			 "this kernel lacks UFFD_FEATURE_WP_ASYNC");
	if (opt->async && !pagemap_scan_works())
		die_hint("async mode needs Linux 6.7 or later; the default synchronous mode with "
			 "--interval MS gives the same counts at a higher cost",
			 "this kernel lacks the PAGEMAP_SCAN ioctl");
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static char *command_line(struct options *opt)
{
	char buf[4096] = "";
	size_t len = 0;
	if (opt->argv) {
		for (char **a = opt->argv; *a && len < sizeof buf - 2; a++)
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", len ? " " : "", *a);
	} else {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/cmdline", (int)opt->pid);
		FILE *f = fopen(path, "re");
		if (f) {
			len = fread(buf, 1, sizeof buf - 1, f);
			fclose(f);
			for (size_t i = 0; i + 1 < len; i++)
				if (!buf[i])
					buf[i] = ' ';
			buf[len] = 0;
		}
	}
	return xstrdup(buf);
}

static int wait_status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return EXIT_TRACER_ERROR;
}

/* Reap and dispatch every waitable ptrace event. */
static void reap(struct tracer *t)
{
	for (;;) {
		int st;
		pid_t tid = waitpid(-1, &st, __WALL | WNOHANG);
		if (tid <= 0)
			return;
		target_handle_wait(t, tid, st);
	}
}

/* How long to keep polling the descriptors after a fault before sleeping
 * in poll(): faults come in bursts, and a wake-up across CPUs costs more
 * than the fault itself on small machines (see bench/). */
#define SPIN_NS 100000
/* ... but look at ptrace events, new mappings and signals this often. */
#define SERVE_MAX_NS 2000000
#define MAPPING_CHECK_NS 250000
#define MAPPING_CHECK_ASYNC_NS 20000000
#define EPOCH_QUIET_NS 200000
#define EPOCH_QUIET_MAX_NS 5000000

static void serve_all(struct tracer *t)
{
	uint64_t idle_since = 0, start = now_ns();
	for (;;) {
		int served = 0;
		for (struct process *p = t->procs, *nx; p; p = nx) {
			nx = p->next;
			served += watch_serve(t, p);
		}
		follow_sideband(t);
		watch_found(t);
		/* A thread stopping for its capture is what the target waits
		 * on now: take its stop without sleeping in poll(). */
		if (t->capturing)
			reap(t);
		uint64_t now = now_ns();
		if (now - start > SERVE_MAX_NS)
			return;
		if (served)
			idle_since = now;
		else if (!idle_since || now - idle_since > SPIN_NS)
			return;
	}
}

/* Write out the trace file's buffer now and then, so that a tracer killed
 * or a machine that dies loses little; say once if the disk refuses. */
#define TRACE_FLUSH_NS 200000000

static void flush_trace(struct tracer *t)
{
	static uint64_t last;
	static bool warned;
	uint64_t now = now_ns();
	if (!t->writer || now - last < TRACE_FLUSH_NS)
		return;
	last = now;
	trace_writer_flush(t->writer);
	int err = trace_writer_error(t->writer);
	if (err && !warned) {
		warned = true;
		warn_msg("writing the trace file %s failed: %s; tracing goes on, the trace "
			 "file ends here", t->opt->output, strerror(err));
	}
}

/* What the live view asked for, and the --interval epochs. */
static void view_requests(struct tracer *t, uint64_t *next_epoch)
{
	uint64_t v;
	if (t->wake_fd >= 0 && read(t->wake_fd, &v, sizeof v) < 0 && errno != EAGAIN)
		return;
	if (t->view_quit)
		t->stopping = true;
	uint64_t now = now_ns();
	bool due = *next_epoch && now >= *next_epoch;
	/* A writer whose fault was just resolved may not have retried its
	 * store yet: protecting its page again now would make one store fault
	 * in two epochs.  Wait for a quiet moment, a little. */
	if (due && !t->opt->async && now - t->last_fault_ns < EPOCH_QUIET_NS &&
	    now - *next_epoch < EPOCH_QUIET_MAX_NS)
		due = false;
	if (t->view_epoch || due) {
		t->view_epoch = 0;
		tracer_new_epoch(t);
		if (*next_epoch) {
			*next_epoch += (uint64_t)t->opt->interval_ms * 1000000;
			if (*next_epoch < now)
				*next_epoch = now + (uint64_t)t->opt->interval_ms * 1000000;
		}
	}
}

static void loop(struct tracer *t, int sigfd, int *stop_signal, bool *stop_from_user)
{
	uint64_t deadline = t->opt->duration > 0 ? t->t0_ns + (uint64_t)(t->opt->duration * 1e9) : 0;
	uint64_t next_epoch = t->opt->interval_ms ? now_ns() + (uint64_t)t->opt->interval_ms * 1000000 : 0;
	int nsb = sideband_nfds(t->sb);
	struct pollfd *pfd = NULL;
	size_t cap = 0;
	while (t->procs && !t->stopping) {
		size_t nprocs = 0;
		for (struct process *p = t->procs; p; p = p->next)
			nprocs++;
		if (cap < 2 + (size_t)nsb + nprocs)
			pfd = xrealloc(pfd, (cap = 2 + (size_t)nsb + nprocs + 8) * sizeof *pfd);
		size_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = t->wake_fd, .events = POLLIN };
		for (int i = 0; i < nsb; i++)
			pfd[n++] = (struct pollfd){ .fd = sideband_fd(t->sb, i), .events = POLLIN };
		for (struct process *p = t->procs; p; p = p->next)
			pfd[n++] = (struct pollfd){ .fd = p->uffd, .events = POLLIN };
		/* Perf wakes us through irq_work, which on some machines waits
		 * for the next timer tick (ms); look at the rings at least this
		 * often so new mappings are protected before much is written. */
		/* Async mode attributes nothing: a late protection only moves
		 * pages from "dirty" to "found dirty", so it need not hurry. */
		uint64_t timeout_ns = t->opt->async ? MAPPING_CHECK_ASYNC_NS : MAPPING_CHECK_NS;
		uint64_t now = now_ns();
		if (deadline && now >= deadline) {
			t->stopping = true;
			break;
		}
		if (deadline && deadline - now < timeout_ns)
			timeout_ns = deadline - now;
		if (next_epoch && next_epoch > now && next_epoch - now < timeout_ns)
			timeout_ns = next_epoch - now;
		struct timespec ts = { 0, (long)timeout_ns };
		if (ppoll(pfd, n, &ts, NULL) < 0 && errno != EINTR)
			break;
		/* Faults first: every other step may wait on a thread that is
		 * blocked in one. */
		for (size_t i = 2 + (size_t)nsb; i < n; i++)
			if (pfd[i].revents) {
				serve_all(t);
				break;
			}
		follow_sideband(t);
		watch_found(t);
		flush_trace(t);
		view_requests(t, &next_epoch);
		if (!pfd[0].revents)
			continue;
		struct signalfd_siginfo si;
		while (read(sigfd, &si, sizeof si) == sizeof si) {
			if (si.ssi_signo == SIGCHLD)
				continue;
			t->stopping = true;
			*stop_signal = (int)si.ssi_signo;
			/* A signal from kill(), not from the terminal, is meant
			 * for us alone; the terminal's reaches the target too. */
			*stop_from_user = si.ssi_code == SI_USER || si.ssi_code == SI_QUEUE;
		}
		reap(t);
	}
	free(pfd);
}

int record_run(struct options *opt)
{
	check_kernel(opt);
	raise_fd_limit();
	struct tracer *t = xcalloc(1, sizeof *t);
	t->opt = opt;
	pthread_mutex_init(&t->lock, NULL);
	t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	t->model = model_new();
	/* Async mode reports no writers; sync mode names the writer of a page
	 * dirtied before its mapping was protected from its first touch. */
	t->sb = sideband_new(opt->capture == CAPTURE_STACK, !opt->async);
	/* Open the JSON file now: a path that cannot be written is an error
	 * before the run, not a summary lost after it. */
	FILE *json = NULL;
	if (opt->json) {
		json = strcmp(opt->json, "-") == 0 ? stdout : fopen(opt->json, "we");
		if (!json)
			die_hint("check the directory exists and is writable",
				 "cannot create %s: %s", opt->json, strerror(errno));
	}
	if (opt->output) {
		t->writer = trace_writer_open(opt->output);
		if (!t->writer)
			die_hint("check the directory exists and is writable",
				 "cannot create trace file %s: %s", opt->output, strerror(errno));
	}

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);

	char *cmd = command_line(opt);
	t->t0_ns = now_ns();
	if (t->writer) {
		struct utsname u;
		char buf[64];
		trace_writer_info(t->writer, "tool", PACKAGE_STRING);
		trace_writer_info(t->writer, "command", cmd);
		if (uname(&u) == 0)
			trace_writer_info(t->writer, "kernel", u.release);
		snprintf(buf, sizeof buf, "%ld", sysconf(_SC_PAGESIZE));
		trace_writer_info(t->writer, "page_size", buf);
	}
	int rc = opt->argv ? target_launch(t, opt->argv) : target_attach(t, opt->pid);
	if (rc < 0) {
		target_detach_all(t);
		/* A program we started but cannot trace is not left behind. */
		if (t->launched) {
			kill(t->leader, SIGKILL);
			waitpid(t->leader, NULL, 0);
		}
		if (rc == -EPERM)
			die_hint(geteuid() ? "run uffdtrace as root, or check kernel.yama.ptrace_scope"
					   : "the process may be more privileged than uffdtrace (another "
					     "user namespace, a container's init), or kernel.yama.ptrace_scope "
					     "forbids tracing it",
				 "cannot attach to process %d: operation not permitted", (int)opt->pid);
		die_hint(rc == -ESRCH ? "the process exited while uffdtrace attached to it"
			 : "a target that does not run as root needs /dev/userfaultfd (Linux 6.1 "
			   "or later); run uffdtrace -v for details",
			 "cannot trace process %d: %s", (int)(opt->pid ? opt->pid : t->leader),
			 strerror(-rc));
	}
	if (t->writer) {
		char buf[32];
		snprintf(buf, sizeof buf, "%d", (int)t->leader);
		trace_writer_info(t->writer, "pid", buf);
	}
	struct run_info run = { .pid = t->leader, .command = cmd };
	bool view = opt->tui == 1;
	if (view && live_view_start(t, &run) < 0) {
		warn_msg("cannot start the live view; printing a summary at the end instead");
		view = false;
		opt->summary = true;
	}
	if (!view)
		info_msg("tracing pid %d%s", (int)t->leader, opt->argv ? "" : " (Ctrl-C to detach)");

	int stop_signal = 0;
	bool stop_from_user = false;
	loop(t, sigfd, &stop_signal, &stop_from_user);
	bool detached = t->procs != NULL;
	watch_found(t);
	/* Async mode: what was written since the last collection. */
	for (struct process *p = t->procs; p && opt->async; p = p->next)
		watch_collect(t, p);
	run.seconds = (double)(now_ns() - t->t0_ns) / 1e9;
	pthread_mutex_lock(&t->lock);
	model_epoch(t->model)->end_ns = now_ns() - t->t0_ns;
	pthread_mutex_unlock(&t->lock);
	if (opt->epoch_lines)
		print_epoch(t, model_epoch(t->model));
	if (detached) {
		t->stopping = true;
		target_detach_all(t);
	}
	if (t->leader_exited) {
		run.exited = true;
		run.exit_status = wait_status_code(t->exit_status);
	}
	if (view) {
		live_view_finish(t, !detached, sigfd);
		if (live_view_failed())
			opt->summary = true;
	}
	int code = 0;
	if (t->launched && detached) {
		/* The program runs on untraced; a signal sent to us alone is
		 * passed on, as strace does, then we wait for it. */
		if (stop_signal && stop_from_user)
			kill(t->leader, stop_signal);
		info_msg("detached from pid %d; waiting for it to finish", (int)t->leader);
	}
	if (t->writer && run.exited) {
		char buf[16];
		snprintf(buf, sizeof buf, "%d", run.exit_status);
		trace_writer_info(t->writer, "exit_status", buf);
	}
	int wrc = trace_writer_close(t->writer, now_ns() - t->t0_ns, t->model->faults + t->model->untracked_pages);
	if (wrc < 0)
		err_msg("writing trace file %s failed: %s; it holds what was written before",
			opt->output, strerror(-wrc));
	struct report_opts ro = { .top = opt->top, .by = (enum report_by)opt->by };
	if (opt->summary)
		report_text(stderr, t->model, &run, &ro);
	if (opt->json) {
		FILE *f = json;
		if (!f) {
			wrc = -1;
		} else {
			report_json(f, t->model, &run, &ro);
			if (f != stdout)
				fclose(f);
			else
				fflush(stdout);
		}
	}

	if (t->launched) {
		int st;
		if (!t->leader_exited && waitpid(t->leader, &st, 0) == t->leader)
			code = wait_status_code(st);
		else
			code = run.exit_status;
	} else if (wrc < 0) {
		code = EXIT_TRACER_ERROR;
	}
	sideband_free(t->sb);
	model_free(t->model);
	close(t->wake_fd);
	free(t->touches);
	pthread_mutex_destroy(&t->lock);
	free(cmd);
	free(t);
	close(sigfd);
	return code;
}
