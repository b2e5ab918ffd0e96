/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The .uft trace writer: records go into a chunk buffer, and each full
 * chunk is written with one write() and a checksum, so memory stays bounded
 * however long the run and a file cut short is readable up to its last
 * chunk.  A write error (disk full) stops the trace, never the tracing. */
#include "trace_writer.h"
#include "log.h"
#include "trace_format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_BYTES (256u << 10)

struct trace_writer {
	int fd;
	int err;
	unsigned char *buf; /* chunk header, then records */
	size_t used;        /* payload bytes */
	uint32_t records;
};

static void write_all(struct trace_writer *w, const void *p, size_t len)
{
	const unsigned char *b = p;
	while (len && !w->err) {
		ssize_t n = write(w->fd, b, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = n < 0 ? errno : ENOSPC;
			break;
		}
		b += n;
		len -= (size_t)n;
	}
}

void trace_writer_flush(struct trace_writer *w)
{
	if (!w || !w->used)
		return;
	uint32_t hdr[4] = { UFT_CHUNK_MAGIC, (uint32_t)w->used,
			    crc32c(0, w->buf + UFT_CHUNK_HEADER, w->used), w->records };
	memcpy(w->buf, hdr, sizeof hdr);
	write_all(w, w->buf, UFT_CHUNK_HEADER + w->used);
	w->used = 0;
	w->records = 0;
}

/* Reserve a record of LEN payload bytes; returns where the payload goes. */
static unsigned char *record(struct trace_writer *w, enum uft_record type, size_t len)
{
	if (UFT_RECORD_HEADER + len > CHUNK_BYTES - UFT_CHUNK_HEADER)
		len = CHUNK_BYTES - UFT_CHUNK_HEADER - UFT_RECORD_HEADER; /* truncate huge strings */
	if (w->used + UFT_RECORD_HEADER + len > CHUNK_BYTES - UFT_CHUNK_HEADER)
		trace_writer_flush(w);
	unsigned char *p = w->buf + UFT_CHUNK_HEADER + w->used;
	uint16_t t = (uint16_t)type, zero = 0;
	uint32_t l = (uint32_t)len;
	memcpy(p, &t, 2);
	memcpy(p + 2, &zero, 2);
	memcpy(p + 4, &l, 4);
	w->used += UFT_RECORD_HEADER + len;
	w->records++;
	return p + UFT_RECORD_HEADER;
}

#define PUT(p, v) (memcpy((p), &(v), sizeof(v)), (p) += sizeof(v))

struct trace_writer *trace_writer_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return NULL;
	struct trace_writer *w = xcalloc(1, sizeof *w);
	w->fd = fd;
	w->buf = xmalloc(CHUNK_BYTES);
	unsigned char hdr[UFT_HEADER_SIZE] = UFT_MAGIC;
	uint32_t version = UFT_VERSION, size = UFT_HEADER_SIZE;
	memcpy(hdr + 8, &version, 4);
	memcpy(hdr + 12, &size, 4);
	write_all(w, hdr, sizeof hdr);
	return w;
}

void trace_writer_info(struct trace_writer *w, const char *key, const char *value)
{
	size_t k = strlen(key), v = strlen(value);
	unsigned char *p = record(w, UFT_REC_INFO, k + 1 + v);
	memcpy(p, key, k + 1);
	memcpy(p + k + 1, value, v);
}

void trace_writer_region(struct trace_writer *w, const struct region *r)
{
	unsigned char *p = record(w, UFT_REC_REGION, UFT_REGION_SIZE);
	uint32_t kind = r->kind, unmapped = r->unmapped ? 1 : 0;
	PUT(p, r->id);
	PUT(p, r->pid);
	PUT(p, kind);
	PUT(p, unmapped);
	PUT(p, r->start);
	PUT(p, r->end);
	PUT(p, r->first_ns);
	PUT(p, r->unmapped_ns);
}

void trace_writer_thread(struct trace_writer *w, uint32_t pid, uint32_t tid)
{
	unsigned char *p = record(w, UFT_REC_THREAD, 8);
	PUT(p, pid);
	PUT(p, tid);
}

void trace_writer_event(struct trace_writer *w, const struct event *ev)
{
	unsigned char *p = record(w, UFT_REC_EVENT, UFT_EVENT_SIZE);
	PUT(p, ev->time_ns);
	PUT(p, ev->addr);
	PUT(p, ev->ip);
	PUT(p, ev->sp);
	for (int i = 0; i < 6; i++)
		PUT(p, ev->args[i]);
	PUT(p, ev->pid);
	PUT(p, ev->tid);
	PUT(p, ev->region);
	PUT(p, ev->syscall);
	PUT(p, ev->flags);
	PUT(p, ev->stack);
	PUT(p, ev->insn);
	PUT(p, ev->access_size);
	PUT(p, ev->count);
}

void trace_writer_string(struct trace_writer *w, uint32_t id, const char *s)
{
	size_t len = strlen(s);
	unsigned char *p = record(w, UFT_REC_STRING, 4 + len);
	PUT(p, id);
	memcpy(p, s, len);
}

void trace_writer_frame(struct trace_writer *w, uint32_t id, const struct frame *f)
{
	unsigned char *p = record(w, UFT_REC_FRAME, UFT_FRAME_SIZE);
	uint32_t zero = 0;
	PUT(p, id);
	PUT(p, f->module);
	PUT(p, f->function);
	PUT(p, f->file);
	PUT(p, f->line);
	PUT(p, zero);
	PUT(p, f->ip);
	PUT(p, f->offset);
}

void trace_writer_stack(struct trace_writer *w, uint32_t id, const uint32_t *frames, uint32_t depth)
{
	unsigned char *p = record(w, UFT_REC_STACK, 4 + (size_t)depth * 4);
	PUT(p, id);
	memcpy(p, frames, (size_t)depth * 4);
}

void trace_writer_insn(struct trace_writer *w, uint32_t id, const struct insn_rec *i)
{
	unsigned char *p = record(w, UFT_REC_INSN, UFT_INSN_SIZE);
	uint8_t pad[3] = { 0 };
	PUT(p, id);
	PUT(p, i->ip);
	PUT(p, i->text);
	PUT(p, i->len);
	memcpy(p, pad, 3);
	p += 3;
	memcpy(p, i->bytes, 16);
}

void trace_writer_epoch(struct trace_writer *w, uint64_t start_ns)
{
	unsigned char *p = record(w, UFT_REC_EPOCH, UFT_EPOCH_SIZE);
	PUT(p, start_ns);
}

int trace_writer_error(const struct trace_writer *w)
{
	return w ? w->err : 0;
}

int trace_writer_close(struct trace_writer *w, uint64_t end_ns, uint64_t events)
{
	if (!w)
		return 0;
	unsigned char *p = record(w, UFT_REC_END, UFT_END_SIZE);
	PUT(p, end_ns);
	PUT(p, events);
	trace_writer_flush(w);
	int err = w->err;
	if (close(w->fd) != 0 && !err)
		err = errno;
	free(w->buf);
	free(w);
	return -err;
}

/* CRC-32C (Castagnoli): with the SSE4.2 instruction where the CPU has it
 * (a chunk a few hundred microseconds' worth of events must not cost more
 * than writing it), else bytewise with a table. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const unsigned char *b, size_t len)
{
	uint64_t c = crc;
	for (; len >= 8; b += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, b, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	uint32_t c32 = (uint32_t)c;
	while (len--)
		c32 = __builtin_ia32_crc32qi(c32, *b++);
	return c32;
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	static int hw = -1;
	const unsigned char *b = buf;
	if (hw < 0)
		hw = __builtin_cpu_supports("sse4.2");
	if (hw)
		return ~crc32c_hw(~crc, b, len);
	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
