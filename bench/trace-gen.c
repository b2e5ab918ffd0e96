/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writes a synthetic but realistic .uft trace with the real trace writer,
 * and says how fast: so that writer throughput and report memory can be
 * measured at any length without tracing a program that long.
 * Usage: trace-gen FILE EVENTS [PAGES [STACKS]]
 * The events write PAGES distinct pages (default 4096) in 8 regions, from
 * STACKS backtraces (default 300), the hot pages again and again, so a
 * longer trace has more events but no more pages, stacks or strings. */
#include "trace_writer.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REGIONS 8
#define THREADS 8
#define FUNCTIONS 120
#define INSNS 64
#define MAX_DEPTH 12

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: fast, and the same trace every run. */
static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long long number(const char *s, const char *what)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (!*s || *end || v == 0) {
		fprintf(stderr, "trace-gen: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "Usage: trace-gen FILE EVENTS [PAGES [STACKS]]\n");
		return 2;
	}
	uint64_t nevents = number(argv[2], "EVENTS");
	uint64_t npages = argc > 3 ? number(argv[3], "PAGES") : 4096;
	uint32_t nstacks = argc > 4 ? (uint32_t)number(argv[4], "STACKS") : 300;
	uint64_t per_region = (npages + REGIONS - 1) / REGIONS;

	double t0 = now();
	struct trace_writer *w = trace_writer_open(argv[1]);
	if (!w) {
		perror(argv[1]);
		return 1;
	}
	trace_writer_info(w, "command", "trace-gen (synthetic)");
	trace_writer_info(w, "pid", "4242");
	for (uint32_t t = 0; t < THREADS; t++)
		trace_writer_thread(w, 4242, 4242 + t);
	uint64_t base[REGIONS];
	for (uint32_t r = 0; r < REGIONS; r++) {
		base[r] = 0x7f0000000000ULL + (uint64_t)r * 0x10000000ULL;
		struct region reg = { .id = r, .pid = 4242, .kind = r ? REGION_ANON : REGION_HEAP,
				      .start = base[r], .end = base[r] + per_region * 4096 };
		trace_writer_region(w, &reg);
	}

	/* Strings 1..: the module, then function names, then insn texts. */
	uint32_t sid = 1;
	trace_writer_string(w, sid++, "/usr/bin/synthetic");
	uint32_t fn_string = sid;
	for (uint32_t f = 0; f < FUNCTIONS; f++) {
		char name[32];
		snprintf(name, sizeof name, "function_%u", f);
		trace_writer_string(w, sid++, name);
	}
	trace_writer_string(w, sid++, "synthetic.c");
	uint32_t file_string = sid - 1;
	for (uint32_t i = 0; i < INSNS; i++) {
		char text[48];
		snprintf(text, sizeof text, "mov qword ptr [rax + %u], rdx", i * 8);
		trace_writer_string(w, sid++, text);
		struct insn_rec in = { .ip = 0x401000 + i * 16, .text = sid - 1, .len = 4,
				       .bytes = { 0x48, 0x89, 0x50, (uint8_t)(i * 8) } };
		trace_writer_insn(w, i + 1, &in);
	}
	/* One frame per function; stacks are random paths down the calls. */
	for (uint32_t f = 0; f < FUNCTIONS; f++) {
		struct frame fr = { .ip = 0x401000 + f * 64 + 12, .offset = 12, .module = 1,
				    .function = fn_string + f, .file = file_string, .line = (int32_t)(10 + f) };
		trace_writer_frame(w, f + 1, &fr);
	}
	for (uint32_t s = 0; s < nstacks; s++) {
		uint32_t frames[MAX_DEPTH], depth = 3 + (uint32_t)(next() % (MAX_DEPTH - 2));
		/* Distinct stacks: the stack number is spelt out in the
		 * first three frames (120^3 > any STACKS wanted). */
		frames[0] = 1 + s % FUNCTIONS;
		frames[1] = 1 + (s / FUNCTIONS) % FUNCTIONS;
		frames[2] = 1 + (s / FUNCTIONS / FUNCTIONS) % FUNCTIONS;
		for (uint32_t d = 3; d < depth; d++)
			frames[d] = 1 + (uint32_t)(next() % FUNCTIONS);
		trace_writer_stack(w, s + 1, frames, depth);
	}

	uint64_t t_ns = 0;
	for (uint64_t i = 0; i < nevents; i++) {
		uint64_t x = next();
		/* Skewed: a quarter of the pages get three quarters of the
		 * writes, like a program's hot buffers. */
		uint64_t page = (x & 3) ? (x >> 8) % (npages / 4 + 1) : (x >> 8) % npages;
		uint32_t r = (uint32_t)(page % REGIONS);
		uint64_t addr = base[r] + (page / REGIONS) * 4096 + ((x >> 40) & 0xff8);
		bool kernel = (x >> 20) % 50 == 0;
		struct event ev = {
			.time_ns = t_ns += 50 + (x >> 58), .addr = addr, .ip = 0x401000 + (x >> 30) % 4096,
			.sp = 0x7ffd00000000ULL, .pid = 4242, .tid = 4242 + (uint32_t)((x >> 16) % THREADS),
			.region = r, .syscall = kernel ? 0 : -1, .flags = kernel ? EV_KERNEL : 0,
			.stack = 1 + (uint32_t)((x >> 24) % nstacks),
			.insn = kernel ? 0 : 1 + (uint32_t)((x >> 32) % INSNS),
			.access_size = 8, .count = 1,
		};
		if (kernel) {
			ev.args[0] = 3;
			ev.args[1] = addr;
			ev.args[2] = 4096;
		}
		trace_writer_event(w, &ev);
	}
	int err = trace_writer_close(w, t_ns + 1000, nevents);
	double secs = now() - t0;
	if (err) {
		fprintf(stderr, "trace-gen: writing %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	FILE *f = fopen(argv[1], "r");
	long size = -1;
	if (f && fseek(f, 0, SEEK_END) == 0)
		size = ftell(f);
	if (f)
		fclose(f);
	/* One line for the benchmark script to parse. */
	printf("events %" PRIu64 " seconds %.3f events_per_s %.0f bytes %ld mb_per_s %.1f\n",
	       nevents, secs, (double)nevents / secs, size, (double)size / secs / 1e6);
	return 0;
}
