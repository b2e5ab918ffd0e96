/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Apply the records of a saved trace to the model: the same model the live
 * tracer fills, so every view reads a replay as it reads a live run. */
#include "trace_load.h"
#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void trace_load_open(struct trace_load *l, const char *path)
{
	memset(l, 0, sizeof *l);
	l->reader = trace_reader_open(path);
	l->model = model_new();
	l->run.command = l->command;
}

void trace_load_close(struct trace_load *l)
{
	trace_reader_close(l->reader);
	model_free(l->model);
	l->reader = NULL;
	l->model = NULL;
}

static enum trace_status corrupt(struct trace_load *l, const char *what, uint32_t id)
{
	snprintf(l->error, sizeof l->error, "the trace is corrupt near offset %" PRIu64 ": %s (%u)",
		 trace_reader_offset(l->reader), what, id);
	return TRACE_BAD;
}

static void info(struct trace_load *l, const char *key, const char *value)
{
	if (strcmp(key, "command") == 0)
		snprintf(l->command, sizeof l->command, "%s", value);
	else if (strcmp(key, "pid") == 0)
		l->run.pid = (pid_t)atoi(value);
	else if (strcmp(key, "exit_status") == 0) {
		l->run.exited = true;
		l->run.exit_status = atoi(value);
	}
}

static enum trace_status apply(struct trace_load *l, struct trace_record *rec)
{
	struct model *m = l->model;
	struct context_tables *c = &m->ctx;
	bool added;
	switch (rec->type) {
	case UFT_REC_INFO:
		info(l, rec->info.key, rec->info.value);
		break;
	case UFT_REC_REGION: {
		const struct region *r = &rec->region;
		if (r->id > m->nregions)
			return corrupt(l, "a region out of order", r->id);
		if (r->id == m->nregions)
			model_region_new(m, r->pid, r->kind, r->start, r->end, r->first_ns);
		model_region(m, r->id)->r = *r;
		break;
	}
	case UFT_REC_THREAD:
		model_thread(m, rec->thread.pid, rec->thread.tid);
		break;
	case UFT_REC_STRING:
		if (context_string(c, rec->string.s, &added) != rec->string.id || !added)
			return corrupt(l, "a string out of order", rec->string.id);
		break;
	case UFT_REC_FRAME: {
		const struct frame *f = &rec->frame.f;
		if (f->module >= c->nstrings || f->function >= c->nstrings || f->file >= c->nstrings)
			return corrupt(l, "a frame names an unknown string", rec->frame.id);
		if (context_frame(c, f, &added) != rec->frame.id || !added)
			return corrupt(l, "a frame out of order", rec->frame.id);
		break;
	}
	case UFT_REC_STACK:
		for (uint32_t i = 0; i < rec->stack.depth; i++)
			if (!rec->stack.frames[i] || rec->stack.frames[i] >= c->nframes)
				return corrupt(l, "a stack names an unknown frame", rec->stack.id);
		if (context_stack(c, rec->stack.frames, rec->stack.depth, &added) != rec->stack.id || !added)
			return corrupt(l, "a stack out of order", rec->stack.id);
		break;
	case UFT_REC_INSN:
		if (rec->insn.i.text >= c->nstrings)
			return corrupt(l, "an instruction names an unknown string", rec->insn.id);
		if (context_insn(c, &rec->insn.i, &added) != rec->insn.id || !added)
			return corrupt(l, "an instruction out of order", rec->insn.id);
		break;
	case UFT_REC_EVENT: {
		const struct event *e = &rec->event;
		if (e->region >= m->nregions)
			return corrupt(l, "an event in an unknown region", e->region);
		if (e->stack >= c->nstacks)
			return corrupt(l, "an event with an unknown stack", e->stack);
		if (e->insn >= c->ninsns)
			return corrupt(l, "an event with an unknown instruction", e->insn);
		model_add(m, e);
		l->events++;
		l->last_ns = e->time_ns;
		break;
	}
	case UFT_REC_EPOCH:
		model_new_epoch(m, rec->epoch.start_ns);
		break;
	case UFT_REC_END:
		l->complete = true;
		if (rec->end.end_ns > l->last_ns)
			l->last_ns = rec->end.end_ns;
		model_epoch(m)->end_ns = l->last_ns;
		break;
	default:
		break;
	}
	return TRACE_OK;
}

enum trace_status trace_load_read(struct trace_load *l, struct trace_record *rec)
{
	enum trace_status st = trace_reader_next(l->reader, rec);
	if (st != TRACE_OK && st != TRACE_EOF)
		snprintf(l->error, sizeof l->error, "%s", trace_reader_error(l->reader));
	return st;
}

enum trace_status trace_load_apply(struct trace_load *l, struct trace_record *rec)
{
	enum trace_status st = apply(l, rec);
	l->run.seconds = (double)l->last_ns / 1e9;
	return st;
}

enum trace_status trace_load_next(struct trace_load *l, struct trace_record *rec)
{
	enum trace_status st = trace_load_read(l, rec);
	return st == TRACE_OK ? trace_load_apply(l, rec) : st;
}

void trace_load_rewind(struct trace_load *l)
{
	char *path = xstrdup(trace_reader_path(l->reader));
	trace_reader_close(l->reader);
	model_reset(l->model);
	l->reader = trace_reader_open(path);
	free(path);
	l->events = 0;
	l->last_ns = 0;
	l->complete = false;
	l->error[0] = 0;
}

enum trace_status trace_load_all(struct trace_load *l)
{
	struct trace_record rec;
	enum trace_status st;
	while ((st = trace_load_next(l, &rec)) == TRACE_OK)
		;
	return st;
}
