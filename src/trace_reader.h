/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading .uft trace files: records one at a time, in bounded memory, with
 * every length and checksum verified before it is trusted. */
#ifndef UFFDTRACE_TRACE_READER_H
#define UFFDTRACE_TRACE_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "stacks.h"
#include "trace_format.h"

struct trace_record {
	enum uft_record type;
	union {
		struct { const char *key, *value; } info;
		struct region region;
		struct { uint32_t pid, tid; } thread;
		struct event event;
		struct { uint32_t id; const char *s; } string;
		struct { uint32_t id; struct frame f; } frame;
		struct { uint32_t id, depth; const uint32_t *frames; } stack;
		struct { uint32_t id; struct insn_rec i; } insn;
		struct { uint64_t end_ns, events; } end;
		struct { uint64_t start_ns; } epoch;
	};
};

enum trace_status {
	TRACE_OK,        /* a record */
	TRACE_EOF,       /* a complete trace ended */
	TRACE_CUT_SHORT, /* the file ends early; all before it was good */
	TRACE_BAD,       /* not a trace, too new, or corrupt */
};

struct trace_reader;

/* NULL only when out of memory; open errors come from the first next(). */
struct trace_reader *trace_reader_open(const char *path);
/* Strings and arrays in REC stay valid until the next call. */
enum trace_status trace_reader_next(struct trace_reader *r, struct trace_record *rec);
const char *trace_reader_path(const struct trace_reader *r);
/* What went wrong, and where, for TRACE_CUT_SHORT and TRACE_BAD. */
const char *trace_reader_error(const struct trace_reader *r);
/* Bytes read so far, and the file's size: for progress. */
uint64_t trace_reader_offset(const struct trace_reader *r);
uint64_t trace_reader_size(const struct trace_reader *r);
void trace_reader_close(struct trace_reader *r);

#endif
