/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Draws a trace as one self-contained SVG: header, flame graph of write
 * sites, dirty-rate chart and dirty-page heat map. */
#include "svg.h"
#include "commands.h"
#include "log.h"
#include "syscalls.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Page geometry, in pixels.  The flame graph uses the full width; the
 * rate chart and heat map share one time axis right of a label column. */
#define SVG_W 1200.0
#define PAD 10.0
#define LABEL_W 300.0
#define PLOT_X (PAD + LABEL_W)
#define PLOT_W (SVG_W - 3 * PAD - PLOT_X) /* room for the last time label */
#define FRAME_H 17.0
#define FONT 11.0
#define CHAR_W (FONT * 0.62) /* a little wider than Verdana, for DejaVu Sans */
#define RATE_H 90.0
#define AXIS_H 30.0
#define SECTION_H 26.0
#define LEGEND_H 34.0
#define BAND_GAP 5.0
/* Frames narrower than this share of the total are left out: too narrow
 * to see, and they would bloat the file. */
#define MIN_SHARE 0.001

/* ---- arithmetic ----
 * uffdtrace links no libm, and these few needs do not justify it. */

/* The natural logarithm of X >= 1: X = 2^k * y with y in [1, 2), and
 * ln y = 2 atanh((y - 1) / (y + 1)), a series that converges fast there. */
static double ln(double x)
{
	int k = 0;
	while (x >= 2) {
		x /= 2;
		k++;
	}
	double z = (x - 1) / (x + 1), z2 = z * z, term = z, sum = 0;
	for (int i = 1; i < 40; i += 2, term *= z2)
		sum += term / i;
	return k * 0.69314718055994530942 + 2 * sum;
}

/* For X >= 0. */
static double floor_pos(double x)
{
	return x < 9e18 ? (double)(uint64_t)x : x;
}

static double ceil_pos(double x)
{
	double f = floor_pos(x);
	return f < x ? f + 1 : f;
}

/* The power of ten at most X > 0, and its exponent in *EXP. */
static double pow10_below(double x, int *exp)
{
	double p = 1;
	int e = 0;
	while (p > x) {
		p /= 10;
		e--;
	}
	while (p * 10 <= x) {
		p *= 10;
		e++;
	}
	*exp = e;
	return p;
}

/* ---- XML text ---- */

/* The length of the valid UTF-8 sequence at S, or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
		size_t k = utf8_seq(p);
		p += k ? k : 1;
	}
	return n;
}

/* Write at most MAX characters of S as XML character data (also good in a
 * quoted attribute).  Names come from symbol tables and file names: markup
 * characters are escaped, and control characters and broken UTF-8, which
 * no XML may hold, become '?'. */
static void put_text(FILE *f, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	for (size_t n = 0; *p && n < max; n++) {
		size_t k = utf8_seq(p);
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if (!k || *p < 0x20)
				fputc('?', f);
			else
				fwrite(p, 1, k, f);
		}
		p += k ? k : 1;
	}
}

static void put_all(FILE *f, const char *s)
{
	put_text(f, s, (size_t)-1);
}

/* S cut to fit WIDTH pixels in characters CHARW wide, with ".." when cut;
 * nothing if not even a few characters fit. */
static void put_fitted(FILE *f, const char *s, double width, double charw)
{
	double fit = width / charw;
	if (fit < 3)
		return;
	size_t n = utf8_chars(s);
	if ((double)n <= fit) {
		put_all(f, s);
		return;
	}
	put_text(f, s, (size_t)fit - 2);
	fputs("..", f);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* "12 KiB", "3.4 MiB": the bytes of N pages. */
static const char *page_bytes(uint64_t pages, char *buf, size_t len)
{
	double b = (double)pages * (double)PAGE_SIZE_4K;
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	b /= 1024;
	while (b >= 1024 && u < 3) {
		b /= 1024;
		u++;
	}
	snprintf(buf, len, b < 10 ? "%.1f %s" : "%.0f %s", b, units[u]);
	return buf;
}

/* "1.5k", "23M": a rate short enough for an axis label. */
static const char *short_num(double v, char *buf, size_t len)
{
	static const char *const sfx[] = { "", "k", "M", "G" };
	int u = 0;
	while (v >= 1000 && u < 3) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, v < 10 && v != floor_pos(v) ? "%.1f%s" : "%.0f%s", v, sfx[u]);
	return buf;
}

/* ---- the flame graph ---- */

enum frame_kind { FK_USER, FK_KERNEL, FK_ROOT, FK_OTHER };

struct fnode {
	char *name;
	uint64_t weight;
	enum frame_kind kind;
	struct fnode **kids;
	size_t nkids, capkids;
};

static struct fnode *fnode_new(const char *name, enum frame_kind kind)
{
	struct fnode *n = xcalloc(1, sizeof *n);
	n->name = xstrdup(name);
	n->kind = kind;
	return n;
}

static void fnode_free(struct fnode *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		fnode_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n);
}

/* The child of N called NAME, made if needed.  Frames merge by name, as in
 * folded stacks: two call sites in one caller are one frame. */
static struct fnode *fnode_child(struct fnode *n, const char *name, enum frame_kind kind)
{
	/* Stacks come grouped by prefix, so the last child made is the
	 * likeliest match: look there first. */
	for (size_t i = n->nkids; i-- > 0;)
		if (n->kids[i]->kind == kind && strcmp(n->kids[i]->name, name) == 0)
			return n->kids[i];
	if (n->nkids == n->capkids)
		n->kids = xrealloc(n->kids, (n->capkids = n->capkids ? 2 * n->capkids : 4) * sizeof *n->kids);
	return n->kids[n->nkids++] = fnode_new(name, kind);
}

static int fnode_by_name(const void *a, const void *b)
{
	const struct fnode *x = *(const struct fnode *const *)a, *y = *(const struct fnode *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : (int)x->kind - (int)y->kind;
}

/* Alphabetical order, as flamegraph.pl: the same trace always gives the
 * same picture, and a frame keeps its place between two pictures. */
static void fnode_sort(struct fnode *n)
{
	if (n->nkids > 1) /* a leaf has no array to sort */
		qsort(n->kids, n->nkids, sizeof *n->kids, fnode_by_name);
	for (size_t i = 0; i < n->nkids; i++)
		fnode_sort(n->kids[i]);
}

/* The tree of all backtraces, outermost frame at the root's children. */
static struct fnode *flame_tree(const struct model *m, bool by_faults)
{
	struct fnode *root = fnode_new("all", FK_ROOT);
	for (size_t id = 1; id < m->capstacks && id < m->ctx.nstacks; id++) {
		const struct stack_stat *s = &m->stacks[id];
		uint64_t w = by_faults ? s->faults : s->pages;
		if (!w)
			continue;
		uint32_t depth;
		const uint32_t *frames = context_stack_frames(&m->ctx, (uint32_t)id, &depth);
		struct fnode *n = root;
		n->weight += w;
		for (uint32_t k = depth; k-- > 0;) {
			char buf[256];
			n = fnode_child(n, report_frame_name(m, frames[k], buf, sizeof buf), FK_USER);
			n->weight += w;
		}
		if (s->syscall >= 0) {
			char buf[128];
			const char *sc = syscall_name(s->syscall);
			snprintf(buf, sizeof buf, "[kernel] %s", sc ? sc : "syscall");
			n = fnode_child(n, buf, FK_KERNEL);
			n->weight += w;
		}
	}
	/* Writes without a backtrace are in the totals only; show them, so
	 * that the widths add up to what the header says. */
	uint64_t total = by_faults ? m->faults
				   : m->pages_written - (m->untracked_pages - m->untracked_named);
	if (total > root->weight) {
		struct fnode *n = fnode_child(root, "[no backtrace]", FK_OTHER);
		n->weight = total - root->weight;
		root->weight = total;
	}
	/* Pages found dirty whose first touch named no writer. */
	uint64_t unnamed = m->untracked_pages - m->untracked_named;
	if (!by_faults && unnamed) {
		struct fnode *n = fnode_child(root, "[written before tracking]", FK_OTHER);
		n->weight += unnamed;
		root->weight += unnamed;
	}
	fnode_sort(root);
	return root;
}

static unsigned flame_depth(const struct fnode *n, uint64_t total)
{
	unsigned d = 0;
	for (size_t i = 0; i < n->nkids; i++)
		if ((double)n->kids[i]->weight >= MIN_SHARE * (double)total) {
			unsigned k = flame_depth(n->kids[i], total) + 1;
			if (k > d)
				d = k;
		}
	return d;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Warm colors for user code, blues for the kernel, greys for frames that
 * are no code at all; the shade comes from the name, so a function has the
 * same color everywhere and in every picture. */
static void frame_color(const struct fnode *n, char *buf, size_t len)
{
	uint32_t h = name_hash(n->name);
	double a = (h & 0xff) / 255.0, b = ((h >> 8) & 0xff) / 255.0, c = ((h >> 16) & 0xff) / 255.0;
	switch (n->kind) {
	case FK_USER:
		snprintf(buf, len, "rgb(%d,%d,%d)", 225 + (int)(30 * a), 70 + (int)(140 * b), (int)(55 * c));
		break;
	case FK_KERNEL:
		snprintf(buf, len, "rgb(%d,%d,%d)", 70 + (int)(50 * a), 140 + (int)(50 * b), 205 + (int)(45 * c));
		break;
	case FK_ROOT:
		snprintf(buf, len, "rgb(215,205,195)");
		break;
	case FK_OTHER:
		snprintf(buf, len, "rgb(%d,%d,%d)", 175 + (int)(20 * a), 175 + (int)(20 * a), 185 + (int)(20 * a));
		break;
	}
}

struct flame_ctx {
	FILE *f;
	uint64_t total;
	double scale;  /* pixels per unit of weight */
	double bottom; /* y where the root row ends */
	const char *unit, *units;
};

static void flame_draw(const struct flame_ctx *c, const struct fnode *n, unsigned depth, double x)
{
	FILE *f = c->f;
	double w = (double)n->weight * c->scale, y = c->bottom - (depth + 1) * FRAME_H;
	char color[48];
	frame_color(n, color, sizeof color);
	fputs("<g class=\"fr\"><title>", f);
	put_all(f, n->name);
	fprintf(f, " (%" PRIu64 " %s, %.2f%%)</title>", n->weight, plural(n->weight, c->unit, c->units),
		100.0 * (double)n->weight / (double)c->total);
	fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" rx=\"2\" fill=\"%s\" data-name=\"",
		x, y, w, FRAME_H - 1, color);
	put_all(f, n->name);
	fprintf(f, "\" data-weight=\"%" PRIu64 "\" data-depth=\"%u\" data-kind=\"%s\"/>", n->weight, depth,
		n->kind == FK_KERNEL ? "kernel" : n->kind == FK_USER ? "user" : "other");
	if (w / CHAR_W >= 3) {
		fprintf(f, "<text x=\"%.2f\" y=\"%.1f\">", x + 3, y + FRAME_H - 5);
		put_fitted(f, n->name, w - 6, CHAR_W);
		fputs("</text>", f);
	}
	fputs("</g>\n", f);
	for (size_t i = 0; i < n->nkids; i++) {
		const struct fnode *k = n->kids[i];
		if ((double)k->weight >= MIN_SHARE * (double)c->total)
			flame_draw(c, k, depth + 1, x);
		x += (double)k->weight * c->scale;
	}
}

/* ---- time axis, rate chart and heat map ---- */

/* A round step for about TARGET ticks over SPAN: 1, 2 or 5 times a power
 * of ten. */
static double nice_step(double span, double target)
{
	int e;
	double raw = span / target, p = pow10_below(raw, &e);
	double m = raw / p;
	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

static void time_axis(FILE *f, double x, double w, double y, double seconds)
{
	double step = nice_step(seconds, 8);
	int decimals;
	pow10_below(step * 1.000001, &decimals);
	decimals = decimals < 0 ? -decimals : 0;
	fprintf(f, "<g class=\"axis\"><line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#555\"/>\n",
		x, y, x + w, y);
	for (int i = 0;; i++) {
		double t = i * step;
		if (t > seconds * (1 + 1e-9))
			break;
		double tx = x + w * t / seconds;
		fprintf(f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#555\"/>"
			"<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"middle\">%.*f s</text>\n",
			tx, y, tx, y + 4, tx, y + 16, decimals, t);
	}
	fputs("</g>\n", f);
}

void svg_rate_chart(FILE *f, const struct model *m, double x, double y, double w, double h)
{
	unsigned nb = model_timeline_bins(m);
	double bin_s = (double)m->bin_ns / 1e9, max = 0;
	for (unsigned i = 0; i < nb; i++)
		if ((double)m->timeline_pages[i] / bin_s > max)
			max = (double)m->timeline_pages[i] / bin_s;
	fprintf(f, "<g id=\"rate\" data-bin-ns=\"%" PRIu64 "\">\n"
		"<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"#fafafa\" stroke=\"#ddd\"/>\n",
		m->bin_ns, x, y, w, h);
	if (!nb || max <= 0) {
		fputs("</g>\n", f);
		return;
	}
	/* A round top for the scale, with a dashed line at each step. */
	double step = nice_step(max, 3), top = ceil_pos(max / step - 1e-9) * step;
	for (double v = 0; v <= top * (1 + 1e-9); v += step) {
		char buf[32];
		double ly = y + h - h * v / top;
		fprintf(f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#ddd\"%s/>"
			"<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"end\" class=\"dim\">%s</text>\n",
			x, ly, x + w, ly, v > 0 ? " stroke-dasharray=\"3,3\"" : "", x - 5, ly + 4,
			short_num(v, buf, sizeof buf));
	}
	double bw = w / nb;
	for (unsigned i = 0; i < nb; i++) {
		uint64_t p = m->timeline_pages[i];
		if (!p)
			continue;
		double rate = (double)p / bin_s, bh = h * rate / top;
		char mib[32];
		fprintf(f, "<rect class=\"rb\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#e6550d\""
			" data-bin=\"%u\" data-pages=\"%" PRIu64 "\"><title>%.3f\u2013%.3f s: %" PRIu64
			" %s dirtied, %.0f pages/s (%s/s)</title></rect>\n",
			x + i * bw, y + h - bh, bw > 1.5 ? bw - 0.5 : bw, bh, i, p, i * bin_s, (i + 1) * bin_s, p,
			plural(p, "page", "pages"), rate, page_bytes((uint64_t)(rate + 0.5), mib, sizeof mib));
	}
	fputs("</g>\n", f);
}

/* Heat colors, yellow to dark red (ColorBrewer YlOrRd without its
 * palest shades, which would not show against the empty band). */
static void heat_color(double t, char *buf, size_t len)
{
	static const int stops[][3] = {
		{ 254, 217, 118 }, { 253, 141, 60 }, { 240, 59, 32 }, { 189, 0, 38 }, { 90, 0, 25 },
	};
	const int last = (int)(sizeof stops / sizeof stops[0]) - 1;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	int i = (int)(t * last);
	if (i >= last)
		i = last - 1;
	double u = t * last - i;
	snprintf(buf, len, "rgb(%d,%d,%d)", (int)(stops[i][0] + u * (stops[i + 1][0] - stops[i][0]) + 0.5),
		 (int)(stops[i][1] + u * (stops[i + 1][1] - stops[i][1]) + 0.5),
		 (int)(stops[i][2] + u * (stops[i + 1][2] - stops[i][2]) + 0.5));
}

/* Where V pages fall on the color scale up to MAX: logarithmic, because a
 * few hot cells would otherwise wash out all the others. */
static double heat_level(uint64_t v, uint64_t max)
{
	return max <= 1 ? 1 : ln((double)v) / ln((double)max);
}

static int by_address(const void *a, const void *b)
{
	const struct region_stat *x = *(const struct region_stat *const *)a;
	const struct region_stat *y = *(const struct region_stat *const *)b;
	if (x->r.start != y->r.start)
		return x->r.start < y->r.start ? -1 : 1;
	return (x->r.id > y->r.id) - (x->r.id < y->r.id);
}

static double band_height(size_t nbands)
{
	return nbands <= 4 ? 96 : nbands <= 8 ? 64 : nbands <= 16 ? 40 : nbands <= 40 ? 24 : 16;
}

/* Address slices drawn as one cell, so that a cell is at least 1.5 pixels
 * tall: thinner ones all but vanish once anti-aliased. */
static unsigned rows_per_cell(double bh)
{
	unsigned g = 1;
	while (g < HEAT_ROWS && bh * g / HEAT_ROWS < 1.5)
		g *= 2;
	return g;
}

static uint64_t heat_cell(const struct region_stat *rs, unsigned bin, unsigned row, unsigned g)
{
	uint64_t v = 0;
	for (unsigned j = 0; j < g; j++)
		v += rs->heat[bin * HEAT_ROWS + row + j];
	return v;
}

static void heat_band(FILE *f, const struct model *m, const struct region_stat *rs, double y, double bh,
		      unsigned nb, uint64_t max, pid_t main_pid)
{
	char kib[48], size[48], color[48];
	const struct region *r = &rs->r;
	uint64_t span = r->end - r->start;
	fprintf(f, "<g class=\"band\" data-region=\"%u\" data-kind=\"%s\" data-start=\"%#" PRIx64
		"\" data-end=\"%#" PRIx64 "\" data-pages=\"%" PRIu64 "\">\n",
		r->id, region_kind_name(r->kind), r->start, r->end, rs->pages);
	/* The label: kind and range, then pages; on one line if the band is
	 * too thin for two. */
	char range[160], pid[32] = "";
	if (r->pid != (uint32_t)main_pid)
		snprintf(pid, sizeof pid, ", pid %u", r->pid);
	snprintf(range, sizeof range, "%s %#" PRIx64 "\u2013%#" PRIx64, region_kind_name(r->kind), r->start, r->end);
	if (bh >= 28) {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"lbl\">%s</text>\n", PAD, y + 13, range);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"dim\">%" PRIu64 " %s dirtied (%s) of %s%s%s</text>\n",
			PAD, y + 27, rs->pages, plural(rs->pages, "page", "pages"),
			page_bytes(rs->pages, kib, sizeof kib), page_bytes(span / PAGE_SIZE_4K, size, sizeof size),
			pid, r->unmapped ? ", unmapped" : "");
	} else {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"lbl\">%s: %" PRIu64 " %s%s</text>\n", PAD,
			y + bh / 2 + 4, range, rs->pages, plural(rs->pages, "page", "pages"), pid);
	}
	fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#f7f7f7\" stroke=\"#d8d8d8\"/>\n",
		PLOT_X, y, PLOT_W, bh);
	if (!rs->heat) {
		fputs("</g>\n", f);
		return;
	}
	unsigned g = rows_per_cell(bh);
	double cw = PLOT_W / nb, ch = bh * g / HEAT_ROWS, bin_s = (double)m->bin_ns / 1e9;
	for (unsigned b = 0; b < nb; b++)
		for (unsigned row = 0; row < HEAT_ROWS; row += g) {
			uint64_t v = heat_cell(rs, b, row, g);
			if (!v)
				continue;
			heat_color(heat_level(v, max), color, sizeof color);
			uint64_t lo = r->start + span * row / HEAT_ROWS, hi = r->start + span * (row + g) / HEAT_ROWS;
			fprintf(f, "<rect class=\"hc\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\""
				" data-bin=\"%u\" data-row=\"%u\" data-pages=\"%" PRIu64 "\"><title>%.3f\u2013%.3f s, %#"
				PRIx64 "\u2013%#" PRIx64 ": %" PRIu64 " %s dirtied</title></rect>\n",
				PLOT_X + b * cw, y + row / g * ch, cw, ch, color, b, row, v, b * bin_s, (b + 1) * bin_s,
				lo, hi, v, plural(v, "page", "pages"));
		}
	fputs("</g>\n", f);
}

/* A few swatches of the color scale, from 1 page to the busiest cell. */
static void heat_legend(FILE *f, double y, uint64_t max, double bin_s, unsigned g)
{
	char color[48];
	int n = max < 6 ? (int)max : 6;
	double x = PLOT_X;
	fprintf(f, "<g id=\"legend\"><text x=\"%.1f\" y=\"%.1f\" class=\"dim\">pages dirtied per cell:</text>\n",
		x, y + 13);
	x += 170;
	for (int i = 0; i < n; i++) {
		/* Evenly spaced on the logarithmic scale the cells use. */
		uint64_t v = 1, hi = max;
		while (n > 1 && v < hi) {
			uint64_t mid = v + (hi - v) / 2;
			if (heat_level(mid, max) * (n - 1) + 1e-9 >= i)
				hi = mid;
			else
				v = mid + 1;
		}
		heat_color(heat_level(v, max), color, sizeof color);
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"14\" fill=\"%s\" stroke=\"#999\"/>"
			"<text x=\"%.1f\" y=\"%.1f\">%" PRIu64 "</text>\n", x, y + 2, color, x + 22, y + 13, v);
		x += 60;
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"dim\">cell: %g ms \u00d7 %u/%d of the region</text></g>\n",
		x + 10, y + 13, bin_s * 1e3, g, HEAT_ROWS);
}

/* ---- the page ---- */

static void header(FILE *f, const struct model *m, const struct run_info *run, bool by_faults)
{
	char mib[32];
	/* The command line can be long: all of it in the tooltip. */
	fputs("<text x=\"10\" y=\"24\" class=\"title\"><title>", f);
	put_all(f, run->command ? run->command : "?");
	fputs("</title>uffdtrace: ", f);
	put_fitted(f, run->command ? run->command : "?", SVG_W - 2 * PAD - 110, 17 * 0.66);
	fputs("</text>\n", f);
	fprintf(f, "<text x=\"10\" y=\"44\" class=\"sub\">pid %d \u00b7 traced %.3f s", (int)run->pid, run->seconds);
	if (run->exited)
		fprintf(f, " \u00b7 exit status %d", run->exit_status);
	fprintf(f, " \u00b7 %" PRIu64 " write %s (%" PRIu64 " user, %" PRIu64 " kernel) \u00b7 %" PRIu64
		" %s dirtied (%s)", m->faults, plural(m->faults, "fault", "faults"), m->user_writes,
		m->kernel_writes, m->pages_written, plural(m->pages_written, "page", "pages"),
		page_bytes(m->pages_written, mib, sizeof mib));
	if (m->untracked_pages)
		fprintf(f, ", %" PRIu64 " before tracking", m->untracked_pages);
	fprintf(f, " \u00b7 flame graph weighted by %s</text>\n", by_faults ? "faults" : "pages");
}

static void section(FILE *f, double y, const char *title, const char *note)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"sec\">%s</text>", PAD, y + 17, title);
	if (note)
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"dim\" text-anchor=\"end\">%s</text>",
			SVG_W - PAD, y + 17, note);
	fputc('\n', f);
}

static void draw(FILE *f, const struct model *m, const struct run_info *run, bool by_faults)
{
	struct fnode *root = flame_tree(m, by_faults);
	unsigned depth = root->weight ? flame_depth(root, root->weight) : 0;
	unsigned nb = model_timeline_bins(m);
	double bin_s = (double)m->bin_ns / 1e9;

	size_t nbands = 0;
	const struct region_stat **bands = xcalloc(m->nregions + 1, sizeof *bands);
	for (size_t i = 0; i < m->nregions; i++)
		if (m->regions[i].pages)
			bands[nbands++] = &m->regions[i];
	qsort(bands, nbands, sizeof *bands, by_address);
	double bh = band_height(nbands);
	/* One color scale for all bands, so that they compare. */
	uint64_t max = 0;
	unsigned g = rows_per_cell(bh);
	for (size_t i = 0; i < nbands; i++)
		for (unsigned b = 0; bands[i]->heat && b < nb; b++)
			for (unsigned row = 0; row < HEAT_ROWS; row += g) {
				uint64_t v = heat_cell(bands[i], b, row, g);
				if (v > max)
					max = v;
			}

	/* Lay out the page top to bottom, for its height. */
	double flame_y = 56, flame_h = SECTION_H + (depth + 1) * FRAME_H;
	double rate_y = flame_y + flame_h + 14, rate_h = SECTION_H + RATE_H + AXIS_H;
	double heat_y = rate_y + rate_h + 8;
	double heat_h = SECTION_H + nbands * (bh + BAND_GAP) + AXIS_H + LEGEND_H;
	double height = (nb ? heat_y + heat_h : rate_y + SECTION_H + 10) + PAD;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\""
		" viewBox=\"0 0 %.0f %.0f\" font-family=\"Verdana, 'DejaVu Sans', sans-serif\" font-size=\"%g\">\n"
		"<style>\n"
		".title { font-size: 17px; font-weight: bold; }\n"
		".sub { font-size: 12px; fill: #333; }\n"
		".sec { font-size: 13px; font-weight: bold; fill: #222; }\n"
		".dim { fill: #666; }\n"
		".lbl { font-family: 'DejaVu Sans Mono', monospace; font-size: 10.5px; }\n"
		".fr text { pointer-events: none; }\n"
		".fr:hover rect, .hc:hover, .rb:hover { stroke: #000; stroke-width: 0.8; }\n"
		"</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
		SVG_W, height, SVG_W, height, FONT);
	header(f, m, run, by_faults);

	section(f, flame_y, by_faults ? "Write sites: width = write faults"
				      : "Write sites: width = pages first dirtied",
		"callers below, writers on top; warm = user code, blue = kernel (syscall)");
	fprintf(f, "<g id=\"flame\" data-weight=\"%s\" data-total=\"%" PRIu64 "\">\n",
		by_faults ? "faults" : "pages", root->weight);
	if (root->weight) {
		struct flame_ctx c = { f, root->weight, (SVG_W - 2 * PAD) / (double)root->weight,
				       flame_y + flame_h, by_faults ? "fault" : "page", by_faults ? "faults" : "pages" };
		flame_draw(&c, root, 0, PAD);
	} else {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"dim\">no writes recorded</text>\n", PAD,
			flame_y + SECTION_H + 12);
	}
	fputs("</g>\n", f);

	char note[96];
	snprintf(note, sizeof note, "bins of %g ms", bin_s * 1e3);
	section(f, rate_y, "Dirty rate: pages dirtied per second", nb ? note : "no pages dirtied");
	if (nb) {
		svg_rate_chart(f, m, PLOT_X, rate_y + SECTION_H, PLOT_W, RATE_H);
		/* The numbers behind the bars, in the label column beside them. */
		uint64_t peak = 0, sum = 0;
		unsigned busy = 0;
		for (unsigned i = 0; i < nb; i++) {
			sum += m->timeline_pages[i];
			busy += m->timeline_pages[i] != 0;
			if (m->timeline_pages[i] > peak)
				peak = m->timeline_pages[i];
		}
		char rate[32], mib[32];
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">peak %s pages/s (%s/s)</text>\n"
			"<text x=\"%.1f\" y=\"%.1f\" class=\"dim\">%" PRIu64 " %s in %u of %u bins</text>\n",
			PAD, rate_y + SECTION_H + 12, short_num((double)peak / bin_s, rate, sizeof rate),
			page_bytes((uint64_t)((double)peak / bin_s + 0.5), mib, sizeof mib),
			PAD, rate_y + SECTION_H + 28, sum, plural(sum, "page", "pages"), busy, nb);
		time_axis(f, PLOT_X, PLOT_W, rate_y + SECTION_H + RATE_H, nb * bin_s);

		section(f, heat_y, "Dirty pages: time across, regions down (by address)",
			"color = pages dirtied (first write of an epoch) in that time bin and address slice");
		fputs("<g id=\"heat\" shape-rendering=\"crispEdges\">\n", f);
		double y = heat_y + SECTION_H;
		for (size_t i = 0; i < nbands; i++, y += bh + BAND_GAP)
			heat_band(f, m, bands[i], y, bh, nb, max, run->pid);
		fputs("</g>\n", f);
		time_axis(f, PLOT_X, PLOT_W, y, nb * bin_s);
		heat_legend(f, y + AXIS_H - 4, max ? max : 1, bin_s, g);
	}
	fputs("</svg>\n", f);
	free(bands);
	fnode_free(root);
}

int svg_write(const char *path, const struct model *m, const struct run_info *run, bool by_faults)
{
	FILE *f = fopen(path, "we");
	if (!f)
		return -1;
	draw(f, m, run, by_faults);
	int bad = ferror(f);
	errno = 0;
	if (fclose(f) != 0 || bad) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
