/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The end-of-run summary, as aligned text or as JSON (schema in uffdtrace(1)). */
#include "report.h"
#include "commands.h"
#include "log.h"
#include "syscalls.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int by_tid(const void *a, const void *b)
{
	const struct thread_stat *x = a, *y = b;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Threads in tid order; caller frees. */
static struct thread_stat *sorted_threads(const struct model *m, size_t *n)
{
	struct thread_stat *v = xcalloc(m->nthreads + 1, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < m->capthreads; i++)
		if (m->threads[i].used)
			v[k++] = m->threads[i];
	qsort(v, k, sizeof *v, by_tid);
	*n = k;
	return v;
}

const char *report_frame_name(const struct model *m, uint32_t frame_id, char *buf, size_t len)
{
	const struct frame *fr = &m->ctx.frames[frame_id];
	const char *fn = context_str(&m->ctx, fr->function);
	if (fn)
		return fn;
	const char *mod = context_str(&m->ctx, fr->module);
	snprintf(buf, len, "%s+%#" PRIx64, mod ? mod : "?", mod ? fr->offset : fr->ip);
	return buf;
}

static const char *site_name(const struct model *m, const struct site_stat *s, char *buf, size_t len)
{
	if (s->frame)
		return report_frame_name(m, s->frame, buf, len);
	if (!s->key.ip)
		return "[unknown]"; /* the writer had left the fault when asked */
	snprintf(buf, len, "%#" PRIx64, s->key.ip);
	return buf;
}

static const char *site_insn(const struct model *m, const struct site_stat *s)
{
	if (!s->insn || s->insn == SITE_INSNS_MIXED)
		return NULL;
	return context_str(&m->ctx, m->ctx.insns[s->insn].text);
}

static const char *kind_name(const struct site_stat *s)
{
	return s->key.kernel ? "kernel" : "user";
}

static int sites_by_faults(const void *a, const void *b)
{
	const struct site_stat *x = a, *y = b;
	if (x->faults != y->faults)
		return x->faults < y->faults ? 1 : -1;
	return (x->pages < y->pages) - (x->pages > y->pages);
}

static void text_site_row(FILE *f, const struct model *m, const struct site_stat *s, bool by_insn,
			  bool details)
{
	char buf[256];
	const struct frame *fr = s->frame ? &m->ctx.frames[s->frame] : NULL;
	const char *mod = fr ? context_str(&m->ctx, fr->module) : NULL;
	const char *fn = fr ? context_str(&m->ctx, fr->function) : NULL;
	/* module!function, and +offset when grouped by instruction */
	fprintf(f, "  %8" PRIu64 " %8" PRIu64 "  %-6s  ", s->pages, s->faults, kind_name(s));
	if (mod && fn && by_insn)
		fprintf(f, "%s!%s+%#" PRIx64, mod, fn, fr->offset);
	else if (mod && fn)
		fprintf(f, "%s!%s", mod, fn);
	else
		fputs(site_name(m, s, buf, sizeof buf), f);
	if (fr && fr->file)
		fprintf(f, " %s:%d", context_str(&m->ctx, fr->file), fr->line);
	if (s->key.kernel) {
		const char *sc = syscall_name(s->key.syscall);
		fprintf(f, " in %s()", sc ? sc : "?");
	}
	fputc('\n', f);
	if (!details)
		return;
	const char *insn = site_insn(m, s);
	if (insn)
		fprintf(f, "  %28s%s\n", "", insn);
	uint32_t depth;
	const uint32_t *frames = context_stack_frames(&m->ctx, site_top_stack(s), &depth);
	if (depth > 1) {
		fprintf(f, "  %28s", "");
		for (uint32_t k = 0; k < depth; k++)
			fprintf(f, "%s%s", k ? " <- " : "", report_frame_name(m, frames[k], buf, sizeof buf));
		fputc('\n', f);
	}
}

static void text_sites(FILE *f, const struct model *m, const struct report_opts *o, bool by_faults)
{
	bool by_insn = o->by == REPORT_BY_INSN;
	size_t n;
	struct site_stat *v = model_sorted_sites(m, by_insn ? BY_INSN : BY_FUNCTION, &n);
	if (by_faults)
		qsort(v, n, sizeof *v, sites_by_faults);
	if (n) {
		fprintf(f, "\ntop write sites by %s (grouped by %s)\n  %8s %8s  %-6s  %s\n",
			by_faults ? "faults" : "pages", by_insn ? "instruction" : "function",
			"pages", "faults", "kind", "site");
		/* The second ordering of the full report repeats no details. */
		for (size_t i = 0; i < n && i < (size_t)o->top; i++)
			text_site_row(f, m, &v[i], by_insn, !o->full || by_faults == o->sort_faults);
	}
	free(v);
}

/* Inclusive: a function counts every write made while it was on the stack. */
static void text_functions(FILE *f, const struct model *m, const struct report_opts *o)
{
	size_t n;
	struct site_stat *v = model_sorted_functions(m, &n);
	if (o->sort_faults)
		qsort(v, n, sizeof *v, sites_by_faults);
	if (n) {
		fprintf(f, "\nfunctions, counting the writes of what they call\n  %8s %8s  %s\n", "pages", "faults", "function");
		for (size_t i = 0; i < n && i < (size_t)o->top; i++) {
			char buf[256];
			const struct frame *fr = v[i].frame ? &m->ctx.frames[v[i].frame] : NULL;
			const char *mod = fr ? context_str(&m->ctx, fr->module) : NULL;
			fprintf(f, "  %8" PRIu64 " %8" PRIu64 "  %s%s%s\n", v[i].pages, v[i].faults,
				mod && fr->function ? mod : "", mod && fr->function ? "!" : "",
				fr ? report_frame_name(m, v[i].frame, buf, sizeof buf) : "?");
		}
	}
	free(v);
}

static int regions_by(const void *a, const void *b, bool faults)
{
	const struct region_stat *x = *(const struct region_stat *const *)a;
	const struct region_stat *y = *(const struct region_stat *const *)b;
	uint64_t kx = faults ? x->faults : x->pages, ky = faults ? y->faults : y->pages;
	if (kx != ky)
		return kx < ky ? 1 : -1;
	return (x->r.id > y->r.id) - (x->r.id < y->r.id);
}
static int regions_by_pages(const void *a, const void *b) { return regions_by(a, b, false); }
static int regions_by_faults(const void *a, const void *b) { return regions_by(a, b, true); }

static void text_regions(FILE *f, const struct model *m, const struct report_opts *o, bool sorted)
{
	const struct region_stat **v = xcalloc(m->nregions + 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < m->nregions; i++)
		if (m->regions[i].pages || m->regions[i].faults)
			v[n++] = &m->regions[i];
	if (sorted)
		qsort(v, n, sizeof *v, o->sort_faults ? regions_by_faults : regions_by_pages);
	if (!n) {
		free(v);
		return;
	}
	fprintf(f, "\nregions\n  %-18s %-18s %-6s %8s %8s\n", "start", "end", "kind", "pages", "faults");
	for (size_t i = 0; i < n && (!sorted || i < (size_t)o->top); i++)
		fprintf(f, "  %#-18" PRIx64 " %#-18" PRIx64 " %-6s %8" PRIu64 " %8" PRIu64 "%s\n",
			v[i]->r.start, v[i]->r.end, region_kind_name(v[i]->r.kind), v[i]->pages,
			v[i]->faults, v[i]->r.unmapped ? "  (unmapped)" : "");
	free(v);
}

static int threads_by_faults(const void *a, const void *b)
{
	const struct thread_stat *x = a, *y = b;
	if (x->faults != y->faults)
		return x->faults < y->faults ? 1 : -1;
	return by_tid(a, b);
}

static int threads_by_pages(const void *a, const void *b)
{
	const struct thread_stat *x = a, *y = b;
	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	return by_tid(a, b);
}

static void text_threads(FILE *f, const struct model *m, const struct report_opts *o, bool sorted)
{
	size_t nt;
	struct thread_stat *ts = sorted_threads(m, &nt);
	if (sorted)
		qsort(ts, nt, sizeof *ts, o->sort_faults ? threads_by_faults : threads_by_pages);
	fprintf(f, "\nthreads\n  %-8s %8s %8s %8s %8s\n", "tid", "faults", "pages", "user", "kernel");
	for (size_t i = 0; i < nt && (!sorted || i < (size_t)o->top); i++)
		fprintf(f, "  %-8u %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
			ts[i].tid, ts[i].faults, ts[i].pages, ts[i].user_writes, ts[i].kernel_writes);
	free(ts);
}

static void text_syscalls(FILE *f, const struct model *m)
{
	fprintf(f, "\nuser and kernel writes\n  %-16s %8s\n  %-16s %8" PRIu64 "\n", "writer", "faults",
		"user code", m->user_writes);
	for (int nr = 0; nr < 512; nr++)
		if (m->syscall_faults[nr]) {
			const char *name = syscall_name(nr);
			char buf[32];
			if (!name) {
				snprintf(buf, sizeof buf, "syscall %d", nr);
				name = buf;
			}
			fprintf(f, "  kernel: %-8s %8" PRIu64 "\n", name, m->syscall_faults[nr]);
		}
}

static void text_pages(FILE *f, const struct model *m, const struct report_opts *o)
{
	struct page_stat *busy = xcalloc((size_t)o->top, sizeof *busy);
	size_t nb = model_busiest_pages(m, busy, (size_t)o->top);
	if (nb && busy[0].faults < 2) {
		fprintf(f, "\nbusiest pages: none was written more than once\n");
	} else if (nb) {
		fprintf(f, "\nbusiest pages\n  %-18s %-6s %8s %8s\n", "page", "kind", "faults", "kernel");
		for (size_t i = 0; i < nb; i++) {
			const struct region_stat *rs = busy[i].region < m->nregions ? &m->regions[busy[i].region] : NULL;
			fprintf(f, "  %#-18" PRIx64 " %-6s %8u %8u\n", busy[i].page,
				rs ? region_kind_name(rs->r.kind) : "?", busy[i].faults, busy[i].kernel_faults);
		}
	}
	free(busy);
}

/* Pages dirtied over time, in about 20 rows whatever the run's length. */
static void text_timeline(FILE *f, const struct model *m)
{
	unsigned bins = model_timeline_bins(m);
	if (!bins)
		return;
	unsigned per_row = (bins + 19) / 20, rows = (bins + per_row - 1) / per_row;
	uint64_t max = 1, sums[TIMELINE_BINS] = { 0 };
	for (unsigned r = 0; r < rows; r++) {
		for (unsigned b = r * per_row; b < (r + 1) * per_row && b < bins; b++)
			sums[r] += m->timeline_pages[b];
		if (sums[r] > max)
			max = sums[r];
	}
	double row_s = (double)m->bin_ns * per_row / 1e9;
	fprintf(f, "\npages dirtied over time (%.3g s per row)\n", row_s);
	for (unsigned r = 0; r < rows; r++) {
		int len = (int)(sums[r] * 40 / max);
		fprintf(f, "  %8.3f s %8" PRIu64 " %.*s\n", r * row_s, sums[r], len,
			"########################################");
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Dirty rate in pages per second, over the epochs that ran for at least
 * half as long as the longest (a run's last epoch is cut short by its end,
 * and a rate over a few milliseconds says little). */
static bool dirty_rate(const struct model *m, double *mean, double *p50, double *p99, double *max)
{
	double *v = xcalloc(m->nepochs + 1, sizeof *v);
	size_t n = 0;
	double sum = 0;
	uint64_t longest = 0;
	for (size_t i = 0; i < m->nepochs; i++)
		if (m->epochs[i].end_ns > m->epochs[i].start_ns + longest)
			longest = m->epochs[i].end_ns - m->epochs[i].start_ns;
	for (size_t i = 0; i < m->nepochs; i++) {
		const struct epoch_stat *e = &m->epochs[i];
		if (e->end_ns <= e->start_ns || (e->end_ns - e->start_ns) * 2 < longest)
			continue;
		v[n] = (double)e->pages * 1e9 / (double)(e->end_ns - e->start_ns);
		sum += v[n++];
	}
	if (n) {
		qsort(v, n, sizeof *v, cmp_double);
		*mean = sum / (double)n;
		*p50 = v[(n - 1) / 2];
		*p99 = v[(size_t)((double)(n - 1) * 0.99)];
		*max = v[n - 1];
	}
	free(v);
	return n > 0;
}

static void text_epochs(FILE *f, const struct model *m)
{
	double mean, p50, p99, max;
	if (m->nepochs < 2 || !dirty_rate(m, &mean, &p50, &p99, &max))
		return;
	uint64_t pages = 0, rewritten = 0;
	for (size_t i = 0; i < m->nepochs; i++) {
		pages += m->epochs[i].pages;
		rewritten += m->epochs[i].rewritten;
	}
	fprintf(f, "\nepochs %zu, dirty pages per second: mean %.0f, p50 %.0f, p99 %.0f, max %.0f "
		"(mean %.1f MiB/s)\n", m->nepochs, mean, p50, p99, max, mean * 4096 / (1 << 20));
	fprintf(f, "  write working set %" PRIu64 " pages; %.1f%% of the pages an epoch dirtied "
		"had been dirtied before\n", m->pages_written, pages ? 100.0 * (double)rewritten / (double)pages : 0.0);
}

static void json_epochs(FILE *f, const struct model *m)
{
	fprintf(f, ",\n \"epochs\": [");
	for (size_t i = 0; i < m->nepochs; i++) {
		const struct epoch_stat *e = &m->epochs[i];
		fprintf(f, "%s\n  {\"start_ns\": %" PRIu64 ", \"end_ns\": %" PRIu64 ", \"pages\": %" PRIu64
			", \"faults\": %" PRIu64 ", \"rewritten\": %" PRIu64 ", \"regions\": [",
			i ? "," : "", e->start_ns, e->end_ns, e->pages, e->faults, e->rewritten);
		bool first = true;
		for (size_t k = 0; k < e->nregions; k++) {
			uint32_t r = e->regions[k].region;
			fprintf(f, "%s{\"id\": %u, \"start\": \"%#" PRIx64 "\", \"pages\": %" PRIu64 "}",
				first ? "" : ", ", r, r < m->nregions ? m->regions[r].r.start : 0,
				e->regions[k].pages);
			first = false;
		}
		fprintf(f, "]}");
	}
	fprintf(f, "]");
	double mean, p50, p99, max;
	if (dirty_rate(m, &mean, &p50, &p99, &max))
		fprintf(f, ",\n \"dirty_rate\": {\"mean\": %.1f, \"p50\": %.1f, \"p99\": %.1f, \"max\": %.1f}",
			mean, p50, p99, max);
	else
		fprintf(f, ",\n \"dirty_rate\": null");
}

void report_csv_header(FILE *f)
{
	fprintf(f, "epoch,start_s,end_s,pages,pages_per_s,mib_per_s,faults,rewritten,working_set\n");
}

void report_csv_epoch(FILE *f, const struct model *m, size_t i, uint64_t working_set)
{
	const struct epoch_stat *e = &m->epochs[i];
	double s = e->end_ns > e->start_ns ? (double)(e->end_ns - e->start_ns) / 1e9 : 0;
	double rate = s > 0 ? (double)e->pages / s : 0;
	fprintf(f, "%zu,%.6f,%.6f,%" PRIu64 ",%.1f,%.3f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", i,
		(double)e->start_ns / 1e9, (double)e->end_ns / 1e9, e->pages, rate,
		rate * 4096 / (1 << 20), e->faults, e->rewritten, working_set);
}

void report_csv(FILE *f, const struct model *m)
{
	/* The write working set grows by the pages no earlier epoch dirtied. */
	uint64_t working_set = 0;
	report_csv_header(f);
	for (size_t i = 0; i < m->nepochs; i++) {
		working_set += m->epochs[i].pages - m->epochs[i].rewritten;
		report_csv_epoch(f, m, i, working_set);
	}
}

void report_text(FILE *f, const struct model *m, const struct run_info *run, const struct report_opts *o)
{
	fprintf(f, "uffdtrace: pid %d (%s) traced for %.3f s", (int)run->pid,
		run->command ? run->command : "?", run->seconds);
	if (run->exited)
		fprintf(f, ", exit status %d", run->exit_status);
	fprintf(f, "\n\n");
	fprintf(f, "  write faults  %10" PRIu64 "   (user %" PRIu64 ", kernel %" PRIu64 ")\n",
		m->faults, m->user_writes, m->kernel_writes);
	fprintf(f, "  pages dirtied %10" PRIu64 "   (%.1f MiB", m->pages_written,
		(double)m->pages_written * 4096 / (1 << 20));
	if (m->untracked_pages)
		fprintf(f, "; %" PRIu64 " found dirty when first protected", m->untracked_pages);
	fprintf(f, ")\n");

	/* --by asks for one table, ordered by --sort. */
	switch (o->only ? (int)o->by : -1) {
	case REPORT_BY_FUNCTION:
	case REPORT_BY_INSN:
		text_sites(f, m, o, o->sort_faults);
		return;
	case REPORT_BY_REGION:
		text_regions(f, m, o, true);
		return;
	case REPORT_BY_THREAD:
		text_threads(f, m, o, true);
		return;
	case REPORT_BY_PAGE:
		text_pages(f, m, o);
		return;
	}
	text_regions(f, m, o, false);
	text_threads(f, m, o, false);
	if (m->kernel_writes)
		text_syscalls(f, m);
	text_sites(f, m, o, o->sort_faults);
	if (o->full) {
		text_sites(f, m, o, !o->sort_faults);
		text_functions(f, m, o);
	}
	text_pages(f, m, o);
	text_epochs(f, m);
	if (o->full)
		text_timeline(f, m);
}

static void json_sites(FILE *f, const struct model *m, const struct report_opts *o)
{
	size_t n;
	struct site_stat *v = model_sorted_sites(m, o->by == REPORT_BY_INSN ? BY_INSN : BY_FUNCTION, &n);
	fprintf(f, ",\n \"sites\": [");
	for (size_t i = 0; i < n; i++) {
		const struct site_stat *s = &v[i];
		const struct frame *fr = s->frame ? &m->ctx.frames[s->frame] : NULL;
		char buf[256];
		fprintf(f, "%s\n  {\"function\": ", i ? "," : "");
		json_string(f, fr ? context_str(&m->ctx, fr->function) : NULL);
		fprintf(f, ", \"name\": ");
		json_string(f, site_name(m, s, buf, sizeof buf));
		fprintf(f, ", \"module\": ");
		json_string(f, fr ? context_str(&m->ctx, fr->module) : NULL);
		fprintf(f, ", \"offset\": %" PRIu64 ", \"ip\": \"%#" PRIx64 "\", \"file\": ",
			fr ? fr->offset : 0, fr ? fr->ip : s->key.ip);
		json_string(f, fr ? context_str(&m->ctx, fr->file) : NULL);
		fprintf(f, ", \"line\": %d, \"insn\": ", fr ? fr->line : 0);
		json_string(f, site_insn(m, s));
		fprintf(f, ", \"kind\": \"%s\"", kind_name(s));
		if (s->key.kernel) {
			fprintf(f, ", \"syscall\": ");
			json_string(f, syscall_name(s->key.syscall));
		}
		fprintf(f, ", \"pages\": %" PRIu64 ", \"faults\": %" PRIu64 ", \"stack\": [", s->pages, s->faults);
		uint32_t depth;
		const uint32_t *frames = context_stack_frames(&m->ctx, site_top_stack(s), &depth);
		for (uint32_t k = 0; k < depth; k++) {
			fprintf(f, "%s", k ? ", " : "");
			json_string(f, report_frame_name(m, frames[k], buf, sizeof buf));
		}
		fprintf(f, "], \"frames\": [");
		for (uint32_t k = 0; k < depth; k++) {
			const struct frame *x = &m->ctx.frames[frames[k]];
			fprintf(f, "%s{\"function\": ", k ? ", " : "");
			json_string(f, context_str(&m->ctx, x->function));
			fprintf(f, ", \"module\": ");
			json_string(f, context_str(&m->ctx, x->module));
			fprintf(f, ", \"offset\": %" PRIu64 ", \"file\": ", x->offset);
			json_string(f, context_str(&m->ctx, x->file));
			fprintf(f, ", \"line\": %d}", x->line);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "]");
	free(v);
}

static void json_functions(FILE *f, const struct model *m)
{
	size_t n;
	struct site_stat *v = model_sorted_functions(m, &n);
	fprintf(f, ",\n \"functions\": [");
	for (size_t i = 0; i < n; i++) {
		char buf[256];
		const struct frame *fr = v[i].frame ? &m->ctx.frames[v[i].frame] : NULL;
		fprintf(f, "%s\n  {\"function\": ", i ? "," : "");
		json_string(f, fr ? context_str(&m->ctx, fr->function) : NULL);
		fprintf(f, ", \"name\": ");
		json_string(f, fr ? report_frame_name(m, v[i].frame, buf, sizeof buf) : NULL);
		fprintf(f, ", \"module\": ");
		json_string(f, fr ? context_str(&m->ctx, fr->module) : NULL);
		fprintf(f, ", \"pages\": %" PRIu64 ", \"faults\": %" PRIu64 "}", v[i].pages, v[i].faults);
	}
	fprintf(f, "]");
	free(v);
}

void report_json(FILE *f, const struct model *m, const struct run_info *run, const struct report_opts *o)
{
	int top = o->top;
	fprintf(f, "{\"target\": {\"pid\": %d, \"command\": ", (int)run->pid);
	json_string(f, run->command);
	fprintf(f, ", \"exit_status\": ");
	if (run->exited)
		fprintf(f, "%d", run->exit_status);
	else
		fprintf(f, "null");
	fprintf(f, ", \"seconds\": %.6f},\n", run->seconds);
	fprintf(f, " \"totals\": {\"events\": %" PRIu64 ", \"faults\": %" PRIu64 ", \"pages\": %" PRIu64
		", \"user_writes\": %" PRIu64 ", \"kernel_writes\": %" PRIu64
		", \"untracked_pages\": %" PRIu64 "},\n",
		m->events, m->faults, m->pages_written, m->user_writes, m->kernel_writes, m->untracked_pages);
	fprintf(f, " \"regions\": [");
	for (size_t i = 0; i < m->nregions; i++) {
		const struct region_stat *rs = &m->regions[i];
		fprintf(f, "%s\n  {\"id\": %u, \"pid\": %u, \"start\": \"%#" PRIx64 "\", \"end\": \"%#" PRIx64
			"\", \"kind\": \"%s\", \"pages\": %" PRIu64 ", \"faults\": %" PRIu64
			", \"untracked_pages\": %" PRIu64 ", \"unmapped\": %s}",
			i ? "," : "", rs->r.id, rs->r.pid, rs->r.start, rs->r.end,
			region_kind_name(rs->r.kind), rs->pages, rs->faults, rs->untracked_pages,
			rs->r.unmapped ? "true" : "false");
	}
	fprintf(f, "],\n \"threads\": [");
	size_t nt;
	struct thread_stat *ts = sorted_threads(m, &nt);
	for (size_t i = 0; i < nt; i++)
		fprintf(f, "%s\n  {\"tid\": %u, \"pid\": %u, \"faults\": %" PRIu64 ", \"pages\": %" PRIu64
			", \"user_writes\": %" PRIu64 ", \"kernel_writes\": %" PRIu64 "}",
			i ? "," : "", ts[i].tid, ts[i].pid, ts[i].faults, ts[i].pages,
			ts[i].user_writes, ts[i].kernel_writes);
	free(ts);
	fprintf(f, "],\n \"syscalls\": [");
	int first = 1;
	for (int nr = 0; nr < 512; nr++)
		if (m->syscall_faults[nr]) {
			fprintf(f, "%s\n  {\"nr\": %d, \"name\": ", first ? "" : ",", nr);
			json_string(f, syscall_name(nr));
			fprintf(f, ", \"faults\": %" PRIu64 "}", m->syscall_faults[nr]);
			first = 0;
		}
	fprintf(f, "],\n \"busiest_pages\": [");
	struct page_stat *busy = xcalloc((size_t)top, sizeof *busy);
	size_t nb = model_busiest_pages(m, busy, (size_t)top);
	for (size_t i = 0; i < nb; i++)
		fprintf(f, "%s\n  {\"page\": \"%#" PRIx64 "\", \"region\": %u, \"faults\": %u, \"kernel_faults\": %u}",
			i ? "," : "", busy[i].page, busy[i].region, busy[i].faults, busy[i].kernel_faults);
	free(busy);
	fprintf(f, "]");
	json_sites(f, m, o);
	json_functions(f, m);
	json_epochs(f, m);
	fprintf(f, ",\n \"timeline\": {\"bin_ns\": %" PRIu64 ", \"pages\": [", m->bin_ns);
	unsigned bins = model_timeline_bins(m);
	for (unsigned i = 0; i < bins; i++)
		fprintf(f, "%s%" PRIu64, i ? ", " : "", m->timeline_pages[i]);
	fprintf(f, "], \"faults\": [");
	for (unsigned i = 0; i < bins; i++)
		fprintf(f, "%s%" PRIu64, i ? ", " : "", m->timeline_faults[i]);
	fprintf(f, "]}}\n");
}
