/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Streaming writer of .uft trace files. */
#ifndef UFFDTRACE_TRACE_WRITER_H
#define UFFDTRACE_TRACE_WRITER_H

#include <stdint.h>

#include "event.h"
#include "stacks.h"

#define UFT_MAGIC "UFFDTRC"
#define UFT_VERSION 1

enum uft_record {
	UFT_REC_INFO = 1,   /* "key=value" text */
	UFT_REC_REGION = 2, /* struct region, updated in place by id */
	UFT_REC_THREAD = 3, /* pid, tid */
	UFT_REC_EVENT = 4,  /* struct event */
	UFT_REC_STRING = 5, /* u32 id, then the bytes */
	UFT_REC_FRAME = 6,  /* u32 id, struct frame */
	UFT_REC_STACK = 7,  /* u32 id, u32 frame ids, innermost first */
	UFT_REC_INSN = 8,   /* u32 id, struct insn_rec */
};

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
/* Flush and close; returns 0, or -errno if anything failed to reach disk. */
int trace_writer_close(struct trace_writer *w);

#endif
