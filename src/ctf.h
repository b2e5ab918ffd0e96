/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal Common Trace Format 1.8 writer: one data stream of bounded
 * packets, and the TSDL pieces whose layout must match what it writes. */
#ifndef UFFDTRACE_CTF_H
#define UFFDTRACE_CTF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Packets are cut at about this size, so a reader never needs more than
 * one in memory; one event larger than this gets a packet of its own. */
#define CTF_PACKET_TARGET (64u * 1024)

struct ctf_stream {
	int fd;
	unsigned char *pkt;       /* the packet being filled: header, context, events */
	size_t len, cap;
	unsigned char *ev;        /* the event being built */
	size_t evlen, evcap;
	uint64_t pkt_begin;       /* timestamp of the packet's first event */
	uint64_t pkt_end;         /* and of its last */
	uint64_t last_ts;         /* of the latest event: timestamps never go back */
	uint64_t events, packets;
	int error;                /* first errno of a failed write, else 0 */
};

/* Create the data stream file PATH (which must not exist unless it is to be
 * replaced).  Returns 0, or -errno. */
int ctf_open(struct ctf_stream *s, const char *path);
/* Start an event of class ID at TS; a TS before the previous event's is
 * raised to it (returned), since CTF readers require monotonic time. */
uint64_t ctf_event_begin(struct ctf_stream *s, uint32_t id, uint64_t ts);
void ctf_u8(struct ctf_stream *s, uint8_t v);
void ctf_u32(struct ctf_stream *s, uint32_t v);
void ctf_u64(struct ctf_stream *s, uint64_t v);
/* A NUL-terminated string; NULL is written as "", and bytes that are not
 * valid UTF-8 as '?'. */
void ctf_str(struct ctf_stream *s, const char *str);
void ctf_event_end(struct ctf_stream *s);
/* Flush the last packet, its end at least END_TS, and close.  Writes one
 * empty packet if there were no events, so the stream is never empty.
 * Returns 0, or -errno of the first failed write. */
int ctf_close(struct ctf_stream *s, uint64_t end_ts);

/* The metadata: ctf_metadata_begin (type aliases, trace block), then the
 * caller's env block, then ctf_metadata_stream (clock, stream), then the
 * caller's event classes with stream_id 0 and the aliases declared here:
 * uint8_t, uint32_t, uint32_hex_t, uint64_t, uint64_hex_t, int32_t. */
void ctf_metadata_begin(FILE *f);
void ctf_metadata_stream(FILE *f);
/* S as a TSDL string literal, quotes included. */
void ctf_tsdl_string(FILE *f, const char *s);

#endif
