/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Common Trace Format 1.8 output: packets of byte-aligned little-endian
 * fields, written as they fill, so memory stays bounded whatever the trace. */
#include "ctf.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CTF_MAGIC 0xC1FC1FC1u
/* packet.header (magic, stream_id) and packet.context (timestamp_begin,
 * timestamp_end, content_size, packet_size, events_discarded): every
 * field byte-aligned, so their offsets are fixed. */
#define PKT_HEADER 48
#define OFF_TS_BEGIN 8
#define OFF_TS_END 16
#define OFF_CONTENT 24
#define OFF_SIZE 32
#define OFF_DISCARDED 40

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void reserve(unsigned char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	size_t n = *cap ? *cap : 256;
	while (n < need)
		n *= 2;
	*buf = xrealloc(*buf, n);
	*cap = n;
}

static void ev_put(struct ctf_stream *s, const void *p, size_t n)
{
	reserve(&s->ev, &s->evcap, s->evlen + n);
	memcpy(s->ev + s->evlen, p, n);
	s->evlen += n;
}

static void ev_le(struct ctf_stream *s, uint64_t v, int bytes)
{
	unsigned char b[8];
	put_le(b, v, bytes);
	ev_put(s, b, (size_t)bytes);
}

static void write_all(struct ctf_stream *s, const unsigned char *p, size_t n)
{
	while (n && !s->error) {
		ssize_t w = write(s->fd, p, n);
		if (w < 0) {
			if (errno != EINTR)
				s->error = errno;
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Fill in the context of the packet in s->pkt and write it.  Its size is
 * its content: no padding, which CTF allows (packet_size >= content_size). */
static void flush_packet(struct ctf_stream *s, uint64_t ts_end)
{
	put_le(s->pkt, CTF_MAGIC, 4);
	put_le(s->pkt + 4, 0, 4); /* stream_id */
	put_le(s->pkt + OFF_TS_BEGIN, s->pkt_begin, 8);
	put_le(s->pkt + OFF_TS_END, ts_end, 8);
	put_le(s->pkt + OFF_CONTENT, (uint64_t)s->len * 8, 8);
	put_le(s->pkt + OFF_SIZE, (uint64_t)s->len * 8, 8);
	put_le(s->pkt + OFF_DISCARDED, 0, 8);
	write_all(s, s->pkt, s->len);
	s->len = PKT_HEADER;
	s->packets++;
}

int ctf_open(struct ctf_stream *s, const char *path)
{
	memset(s, 0, sizeof *s);
	s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return -errno;
	reserve(&s->pkt, &s->cap, CTF_PACKET_TARGET);
	s->len = PKT_HEADER;
	return 0;
}

uint64_t ctf_event_begin(struct ctf_stream *s, uint32_t id, uint64_t ts)
{
	if (ts < s->last_ts)
		ts = s->last_ts;
	s->last_ts = ts;
	s->evlen = 0;
	ev_le(s, id, 4);
	ev_le(s, ts, 8);
	return ts;
}

void ctf_u8(struct ctf_stream *s, uint8_t v) { ev_le(s, v, 1); }
void ctf_u32(struct ctf_stream *s, uint32_t v) { ev_le(s, v, 4); }
void ctf_u64(struct ctf_stream *s, uint64_t v) { ev_le(s, v, 8); }

/* The length of the well-formed UTF-8 sequence at P (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* Readers print CTF strings as UTF-8; a symbol or command line from the
 * target may hold any bytes, so the invalid ones become '?'. */
void ctf_str(struct ctf_stream *s, const char *str)
{
	const unsigned char *p = (const unsigned char *)(str ? str : "");
	while (*p) {
		size_t n = utf8_len(p);
		if (n) {
			ev_put(s, p, n);
			p += n;
		} else {
			ev_put(s, "?", 1);
			p++;
		}
	}
	ev_put(s, "", 1);
}

void ctf_event_end(struct ctf_stream *s)
{
	/* The packet closes before an event that would take it past the
	 * target; an event too big for any packet gets one to itself. */
	if (s->len > PKT_HEADER && s->len + s->evlen > CTF_PACKET_TARGET)
		flush_packet(s, s->pkt_end);
	if (s->len == PKT_HEADER)
		s->pkt_begin = s->last_ts;
	reserve(&s->pkt, &s->cap, s->len + s->evlen);
	memcpy(s->pkt + s->len, s->ev, s->evlen);
	s->len += s->evlen;
	s->pkt_end = s->last_ts;
	s->events++;
}

int ctf_close(struct ctf_stream *s, uint64_t end_ts)
{
	if (s->len > PKT_HEADER || !s->packets) {
		if (s->len == PKT_HEADER)
			s->pkt_begin = s->last_ts;
		flush_packet(s, end_ts > s->last_ts ? end_ts : s->last_ts);
	}
	if (close(s->fd) < 0 && !s->error)
		s->error = errno;
	s->fd = -1;
	free(s->pkt);
	free(s->ev);
	s->pkt = s->ev = NULL;
	return -s->error;
}

void ctf_metadata_begin(FILE *f)
{
	/* The signature line tells readers the metadata is plain text. */
	fputs("/* CTF 1.8 */\n"
	      "\n"
	      "typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
	      "typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
	      "typealias integer { size = 32; align = 8; signed = false; base = 16; } := uint32_hex_t;\n"
	      "typealias integer { size = 32; align = 8; signed = true; } := int32_t;\n"
	      "typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n"
	      "typealias integer { size = 64; align = 8; signed = false; base = 16; } := uint64_hex_t;\n"
	      "\n"
	      "trace {\n"
	      "\tmajor = 1;\n"
	      "\tminor = 8;\n"
	      "\tbyte_order = le;\n"
	      "\tpacket.header := struct {\n"
	      "\t\tuint32_t magic;\n"
	      "\t\tuint32_t stream_id;\n"
	      "\t};\n"
	      "};\n\n", f);
}

void ctf_metadata_stream(FILE *f)
{
	/* Event times count from the start of tracing, not from an epoch:
	 * absolute = false keeps readers from taking them for wall time
	 * when they correlate traces. */
	fputs("clock {\n"
	      "\tname = monotonic;\n"
	      "\tdescription = \"time since uffdtrace started tracing\";\n"
	      "\tfreq = 1000000000;\n"
	      "\tprecision = 1;\n"
	      "\toffset_s = 0;\n"
	      "\toffset = 0;\n"
	      "\tabsolute = false;\n"
	      "};\n"
	      "\n"
	      "typealias integer { size = 64; align = 8; signed = false; map = clock.monotonic.value; }"
	      " := uint64_clock_monotonic_t;\n"
	      "\n"
	      "stream {\n"
	      "\tid = 0;\n"
	      "\tpacket.context := struct {\n"
	      "\t\tuint64_clock_monotonic_t timestamp_begin;\n"
	      "\t\tuint64_clock_monotonic_t timestamp_end;\n"
	      "\t\tuint64_t content_size;\n"
	      "\t\tuint64_t packet_size;\n"
	      "\t\tuint64_t events_discarded;\n"
	      "\t};\n"
	      "\tevent.header := struct {\n"
	      "\t\tuint32_t id;\n"
	      "\t\tuint64_clock_monotonic_t timestamp;\n"
	      "\t};\n"
	      "};\n\n", f);
}

void ctf_tsdl_string(FILE *f, const char *s)
{
	/* The TSDL lexer knows C escapes only: other control characters,
	 * and bytes that are not valid UTF-8, are written as '?'. */
	fputc('"', f);
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		size_t n = 1;
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p >= 0x20 && *p != 0x7f && (n = utf8_len(p)))
			fwrite(p, 1, n, f);
		else {
			n = 1;
			fputc('?', f);
		}
		p += n;
	}
	fputc('"', f);
}
