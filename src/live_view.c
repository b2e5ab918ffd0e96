/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live tracer as a data source for the view.  The view runs in a thread
 * of its own, so a slow terminal never delays the fault loop: it takes the
 * model lock only to copy what it draws, and asks the loop for actions
 * (quit, new epoch) through an eventfd. */
#include "live_view.h"
#include "log.h"
#include "view.h"

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static struct {
	struct tracer *t;
	struct view_source src;
	pthread_t thread;
	bool running;
	volatile bool ended, closing, done;
	int rc;
} live;

static void wake(struct tracer *t)
{
	uint64_t one = 1;
	if (write(t->wake_fd, &one, sizeof one) < 0)
		return; /* the counter is full: the loop is awake anyway */
}

static void status(void *arg, struct view_status *st)
{
	struct tracer *t = arg;
	memset(st, 0, sizeof *st);
	st->now_ns = now_ns() - t->t0_ns;
	st->blocked_ns = t->blocked_ns;
	st->ended = live.ended;
	st->speed = 1.0;
	/* Pages under protection: what is traced, less what was dirtied in
	 * this epoch (only the tracer thread changes these counts). */
	uint64_t traced = 0;
	for (struct process *p = t->procs; p && !live.ended; p = p->next) {
		st->processes++;
		st->threads += (unsigned)p->nthreads;
		for (size_t i = 0; i < p->ranges.n; i++)
			traced += (p->ranges.v[i].end - p->ranges.v[i].start) / PAGE_SIZE_4K;
	}
	uint64_t dirty = model_epoch(t->model)->pages;
	st->protected_pages = traced > dirty ? traced - dirty : 0;
	if (live.ended)
		st->message = "tracing ended: press q to leave";
}

static void quit(void *arg)
{
	struct tracer *t = arg;
	t->view_quit = 1;
	wake(t);
}

static void new_epoch(void *arg)
{
	struct tracer *t = arg;
	t->view_epoch = 1;
	wake(t);
}

static bool closing(void *arg)
{
	(void)arg;
	return live.closing;
}

static void *view_thread(void *arg)
{
	(void)arg;
	live.rc = tui_run(&live.src);
	live.done = true;
	/* The user quit: detach.  A view that could not start leaves tracing
	 * alone; the summary is printed at the end instead. */
	if (live.rc == 0)
		quit(live.t);
	return NULL;
}

bool live_view_failed(void)
{
	return live.done && live.rc < 0;
}

int live_view_start(struct tracer *t, const struct run_info *run)
{
	live.t = t;
	live.src = (struct view_source){
		.model = t->model, .lock = &t->lock, .run = run, .live = true, .arg = t,
		.status = status, .quit = quit, .new_epoch = new_epoch, .closing = closing,
	};
	if (pthread_create(&live.thread, NULL, view_thread, NULL) != 0)
		return -1;
	live.running = true;
	return 0;
}

void live_view_finish(struct tracer *t, bool ended, int sigfd)
{
	if (!live.running)
		return;
	/* The status reads the process table, which the caller is about to
	 * tear down: the view shows the final data from here on. */
	pthread_mutex_lock(&t->lock);
	live.ended = true;
	pthread_mutex_unlock(&t->lock);
	if (!ended || t->view_quit)
		live.closing = true;
	/* Wait for the user to quit; a signal to us closes the view. */
	while (!live.done) {
		struct pollfd p = { .fd = sigfd, .events = POLLIN };
		if (poll(&p, 1, 100) > 0) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof si) == sizeof si)
				if (si.ssi_signo != SIGCHLD)
					live.closing = true;
		}
	}
	pthread_join(live.thread, NULL);
	live.running = false;
}
