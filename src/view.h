/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the live view shows, whether the data comes from a live run or from
 * a saved trace being replayed: one model, read under its lock. */
#ifndef UFFDTRACE_VIEW_H
#define UFFDTRACE_VIEW_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "report.h"

struct view_status {
	uint64_t now_ns;          /* time since the start of the run */
	unsigned threads;         /* threads traced now */
	unsigned processes;
	uint64_t protected_pages; /* pages under write protection now (0: unknown) */
	uint64_t blocked_ns;      /* time threads spent blocked in faults (live only) */
	bool ended;               /* the target exited, or the replay reached the end */
	bool paused;              /* replay: the clock is stopped */
	double speed;             /* replay: 1.0 is real time */
	const char *message;      /* a line to show in the status bar, or NULL */
};

struct view_source {
	struct model *model;
	pthread_mutex_t *lock;    /* hold it while reading the model */
	const struct run_info *run;
	bool live;
	void *arg;
	/* Fill in the status (called with the lock held). */
	void (*status)(void *arg, struct view_status *st);
	/* Called about every 50 ms from the view's loop, without the lock:
	 * a replay loads the records due by now. */
	void (*tick)(void *arg);
	/* Key actions.  quit ends the view (live: detaches cleanly). */
	void (*quit)(void *arg);
	void (*new_epoch)(void *arg);      /* live: protect every page again */
	void (*pause)(void *arg, bool on); /* replay: stop the clock */
	void (*speed)(void *arg, int dir); /* replay: faster (+1) or slower (-1) */
	void (*seek)(void *arg, int64_t delta_ns); /* replay: move the clock */
	/* Has the view been asked to close (the source ended it)? */
	bool (*closing)(void *arg);
};

/* Run the ncurses view until the user quits or the source closes it.
 * Restores the terminal however it ends.  Returns 0, or -1 if the terminal
 * cannot show it (message printed). */
int tui_run(struct view_source *src);

#endif
