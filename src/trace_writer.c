/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The .uft trace file, written as a stream of self-sized records so that a
 * file cut short can be read up to its last whole record. */
#include "trace_writer.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct trace_writer {
	FILE *f;
	int err;
};

static void put(struct trace_writer *w, uint32_t type, const void *p, uint32_t len)
{
	uint32_t hdr[2] = { type, len };
	if (fwrite(hdr, sizeof hdr, 1, w->f) != 1 || (len && fwrite(p, len, 1, w->f) != 1))
		if (!w->err)
			w->err = errno ? errno : EIO;
}

struct trace_writer *trace_writer_open(const char *path)
{
	FILE *f = fopen(path, "wbe");
	if (!f)
		return NULL;
	struct trace_writer *w = xcalloc(1, sizeof *w);
	w->f = f;
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	char magic[8] = UFT_MAGIC;
	uint32_t version = UFT_VERSION, endian = 0x01020304;
	fwrite(magic, sizeof magic, 1, f);
	fwrite(&version, sizeof version, 1, f);
	fwrite(&endian, sizeof endian, 1, f);
	return w;
}

void trace_writer_info(struct trace_writer *w, const char *key, const char *value)
{
	char buf[4096];
	int n = snprintf(buf, sizeof buf, "%s=%s", key, value);
	if (n < 0)
		return;
	put(w, UFT_REC_INFO, buf, (uint32_t)(n < (int)sizeof buf ? n : (int)sizeof buf - 1));
}

void trace_writer_region(struct trace_writer *w, const struct region *r)
{
	put(w, UFT_REC_REGION, r, sizeof *r);
}

void trace_writer_thread(struct trace_writer *w, uint32_t pid, uint32_t tid)
{
	uint32_t v[2] = { pid, tid };
	put(w, UFT_REC_THREAD, v, sizeof v);
}

void trace_writer_event(struct trace_writer *w, const struct event *ev)
{
	put(w, UFT_REC_EVENT, ev, sizeof *ev);
}

/* A record whose payload is a u32 id followed by LEN bytes at P. */
static void put_with_id(struct trace_writer *w, uint32_t type, uint32_t id, const void *p, uint32_t len)
{
	uint32_t hdr[3] = { type, len + 4, id };
	if (fwrite(hdr, sizeof hdr, 1, w->f) != 1 || (len && fwrite(p, len, 1, w->f) != 1))
		if (!w->err)
			w->err = errno ? errno : EIO;
}

void trace_writer_string(struct trace_writer *w, uint32_t id, const char *s)
{
	put_with_id(w, UFT_REC_STRING, id, s, (uint32_t)strlen(s));
}

void trace_writer_frame(struct trace_writer *w, uint32_t id, const struct frame *f)
{
	put_with_id(w, UFT_REC_FRAME, id, f, sizeof *f);
}

void trace_writer_stack(struct trace_writer *w, uint32_t id, const uint32_t *frames, uint32_t depth)
{
	put_with_id(w, UFT_REC_STACK, id, frames, depth * (uint32_t)sizeof *frames);
}

void trace_writer_insn(struct trace_writer *w, uint32_t id, const struct insn_rec *i)
{
	put_with_id(w, UFT_REC_INSN, id, i, sizeof *i);
}

int trace_writer_close(struct trace_writer *w)
{
	if (!w)
		return 0;
	int err = w->err;
	if (fclose(w->f) != 0 && !err)
		err = errno;
	free(w);
	return -err;
}
