/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The .uft trace file layout, shared by the writer and the reader.
 * Described for users in uffdtrace-trace(5); keep the two in step. */
#ifndef UFFDTRACE_TRACE_FORMAT_H
#define UFFDTRACE_TRACE_FORMAT_H

#include <stdint.h>

/* File: a header, then chunks until the end.  All integers little-endian. */
#define UFT_MAGIC "UFFDTRC" /* 8 bytes with the NUL */
#define UFT_VERSION 1
#define UFT_HEADER_SIZE 16  /* magic[8], u32 version, u32 header size */

/* Chunk: u32 magic, u32 payload bytes, u32 CRC-32C of the payload,
 * u32 records; then the payload, a run of whole records.  A chunk is
 * written at once, so a file cut short loses at most the chunk being
 * written, and the CRC finds corruption anywhere. */
#define UFT_CHUNK_MAGIC 0x4b4e4843u /* "CHNK" */
#define UFT_CHUNK_HEADER 16
#define UFT_CHUNK_MAX (16u << 20)  /* the reader refuses larger chunks */

/* Record: u16 type, u16 zero, u32 payload bytes, then the payload. */
#define UFT_RECORD_HEADER 8
enum uft_record {
	UFT_REC_INFO = 1,   /* key NUL value (NUL optional) */
	UFT_REC_REGION = 2, /* a region, new or changed (by id) */
	UFT_REC_THREAD = 3, /* u32 pid, u32 tid */
	UFT_REC_EVENT = 4,  /* one write */
	UFT_REC_STRING = 5, /* u32 id, then the bytes (no NUL) */
	UFT_REC_FRAME = 6,  /* a symbolized frame */
	UFT_REC_STACK = 7,  /* u32 id, then u32 frame ids, innermost first */
	UFT_REC_INSN = 8,   /* a decoded instruction */
	UFT_REC_END = 9,    /* u64 end time (ns), u64 events: trace complete */
	UFT_REC_EPOCH = 10, /* u64 time (ns): every traced page protected again */
	UFT_REC_TYPES
};

/* Fixed payload sizes (variable ones give their minimum). */
#define UFT_REGION_SIZE 48 /* u32 id, pid, kind, unmapped; u64 start, end, first_ns, unmapped_ns */
#define UFT_EVENT_SIZE 120 /* u64 time_ns, addr, ip, sp, args[6]; u32 pid, tid, region;
			    * i32 syscall; u32 flags, stack, insn, access_size; u64 count */
#define UFT_FRAME_SIZE 40  /* u32 id, module, function, file; i32 line; u32 0; u64 ip, offset */
#define UFT_INSN_SIZE 36   /* u32 id; u64 ip; u32 text; u8 len, 0, 0, 0; u8 bytes[16] */
#define UFT_END_SIZE 16
#define UFT_EPOCH_SIZE 8

uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
