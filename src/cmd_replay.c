/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "uffdtrace replay": a saved trace played back in the live view, at any
 * speed, with pause and seek; the view cannot tell it from a live run. */
#include "commands.h"
#include "log.h"
#include "trace_load.h"
#include "view.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long one tick may spend loading, so keys stay responsive at any speed. */
#define TICK_BUDGET_NS 30000000

struct replay {
	struct trace_load load;
	pthread_mutex_t lock;
	double speed;
	bool paused, eof, quit;
	uint64_t clock_ns;      /* the replay's time, in the trace's time */
	uint64_t wall_ns;       /* when the clock was last advanced */
	struct trace_record next; /* read, not yet due */
	bool have_next;
	enum trace_status status;
	char message[700];
};

static uint64_t wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Apply every record due by the clock (a bounded amount per call). */
static void load_due(struct replay *r)
{
	uint64_t start = wall_now();
	while (!r->eof) {
		if (!r->have_next) {
			enum trace_status st = trace_load_read(&r->load, &r->next);
			if (st != TRACE_OK) {
				r->eof = true;
				r->status = st;
				if (st != TRACE_EOF)
					snprintf(r->message, sizeof r->message, "%s", r->load.error);
				break;
			}
			r->have_next = true;
		}
		if (r->next.type == UFT_REC_EVENT && r->next.event.time_ns > r->clock_ns)
			break;
		r->have_next = false;
		pthread_mutex_lock(&r->lock);
		enum trace_status st = trace_load_apply(&r->load, &r->next);
		pthread_mutex_unlock(&r->lock);
		if (st != TRACE_OK) {
			r->eof = true;
			r->status = st;
			snprintf(r->message, sizeof r->message, "%s", r->load.error);
		}
		if (wall_now() - start > TICK_BUDGET_NS)
			break;
	}
}

static void tick(void *arg)
{
	struct replay *r = arg;
	uint64_t now = wall_now();
	if (!r->paused && !r->eof)
		r->clock_ns += (uint64_t)((double)(now - r->wall_ns) * r->speed);
	r->wall_ns = now;
	load_due(r);
}

static void status(void *arg, struct view_status *st)
{
	struct replay *r = arg;
	memset(st, 0, sizeof *st);
	st->now_ns = r->eof && r->load.last_ns > r->clock_ns ? r->load.last_ns : r->clock_ns;
	st->ended = r->eof;
	st->paused = r->paused;
	st->speed = r->speed;
	st->message = r->message[0] ? r->message : r->eof ? "end of the trace" : NULL;
}

static void quit(void *arg)
{
	((struct replay *)arg)->quit = true;
}

static void pause_clock(void *arg, bool on)
{
	((struct replay *)arg)->paused = on;
}

static void speed(void *arg, int dir)
{
	struct replay *r = arg;
	if (dir > 0 && r->speed < 1024)
		r->speed *= 2;
	else if (dir < 0 && r->speed > 1.0 / 1024)
		r->speed /= 2;
}

static void seek(void *arg, int64_t delta_ns)
{
	struct replay *r = arg;
	if (delta_ns >= 0) {
		r->clock_ns += (uint64_t)delta_ns;
		return;
	}
	/* Backwards: load again from the start up to the new time. */
	uint64_t to = (uint64_t)-delta_ns > r->clock_ns ? 0 : r->clock_ns - (uint64_t)-delta_ns;
	pthread_mutex_lock(&r->lock);
	trace_load_rewind(&r->load);
	pthread_mutex_unlock(&r->lock);
	r->clock_ns = to;
	r->have_next = r->eof = false;
	r->message[0] = 0;
}

static bool closing(void *arg)
{
	return ((struct replay *)arg)->quit;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: uffdtrace replay [OPTIONS] TRACE\n"
"Play a trace recorded with 'uffdtrace -o TRACE' back in the live view.\n"
"\n"
"      --speed X   play X times faster than it was recorded (default: 1)\n"
"      --no-tui    print the report instead (also without a terminal)\n"
"  -h, --help      show this help and exit\n"
"\n"
"Keys: q quit, space pause, + and - speed, Left and Right seek 5 s,\n"
"s sort, g group, / filter, Enter details, h help.\n");
}

int cmd_replay(int argc, char **argv)
{
	enum { OPT_SPEED = 256, OPT_NO_TUI };
	static const struct option longopts[] = {
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "no-tui", no_argument, NULL, OPT_NO_TUI },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	double speed_x = 1.0;
	bool tui = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	int c;
	opterr = 0;
	optind = 1;
	usage_command("uffdtrace replay --help");
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SPEED: {
			char *end;
			speed_x = strtod(optarg, &end);
			if (end == optarg || *end || !(speed_x >= 1.0 / 1024 && speed_x <= 1024))
				usage_error("invalid --speed '%s': give a factor from 1/1024 (0.0009765625) to 1024", optarg);
			break;
		}
		case OPT_NO_TUI:
			tui = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			bad_option(c, argv);
		}
	}
	if (optind != argc - 1)
		usage_error("%s", optind >= argc ? "replay: give the trace file to play"
						 : "replay: give one trace file");
	if (!tui) {
		/* Without a terminal, the replay is the report. */
		char *args[] = { "report", argv[optind], NULL };
		return cmd_report(2, args);
	}

	struct replay *r = xcalloc(1, sizeof *r);
	trace_load_open(&r->load, argv[optind]);
	pthread_mutex_init(&r->lock, NULL);
	r->speed = speed_x;
	r->wall_ns = wall_now();
	/* Fail early on a file that is no trace at all. */
	load_due(r);
	int code = 0;
	if (r->status == TRACE_BAD && r->load.events == 0 && !r->load.run.pid) {
		err_msg("%s", r->load.error);
		code = EXIT_TRACER_ERROR;
	} else {
		struct view_source src = {
			.model = r->load.model, .lock = &r->lock, .run = &r->load.run, .live = false,
			.arg = r, .status = status, .tick = tick, .quit = quit, .pause = pause_clock,
			.speed = speed, .seek = seek, .closing = closing,
		};
		if (tui_run(&src) < 0)
			code = EXIT_TRACER_ERROR;
		else if (r->status == TRACE_BAD || r->status == TRACE_CUT_SHORT) {
			err_msg("%s", r->load.error);
			code = EXIT_TRACER_ERROR;
		}
	}
	trace_load_close(&r->load);
	pthread_mutex_destroy(&r->lock);
	free(r);
	return code;
}
