/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The write protection of one process: which ranges are registered and
 * protected, how they follow the target's mappings, and serving their faults.
 *
 * The fault path does only what the capture needs, then un-protects the page,
 * which wakes the writer. */
#include "tracer.h"
#include "inject.h"
#include "log.h"
#include "uffd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static bool page_excluded(const struct process *p, uint64_t page)
{
	for (size_t i = 0; i < p->nexcluded; i++)
		if (p->excluded[i] == page)
			return true;
	return false;
}

void watch_exclude_page(struct tracer *t, struct process *p, uint64_t addr)
{
	(void)t;
	uint64_t page = PAGE_OF(addr);
	if (!addr || page_excluded(p, page))
		return;
	if (p->nexcluded == p->capexcluded)
		p->excluded = xrealloc(p->excluded, (p->capexcluded = p->capexcluded ? p->capexcluded * 2 : 8) * sizeof *p->excluded);
	p->excluded[p->nexcluded++] = page;
	if (p->uffd >= 0 && ranges_find(&p->ranges, page))
		uffd_protect(p->uffd, page, page + PAGE_SIZE_4K, false);
	debug_msg("pid %d: page %#llx is never protected (rseq area)", p->pid,
		  (unsigned long long)page);
}

/* Dirty pages found by a PAGEMAP_SCAN, not reported by a fault: those
 * written before their region was protected (EV_UNTRACKED), or in async
 * mode since the last collection (EV_ASYNC). */
struct found_ctx {
	struct tracer *t;
	struct process *p;
	uint32_t flags;
	uint64_t time_ns;
};

static void emit_found(uint64_t s, uint64_t e, void *arg)
{
	struct found_ctx *c = arg;
	for (uint64_t a = s; a < e; a += PAGE_SIZE_4K) {
		const struct traced_range *r = ranges_find(&c->p->ranges, a);
		if (!r || page_excluded(c->p, a))
			continue;
		struct event ev = {
			.time_ns = c->time_ns,
			.addr = a,
			.pid = (uint32_t)c->p->pid,
			.region = r->region,
			.syscall = -1,
			.flags = c->flags,
		};
		if (c->flags & EV_UNTRACKED)
			capture_found(c->t, c->p, &ev);
		else
			emit_event(c->t, &ev);
	}
}

/* Register and protect [s, e), a range no other range of P covers. */
static void protect_range(struct tracer *t, struct process *p, uint64_t s, uint64_t e,
			  enum region_kind kind)
{
	int rc = uffd_register_wp(p->uffd, s, e);
	if (rc < 0) {
		/* Gone already, or a mapping uffd-wp cannot take. */
		debug_msg("pid %d: cannot register %#llx-%#llx: %s", p->pid,
			  (unsigned long long)s, (unsigned long long)e, strerror(-rc));
		return;
	}
	rc = uffd_protect(p->uffd, s, e, true);
	if (rc < 0) {
		uffd_unregister(p->uffd, s, e);
		debug_msg("pid %d: cannot protect %#llx-%#llx: %s", p->pid,
			  (unsigned long long)s, (unsigned long long)e, strerror(-rc));
		return;
	}
	for (size_t i = 0; i < p->nexcluded; i++)
		if (p->excluded[i] >= s && p->excluded[i] < e)
			uffd_protect(p->uffd, p->excluded[i], p->excluded[i] + PAGE_SIZE_4K, false);

	/* The heap grows by brk in pieces the kernel will not merge with a
	 * registered range: keep them one region. */
	uint32_t id;
	const struct traced_range *prev = s ? ranges_find(&p->ranges, s - 1) : NULL;
	const struct region *pr = prev ? region_get(t, prev->region) : NULL;
	if (kind == REGION_HEAP && pr && pr->kind == REGION_HEAP) {
		struct region r = *pr;
		id = r.id;
		r.end = e;
		emit_region_set(t, &r);
	} else {
		id = emit_region(t, p->pid, kind, s, e);
	}
	ranges_add(&p->ranges, s, e, id);
	debug_msg("pid %d: tracing %s %#llx-%#llx", p->pid, region_kind_name(kind),
		  (unsigned long long)s, (unsigned long long)e);

	/* What the range holds already was written before it was protected:
	 * look once the samples of its first touches are in (watch_found). */
	if (p->count_present && p->pagemap_fd >= 0) {
		if (p->nfound == p->capfound)
			p->found = xrealloc(p->found, (p->capfound = p->capfound ? p->capfound * 2 : 8) * sizeof *p->found);
		p->found[p->nfound++] = (struct traced_range){ s, e, id };
	}
}

void watch_found(struct tracer *t)
{
	for (;;) {
		bool any = false;
		for (struct process *p = t->procs; p; p = p->next)
			any |= p->nfound > 0;
		if (!any)
			return;
		/* The first touches sampled until now; any write from now on
		 * faults.  (New mappings met here queue more ranges.) */
		follow_sideband(t);
		for (struct process *p = t->procs; p; p = p->next) {
			size_t n = p->nfound;
			struct traced_range *v = p->found;
			p->found = NULL;
			p->nfound = p->capfound = 0;
			for (size_t i = 0; i < n && p->pagemap_fd >= 0; i++) {
				struct found_ctx c = { t, p, EV_UNTRACKED, now_ns() - t->t0_ns };
				int rc = pagemap_present(p->pagemap_fd, v[i].start, v[i].end, emit_found, &c);
				if (rc < 0)
					debug_msg("pid %d: PAGEMAP_SCAN: %s", p->pid, strerror(-rc));
			}
			free(v);
		}
	}
}

struct gap_ctx {
	struct tracer *t;
	struct process *p;
	enum region_kind kind;
};

static void protect_gap(uint64_t s, uint64_t e, void *arg)
{
	struct gap_ctx *g = arg;
	struct options *o = g->t->opt;
	if (o->nranges == 0) {
		protect_range(g->t, g->p, s, e, g->kind);
		return;
	}
	for (int i = 0; i < o->nranges; i++) {
		uint64_t a = o->ranges[i].start > s ? o->ranges[i].start : s;
		uint64_t b = o->ranges[i].end < e ? o->ranges[i].end : e;
		a = PAGE_OF(a);
		b = PAGE_OF(b + PAGE_SIZE_4K - 1);
		if (a < b && !ranges_find(&g->p->ranges, a))
			protect_range(g->t, g->p, a, b, g->kind);
	}
}

static bool is_thread_stack(const struct process *p, const struct mapping *m)
{
	for (size_t i = 0; i < p->nstacks; i++)
		if (p->stacks[i] >= m->start && p->stacks[i] < m->end)
			return true;
	return false;
}

void watch_rescan(struct tracer *t, struct process *p)
{
	if (p->uffd < 0)
		return;
	struct mapping *maps;
	int n = maps_read(p->pid, &maps);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		int kind = mapping_kind(&maps[i]);
		if (kind == REGION_ANON && is_thread_stack(p, &maps[i]))
			kind = REGION_STACK;
		if (kind < 0 || !(t->opt->region_mask & (1u << kind)))
			continue;
		struct gap_ctx g = { t, p, (enum region_kind)kind };
		ranges_gaps(&p->ranges, maps[i].start, maps[i].end, protect_gap, &g);
	}
	free(maps);
}

void watch_new_mapping(struct tracer *t, struct process *p, uint64_t s, uint64_t e,
		       enum region_kind kind)
{
	if (p->uffd < 0)
		return;
	struct mapping m = { .start = s, .end = e };
	/* Perf names brk growth "//anon": the heap is what lies above start_brk. */
	if (kind == REGION_ANON && p->start_brk && s >= p->start_brk && s < p->start_brk + (1ULL << 32))
		kind = REGION_HEAP;
	if (kind == REGION_ANON && is_thread_stack(p, &m))
		kind = REGION_STACK;
	if (!(t->opt->region_mask & (1u << kind)))
		return;
	struct gap_ctx g = { t, p, kind };
	ranges_gaps(&p->ranges, s, e, protect_gap, &g);
}

/* Forget [s, e): it was unmapped, or it is a stack that is not traced. */
static void forget_range(struct tracer *t, struct process *p, uint64_t s, uint64_t e,
			 bool unmapped)
{
	for (;;) {
		size_t i;
		for (i = 0; i < p->ranges.n; i++)
			if (p->ranges.v[i].end > s && p->ranges.v[i].start < e)
				break;
		if (i == p->ranges.n)
			return;
		uint32_t id = p->ranges.v[i].region;
		uint64_t a = p->ranges.v[i].start > s ? p->ranges.v[i].start : s;
		uint64_t b = p->ranges.v[i].end < e ? p->ranges.v[i].end : e;
		ranges_remove(&p->ranges, a, b);
		bool left = false;
		for (size_t k = 0; k < p->ranges.n; k++)
			left |= p->ranges.v[k].region == id;
		if (left)
			continue;
		struct region reg = *region_get(t, id);
		if (unmapped) {
			reg.unmapped = 1;
			reg.unmapped_ns = now_ns() - t->t0_ns;
		} else {
			reg.kind = REGION_STACK;
		}
		emit_region_set(t, &reg);
	}
}

void watch_mark_stack(struct tracer *t, struct process *p, uint64_t sp)
{
	if (!sp)
		return;
	for (size_t i = 0; i < p->nstacks; i++)
		if (PAGE_OF(p->stacks[i]) == PAGE_OF(sp))
			return;
	p->stacks = xrealloc(p->stacks, (p->nstacks + 1) * sizeof *p->stacks);
	p->stacks[p->nstacks++] = sp;
	if (p->uffd < 0 || (t->opt->region_mask & (1u << REGION_STACK)))
		return;
	/* A thread stack that was traced as plain anonymous memory: stop. */
	const struct traced_range *r = ranges_find(&p->ranges, sp);
	if (!r)
		return;
	struct mapping *maps;
	int n = maps_read(p->pid, &maps);
	for (int i = 0; i < n; i++) {
		if (sp >= maps[i].start && sp < maps[i].end) {
			uffd_unregister(p->uffd, maps[i].start, maps[i].end);
			forget_range(t, p, maps[i].start, maps[i].end, false);
			debug_msg("pid %d: %#llx-%#llx is a thread stack, not traced", p->pid,
				  (unsigned long long)maps[i].start, (unsigned long long)maps[i].end);
		}
	}
	if (n >= 0)
		free(maps);
}

int watch_start(struct tracer *t, struct process *p, pid_t tid)
{
	struct remote r;
	int rc = remote_begin(&r, tid);
	if (rc < 0)
		return rc;
	int fd = inject_userfaultfd(&r, p->pid);
	rc = remote_end(&r);
	struct thread *th = thread_find(t, tid);
	if (th && r.pending_signal)
		th->pending_signal = r.pending_signal;
	if (fd < 0)
		return fd;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	uint64_t want = UFFD_WANT | (t->opt->follow_forks ? UFFD_FEATURE_EVENT_FORK : 0);
	/* Async mode: the kernel resolves each write fault itself and only
	 * marks the page written; WP_UNPOPULATED is then needed too. */
	if (t->opt->async)
		want |= UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED;
	rc = uffd_api(fd, want, UFFD_FEATURE_WP_UNPOPULATED, &p->features);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	if (!(p->features & UFFD_FEATURE_WP_UNPOPULATED))
		warn_msg("the kernel lacks UFFD_FEATURE_WP_UNPOPULATED: first writes to "
			 "never-touched pages are not seen (Linux 6.4 or later has it)");
	p->uffd = fd;
	return watch_adopt(t, p, fd);
}

/* Field 47 of /proc/PID/stat: where the brk heap starts. */
static uint64_t read_start_brk(pid_t pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p)
		return 0;
	/* After ")" come fields 3, 4, ...: skip to field 47. */
	for (int field = 2; field < 47 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

int watch_adopt(struct tracer *t, struct process *p, int uffd)
{
	char path[64];
	p->uffd = uffd;
	p->start_brk = read_start_brk(p->pid);
	capture_process_init(t, p);
	snprintf(path, sizeof path, "/proc/%d/pagemap", p->pid);
	if (p->pagemap_fd < 0)
		p->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	watch_rescan(t, p);
	return 0;
}

int watch_collect(struct tracer *t, struct process *p)
{
	if (p->uffd < 0 || p->pagemap_fd < 0)
		return 0;
	struct found_ctx c = { t, p, EV_ASYNC, now_ns() - t->t0_ns };
	int rc = 0;
	for (size_t i = 0; i < p->ranges.n; i++) {
		int r = pagemap_collect(p->pagemap_fd, p->ranges.v[i].start, p->ranges.v[i].end,
					emit_found, &c);
		if (r < 0) {
			debug_msg("pid %d: collecting %#llx-%#llx: %s", p->pid,
				  (unsigned long long)p->ranges.v[i].start,
				  (unsigned long long)p->ranges.v[i].end, strerror(-r));
			rc = r;
		}
	}
	/* The scan protected the rseq areas again, if the kernel wrote them. */
	for (size_t i = 0; i < p->nexcluded; i++)
		if (ranges_find(&p->ranges, p->excluded[i]))
			uffd_protect(p->uffd, p->excluded[i], p->excluded[i] + PAGE_SIZE_4K, false);
	return rc;
}

void watch_reprotect(struct process *p)
{
	if (p->uffd < 0)
		return;
	for (size_t i = 0; i < p->ranges.n; i++)
		uffd_protect(p->uffd, p->ranges.v[i].start, p->ranges.v[i].end, true);
	/* The rseq areas stay writable, always. */
	for (size_t i = 0; i < p->nexcluded; i++)
		if (ranges_find(&p->ranges, p->excluded[i]))
			uffd_protect(p->uffd, p->excluded[i], p->excluded[i] + PAGE_SIZE_4K, false);
}

void watch_stop(struct process *p)
{
	if (p->uffd < 0)
		return;
	/* Unregistering drops the protection and wakes any blocked writer;
	 * closing our (only) descriptor then releases the context. */
	for (size_t i = 0; i < p->ranges.n; i++)
		uffd_unregister(p->uffd, p->ranges.v[i].start, p->ranges.v[i].end);
	ranges_free(&p->ranges);
	close(p->uffd);
	p->uffd = -1;
	if (p->pagemap_fd >= 0)
		close(p->pagemap_fd);
	p->pagemap_fd = -1;
}

void watch_resolve(struct process *p, uint64_t addr)
{
	uint64_t page = PAGE_OF(addr);
	if (p->uffd < 0)
		return;
	if (uffd_protect(p->uffd, page, page + PAGE_SIZE_4K, false) < 0) {
		/* Never leave a writer asleep, whatever happened to the range. */
		struct uffdio_range wr = { .start = page, .len = PAGE_SIZE_4K };
		ioctl(p->uffd, UFFDIO_WAKE, &wr);
	}
}

static void serve_fault(struct tracer *t, struct process *p, const struct uffd_msg *m)
{
	uint64_t addr = m->arg.pagefault.address;
	pid_t tid = (pid_t)m->arg.pagefault.feat.ptid;
	const struct traced_range *r = ranges_find(&p->ranges, addr);
	if (!r || !(m->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
		watch_resolve(p, addr);
		return;
	}
	struct event ev = {
		.time_ns = now_ns() - t->t0_ns,
		.addr = addr,
		.pid = (uint32_t)p->pid,
		.tid = (uint32_t)tid,
		.region = r->region,
		.syscall = -1,
	};
	struct thread *th = thread_find(t, tid);
	capture_fault(t, th, tid, addr, &ev);
	capture_serve(t, p, th, &ev);
	t->last_fault_ns = now_ns();
}

static void move_ranges(struct tracer *t, struct process *p, uint64_t from, uint64_t to, uint64_t len)
{
	struct traced_range moved[64];
	size_t n = 0;
	for (size_t i = 0; i < p->ranges.n && n < 64; i++) {
		struct traced_range r = p->ranges.v[i];
		if (r.end <= from || r.start >= from + len)
			continue;
		if (r.start < from)
			r.start = from;
		if (r.end > from + len)
			r.end = from + len;
		moved[n++] = r;
	}
	ranges_remove(&p->ranges, from, from + len);
	for (size_t i = 0; i < n; i++) {
		uint64_t s = moved[i].start - from + to, e = moved[i].end - from + to;
		ranges_add(&p->ranges, s, e, moved[i].region);
		struct region reg = *region_get(t, moved[i].region);
		reg.start = s;
		reg.end = e;
		emit_region_set(t, &reg);
	}
}

int watch_serve(struct tracer *t, struct process *p)
{
	struct uffd_msg msgs[64];
	int n, served = 0;
	while (p->uffd >= 0 && (n = uffd_read_msgs(p->uffd, msgs, 64)) > 0) {
		bool rescan = false;
		served += n;
		for (int i = 0; i < n; i++) {
			const struct uffd_msg *m = &msgs[i];
			switch (m->event) {
			case UFFD_EVENT_PAGEFAULT:
				serve_fault(t, p, m);
				break;
			case UFFD_EVENT_UNMAP:
				forget_range(t, p, m->arg.remove.start, m->arg.remove.end, true);
				rescan = true; /* the address may be mapped again at once */
				break;
			case UFFD_EVENT_REMAP:
				move_ranges(t, p, m->arg.remap.from, m->arg.remap.to, m->arg.remap.len);
				rescan = true;
				break;
			case UFFD_EVENT_FORK:
				target_fork_uffd(t, p, (int)m->arg.fork.ufd);
				break;
			case UFFD_EVENT_REMOVE:
				/* madvise(DONTNEED): the range stays mapped and registered. */
				break;
			}
		}
		if (rescan)
			watch_rescan(t, p);
	}
	return served;
}
