/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live view's data side: copy what the screen shows out of the model
 * while holding its lock, then sort and filter the copy without it, so the
 * fault loop never waits on the terminal. */
#include "tui.h"
#include "commands.h"
#include "log.h"
#include "syscalls.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const tui_sort_names[TUI_SORTS] = { "pages", "faults", "last write" };
const char *const tui_group_names[TUI_GROUPS] = { "function", "instruction", "region", "thread", "page" };

/* Pages with the most faults copied when grouping by page: there may be
 * millions of pages, and only a screenful is ever looked at. */
#define PAGE_ROWS 500

static struct tui_row *row_new(struct tui_snap *s)
{
	if (s->nrows == s->caprows)
		s->rows = xrealloc(s->rows, (s->caprows = s->caprows ? s->caprows * 2 : 256) * sizeof *s->rows);
	struct tui_row *r = &s->rows[s->nrows++];
	memset(r, 0, sizeof *r);
	return r;
}

/* Named as report.c names a site: module!function (+offset by instruction),
 * a bare address without symbols, and the syscall of a kernel write. */
static void site_row(struct tui_snap *s, const struct model *m, const struct site_stat *ss, bool by_insn)
{
	struct tui_row *r = row_new(s);
	char buf[256];
	r->pages = ss->pages;
	r->faults = ss->faults;
	r->last_ns = ss->last_ns;
	r->has_last = true;
	r->key = ss->key;
	snprintf(r->kind, sizeof r->kind, "%s", ss->key.kernel ? "kernel" : "user");
	const struct frame *fr = ss->frame ? &m->ctx.frames[ss->frame] : NULL;
	const char *mod = fr ? context_str(&m->ctx, fr->module) : NULL;
	const char *fn = fr ? context_str(&m->ctx, fr->function) : NULL;
	int n;
	if (mod && fn && by_insn)
		n = snprintf(r->name, sizeof r->name, "%s!%s+%#" PRIx64, mod, fn, fr->offset);
	else if (mod && fn)
		n = snprintf(r->name, sizeof r->name, "%s!%s", mod, fn);
	else if (ss->frame)
		n = snprintf(r->name, sizeof r->name, "%s", report_frame_name(m, ss->frame, buf, sizeof buf));
	else if (ss->key.ip)
		n = snprintf(r->name, sizeof r->name, "%#" PRIx64, ss->key.ip);
	else
		n = snprintf(r->name, sizeof r->name, "[unknown]");
	if (by_insn && ss->insn && ss->insn < m->ctx.ninsns && n > 0 && (size_t)n < sizeof r->name) {
		const char *text = context_str(&m->ctx, m->ctx.insns[ss->insn].text);
		if (text)
			n += snprintf(r->name + n, sizeof r->name - (size_t)n, "  %s", text);
	}
	if (ss->key.kernel && n > 0 && (size_t)n < sizeof r->name) {
		const char *sc = syscall_name(ss->key.syscall);
		snprintf(r->name + n, sizeof r->name - (size_t)n, " in %s()", sc ? sc : "?");
	}
}

static void copy_rows(struct tui_snap *s, const struct model *m, enum tui_group g)
{
	switch (g) {
	case GROUP_FUNCTION:
	case GROUP_INSN: {
		const struct site_table *t = &m->sites[g == GROUP_INSN ? BY_INSN : BY_FUNCTION];
		for (size_t i = 0; i < t->cap; i++)
			if (t->v[i].used)
				site_row(s, m, &t->v[i], g == GROUP_INSN);
		break;
	}
	case GROUP_REGION:
		for (size_t i = 0; i < m->nregions; i++) {
			const struct region_stat *rs = &m->regions[i];
			if (!rs->pages && !rs->faults)
				continue;
			struct tui_row *r = row_new(s);
			r->pages = rs->pages;
			r->faults = rs->faults;
			r->id = rs->r.id;
			snprintf(r->kind, sizeof r->kind, "%s", region_kind_name(rs->r.kind));
			snprintf(r->name, sizeof r->name, "%#" PRIx64 "-%#" PRIx64 " pid %u%s", rs->r.start,
				 rs->r.end, rs->r.pid, rs->r.unmapped ? " (unmapped)" : "");
		}
		break;
	case GROUP_THREAD:
		for (size_t i = 0; i < m->capthreads; i++) {
			const struct thread_stat *ts = &m->threads[i];
			if (!ts->used)
				continue;
			struct tui_row *r = row_new(s);
			r->pages = ts->pages;
			r->faults = ts->faults;
			r->id = ts->tid;
			snprintf(r->kind, sizeof r->kind, "%s",
				 !ts->kernel_writes ? "user" : !ts->user_writes ? "kernel" : "mixed");
			snprintf(r->name, sizeof r->name, "tid %u (pid %u)", ts->tid, ts->pid);
		}
		break;
	case GROUP_PAGE: {
		struct page_stat busy[PAGE_ROWS];
		size_t nb = model_busiest_pages(m, busy, PAGE_ROWS);
		for (size_t i = 0; i < nb; i++) {
			const struct region_stat *rs = busy[i].region < m->nregions ? &m->regions[busy[i].region] : NULL;
			struct tui_row *r = row_new(s);
			r->pages = 1;
			r->faults = busy[i].faults;
			r->id = busy[i].page;
			snprintf(r->kind, sizeof r->kind, "%s",
				 !busy[i].kernel_faults ? "user" : busy[i].kernel_faults == busy[i].faults ? "kernel" : "mixed");
			snprintf(r->name, sizeof r->name, "%#" PRIx64 " %s, %u epochs", busy[i].page,
				 rs ? region_kind_name(rs->r.kind) : "?", busy[i].epochs);
		}
		break;
	}
	default:
		break;
	}
}

/* The busiest regions of this epoch, and where in each the pages were. */
static void copy_heat(struct tui_snap *s, struct model *m, unsigned nheat, unsigned cols)
{
	s->nheat = 0;
	if (cols > TUI_HEAT_COLS)
		cols = TUI_HEAT_COLS;
	if (!nheat || !cols || !m->nregions)
		return;
	if (nheat > TUI_HEAT_MAX)
		nheat = TUI_HEAT_MAX;
	const struct epoch_stat *e = model_epoch(m);
	uint32_t pick[TUI_HEAT_MAX];
	uint64_t score[TUI_HEAT_MAX];
	unsigned n = 0;
	/* This epoch's pages first; all-time pages break ties, so a quiet
	 * epoch still shows where the writing was. */
	for (size_t i = 0; i < m->nregions; i++) {
		const struct region_stat *rs = &m->regions[i];
		if (rs->r.unmapped || rs->r.end <= rs->r.start)
			continue;
		uint64_t ep = epoch_region_pages(e, (uint32_t)i);
		if (!ep && !rs->pages)
			continue;
		uint64_t sc = (ep << 24) + (rs->pages < (1u << 24) ? rs->pages : (1u << 24) - 1);
		unsigned at = n < nheat ? n++ : nheat;
		while (at > 0 && score[at - 1] < sc) {
			if (at < nheat) {
				pick[at] = pick[at - 1];
				score[at] = score[at - 1];
			}
			at--;
		}
		if (at < nheat) {
			pick[at] = (uint32_t)i;
			score[at] = sc;
		}
	}
	for (unsigned k = 0; k < n; k++) {
		const struct region_stat *rs = &m->regions[pick[k]];
		struct tui_heat *h = &s->heat[k];
		memset(h, 0, sizeof *h);
		h->ncols = cols;
		h->span_pages = (rs->r.end - rs->r.start) / PAGE_SIZE_4K;
		h->epoch_pages = epoch_region_pages(e, (uint32_t)pick[k]);
		snprintf(h->kind, sizeof h->kind, "%s", region_kind_name(rs->r.kind));
		h->start = rs->r.start;
	}
	s->nheat = n;
	if (!n)
		return;
	/* One pass over every page: those dirtied in this epoch carry its
	 * number (plus one), see struct page_stat. */
	uint32_t cur = (uint32_t)m->nepochs;
	for (size_t i = 0; i < m->cappages; i++) {
		const struct page_stat *ps = &m->pages[i];
		if (!ps->used || ps->epoch != cur)
			continue;
		for (unsigned k = 0; k < n; k++) {
			if (pick[k] != ps->region)
				continue;
			const struct region_stat *rs = &m->regions[pick[k]];
			/* Every column the page covers: a small region is wider
			 * on screen than it has pages. */
			uint64_t span = (rs->r.end - rs->r.start) / PAGE_SIZE_4K;
			uint64_t off = (ps->page - rs->r.start) / PAGE_SIZE_4K;
			if (!span)
				break;
			if (off >= span)
				off = span - 1;
			unsigned c0 = (unsigned)((unsigned __int128)off * cols / span);
			unsigned c1 = (unsigned)(((unsigned __int128)(off + 1) * cols - 1) / span);
			for (unsigned c = c0; c <= c1 && c < cols; c++)
				s->heat[k].cols[c]++;
			break;
		}
	}
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a < b) - (a > b); /* larger first */
}

static enum tui_sort sort_key;
static int by_key(const void *a, const void *b)
{
	const struct tui_row *x = a, *y = b;
	int c = 0;
	if (sort_key == SORT_LAST)
		c = cmp_u64(x->has_last ? x->last_ns : 0, y->has_last ? y->last_ns : 0);
	if (!c && sort_key == SORT_FAULTS)
		c = cmp_u64(x->faults, y->faults);
	if (!c)
		c = cmp_u64(x->pages, y->pages);
	if (!c)
		c = cmp_u64(x->faults, y->faults);
	return c ? c : strcmp(x->name, y->name);
}

void tui_snap_take(struct view_source *src, const struct tui_view *v, struct tui_snap *s,
		   bool with_rows, unsigned nheat, unsigned heat_cols)
{
	struct model *m = src->model;
	if (with_rows)
		s->nrows = 0;
	pthread_mutex_lock(src->lock);
	memset(&s->st, 0, sizeof s->st);
	if (src->status)
		src->status(src->arg, &s->st);
	snprintf(s->message, sizeof s->message, "%s", s->st.message ? s->st.message : "");
	s->st.message = NULL;
	s->nregions = m->nregions;
	s->nthreads = m->nthreads;
	uint64_t now_s = s->st.now_ns / 1000000000ULL;
	/* The last full second: the current one is still filling, unless
	 * the run is over and it never will. */
	uint64_t full = s->st.ended || !now_s ? now_s : now_s - 1;
	model_rate(m, full, &s->rate_faults, &s->rate_pages);
	/* The sparkline ends with the current second, partial as it is. */
	for (unsigned i = 0; i < TUI_SPARK; i++) {
		uint64_t f = 0, p = 0;
		if (now_s + 1 >= TUI_SPARK - i)
			model_rate(m, now_s + 1 - (TUI_SPARK - i), &f, &p);
		s->spark[i] = p;
	}
	s->faults = m->faults;
	s->pages_written = m->pages_written;
	s->user_writes = m->user_writes;
	s->kernel_writes = m->kernel_writes;
	s->untracked = m->untracked_pages;
	s->epoch = m->nepochs;
	s->epoch_pages = model_epoch(m)->pages;
	if (with_rows) {
		copy_rows(s, m, v->group);
		copy_heat(s, m, nheat, heat_cols);
	}
	pthread_mutex_unlock(src->lock);

	s->live = src->live;
	s->pid = src->run ? (int)src->run->pid : 0;
	/* The program's name, not its directory, is what fits the header. */
	const char *cmd = src->run && src->run->command ? src->run->command : "?";
	size_t word = strcspn(cmd, " ");
	const char *base = cmd;
	for (const char *c = cmd; c < cmd + word; c++)
		if (*c == '/')
			base = c + 1;
	snprintf(s->command, sizeof s->command, "%s", base);
	if (!with_rows)
		return;
	/* Totals before the filter: a share is of everything written. */
	s->total_pages = s->total_faults = 0;
	for (size_t i = 0; i < s->nrows; i++) {
		s->total_pages += s->rows[i].pages;
		s->total_faults += s->rows[i].faults;
	}
	if (v->group == GROUP_PAGE) {
		s->total_pages = s->pages_written;
		s->total_faults = s->faults;
	}
	s->unfiltered = s->nrows;
	if (v->filter[0]) {
		size_t k = 0;
		for (size_t i = 0; i < s->nrows; i++)
			if (strcasestr(s->rows[i].name, v->filter) || strcasestr(s->rows[i].kind, v->filter))
				s->rows[k++] = s->rows[i];
		s->nrows = k;
	}
	sort_key = v->sort;
	if (s->nrows)
		qsort(s->rows, s->nrows, sizeof *s->rows, by_key);
}

void tui_snap_free(struct tui_snap *s)
{
	free(s->rows);
	s->rows = NULL;
	s->nrows = s->caprows = 0;
}

static void line(struct tui_detail *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct tui_detail *d, const char *fmt, ...)
{
	if (d->nlines == d->cap)
		d->lines = xrealloc(d->lines, (d->cap = d->cap ? d->cap * 2 : 64) * sizeof *d->lines);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->lines[d->nlines++], sizeof d->lines[0], fmt, ap);
	va_end(ap);
}

/* "module!function+0xOFF  file:line", as report.c names a frame. */
static void frame_line(struct tui_detail *d, const struct model *m, uint32_t id, const char *lead)
{
	char buf[256];
	const struct frame *fr = &m->ctx.frames[id];
	const char *mod = context_str(&m->ctx, fr->module);
	const char *file = context_str(&m->ctx, fr->file);
	char where[200] = "";
	if (file)
		snprintf(where, sizeof where, "  %s:%d", file, fr->line);
	if (mod && fr->function)
		line(d, "%s%s!%s+%#" PRIx64 "%s", lead, mod, report_frame_name(m, id, buf, sizeof buf),
		     fr->offset, where);
	else
		line(d, "%s%s%s", lead, report_frame_name(m, id, buf, sizeof buf), where);
}

static void detail_site(struct tui_detail *d, const struct model *m, const struct site_stat *ss, uint64_t now_ns)
{
	const struct tui_row *r = &d->row;
	line(d, "%s", r->name);
	if (ss->frame)
		frame_line(d, m, ss->frame, "at ");
	if (ss->key.kernel) {
		const char *sc = syscall_name(ss->key.syscall);
		line(d, "kind: kernel write, in system call %s()", sc ? sc : "?");
	} else {
		line(d, "kind: user write");
	}
	line(d, "pages %" PRIu64 "   faults %" PRIu64 "   last write %.1f s ago", ss->pages, ss->faults,
	     now_ns > ss->last_ns ? (double)(now_ns - ss->last_ns) / 1e9 : 0.0);
	if (ss->insn == SITE_INSNS_MIXED) {
		line(d, "instruction: several (group by instruction to see them)");
	} else if (ss->insn && ss->insn < m->ctx.ninsns) {
		const struct insn_rec *in = &m->ctx.insns[ss->insn];
		const char *text = context_str(&m->ctx, in->text);
		char bytes[3 * 16 + 1] = "";
		for (unsigned i = 0; i < in->len && i < 16; i++)
			snprintf(bytes + 3 * i, sizeof bytes - 3 * i, "%02x ", in->bytes[i]);
		line(d, "instruction: %s   at %#" PRIx64 "   [%s]", text ? text : "?", in->ip, bytes);
	} else {
		line(d, "instruction: not captured (record with --capture insn or stack)");
	}
	/* The remembered backtraces, hottest first. */
	int order[SITE_STACKS], n = 0;
	for (int i = 0; i < SITE_STACKS; i++)
		if (ss->stacks[i] && ss->stack_faults[i])
			order[n++] = i;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && ss->stack_faults[order[j]] > ss->stack_faults[order[j - 1]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	line(d, "%s", "");
	if (!n)
		line(d, "no backtraces (record with --capture stack)");
	for (int k = 0; k < n; k++) {
		uint32_t depth;
		const uint32_t *frames = context_stack_frames(&m->ctx, ss->stacks[order[k]], &depth);
		line(d, "backtrace %d: %" PRIu64 " faults (%.0f%%)", k + 1, ss->stack_faults[order[k]],
		     ss->faults ? 100.0 * (double)ss->stack_faults[order[k]] / (double)ss->faults : 0.0);
		for (uint32_t f = 0; f < depth; f++)
			frame_line(d, m, frames[f], "    ");
	}
}

void tui_detail_fill(struct view_source *src, const struct tui_snap *s, struct tui_detail *d)
{
	struct model *m = src->model;
	d->nlines = 0;
	pthread_mutex_lock(src->lock);
	switch (d->group) {
	case GROUP_FUNCTION:
	case GROUP_INSN: {
		const struct site_table *t = &m->sites[d->group == GROUP_INSN ? BY_INSN : BY_FUNCTION];
		const struct site_stat *ss = NULL;
		for (size_t i = 0; i < t->cap && !ss; i++)
			if (t->v[i].used && memcmp(&t->v[i].key, &d->row.key, sizeof d->row.key) == 0)
				ss = &t->v[i];
		if (ss)
			detail_site(d, m, ss, s->st.now_ns);
		else
			line(d, "%s: no longer in the model", d->row.name);
		break;
	}
	case GROUP_REGION: {
		const struct region_stat *rs = model_region(m, (uint32_t)d->row.id);
		const struct epoch_stat *e = model_epoch(m);
		if (!rs)
			break;
		line(d, "region %u: %s, pid %u", rs->r.id, region_kind_name(rs->r.kind), rs->r.pid);
		line(d, "%#" PRIx64 "-%#" PRIx64 "   %" PRIu64 " pages of address space", rs->r.start,
		     rs->r.end, (uint64_t)((rs->r.end - rs->r.start) / PAGE_SIZE_4K));
		line(d, "pages dirtied %" PRIu64 "   faults %" PRIu64 "   found dirty when protected %" PRIu64,
		     rs->pages, rs->faults, rs->untracked_pages);
		line(d, "this epoch: %" PRIu64 " pages", epoch_region_pages(e, rs->r.id));
		line(d, "first seen at %.3f s%s", (double)rs->r.first_ns / 1e9, rs->r.unmapped ? "; unmapped since" : "");
		break;
	}
	case GROUP_THREAD:
		for (size_t i = 0; i < m->capthreads; i++) {
			const struct thread_stat *ts = &m->threads[i];
			if (!ts->used || ts->tid != d->row.id)
				continue;
			line(d, "thread %u of process %u", ts->tid, ts->pid);
			line(d, "pages first dirtied %" PRIu64 "   faults %" PRIu64, ts->pages, ts->faults);
			line(d, "user writes %" PRIu64 "   kernel writes %" PRIu64, ts->user_writes, ts->kernel_writes);
		}
		break;
	case GROUP_PAGE:
		for (size_t i = 0; i < m->cappages; i++) {
			const struct page_stat *ps = &m->pages[i];
			if (!ps->used || ps->page != d->row.id)
				continue;
			const struct region_stat *rs = model_region(m, ps->region);
			line(d, "page %#" PRIx64 " in region %u (%s)", ps->page, ps->region,
			     rs ? region_kind_name(rs->r.kind) : "?");
			line(d, "faults %u (kernel %u)   dirtied in %u epochs, last in epoch %u", ps->faults,
			     ps->kernel_faults, ps->epochs, ps->epoch);
		}
		break;
	default:
		break;
	}
	pthread_mutex_unlock(src->lock);
	if (!d->nlines)
		line(d, "%s", d->row.name);
}

void tui_detail_free(struct tui_detail *d)
{
	free(d->lines);
	memset(d, 0, sizeof *d);
}
