/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Streaming writer of .uft trace files. */
#ifndef UFFDTRACE_TRACE_WRITER_H
#define UFFDTRACE_TRACE_WRITER_H

#include <stdint.h>

#include "event.h"

#define UFT_MAGIC "UFFDTRC"
#define UFT_VERSION 1

enum uft_record {
	UFT_REC_INFO = 1,   /* "key=value" text */
	UFT_REC_REGION = 2, /* struct region, updated in place by id */
	UFT_REC_THREAD = 3, /* pid, tid */
	UFT_REC_EVENT = 4,  /* struct event */
};

struct trace_writer;

/* Returns NULL with errno set. */
struct trace_writer *trace_writer_open(const char *path);
void trace_writer_info(struct trace_writer *w, const char *key, const char *value);
void trace_writer_region(struct trace_writer *w, const struct region *r);
void trace_writer_thread(struct trace_writer *w, uint32_t pid, uint32_t tid);
void trace_writer_event(struct trace_writer *w, const struct event *ev);
/* Flush and close; returns 0, or -errno if anything failed to reach disk. */
int trace_writer_close(struct trace_writer *w);

#endif
