/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The target's mappings: which are traced, and which region owns an address. */
#ifndef UFFDTRACE_REGIONS_H
#define UFFDTRACE_REGIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

/* One line of /proc/PID/maps. */
struct mapping {
	uint64_t start, end, offset;
	bool readable, writable, executable, shared;
	char name[256];
};

/* Read /proc/PID/maps.  Returns the number of mappings (caller frees *out),
 * or -1 with errno set. */
int maps_read(pid_t pid, struct mapping **out);

/* Which kind of region a mapping would be, or -1 if it is never traced
 * (file-backed, shared, not writable, special). */
int mapping_kind(const struct mapping *m);

/* A live, registered address range and the region it belongs to. */
struct traced_range {
	uint64_t start, end;
	uint32_t region;
};

/* Registered ranges of one process, sorted by address, never overlapping. */
struct range_table {
	struct traced_range *v;
	size_t n, cap;
};

void ranges_add(struct range_table *t, uint64_t start, uint64_t end, uint32_t region);
/* Drop [start, end), splitting ranges as needed. */
void ranges_remove(struct range_table *t, uint64_t start, uint64_t end);
const struct traced_range *ranges_find(const struct range_table *t, uint64_t addr);
/* Call FN for every part of [start, end) that no range covers. */
void ranges_gaps(const struct range_table *t, uint64_t start, uint64_t end,
		 void (*fn)(uint64_t s, uint64_t e, void *arg), void *arg);
void ranges_free(struct range_table *t);

/* Parse "--regions" (heap,anon,stack,all) into a bit mask of kinds. */
int regions_parse_mask(const char *s, unsigned *mask);

#endif
