/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parse /proc/PID/maps, decide what is traced, and keep the table of traced ranges. */
#include "regions.h"
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *region_kind_name(enum region_kind k)
{
	static const char *const names[] = { "heap", "anon", "stack" };
	return (unsigned)k < REGION_KINDS ? names[k] : "?";
}

int maps_read(pid_t pid, struct mapping **out)
{
	char path[64], line[4096 + 256];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = 0, cap = 64;
	struct mapping *v = xmalloc(cap * sizeof *v);
	while (fgets(line, sizeof line, f)) {
		struct mapping m = { 0 };
		char perms[8] = "";
		int name_at = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %n",
			   &m.start, &m.end, perms, &m.offset, &name_at) < 4)
			continue;
		m.readable = perms[0] == 'r';
		m.writable = perms[1] == 'w';
		m.executable = perms[2] == 'x';
		m.shared = perms[3] == 's';
		if (name_at > 0) {
			snprintf(m.name, sizeof m.name, "%s", line + name_at);
			m.name[strcspn(m.name, "\n")] = 0;
		}
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[n++] = m;
	}
	fclose(f);
	*out = v;
	return (int)n;
}

int mapping_kind(const struct mapping *m)
{
	if (!m->writable || m->shared)
		return -1;
	if (strcmp(m->name, "[heap]") == 0)
		return REGION_HEAP;
	if (strncmp(m->name, "[stack", 6) == 0)
		return REGION_STACK;
	/* Anonymous, possibly named with PR_SET_VMA_ANON_NAME. */
	if (m->name[0] == 0 || strncmp(m->name, "[anon:", 6) == 0)
		return REGION_ANON;
	return -1;
}

static size_t lower_bound(const struct range_table *t, uint64_t addr)
{
	/* First range whose end is above ADDR. */
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void ranges_add(struct range_table *t, uint64_t start, uint64_t end, uint32_t region)
{
	ranges_remove(t, start, end);
	size_t i = lower_bound(t, start);
	/* Grow a neighbour of the same region instead of adding a piece. */
	if (i > 0 && t->v[i - 1].end == start && t->v[i - 1].region == region) {
		t->v[i - 1].end = end;
		if (i < t->n && t->v[i].start == end && t->v[i].region == region) {
			t->v[i - 1].end = t->v[i].end;
			memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
			t->n--;
		}
		return;
	}
	if (i < t->n && t->v[i].start == end && t->v[i].region == region) {
		t->v[i].start = start;
		return;
	}
	if (t->n == t->cap)
		t->v = xrealloc(t->v, (t->cap = t->cap ? t->cap * 2 : 32) * sizeof *t->v);
	memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof *t->v);
	t->v[i] = (struct traced_range){ start, end, region };
	t->n++;
}

void ranges_remove(struct range_table *t, uint64_t start, uint64_t end)
{
	size_t i = lower_bound(t, start);
	while (i < t->n && t->v[i].start < end) {
		struct traced_range *r = &t->v[i];
		if (r->start < start && r->end > end) {
			/* Split: keep both ends. */
			struct traced_range tail = { end, r->end, r->region };
			r->end = start;
			if (t->n == t->cap)
				t->v = xrealloc(t->v, (t->cap *= 2) * sizeof *t->v);
			memmove(&t->v[i + 2], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
			t->v[i + 1] = tail;
			t->n++;
			return;
		}
		if (r->start < start) {
			r->end = start;
			i++;
		} else if (r->end > end) {
			r->start = end;
			return;
		} else {
			memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
			t->n--;
		}
	}
}

const struct traced_range *ranges_find(const struct range_table *t, uint64_t addr)
{
	size_t i = lower_bound(t, addr);
	if (i < t->n && t->v[i].start <= addr)
		return &t->v[i];
	return NULL;
}

void ranges_gaps(const struct range_table *t, uint64_t start, uint64_t end,
		 void (*fn)(uint64_t s, uint64_t e, void *arg), void *arg)
{
	uint64_t at = start;
	for (size_t i = lower_bound(t, start); i < t->n && t->v[i].start < end; i++) {
		if (t->v[i].start > at)
			fn(at, t->v[i].start, arg);
		at = t->v[i].end;
	}
	if (at < end)
		fn(at, end, arg);
}

void ranges_free(struct range_table *t)
{
	free(t->v);
	*t = (struct range_table){ 0 };
}

int regions_parse_mask(const char *s, unsigned *mask)
{
	char *copy = xstrdup(s), *save = NULL;
	unsigned m = 0;
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "heap") == 0)
			m |= 1u << REGION_HEAP;
		else if (strcmp(tok, "anon") == 0)
			m |= 1u << REGION_ANON;
		else if (strcmp(tok, "stack") == 0)
			m |= 1u << REGION_STACK;
		else if (strcmp(tok, "all") == 0)
			m |= (1u << REGION_KINDS) - 1;
		else
			rc = -1;
	}
	free(copy);
	if (rc == 0 && m == 0)
		rc = -1;
	*mask = m;
	return rc;
}
