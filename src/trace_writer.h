/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Streaming writer of .uft trace files (format in trace_format.h). */
#ifndef UFFDTRACE_TRACE_WRITER_H
#define UFFDTRACE_TRACE_WRITER_H

#include <stdint.h>

#include "event.h"
#include "stacks.h"

struct trace_writer;

/* Returns NULL with errno set. */
struct trace_writer *trace_writer_open(const char *path);
void trace_writer_info(struct trace_writer *w, const char *key, const char *value);
void trace_writer_region(struct trace_writer *w, const struct region *r);
void trace_writer_thread(struct trace_writer *w, uint32_t pid, uint32_t tid);
void trace_writer_event(struct trace_writer *w, const struct event *ev);
void trace_writer_string(struct trace_writer *w, uint32_t id, const char *s);
void trace_writer_frame(struct trace_writer *w, uint32_t id, const struct frame *f);
void trace_writer_stack(struct trace_writer *w, uint32_t id, const uint32_t *frames, uint32_t depth);
void trace_writer_insn(struct trace_writer *w, uint32_t id, const struct insn_rec *i);
void trace_writer_epoch(struct trace_writer *w, uint64_t start_ns);
/* Write out what is buffered, so a crash loses little: call now and then. */
void trace_writer_flush(struct trace_writer *w);
/* The first write error (errno), 0 if none. */
int trace_writer_error(const struct trace_writer *w);
/* Mark the trace complete, flush and close; returns 0 or -errno. */
int trace_writer_close(struct trace_writer *w, uint64_t end_ns, uint64_t events);

#endif
