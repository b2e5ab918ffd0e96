/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The data model: one place that aggregates events, for the summary, the
 * JSON output and every later view. */
#include "model.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

struct model *model_new(void)
{
	struct model *m = xcalloc(1, sizeof *m);
	m->cappages = 1024;
	m->pages = xcalloc(m->cappages, sizeof *m->pages);
	m->capthreads = 64;
	m->threads = xcalloc(m->capthreads, sizeof *m->threads);
	return m;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	free(m->regions);
	free(m->pages);
	free(m->threads);
	free(m);
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

void model_add(struct model *m, const struct event *ev)
{
	int is_new;
	struct page_stat *ps = page_slot(m, PAGE_OF(ev->addr), ev->region, &is_new);
	struct region_stat *rs = model_region(m, ev->region);
	if (!m->first_ns || ev->time_ns < m->first_ns)
		m->first_ns = ev->time_ns;
	if (ev->time_ns > m->last_ns)
		m->last_ns = ev->time_ns;
	if (is_new) {
		m->pages_written++;
		if (rs)
			rs->pages++;
	}
	if (ev->flags & EV_UNTRACKED) {
		m->untracked_pages++;
		if (rs)
			rs->untracked_pages++;
		return;
	}
	ps->faults++;
	m->faults++;
	if (rs)
		rs->faults++;
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
