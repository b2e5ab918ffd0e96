/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The end-of-run summary, as aligned text or as JSON (schema in uffdtrace(1)). */
#include "report.h"
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

/* "function", or "module+0xOFF" for a frame no symbol covers. */
static const char *frame_name(const struct model *m, uint32_t frame_id, char *buf, size_t len)
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
		return frame_name(m, s->frame, buf, len);
	if (!s->key.ip)
		return "[unknown]"; /* the writer had left the fault when asked */
	snprintf(buf, len, "%#" PRIx64, s->key.ip);
	return buf;
}

static const char *site_insn(const struct model *m, const struct site_stat *s)
{
	return s->insn ? context_str(&m->ctx, m->ctx.insns[s->insn].text) : NULL;
}

static const char *kind_name(const struct site_stat *s)
{
	return s->key.kernel ? "kernel" : "user";
}

static void text_sites(FILE *f, const struct model *m, const struct report_opts *o)
{
	size_t n;
	struct site_stat *v = model_sorted_sites(m, (enum site_grouping)o->by, &n);
	if (!n) {
		free(v);
		return;
	}
	fprintf(f, "\ntop write sites (by %s)\n  %8s %8s  %-6s  %s\n",
		o->by == BY_INSN ? "instruction" : "function", "pages", "faults", "kind", "site");
	for (size_t i = 0; i < n && i < (size_t)o->top; i++) {
		const struct site_stat *s = &v[i];
		char buf[256];
		const struct frame *fr = s->frame ? &m->ctx.frames[s->frame] : NULL;
		const char *mod = fr ? context_str(&m->ctx, fr->module) : NULL;
		const char *fn = fr ? context_str(&m->ctx, fr->function) : NULL;
		/* module!function, and +offset when grouped by instruction */
		fprintf(f, "  %8" PRIu64 " %8" PRIu64 "  %-6s  ", s->pages, s->faults, kind_name(s));
		if (mod && fn && o->by == BY_INSN)
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
		const char *insn = site_insn(m, s);
		if (insn)
			fprintf(f, "  %28s%s\n", "", insn);
		uint32_t depth;
		const uint32_t *frames = context_stack_frames(&m->ctx, site_top_stack(s), &depth);
		if (depth > 1) {
			fprintf(f, "  %28s", "");
			for (uint32_t k = 0; k < depth; k++)
				fprintf(f, "%s%s", k ? " <- " : "", frame_name(m, frames[k], buf, sizeof buf));
			fputc('\n', f);
		}
	}
	free(v);
}

static void json_sites(FILE *f, const struct model *m, const struct report_opts *o)
{
	size_t n;
	struct site_stat *v = model_sorted_sites(m, (enum site_grouping)o->by, &n);
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
			json_string(f, frame_name(m, frames[k], buf, sizeof buf));
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

void report_text(FILE *f, const struct model *m, const struct run_info *run, const struct report_opts *o)
{
	int top = o->top;
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

	fprintf(f, "\nregions\n  %-18s %-18s %-6s %8s %8s\n", "start", "end", "kind", "pages", "faults");
	for (size_t i = 0; i < m->nregions; i++) {
		const struct region_stat *rs = &m->regions[i];
		if (!rs->pages && !rs->faults)
			continue;
		fprintf(f, "  %#-18" PRIx64 " %#-18" PRIx64 " %-6s %8" PRIu64 " %8" PRIu64 "%s\n",
			rs->r.start, rs->r.end, region_kind_name(rs->r.kind), rs->pages, rs->faults,
			rs->r.unmapped ? "  (unmapped)" : "");
	}

	size_t nt;
	struct thread_stat *ts = sorted_threads(m, &nt);
	fprintf(f, "\nthreads\n  %-8s %8s %8s %8s %8s\n", "tid", "faults", "pages", "user", "kernel");
	for (size_t i = 0; i < nt; i++)
		fprintf(f, "  %-8u %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
			ts[i].tid, ts[i].faults, ts[i].pages, ts[i].user_writes, ts[i].kernel_writes);
	free(ts);

	if (m->kernel_writes) {
		fprintf(f, "\nkernel writes by syscall\n  %-16s %8s\n", "syscall", "faults");
		for (int nr = 0; nr < 512; nr++)
			if (m->syscall_faults[nr]) {
				const char *name = syscall_name(nr);
				if (name)
					fprintf(f, "  %-16s %8" PRIu64 "\n", name, m->syscall_faults[nr]);
				else
					fprintf(f, "  syscall_%-8d %8" PRIu64 "\n", nr, m->syscall_faults[nr]);
			}
	}

	text_sites(f, m, o);

	struct page_stat *busy = xcalloc((size_t)top, sizeof *busy);
	size_t nb = model_busiest_pages(m, busy, (size_t)top);
	if (nb && busy[0].faults < 2)
		fprintf(f, "\nbusiest pages: none was written more than once\n");
	else if (nb) {
		fprintf(f, "\nbusiest pages\n  %-18s %-6s %8s %8s\n", "page", "kind", "faults", "kernel");
		for (size_t i = 0; i < nb; i++) {
			const struct region_stat *rs = busy[i].region < m->nregions ? &m->regions[busy[i].region] : NULL;
			fprintf(f, "  %#-18" PRIx64 " %-6s %8u %8u\n", busy[i].page,
				rs ? region_kind_name(rs->r.kind) : "?", busy[i].faults, busy[i].kernel_faults);
		}
	}
	free(busy);
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
	fprintf(f, " \"totals\": {\"faults\": %" PRIu64 ", \"pages\": %" PRIu64
		", \"user_writes\": %" PRIu64 ", \"kernel_writes\": %" PRIu64
		", \"untracked_pages\": %" PRIu64 "},\n",
		m->faults, m->pages_written, m->user_writes, m->kernel_writes, m->untracked_pages);
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
	fprintf(f, "}\n");
}
