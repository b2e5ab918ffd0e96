/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Deduplicated strings, frames, stacks and instructions: the write context
 * that events refer to by id, in memory and in trace files alike. */
#ifndef UFFDTRACE_STACKS_H
#define UFFDTRACE_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Id 0 of every table means "none". */
struct frame {
	uint64_t ip;
	uint64_t offset;   /* from the function, or from the module base */
	uint32_t module;   /* string ids */
	uint32_t function; /* 0: no symbol covers ip */
	uint32_t file;
	int32_t line;
};

struct insn_rec {
	uint64_t ip;
	uint32_t text; /* string id: "mov byte ptr [rax], dl" */
	uint8_t len;
	uint8_t bytes[16];
};

struct intern_map {
	uint32_t *slots; /* ids, 0 = empty */
	size_t cap;
};

struct context_tables {
	char **strings;
	size_t nstrings, capstrings;
	struct frame *frames;
	size_t nframes, capframes;
	uint32_t *stack_frames; /* all stacks' frame ids, back to back */
	size_t nstack_frames, capstack_frames;
	struct { uint32_t first, depth; } *stacks;
	size_t nstacks, capstacks;
	struct insn_rec *insns;
	size_t ninsns, capinsns;
	struct intern_map string_map, frame_map, stack_map, insn_map;
};

void context_init(struct context_tables *c);
void context_free(struct context_tables *c);
/* Each returns the id of an equal entry, adding one if needed; *ADDED says
 * which (a trace writer then records the new entry). */
uint32_t context_string(struct context_tables *c, const char *s, bool *added);
uint32_t context_frame(struct context_tables *c, const struct frame *f, bool *added);
uint32_t context_stack(struct context_tables *c, const uint32_t *frames, uint32_t depth, bool *added);
uint32_t context_insn(struct context_tables *c, const struct insn_rec *i, bool *added);

static inline const char *context_str(const struct context_tables *c, uint32_t id)
{
	return id && id < c->nstrings ? c->strings[id] : NULL;
}
/* The frame ids of stack ID, innermost first; *DEPTH gets their number. */
const uint32_t *context_stack_frames(const struct context_tables *c, uint32_t id, uint32_t *depth);

#endif
