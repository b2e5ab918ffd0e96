/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Aggregation shared by every view: regions, pages, threads, syscalls. */
#ifndef UFFDTRACE_MODEL_H
#define UFFDTRACE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "stacks.h"

struct page_stat {
	uint64_t page;
	uint32_t region;
	uint32_t faults;
	uint32_t kernel_faults;
	uint32_t used;
	uint32_t epoch;  /* the last epoch it was dirtied in, plus one */
	uint32_t epochs; /* how many epochs dirtied it */
	uint32_t untracked; /* found dirty when first protected, writer unknown */
};

/* An epoch: from one protection of every traced page to the next.  Each
 * counts the distinct pages dirtied in it. */
struct epoch_stat {
	uint64_t start_ns, end_ns; /* end_ns 0 while it runs */
	uint64_t pages, faults;
	uint64_t rewritten;        /* pages also dirtied in an earlier epoch */
	/* The regions it dirtied, in the order it first did: a run may have
	 * many regions and many epochs, but an epoch touches few of them. */
	struct epoch_region {
		uint32_t region;
		uint64_t pages;
	} *regions;
	size_t nregions, capregions;
};

/* Pages REGION had dirtied in epoch E. */
uint64_t epoch_region_pages(const struct epoch_stat *e, uint32_t region);

/* Faults and pages dirtied per second, the last RATE_SECONDS seconds. */
#define RATE_SECONDS 64

/* The timeline: pages dirtied (first written in their epoch) per time bin.
 * Bins double in width as the run grows, so memory does not grow with its
 * length. */
#define TIMELINE_BINS 256
#define HEAT_ROWS 64 /* address slices of a region in its heat map */
#define HEAT_REGIONS 256 /* regions that get a heat map: the first to be dirtied */

struct region_stat {
	struct region r;
	uint64_t pages, faults, untracked_pages;
	uint32_t *heat; /* TIMELINE_BINS x HEAT_ROWS pages, or NULL if none
			 * (no page yet, or HEAT_REGIONS others came first) */
};

struct thread_stat {
	uint32_t pid, tid;
	uint64_t faults, user_writes, kernel_writes, pages;
	uint32_t used;
};

/* A write site: where writes come from, grouped by function (with its
 * module, and for kernel writes its syscall) or by instruction. */
enum site_grouping { BY_FUNCTION, BY_INSN, SITE_GROUPINGS };

#define SITE_INSNS_MIXED UINT32_MAX
#define SITE_STACKS 4 /* backtraces remembered per site, to name the hottest */

struct site_key {
	uint32_t kernel;
	int32_t syscall;
	uint32_t function; /* string id; 0 when no symbol: then ip tells */
	uint32_t module;
	uint32_t insn;
	uint32_t pad;
	uint64_t ip;
};

struct site_stat {
	struct site_key key;
	uint32_t used;
	uint32_t frame;    /* a frame of the site, for file and line */
	uint32_t insn;     /* its instruction, or SITE_INSNS_MIXED */
	uint64_t pages;    /* pages this site was first to dirty */
	uint64_t faults;
	uint64_t last_ns;  /* its latest write */
	uint32_t stacks[SITE_STACKS];
	uint64_t stack_faults[SITE_STACKS];
};

struct site_table {
	struct site_stat *v; /* open-addressing hash */
	size_t n, cap;
};

/* Per stack id: what writes with that backtrace did. */
struct stack_stat {
	uint64_t pages, faults;
	int32_t syscall; /* of kernel writes, else -1 */
};

struct model {
	struct region_stat *regions;
	size_t nregions, capregions;
	struct page_stat *pages; /* open-addressing hash on (page, region) */
	size_t npages, cappages;
	struct thread_stat *threads; /* open-addressing hash on tid */
	size_t nthreads, capthreads;
	uint64_t syscall_faults[512];
	struct context_tables ctx;
	struct site_table sites[SITE_GROUPINGS];
	/* Functions anywhere on the stack ("total", inclusive): pages and
	 * faults in struct site_stat; key is function, module, or ip. */
	struct site_table functions;
	struct stack_stat *stacks; /* indexed by stack id */
	size_t capstacks;
	uint64_t bin_ns;
	size_t nheat;     /* regions with a heat map */
	uint64_t timeline_pages[TIMELINE_BINS], timeline_faults[TIMELINE_BINS];
	uint64_t events; /* every event added: faults and pages found dirty */
	uint64_t faults, pages_written, user_writes, kernel_writes, untracked_pages;
	uint64_t untracked_named; /* of those, pages whose first touch named a writer */
	uint64_t first_ns, last_ns;
	struct epoch_stat *epochs; /* the last one is the current epoch */
	/* Where each region is in the current epoch's list, if it is. */
	struct { uint32_t epoch, index; } *region_slot;
	size_t capregion_slot;
	size_t nepochs, capepochs;
	uint64_t rate_faults[RATE_SECONDS], rate_pages[RATE_SECONDS];
	uint64_t rate_second; /* the second rate_*[rate_second % RATE_SECONDS] holds */
};

struct model *model_new(void);
void model_free(struct model *m);
/* Empty M, keeping the object (views hold a pointer to it). */
void model_reset(struct model *m);
uint32_t model_region_new(struct model *m, uint32_t pid, enum region_kind kind,
			  uint64_t start, uint64_t end, uint64_t time_ns);
struct region_stat *model_region(struct model *m, uint32_t id);
struct thread_stat *model_thread(struct model *m, uint32_t pid, uint32_t tid);
void model_add(struct model *m, const struct event *ev);

/* Sites of the inclusive function table, most pages first. */
struct site_stat *model_sorted_functions(const struct model *m, size_t *n);
/* How many timeline bins hold data. */
unsigned model_timeline_bins(const struct model *m);

/* End the current epoch at TIME_NS and start the next. */
void model_new_epoch(struct model *m, uint64_t time_ns);
static inline struct epoch_stat *model_epoch(struct model *m)
{
	return &m->epochs[m->nepochs - 1];
}
/* Faults and pages of second SECOND (since the start), if still kept. */
void model_rate(const struct model *m, uint64_t second, uint64_t *faults, uint64_t *pages);

/* The hottest backtrace of a site. */
uint32_t site_top_stack(const struct site_stat *s);
/* Sites of a grouping, most pages first (then faults); caller frees. */
struct site_stat *model_sorted_sites(const struct model *m, enum site_grouping g, size_t *n);

/* The N pages with the most faults, most first; returns how many. */
size_t model_busiest_pages(const struct model *m, struct page_stat *out, size_t n);

#endif
