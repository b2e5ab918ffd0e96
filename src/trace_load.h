/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load a saved trace into the model, record by record, checking that every
 * reference in it points at something the trace defined before. */
#ifndef UFFDTRACE_TRACE_LOAD_H
#define UFFDTRACE_TRACE_LOAD_H

#include <stdbool.h>

#include "model.h"
#include "report.h"
#include "trace_reader.h"

struct trace_load {
	struct trace_reader *reader;
	struct model *model;
	struct run_info run;   /* from the trace's info records */
	char command[4096];
	uint64_t events;
	uint64_t last_ns;
	bool complete;         /* the end record was read */
	char error[600];
};

/* Open PATH into a fresh model. */
void trace_load_open(struct trace_load *l, const char *path);
/* Apply the next record to the model and return it in REC (for a view that
 * paces or filters events).  TRACE_OK, TRACE_EOF, or an error with
 * l->error set. */
enum trace_status trace_load_next(struct trace_load *l, struct trace_record *rec);
/* The two halves of trace_load_next, for a view that paces events: read a
 * record, then apply it when it is due. */
enum trace_status trace_load_read(struct trace_load *l, struct trace_record *rec);
enum trace_status trace_load_apply(struct trace_load *l, struct trace_record *rec);
/* Start again from the beginning, with an empty model (the same object). */
void trace_load_rewind(struct trace_load *l);
/* Load everything; returns the final status. */
enum trace_status trace_load_all(struct trace_load *l);
void trace_load_close(struct trace_load *l);

#endif
