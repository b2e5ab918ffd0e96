/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The data model: one place that aggregates events, for the summary, the
 * JSON output and every later view. */
#include "model.h"
#include "log.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct model *model_new(void)
{
	struct model *m = xcalloc(1, sizeof *m);
	m->cappages = 1024;
	m->pages = xcalloc(m->cappages, sizeof *m->pages);
	m->capthreads = 64;
	m->threads = xcalloc(m->capthreads, sizeof *m->threads);
	context_init(&m->ctx);
	m->bin_ns = 10000000; /* 10 ms to start */
	m->capepochs = 16;
	m->epochs = xcalloc(m->capepochs, sizeof *m->epochs);
	m->nepochs = 1;
	return m;
}

static void model_release(struct model *m)
{
	for (size_t i = 0; i < m->nregions; i++)
		free(m->regions[i].heat);
	free(m->regions);
	free(m->pages);
	free(m->threads);
	for (int g = 0; g < SITE_GROUPINGS; g++)
		free(m->sites[g].v);
	free(m->functions.v);
	for (size_t i = 0; i < m->nepochs; i++)
		free(m->epochs[i].regions);
	free(m->region_slot);
	free(m->epochs);
	free(m->stacks);
	context_free(&m->ctx);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	model_release(m);
	free(m);
}

void model_reset(struct model *m)
{
	model_release(m);
	struct model *fresh = model_new();
	*m = *fresh;
	free(fresh);
}

uint32_t model_region_new(struct model *m, uint32_t pid, enum region_kind kind,
			  uint64_t start, uint64_t end, uint64_t time_ns)
{
	if (m->nregions == m->capregions)
		m->regions = xrealloc(m->regions, (m->capregions = m->capregions ? m->capregions * 2 : 16) * sizeof *m->regions);
	struct region_stat *rs = &m->regions[m->nregions];
	memset(rs, 0, sizeof *rs);
	rs->r = (struct region){ .id = (uint32_t)m->nregions, .pid = pid, .kind = kind,
				 .start = start, .end = end, .first_ns = time_ns };
	return (uint32_t)m->nregions++;
}

struct region_stat *model_region(struct model *m, uint32_t id)
{
	return id < m->nregions ? &m->regions[id] : NULL;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

struct thread_stat *model_thread(struct model *m, uint32_t pid, uint32_t tid)
{
	if (2 * (m->nthreads + 1) > m->capthreads) {
		struct thread_stat *old = m->threads;
		size_t oldcap = m->capthreads;
		m->capthreads *= 2;
		m->threads = xcalloc(m->capthreads, sizeof *m->threads);
		m->nthreads = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].used)
				*model_thread(m, old[i].pid, old[i].tid) = old[i];
		free(old);
	}
	size_t mask = m->capthreads - 1;
	for (size_t i = mix(tid) & mask;; i = (i + 1) & mask) {
		struct thread_stat *ts = &m->threads[i];
		if (ts->used && ts->tid == tid)
			return ts;
		if (!ts->used) {
			ts->used = 1;
			ts->tid = tid;
			ts->pid = pid;
			m->nthreads++;
			return ts;
		}
	}
}

static struct page_stat *page_slot(struct model *m, uint64_t page, uint32_t region, int *is_new)
{
	if (2 * (m->npages + 1) > m->cappages) {
		struct page_stat *old = m->pages;
		size_t oldcap = m->cappages;
		m->cappages *= 2;
		m->pages = xcalloc(m->cappages, sizeof *m->pages);
		m->npages = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].used) {
				int n;
				*page_slot(m, old[i].page, old[i].region, &n) = old[i];
			}
		free(old);
	}
	size_t mask = m->cappages - 1;
	for (size_t i = mix(page ^ ((uint64_t)region << 52)) & mask;; i = (i + 1) & mask) {
		struct page_stat *ps = &m->pages[i];
		if (ps->used && ps->page == page && ps->region == region) {
			*is_new = 0;
			return ps;
		}
		if (!ps->used) {
			ps->used = 1;
			ps->page = page;
			ps->region = region;
			m->npages++;
			*is_new = 1;
			return ps;
		}
	}
}

static struct site_stat *site_slot(struct site_table *t, const struct site_key *k)
{
	if (2 * (t->n + 1) > t->cap) {
		struct site_stat *old = t->v;
		size_t oldcap = t->cap;
		t->cap = oldcap ? oldcap * 2 : 256;
		t->v = xcalloc(t->cap, sizeof *t->v);
		t->n = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].used)
				*site_slot(t, &old[i].key) = old[i];
		free(old);
	}
	uint64_t h = mix(k->ip ^ ((uint64_t)k->function << 32) ^ k->module ^
			 ((uint64_t)k->insn << 20) ^ ((uint64_t)(uint32_t)k->syscall << 44) ^ k->kernel);
	size_t mask = t->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct site_stat *s = &t->v[i];
		if (s->used && memcmp(&s->key, k, sizeof *k) == 0)
			return s;
		if (!s->used) {
			memset(s, 0, sizeof *s);
			s->used = 1;
			s->key = *k;
			t->n++;
			return s;
		}
	}
}

static void site_count(struct site_stat *s, const struct event *ev, uint32_t frame, int is_new,
		       bool fault)
{
	s->last_ns = ev->time_ns;
	/* One instruction, or none to show when the site has several. */
	if (fault && ev->insn && !s->faults)
		s->insn = ev->insn;
	else if (fault && s->insn != ev->insn)
		s->insn = SITE_INSNS_MIXED;
	if (fault)
		s->faults++;
	if (is_new)
		s->pages++;
	if (!s->frame)
		s->frame = frame;
	if (!ev->stack)
		return;
	/* Remember a few backtraces; a new one replaces the coldest. */
	int slot = 0;
	for (int i = 0; i < SITE_STACKS; i++) {
		if (s->stacks[i] == ev->stack) {
			slot = i;
			goto found;
		}
		if (s->stack_faults[i] < s->stack_faults[slot])
			slot = i;
	}
	s->stacks[slot] = ev->stack;
	s->stack_faults[slot] = 0;
found:
	s->stack_faults[slot]++;
	/* The site's place (file, line, offset) is that of its hottest
	 * backtrace, so the two never disagree. */
	if (site_top_stack(s) == ev->stack)
		s->frame = frame;
}

static void sites_add(struct model *m, const struct event *ev, int is_new, bool fault)
{
	uint32_t depth;
	const uint32_t *frames = context_stack_frames(&m->ctx, ev->stack, &depth);
	const struct frame *f0 = depth ? &m->ctx.frames[frames[0]] : NULL;
	struct site_key k;
	memset(&k, 0, sizeof k);
	k.kernel = (ev->flags & EV_KERNEL) != 0;
	k.syscall = k.kernel ? ev->syscall : -1;
	k.function = f0 ? f0->function : 0;
	k.module = f0 ? f0->module : 0;
	if (!k.function)
		k.ip = f0 ? f0->ip : ev->ip;
	site_count(site_slot(&m->sites[BY_FUNCTION], &k), ev, depth ? frames[0] : 0, is_new, fault);
	k.function = 0;
	k.insn = ev->insn;
	k.ip = ev->insn ? 0 : (f0 ? f0->ip : ev->ip);
	site_count(site_slot(&m->sites[BY_INSN], &k), ev, depth ? frames[0] : 0, is_new, fault);
}

static int by_pages(const void *a, const void *b)
{
	const struct site_stat *x = a, *y = b;
	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	if (x->faults != y->faults)
		return x->faults < y->faults ? 1 : -1;
	return 0;
}

/* A copy of table T's sites, most pages first; caller frees. */
static struct site_stat *sorted_table(const struct site_table *t, size_t *n)
{
	struct site_stat *v = xcalloc(t->n + 1, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->v[i].used)
			v[k++] = t->v[i];
	qsort(v, k, sizeof *v, by_pages);
	*n = k;
	return v;
}

/* Count the event once for every distinct function on its stack. */
static void functions_add(struct model *m, const struct event *ev, int is_new, bool fault)
{
	uint32_t depth;
	const uint32_t *frames = context_stack_frames(&m->ctx, ev->stack, &depth);
	struct site_key seen[64];
	unsigned nseen = 0;
	for (uint32_t i = 0; i < depth && nseen < 64; i++) {
		const struct frame *f = &m->ctx.frames[frames[i]];
		struct site_key k;
		memset(&k, 0, sizeof k);
		k.syscall = -1;
		k.function = f->function;
		k.module = f->module;
		if (!k.function)
			k.ip = f->ip;
		bool dup = false;
		for (unsigned j = 0; j < nseen && !dup; j++)
			dup = memcmp(&seen[j], &k, sizeof k) == 0;
		if (dup)
			continue; /* recursion: count the function once */
		seen[nseen++] = k;
		struct site_stat *s = site_slot(&m->functions, &k);
		s->frame = frames[i];
		s->faults += fault;
		if (is_new)
			s->pages++;
	}
}

/* An array indexed by an id: make room for ID, zero-filling what is new. */
static void *grow_indexed(void *v, size_t *cap, size_t id, size_t size)
{
	if (id < *cap)
		return v;
	size_t n = *cap ? *cap : 64;
	while (n <= id)
		n *= 2;
	v = xrealloc(v, n * size);
	memset((char *)v + *cap * size, 0, (n - *cap) * size);
	*cap = n;
	return v;
}

static void stacks_add(struct model *m, const struct event *ev, int is_new, bool fault)
{
	if (!ev->stack)
		return;
	m->stacks = grow_indexed(m->stacks, &m->capstacks, ev->stack, sizeof *m->stacks);
	struct stack_stat *s = &m->stacks[ev->stack];
	s->faults += fault;
	if (is_new)
		s->pages++;
	s->syscall = (ev->flags & EV_KERNEL) ? ev->syscall : -1;
}

/* Halve the timeline's resolution until TIME fits. */
static unsigned timeline_bin(struct model *m, uint64_t time_ns)
{
	while (time_ns / m->bin_ns >= TIMELINE_BINS) {
		for (unsigned i = 0; i < TIMELINE_BINS / 2; i++) {
			m->timeline_pages[i] = m->timeline_pages[2 * i] + m->timeline_pages[2 * i + 1];
			m->timeline_faults[i] = m->timeline_faults[2 * i] + m->timeline_faults[2 * i + 1];
		}
		memset(m->timeline_pages + TIMELINE_BINS / 2, 0, sizeof m->timeline_pages / 2);
		memset(m->timeline_faults + TIMELINE_BINS / 2, 0, sizeof m->timeline_faults / 2);
		for (size_t r = 0; r < m->nregions; r++) {
			uint32_t *h = m->regions[r].heat;
			if (!h)
				continue;
			for (unsigned i = 0; i < TIMELINE_BINS / 2; i++)
				for (unsigned y = 0; y < HEAT_ROWS; y++)
					h[i * HEAT_ROWS + y] = h[2 * i * HEAT_ROWS + y] + h[(2 * i + 1) * HEAT_ROWS + y];
			memset(h + TIMELINE_BINS / 2 * HEAT_ROWS, 0, TIMELINE_BINS / 2 * HEAT_ROWS * sizeof *h);
		}
		m->bin_ns *= 2;
	}
	return (unsigned)(time_ns / m->bin_ns);
}

static void timeline_add(struct model *m, const struct event *ev, struct region_stat *rs, int is_new)
{
	unsigned bin = timeline_bin(m, ev->time_ns);
	if (!(ev->flags & EV_NO_FAULT))
		m->timeline_faults[bin]++;
	if (!is_new)
		return;
	m->timeline_pages[bin]++;
	if (!rs || rs->r.end <= rs->r.start)
		return;
	if (!rs->heat) {
		/* Bounded: a trace of thousands of small regions must not take
		 * 64 KiB for each. */
		if (m->nheat >= HEAT_REGIONS)
			return;
		rs->heat = xcalloc((size_t)TIMELINE_BINS * HEAT_ROWS, sizeof *rs->heat);
		m->nheat++;
	}
	uint64_t span = rs->r.end - rs->r.start, off = PAGE_OF(ev->addr) - rs->r.start;
	unsigned row = off < span ? (unsigned)(off * HEAT_ROWS / span) : HEAT_ROWS - 1;
	rs->heat[bin * HEAT_ROWS + row]++;
}

unsigned model_timeline_bins(const struct model *m)
{
	unsigned n = 0;
	for (unsigned i = 0; i < TIMELINE_BINS; i++)
		if (m->timeline_pages[i] || m->timeline_faults[i])
			n = i + 1;
	return n;
}

struct site_stat *model_sorted_functions(const struct model *m, size_t *n)
{
	return sorted_table(&m->functions, n);
}

void model_new_epoch(struct model *m, uint64_t time_ns)
{
	model_epoch(m)->end_ns = time_ns;
	if (m->nepochs == m->capepochs)
		m->epochs = xrealloc(m->epochs, (m->capepochs *= 2) * sizeof *m->epochs);
	struct epoch_stat *e = &m->epochs[m->nepochs++];
	memset(e, 0, sizeof *e);
	e->start_ns = time_ns;
}

static void epoch_add(struct model *m, struct page_stat *ps, const struct event *ev)
{
	struct epoch_stat *e = model_epoch(m);
	if (!(ev->flags & EV_NO_FAULT))
		e->faults++;
	uint32_t epoch = (uint32_t)m->nepochs; /* current epoch, plus one */
	if (ps->epoch == epoch)
		return;
	if (ps->epochs++)
		e->rewritten++;
	ps->epoch = epoch;
	e->pages++;
	m->region_slot = grow_indexed(m->region_slot, &m->capregion_slot, ev->region,
				      sizeof *m->region_slot);
	if (m->region_slot[ev->region].epoch != epoch) {
		if (e->nregions == e->capregions)
			e->regions = xrealloc(e->regions, (e->capregions = e->capregions ? e->capregions * 2 : 8) *
							  sizeof *e->regions);
		e->regions[e->nregions] = (struct epoch_region){ ev->region, 0 };
		m->region_slot[ev->region].epoch = epoch;
		m->region_slot[ev->region].index = (uint32_t)e->nregions++;
	}
	e->regions[m->region_slot[ev->region].index].pages++;
}

uint64_t epoch_region_pages(const struct epoch_stat *e, uint32_t region)
{
	for (size_t i = 0; i < e->nregions; i++)
		if (e->regions[i].region == region)
			return e->regions[i].pages;
	return 0;
}

static void rate_add(struct model *m, const struct event *ev, bool new_in_epoch)
{
	uint64_t sec = ev->time_ns / 1000000000ULL;
	if (sec > m->rate_second) {
		/* Clear the seconds that passed without events. */
		for (uint64_t s = m->rate_second + 1; s <= sec && s <= m->rate_second + RATE_SECONDS; s++) {
			m->rate_faults[s % RATE_SECONDS] = 0;
			m->rate_pages[s % RATE_SECONDS] = 0;
		}
		m->rate_second = sec;
	} else if (sec + RATE_SECONDS <= m->rate_second) {
		return; /* too old to keep */
	}
	if (!(ev->flags & EV_NO_FAULT))
		m->rate_faults[sec % RATE_SECONDS]++;
	if (new_in_epoch)
		m->rate_pages[sec % RATE_SECONDS]++;
}

void model_rate(const struct model *m, uint64_t second, uint64_t *faults, uint64_t *pages)
{
	*faults = *pages = 0;
	if (second > m->rate_second || second + RATE_SECONDS <= m->rate_second)
		return;
	*faults = m->rate_faults[second % RATE_SECONDS];
	*pages = m->rate_pages[second % RATE_SECONDS];
}

uint32_t site_top_stack(const struct site_stat *s)
{
	int best = 0;
	for (int i = 1; i < SITE_STACKS; i++)
		if (s->stack_faults[i] > s->stack_faults[best])
			best = i;
	return s->stacks[best];
}

struct site_stat *model_sorted_sites(const struct model *m, enum site_grouping g, size_t *n)
{
	return sorted_table(&m->sites[g], n);
}

void model_add(struct model *m, const struct event *ev)
{
	int is_new;
	struct page_stat *ps = page_slot(m, PAGE_OF(ev->addr), ev->region, &is_new);
	struct region_stat *rs = model_region(m, ev->region);
	m->events++;
	if (!m->first_ns || ev->time_ns < m->first_ns)
		m->first_ns = ev->time_ns;
	if (ev->time_ns > m->last_ns)
		m->last_ns = ev->time_ns;
	if (is_new) {
		m->pages_written++;
		if (rs)
			rs->pages++;
	}
	uint64_t epoch_pages = model_epoch(m)->pages;
	epoch_add(m, ps, ev);
	/* The timeline and heat maps show pages dirtied in their epoch: the
	 * first writes of the run, or of each interval with --interval. */
	bool new_in_epoch = model_epoch(m)->pages != epoch_pages;
	rate_add(m, ev, new_in_epoch);
	timeline_add(m, ev, rs, new_in_epoch);
	if (ev->flags & EV_UNTRACKED) {
		ps->untracked = 1;
		m->untracked_pages++;
		if (rs)
			rs->untracked_pages++;
	}
	if (ev->flags & EV_NO_FAULT) {
		/* A page found dirty whose first touch was sampled: its writer
		 * gets the page, though no fault was counted. */
		if ((ev->flags & EV_UNTRACKED) && ev->stack && is_new) {
			m->untracked_named++;
			sites_add(m, ev, 1, false);
			functions_add(m, ev, 1, false);
			stacks_add(m, ev, 1, false);
		}
		return;
	}
	if (ps->untracked && !ps->faults) {
		/* Found present when protected, but its writer faults now: the
		 * kernel had zero-filled it for this very write (a write to a
		 * never-touched page is populated before it faults for uffd-wp).
		 * The writer is known after all. */
		ps->untracked = 0;
		m->untracked_pages--;
		if (rs)
			rs->untracked_pages--;
		is_new = 1;
	}
	ps->faults++;
	m->faults++;
	if (rs)
		rs->faults++;
	sites_add(m, ev, is_new, true);
	functions_add(m, ev, is_new, true);
	stacks_add(m, ev, is_new, true);
	struct thread_stat *ts = model_thread(m, ev->pid, ev->tid);
	ts->faults++;
	if (is_new)
		ts->pages++;
	if (ev->flags & EV_KERNEL) {
		ps->kernel_faults++;
		m->kernel_writes++;
		ts->kernel_writes++;
		if (ev->syscall >= 0 && ev->syscall < 512)
			m->syscall_faults[ev->syscall]++;
	} else {
		m->user_writes++;
		ts->user_writes++;
	}
}

static int by_faults(const void *a, const void *b)
{
	const struct page_stat *x = a, *y = b;
	if (x->faults != y->faults)
		return x->faults < y->faults ? 1 : -1;
	return x->page < y->page ? -1 : x->page > y->page;
}

size_t model_busiest_pages(const struct model *m, struct page_stat *out, size_t n)
{
	/* Keep the N best in OUT with a simple insertion: N is small. */
	size_t k = 0;
	for (size_t i = 0; i < m->cappages; i++) {
		const struct page_stat *ps = &m->pages[i];
		if (!ps->used || !ps->faults)
			continue;
		if (k < n) {
			out[k++] = *ps;
		} else if (by_faults(ps, &out[n - 1]) < 0) {
			out[n - 1] = *ps;
		} else {
			continue;
		}
		for (size_t j = k - 1; j > 0 && by_faults(&out[j], &out[j - 1]) < 0; j--) {
			struct page_stat tmp = out[j];
			out[j] = out[j - 1];
			out[j - 1] = tmp;
		}
	}
	return k;
}
