/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The .uft trace reader.  A file may be anything: every size is checked
 * against what is left before it is used, no allocation is larger than a
 * chunk (bounded), and a bad checksum stops the read with the offset. */
#include "trace_reader.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct trace_reader {
	char *path;
	int fd;
	bool started;
	bool done;
	enum trace_status final; /* what to keep answering once done */
	uint64_t offset;         /* of the next unread byte */
	uint64_t size;
	bool regular;            /* SIZE is known */
	unsigned char *chunk;    /* the current chunk's payload */
	size_t cap, len, pos;
	uint64_t chunk_offset;
	uint32_t chunk_records;  /* the record count its header gives */
	uint32_t seen;           /* records read from it so far */
	/* NUL-terminated copies of strings, as long as the record's: cutting
	 * them would make two long strings with one prefix equal, and the
	 * second one "out of order" to the loader. */
	char *text[2];
	size_t captext[2];
	uint32_t *frames;        /* an aligned copy of a stack's frame ids */
	size_t capframes;
	char error[512];
};

struct trace_reader *trace_reader_open(const char *path)
{
	struct trace_reader *r = xcalloc(1, sizeof *r);
	r->path = xstrdup(path);
	r->fd = -1;
	return r;
}

void trace_reader_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->chunk);
	free(r->frames);
	free(r->text[0]);
	free(r->text[1]);
	free(r->path);
	free(r);
}

const char *trace_reader_path(const struct trace_reader *r)
{
	return r->path;
}

const char *trace_reader_error(const struct trace_reader *r)
{
	return r->error;
}

uint64_t trace_reader_offset(const struct trace_reader *r)
{
	return r->offset;
}

uint64_t trace_reader_size(const struct trace_reader *r)
{
	return r->size;
}

static enum trace_status fail(struct trace_reader *r, enum trace_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum trace_status fail(struct trace_reader *r, enum trace_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
	r->done = true;
	r->final = st;
	return st;
}

/* Read exactly LEN bytes; returns LEN, or less at end of file, or -1. */
static ssize_t read_full(struct trace_reader *r, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(r->fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	r->offset += got;
	return (ssize_t)got;
}

static enum trace_status start(struct trace_reader *r)
{
	r->started = true;
	r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return fail(r, TRACE_BAD, "cannot open %s: %s", r->path, strerror(errno));
	struct stat st;
	if (fstat(r->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return fail(r, TRACE_BAD, "%s is a directory, not a trace file", r->path);
		r->size = (uint64_t)st.st_size;
		r->regular = S_ISREG(st.st_mode);
	}
	unsigned char hdr[UFT_HEADER_SIZE];
	ssize_t n = read_full(r, hdr, sizeof hdr);
	if (n < 0)
		return fail(r, TRACE_BAD, "cannot read %s: %s", r->path, strerror(errno));
	if (n < 8 || memcmp(hdr, UFT_MAGIC, 8) != 0)
		return fail(r, TRACE_BAD, "%s is not a uffdtrace trace file", r->path);
	if (n < (ssize_t)sizeof hdr)
		return fail(r, TRACE_CUT_SHORT, "%s was cut short inside its header", r->path);
	uint32_t version, size;
	memcpy(&version, hdr + 8, 4);
	memcpy(&size, hdr + 12, 4);
	if (version > UFT_VERSION)
		return fail(r, TRACE_BAD, "%s was written by a newer uffdtrace (trace format %u; "
			    "this one reads up to %u)", r->path, version, UFT_VERSION);
	if (version == 0 || size < UFT_HEADER_SIZE || size > 4096)
		return fail(r, TRACE_BAD, "%s is corrupt: bad file header", r->path);
	/* A later minor revision may have a longer header: skip the rest. */
	for (uint32_t left = size - UFT_HEADER_SIZE; left;) {
		unsigned char skip[256];
		size_t k = left < sizeof skip ? left : sizeof skip;
		if (read_full(r, skip, k) != (ssize_t)k)
			return fail(r, TRACE_CUT_SHORT, "%s was cut short inside its header", r->path);
		left -= (uint32_t)k;
	}
	return TRACE_OK;
}

static enum trace_status next_chunk(struct trace_reader *r)
{
	unsigned char hdr[UFT_CHUNK_HEADER];
	r->chunk_offset = r->offset;
	ssize_t n = read_full(r, hdr, sizeof hdr);
	if (n < 0)
		return fail(r, TRACE_BAD, "cannot read %s: %s", r->path, strerror(errno));
	if (n == 0)
		return fail(r, TRACE_CUT_SHORT, "%s was cut short: it ends at offset %llu without its "
			    "end record (the tracer was killed, or the disk was full)",
			    r->path, (unsigned long long)r->offset);
	if (n < (ssize_t)sizeof hdr)
		return fail(r, TRACE_CUT_SHORT, "%s was cut short at offset %llu, inside a chunk header",
			    r->path, (unsigned long long)r->chunk_offset);
	uint32_t magic, len, crc, records;
	memcpy(&magic, hdr, 4);
	memcpy(&len, hdr + 4, 4);
	memcpy(&crc, hdr + 8, 4);
	memcpy(&records, hdr + 12, 4);
	if (magic != UFT_CHUNK_MAGIC)
		return fail(r, TRACE_BAD, "%s is corrupt at offset %llu: no chunk starts there",
			    r->path, (unsigned long long)r->chunk_offset);
	if (len > UFT_CHUNK_MAX)
		return fail(r, TRACE_BAD, "%s is corrupt at offset %llu: a chunk of %u bytes is "
			    "larger than any uffdtrace writes", r->path,
			    (unsigned long long)r->chunk_offset, len);
	/* Said to run past the end of a regular file: cut short, without
	 * allocating for bytes that are not there. */
	if (r->regular && r->size >= r->offset && len > r->size - r->offset)
		return fail(r, TRACE_CUT_SHORT, "%s was cut short at offset %llu, inside a chunk "
			    "(the tracer was killed, or the disk was full)", r->path,
			    (unsigned long long)r->chunk_offset);
	if (len > r->cap) {
		free(r->chunk);
		r->chunk = xmalloc(len);
		r->cap = len;
	}
	n = read_full(r, r->chunk, len);
	if (n < 0)
		return fail(r, TRACE_BAD, "cannot read %s: %s", r->path, strerror(errno));
	if (n < (ssize_t)len)
		return fail(r, TRACE_CUT_SHORT, "%s was cut short at offset %llu, inside a chunk "
			    "(the tracer was killed, or the disk was full)", r->path,
			    (unsigned long long)r->chunk_offset);
	if (crc32c(0, r->chunk, len) != crc)
		return fail(r, TRACE_BAD, "%s is corrupt: the chunk at offset %llu fails its checksum",
			    r->path, (unsigned long long)r->chunk_offset);
	r->len = len;
	r->pos = 0;
	r->chunk_records = records;
	r->seen = 0;
	return TRACE_OK;
}

/* The record count is outside the checksum: check it, so that a damaged
 * count is found as well. */
static enum trace_status check_count(struct trace_reader *r)
{
	if (r->seen != r->chunk_records)
		return fail(r, TRACE_BAD, "%s is corrupt: the chunk at offset %llu holds %u records, "
			    "its header says %u", r->path, (unsigned long long)r->chunk_offset,
			    r->seen, r->chunk_records);
	return TRACE_OK;
}

#define GET(v) (memcpy(&(v), p, sizeof(v)), p += sizeof(v))

/* Copy LEN bytes at P into one of two NUL-terminated buffers (no larger
 * than a chunk, so bounded). */
static const char *text(struct trace_reader *r, int which, const unsigned char *p, size_t len)
{
	if (len >= r->captext[which]) {
		free(r->text[which]);
		r->captext[which] = len + 1 > 256 ? len + 1 : 256;
		r->text[which] = xmalloc(r->captext[which]);
	}
	memcpy(r->text[which], p, len);
	r->text[which][len] = 0;
	return r->text[which];
}

static enum trace_status decode(struct trace_reader *r, uint16_t type, const unsigned char *p,
				uint32_t len, struct trace_record *rec)
{
	static const uint32_t min_len[UFT_REC_TYPES] = {
		[UFT_REC_INFO] = 1, [UFT_REC_REGION] = UFT_REGION_SIZE, [UFT_REC_THREAD] = 8,
		[UFT_REC_EVENT] = UFT_EVENT_SIZE, [UFT_REC_STRING] = 4, [UFT_REC_FRAME] = UFT_FRAME_SIZE,
		[UFT_REC_STACK] = 4, [UFT_REC_INSN] = UFT_INSN_SIZE, [UFT_REC_END] = UFT_END_SIZE,
		[UFT_REC_EPOCH] = UFT_EPOCH_SIZE,
	};
	memset(rec, 0, sizeof *rec);
	rec->type = (enum uft_record)type;
	if (type >= UFT_REC_TYPES || type == 0)
		return TRACE_OK; /* a record type from a later version: skip it */
	if (len < min_len[type])
		return fail(r, TRACE_BAD, "%s is corrupt: a record of type %u in the chunk at offset %llu "
			    "is too short (%u bytes)", r->path, type, (unsigned long long)r->chunk_offset, len);
	switch (type) {
	case UFT_REC_INFO: {
		const unsigned char *nul = memchr(p, 0, len);
		size_t k = nul ? (size_t)(nul - p) : len;
		rec->info.key = text(r, 0, p, k);
		rec->info.value = nul ? text(r, 1, nul + 1, len - k - 1) : text(r, 1, p, 0);
		break;
	}
	case UFT_REC_REGION: {
		uint32_t kind, unmapped;
		GET(rec->region.id);
		GET(rec->region.pid);
		GET(kind);
		GET(unmapped);
		GET(rec->region.start);
		GET(rec->region.end);
		GET(rec->region.first_ns);
		GET(rec->region.unmapped_ns);
		if (kind >= REGION_KINDS)
			return fail(r, TRACE_BAD, "%s is corrupt: a region of unknown kind %u", r->path, kind);
		rec->region.kind = (enum region_kind)kind;
		rec->region.unmapped = unmapped != 0;
		break;
	}
	case UFT_REC_THREAD:
		GET(rec->thread.pid);
		GET(rec->thread.tid);
		break;
	case UFT_REC_EVENT: {
		struct event *e = &rec->event;
		GET(e->time_ns);
		GET(e->addr);
		GET(e->ip);
		GET(e->sp);
		for (int i = 0; i < 6; i++)
			GET(e->args[i]);
		GET(e->pid);
		GET(e->tid);
		GET(e->region);
		GET(e->syscall);
		GET(e->flags);
		GET(e->stack);
		GET(e->insn);
		GET(e->access_size);
		GET(e->count);
		break;
	}
	case UFT_REC_STRING:
		GET(rec->string.id);
		if (memchr(p, 0, len - 4))
			return fail(r, TRACE_BAD, "%s is corrupt: a string holds a NUL byte", r->path);
		rec->string.s = text(r, 0, p, len - 4);
		break;
	case UFT_REC_FRAME: {
		uint32_t pad;
		GET(rec->frame.id);
		GET(rec->frame.f.module);
		GET(rec->frame.f.function);
		GET(rec->frame.f.file);
		GET(rec->frame.f.line);
		GET(pad);
		GET(rec->frame.f.ip);
		GET(rec->frame.f.offset);
		break;
	}
	case UFT_REC_STACK:
		GET(rec->stack.id);
		if ((len - 4) % 4)
			return fail(r, TRACE_BAD, "%s is corrupt: a stack record of %u bytes", r->path, len);
		rec->stack.depth = (len - 4) / 4;
		/* Checked here, not only by the loader: memcpy() below must not
		 * get the NULL array of a reader that saw no stack yet. */
		if (!rec->stack.depth)
			return fail(r, TRACE_BAD, "%s is corrupt: a stack record without frames", r->path);
		/* Records are not aligned in the chunk: copy to an array. */
		if (rec->stack.depth > r->capframes) {
			free(r->frames);
			r->capframes = rec->stack.depth;
			r->frames = xmalloc(r->capframes * sizeof *r->frames);
		}
		memcpy(r->frames, p, (size_t)rec->stack.depth * 4);
		rec->stack.frames = r->frames;
		break;
	case UFT_REC_INSN: {
		uint8_t pad[3];
		GET(rec->insn.id);
		GET(rec->insn.i.ip);
		GET(rec->insn.i.text);
		GET(rec->insn.i.len);
		memcpy(pad, p, 3);
		p += 3;
		memcpy(rec->insn.i.bytes, p, 16);
		if (rec->insn.i.len > 16)
			return fail(r, TRACE_BAD, "%s is corrupt: an instruction of %u bytes", r->path,
				    rec->insn.i.len);
		break;
	}
	case UFT_REC_END:
		GET(rec->end.end_ns);
		GET(rec->end.events);
		break;
	case UFT_REC_EPOCH:
		GET(rec->epoch.start_ns);
		break;
	}
	return TRACE_OK;
}

enum trace_status trace_reader_next(struct trace_reader *r, struct trace_record *rec)
{
	if (!r->started) {
		enum trace_status st = start(r);
		if (st != TRACE_OK)
			return st;
	}
	for (;;) {
		if (r->done)
			return r->final;
		if (r->pos == r->len) {
			enum trace_status st = r->chunk_offset ? check_count(r) : TRACE_OK;
			if (st == TRACE_OK)
				st = next_chunk(r);
			if (st != TRACE_OK)
				return st;
			continue;
		}
		if (r->len - r->pos < UFT_RECORD_HEADER)
			return fail(r, TRACE_BAD, "%s is corrupt: the chunk at offset %llu ends inside a record",
				    r->path, (unsigned long long)r->chunk_offset);
		const unsigned char *p = r->chunk + r->pos;
		uint16_t type;
		uint32_t len;
		memcpy(&type, p, 2);
		memcpy(&len, p + 4, 4);
		if (len > r->len - r->pos - UFT_RECORD_HEADER)
			return fail(r, TRACE_BAD, "%s is corrupt: a record in the chunk at offset %llu "
				    "runs past its chunk", r->path, (unsigned long long)r->chunk_offset);
		r->pos += UFT_RECORD_HEADER + len;
		r->seen++;
		enum trace_status st = decode(r, type, p + UFT_RECORD_HEADER, len, rec);
		if (st != TRACE_OK)
			return st;
		if (rec->type == UFT_REC_END) {
			/* The last record of the trace: nothing may follow it in
			 * its chunk. */
			if (r->pos != r->len)
				return fail(r, TRACE_BAD, "%s is corrupt: records follow the end record in "
					    "the chunk at offset %llu", r->path,
					    (unsigned long long)r->chunk_offset);
			if (check_count(r) != TRACE_OK)
				return TRACE_BAD;
			r->done = true;
			r->final = TRACE_EOF;
			return TRACE_OK;
		}
		if (type > 0 && type < UFT_REC_TYPES)
			return TRACE_OK;
	}
}
