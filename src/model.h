/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Aggregation shared by every view: regions, pages, threads, syscalls. */
#ifndef UFFDTRACE_MODEL_H
#define UFFDTRACE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct page_stat {
	uint64_t page;
	uint32_t region;
	uint32_t faults;
	uint32_t kernel_faults;
	uint32_t used;
};

struct region_stat {
	struct region r;
	uint64_t pages, faults, untracked_pages;
};

struct thread_stat {
	uint32_t pid, tid;
	uint64_t faults, user_writes, kernel_writes, pages;
	uint32_t used;
};

struct model {
	struct region_stat *regions;
	size_t nregions, capregions;
	struct page_stat *pages; /* open-addressing hash on (page, region) */
	size_t npages, cappages;
	struct thread_stat *threads; /* open-addressing hash on tid */
	size_t nthreads, capthreads;
	uint64_t syscall_faults[512];
	uint64_t faults, pages_written, user_writes, kernel_writes, untracked_pages;
	uint64_t first_ns, last_ns;
};

struct model *model_new(void);
void model_free(struct model *m);
uint32_t model_region_new(struct model *m, uint32_t pid, enum region_kind kind,
			  uint64_t start, uint64_t end, uint64_t time_ns);
struct region_stat *model_region(struct model *m, uint32_t id);
struct thread_stat *model_thread(struct model *m, uint32_t pid, uint32_t tid);
void model_add(struct model *m, const struct event *ev);

/* The N pages with the most faults, most first; returns how many. */
size_t model_busiest_pages(const struct model *m, struct page_stat *out, size_t n);

#endif
