/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the .uft reader: any bytes go through the whole
 * "uffdtrace report" path (reader, loader, model, JSON and text reports),
 * because a trace file is untrusted input. */
#include "report.h"
#include "trace_load.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reader takes a path, so the input goes into a memfd opened by its
 * /proc/self/fd name: no temporary file on disk, nothing to clean up. */
static int memfd = -1;
static uint8_t *copy;
static size_t capcopy;

/* Random mutations nearly always break a chunk's CRC-32C, and then the
 * reader stops at once: put right every checksum that can be found, so the
 * fuzzer reaches the record decoding and the model behind it.  (The
 * checksum check itself is covered by tests/trace-corrupt.test.) */
static void fix_checksums(uint8_t *d, size_t size)
{
	uint32_t hsize;
	if (size < UFT_HEADER_SIZE)
		return;
	memcpy(&hsize, d + 12, 4);
	for (size_t off = hsize; off >= UFT_HEADER_SIZE && off + UFT_CHUNK_HEADER <= size;) {
		uint32_t magic, len;
		memcpy(&magic, d + off, 4);
		memcpy(&len, d + off + 4, 4);
		if (magic != UFT_CHUNK_MAGIC || len > size - off - UFT_CHUNK_HEADER)
			return;
		uint32_t crc = crc32c(0, d + off + UFT_CHUNK_HEADER, len);
		memcpy(d + off + 8, &crc, 4);
		off += UFT_CHUNK_HEADER + (size_t)len;
	}
}
static FILE *devnull;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memfd < 0) {
		memfd = memfd_create("fuzz-trace", 0);
		devnull = fopen("/dev/null", "w");
		if (memfd < 0 || !devnull)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
	}
	if (size > capcopy) {
		free(copy);
		copy = malloc(capcopy = size);
		if (!copy)
			abort();
	}
	if (size)
		memcpy(copy, data, size);
	fix_checksums(copy, size);
	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, copy, size, 0) != (ssize_t)size)
		abort();

	struct trace_load l;
	trace_load_open(&l, path);
	enum trace_status st = trace_load_all(&l);
	/* "uffdtrace replay" seeks back by loading again into the reset
	 * model: do that too, for half of the inputs (it doubles the cost). */
	if (size & 1) {
		trace_load_rewind(&l);
		st = trace_load_all(&l);
	}
	/* cmd_report reports on everything but TRACE_BAD; do as much. */
	if (st != TRACE_BAD) {
		struct report_opts ro = { .top = 20, .full = true };
		report_json(devnull, l.model, &l.run, &ro);
		report_text(devnull, l.model, &l.run, &ro);
		ro.sort_faults = true;
		ro.by = REPORT_BY_INSN;
		report_text(devnull, l.model, &l.run, &ro);
	}
	trace_load_close(&l);
	return 0;
}
