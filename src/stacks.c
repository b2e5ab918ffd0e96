/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interning tables for the write context: each distinct string, frame, stack
 * and instruction is kept once, so events stay small and a trace can be
 * reported on without the target's binaries. */
#include "stacks.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const void *p, size_t n)
{
	/* FNV-1a: short keys, good enough spread. */
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

/* Find KEY's id in MAP, using EQ on candidate ids; 0 if absent, and *SLOT
 * is where it would go. */
static uint32_t map_find(const struct intern_map *m, uint64_t h,
			 bool (*eq)(const struct context_tables *, uint32_t, const void *),
			 const struct context_tables *c, const void *key, size_t *slot)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		if (!m->slots[i]) {
			*slot = i;
			return 0;
		}
		if (eq(c, m->slots[i], key))
			return m->slots[i];
	}
}

static void map_grow(struct intern_map *m, size_t used, uint64_t (*hash_id)(const struct context_tables *, uint32_t),
		     const struct context_tables *c)
{
	if (2 * (used + 1) <= m->cap)
		return;
	size_t oldcap = m->cap;
	uint32_t *old = m->slots;
	m->cap = oldcap ? oldcap * 2 : 256;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i])
			continue;
		size_t mask = m->cap - 1, j = hash_id(c, old[i]) & mask;
		while (m->slots[j])
			j = (j + 1) & mask;
		m->slots[j] = old[i];
	}
	free(old);
}

#define GROW(arr, n, cap) \
	do { \
		if ((n) == (cap)) \
			(arr) = xrealloc((arr), ((cap) = (cap) ? (cap) * 2 : 64) * sizeof *(arr)); \
	} while (0)

void context_init(struct context_tables *c)
{
	memset(c, 0, sizeof *c);
	/* Reserve id 0 everywhere for "none". */
	GROW(c->strings, c->nstrings, c->capstrings);
	c->strings[c->nstrings++] = NULL;
	GROW(c->frames, c->nframes, c->capframes);
	memset(&c->frames[c->nframes++], 0, sizeof *c->frames);
	GROW(c->stacks, c->nstacks, c->capstacks);
	c->stacks[c->nstacks].first = 0;
	c->stacks[c->nstacks++].depth = 0;
	GROW(c->insns, c->ninsns, c->capinsns);
	memset(&c->insns[c->ninsns++], 0, sizeof *c->insns);
}

void context_free(struct context_tables *c)
{
	for (size_t i = 1; i < c->nstrings; i++)
		free(c->strings[i]);
	free(c->strings);
	free(c->frames);
	free(c->stack_frames);
	free(c->stacks);
	free(c->insns);
	free(c->string_map.slots);
	free(c->frame_map.slots);
	free(c->stack_map.slots);
	free(c->insn_map.slots);
	memset(c, 0, sizeof *c);
}

static uint64_t string_hash(const struct context_tables *c, uint32_t id)
{
	return hash_bytes(c->strings[id], strlen(c->strings[id]));
}

static bool string_eq(const struct context_tables *c, uint32_t id, const void *key)
{
	return strcmp(c->strings[id], key) == 0;
}

uint32_t context_string(struct context_tables *c, const char *s, bool *added)
{
	*added = false;
	if (!s || !*s)
		return 0;
	map_grow(&c->string_map, c->nstrings, string_hash, c);
	size_t slot;
	uint32_t id = map_find(&c->string_map, hash_bytes(s, strlen(s)), string_eq, c, s, &slot);
	if (id)
		return id;
	GROW(c->strings, c->nstrings, c->capstrings);
	c->strings[c->nstrings] = xstrdup(s);
	c->string_map.slots[slot] = (uint32_t)c->nstrings;
	*added = true;
	return (uint32_t)c->nstrings++;
}

static uint64_t frame_hash(const struct context_tables *c, uint32_t id)
{
	return hash_bytes(&c->frames[id], sizeof c->frames[id]);
}

static bool frame_eq(const struct context_tables *c, uint32_t id, const void *key)
{
	return memcmp(&c->frames[id], key, sizeof(struct frame)) == 0;
}

uint32_t context_frame(struct context_tables *c, const struct frame *f, bool *added)
{
	struct frame k;
	memset(&k, 0, sizeof k); /* hashed as bytes: no stray padding */
	k.ip = f->ip;
	k.offset = f->offset;
	k.module = f->module;
	k.function = f->function;
	k.file = f->file;
	k.line = f->line;
	*added = false;
	map_grow(&c->frame_map, c->nframes, frame_hash, c);
	size_t slot;
	uint32_t id = map_find(&c->frame_map, hash_bytes(&k, sizeof k), frame_eq, c, &k, &slot);
	if (id)
		return id;
	GROW(c->frames, c->nframes, c->capframes);
	c->frames[c->nframes] = k;
	c->frame_map.slots[slot] = (uint32_t)c->nframes;
	*added = true;
	return (uint32_t)c->nframes++;
}

const uint32_t *context_stack_frames(const struct context_tables *c, uint32_t id, uint32_t *depth)
{
	if (!id || id >= c->nstacks) {
		*depth = 0;
		return NULL;
	}
	*depth = c->stacks[id].depth;
	return c->stack_frames + c->stacks[id].first;
}

struct stack_key {
	const uint32_t *frames;
	uint32_t depth;
};

static uint64_t stack_hash(const struct context_tables *c, uint32_t id)
{
	return hash_bytes(c->stack_frames + c->stacks[id].first, c->stacks[id].depth * sizeof(uint32_t));
}

static bool stack_eq(const struct context_tables *c, uint32_t id, const void *key)
{
	const struct stack_key *k = key;
	return c->stacks[id].depth == k->depth &&
	       memcmp(c->stack_frames + c->stacks[id].first, k->frames, k->depth * sizeof(uint32_t)) == 0;
}

uint32_t context_stack(struct context_tables *c, const uint32_t *frames, uint32_t depth, bool *added)
{
	*added = false;
	if (!depth)
		return 0;
	map_grow(&c->stack_map, c->nstacks, stack_hash, c);
	struct stack_key k = { frames, depth };
	size_t slot;
	uint32_t id = map_find(&c->stack_map, hash_bytes(frames, depth * sizeof *frames), stack_eq, c, &k, &slot);
	if (id)
		return id;
	while (c->nstack_frames + depth > c->capstack_frames)
		c->stack_frames = xrealloc(c->stack_frames,
					   (c->capstack_frames = c->capstack_frames ? c->capstack_frames * 2 : 1024) * sizeof(uint32_t));
	memcpy(c->stack_frames + c->nstack_frames, frames, depth * sizeof *frames);
	GROW(c->stacks, c->nstacks, c->capstacks);
	c->stacks[c->nstacks].first = (uint32_t)c->nstack_frames;
	c->stacks[c->nstacks].depth = depth;
	c->nstack_frames += depth;
	c->stack_map.slots[slot] = (uint32_t)c->nstacks;
	*added = true;
	return (uint32_t)c->nstacks++;
}

static uint64_t insn_hash(const struct context_tables *c, uint32_t id)
{
	return hash_bytes(&c->insns[id], sizeof c->insns[id]);
}

static bool insn_eq(const struct context_tables *c, uint32_t id, const void *key)
{
	return memcmp(&c->insns[id], key, sizeof(struct insn_rec)) == 0;
}

uint32_t context_insn(struct context_tables *c, const struct insn_rec *i, bool *added)
{
	struct insn_rec k;
	memset(&k, 0, sizeof k);
	k.ip = i->ip;
	k.text = i->text;
	k.len = i->len;
	memcpy(k.bytes, i->bytes, sizeof k.bytes);
	*added = false;
	map_grow(&c->insn_map, c->ninsns, insn_hash, c);
	size_t slot;
	uint32_t id = map_find(&c->insn_map, hash_bytes(&k, sizeof k), insn_eq, c, &k, &slot);
	if (id)
		return id;
	GROW(c->insns, c->ninsns, c->capinsns);
	c->insns[c->ninsns] = k;
	c->insn_map.slots[slot] = (uint32_t)c->ninsns;
	*added = true;
	return (uint32_t)c->ninsns++;
}
