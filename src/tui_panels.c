/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live view's panels: header, heat strips, the write-site table, the
 * status bar, and the detail and help overlays.  They draw a snapshot and
 * never touch the model. */
#include "tui.h"

#include <curses.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HEAT_LABEL 25

static const char *const spark_utf8[] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
static const char *const spark_ascii[] = { " ", "_", ".", "-", "~", "=", "+", "*", "#" };
static const char *const shade_utf8[] = { "·", "░", "▒", "▓", "█" };
static const char *const shade_ascii[] = { ".", ":", "+", "#", "@" };

void tui_colors_init(struct tui_view *v)
{
	v->colors = has_colors();
	if (!v->colors)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_TITLE, COLOR_BLACK, COLOR_GREEN);
	init_pair(PAIR_LABEL, COLOR_CYAN, -1);
	init_pair(PAIR_SEL, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_HEAT, COLOR_RED, -1);
	init_pair(PAIR_STATUS, COLOR_BLACK, COLOR_WHITE);
	init_pair(PAIR_WARN, COLOR_YELLOW, -1);
	init_pair(PAIR_SPARK, COLOR_GREEN, -1);
}

/* Without colors, the same emphasis from reverse video and bold. */
static attr_t attr_of(const struct tui_view *v, int pair)
{
	if (v->colors)
		return COLOR_PAIR(pair) | (pair == PAIR_LABEL || pair == PAIR_WARN ? A_BOLD : 0);
	switch (pair) {
	case PAIR_TITLE:
	case PAIR_SEL:
	case PAIR_STATUS:
		return A_REVERSE;
	case PAIR_LABEL:
	case PAIR_WARN:
	case PAIR_HEAT:
		return A_BOLD;
	default:
		return A_NORMAL;
	}
}

/* Text at the cursor, cut at the right edge: a write to the last column
 * would wrap or scroll. */
static void put(attr_t a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(attr_t a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	int y, x;
	getyx(stdscr, y, x);
	(void)y;
	int room = COLS - x;
	if (room <= 0)
		return;
	attrset(a);
	addnstr(buf, room);
	attrset(A_NORMAL);
}

static void field(const struct tui_view *v, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void field(const struct tui_view *v, const char *label, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	put(attr_of(v, PAIR_LABEL), "%s ", label);
	put(A_NORMAL, "%s  ", buf);
}

static void fill_line(int y, attr_t a)
{
	move(y, 0);
	attrset(a);
	hline(' ', COLS);
	attrset(A_NORMAL);
}

/* Short counts: 1234, 12.3k, 4.5M. */
static const char *human(uint64_t n, char *buf, size_t len)
{
	if (n < 10000)
		snprintf(buf, len, "%" PRIu64, n);
	else if (n < 10000000)
		snprintf(buf, len, "%.1fk", (double)n / 1e3);
	else
		snprintf(buf, len, "%.1fM", (double)n / 1e6);
	return buf;
}

int tui_draw_header(const struct tui_snap *s, const struct tui_view *v, int y)
{
	char a[32], b[32];
	const struct view_status *st = &s->st;
	move(y, 0);
	clrtoeol();
	/* The command last: a long one is what gets cut at the edge. */
	field(v, "pid", "%d", s->pid);
	field(v, "threads", "%u", st->threads ? st->threads : (unsigned)s->nthreads);
	field(v, "regions", "%zu", s->nregions);
	if (st->protected_pages)
		field(v, "protected", "%s pg", human(st->protected_pages, a, sizeof a));
	put(A_NORMAL, "%.1f s  ", (double)st->now_ns / 1e9);
	put(A_BOLD, "%s", s->command);

	move(y + 1, 0);
	clrtoeol();
	field(v, "faults/s", "%s", human(s->rate_faults, a, sizeof a));
	field(v, "dirty/s", "%s", human(s->rate_pages, b, sizeof b));
	/* The sparkline: the last minute of pages/s, as much as fits. */
	int x, yy;
	getyx(stdscr, yy, x);
	(void)yy;
	int w = COLS - x - 8;
	if (w > TUI_SPARK)
		w = TUI_SPARK;
	if (w >= 8) {
		uint64_t max = 0;
		for (int i = TUI_SPARK - w; i < TUI_SPARK; i++)
			if (s->spark[i] > max)
				max = s->spark[i];
		attrset(attr_of(v, PAIR_SPARK));
		addch('[');
		for (int i = TUI_SPARK - w; i < TUI_SPARK; i++) {
			unsigned lvl = max ? (unsigned)((s->spark[i] * 8 + max - 1) / max) : 0;
			addstr((v->utf8 ? spark_utf8 : spark_ascii)[lvl > 8 ? 8 : lvl]);
		}
		addch(']');
		attrset(A_NORMAL);
		put(A_DIM, " %ds", w);
	}

	move(y + 2, 0);
	clrtoeol();
	field(v, "dirtied", "%s pg %.1f MiB", human(s->pages_written, a, sizeof a),
	      (double)s->pages_written * 4096 / (1 << 20));
	field(v, "user", "%s kernel %s", human(s->user_writes, a, sizeof a),
	      human(s->kernel_writes, b, sizeof b));
	field(v, "epoch", "%zu: %s pg", s->epoch, human(s->epoch_pages, a, sizeof a));
	/* Tracer overhead: time threads sat blocked in faults, out of all the
	 * time the traced threads lived (approximated by threads x elapsed). */
	uint64_t thread_ns = st->now_ns * (st->threads ? st->threads : 1);
	if (!st->blocked_ns && !s->live)
		field(v, "overhead", "n/a");
	else
		field(v, "overhead", "%.1f%%", thread_ns ? 100.0 * (double)st->blocked_ns / (double)thread_ns : 0.0);
	return 3;
}

unsigned tui_heat_rows(int lines, size_t nregions)
{
	if (lines < 14 || !nregions)
		return 0;
	unsigned n = (unsigned)(lines - 12) / 5 + 1;
	if (n > TUI_HEAT_MAX)
		n = TUI_HEAT_MAX;
	return n > nregions ? (unsigned)nregions : n;
}

int tui_heat_label_width(void)
{
	return HEAT_LABEL + 2; /* and the brackets */
}

int tui_draw_heat(const struct tui_snap *s, const struct tui_view *v, int y)
{
	for (unsigned k = 0; k < s->nheat; k++) {
		const struct tui_heat *h = &s->heat[k];
		move(y + (int)k, 0);
		clrtoeol();
		char a[32];
		put(attr_of(v, PAIR_LABEL), "%-5s", h->kind);
		put(A_NORMAL, "%12" PRIx64 " %6s ", h->start, human(h->epoch_pages, a, sizeof a));
		if (COLS - HEAT_LABEL - 2 < 4)
			continue;
		/* Shade by the share of each column's pages dirtied this epoch. */
		double per_col = h->ncols ? (double)h->span_pages / h->ncols : 1;
		if (per_col < 1)
			per_col = 1;
		addch('[');
		for (unsigned c = 0; c < h->ncols && c < (unsigned)(COLS - HEAT_LABEL - 2); c++) {
			double f = h->cols[c] / per_col;
			unsigned lvl = !h->cols[c] ? 0 : f >= 0.75 ? 4 : f >= 0.5 ? 3 : f >= 0.25 ? 2 : 1;
			attrset(lvl ? attr_of(v, PAIR_HEAT) : A_DIM);
			addstr((v->utf8 ? shade_utf8 : shade_ascii)[lvl]);
		}
		attrset(A_NORMAL);
		put(A_NORMAL, "]");
	}
	return (int)s->nheat;
}

static void ago(char *buf, size_t len, const struct tui_row *r, uint64_t now_ns)
{
	if (!r->has_last || !r->last_ns) {
		snprintf(buf, len, "-");
		return;
	}
	double sec = now_ns > r->last_ns ? (double)(now_ns - r->last_ns) / 1e9 : 0.0;
	if (sec < 100)
		snprintf(buf, len, "%.1fs", sec);
	else if (sec < 6000)
		snprintf(buf, len, "%.0fm", sec / 60);
	else
		snprintf(buf, len, "%.0fh", sec / 3600);
}

void tui_draw_table(const struct tui_snap *s, const struct tui_view *v, int y, int h,
		    size_t top, size_t sel)
{
	if (h <= 0)
		return;
	attr_t title = attr_of(v, PAIR_TITLE);
	fill_line(y, title);
	move(y, 0);
	/* The sorted column stands out, as htop marks its sort column. */
	put(title | (v->sort == SORT_PAGES ? A_BOLD | A_UNDERLINE : 0), "%8s", "PAGES");
	put(title | (v->sort == SORT_FAULTS ? A_BOLD | A_UNDERLINE : 0), " %8s", "FAULTS");
	/* A narrow terminal keeps the counts and the name. */
	bool narrow = COLS < 64;
	if (!narrow) {
		put(title, " %6s", "SHARE");
		put(title | (v->sort == SORT_LAST ? A_BOLD | A_UNDERLINE : 0), " %7s", "LAST");
	}
	put(title, " %-6s  ", "KIND");
	put(title, "%s by %s", v->group == GROUP_INSN ? "INSTRUCTION" : v->group == GROUP_REGION ? "REGION"
		: v->group == GROUP_THREAD ? "THREAD" : v->group == GROUP_PAGE ? "PAGE" : "FUNCTION",
	    tui_sort_names[v->sort]);
	if (v->filter[0])
		put(title, "  filter \"%s\": %zu of %zu", v->filter, s->nrows, s->unfiltered);
	for (int i = 1; i < h; i++) {
		size_t at = top + (size_t)(i - 1);
		move(y + i, 0);
		clrtoeol();
		if (at >= s->nrows) {
			if (at == 0 && i == 1)
				put(A_DIM, "  %s", s->unfiltered ? "no row matches the filter" : "no writes yet");
			continue;
		}
		const struct tui_row *r = &s->rows[at];
		attr_t a = at == sel ? attr_of(v, PAIR_SEL) : A_NORMAL;
		if (at == sel)
			fill_line(y + i, a);
		move(y + i, 0);
		bool faults = v->sort == SORT_FAULTS;
		uint64_t tot = faults ? s->total_faults : s->total_pages;
		double share = tot ? 100.0 * (double)(faults ? r->faults : r->pages) / (double)tot : 0.0;
		char last[16];
		ago(last, sizeof last, r, s->st.now_ns);
		if (narrow)
			put(a, "%8" PRIu64 " %8" PRIu64 " %-6s  ", r->pages, r->faults, r->kind);
		else
			put(a, "%8" PRIu64 " %8" PRIu64 " %5.1f%% %7s %-6s  ", r->pages, r->faults, share, last,
			    r->kind);
		put(a | (at == sel ? 0 : (r->kind[0] == 'k' ? attr_of(v, PAIR_WARN) : 0)), "%s", r->name);
	}
}

void tui_draw_status(const struct tui_snap *s, const struct tui_view *v, const char *editing, bool paused)
{
	int y = LINES - 1;
	attr_t a = attr_of(v, PAIR_STATUS);
	fill_line(y, a);
	move(y, 0);
	if (editing) {
		put(a, " filter: %s_   (Enter keeps it, Esc clears it)", editing);
		return;
	}
	char left[256] = "";
	size_t n = 0;
	if (paused)
		n += (size_t)snprintf(left + n, sizeof left - n, " PAUSED");
	if (!s->live)
		n += (size_t)snprintf(left + n, sizeof left - n, " replay %gx", s->st.speed > 0 ? s->st.speed : 1.0);
	if (s->st.ended && !s->message[0])
		n += (size_t)snprintf(left + n, sizeof left - n, " %s", s->live ? "target exited" : "end of trace");
	if (s->message[0] && n < sizeof left)
		n += (size_t)snprintf(left + n, sizeof left - n, " %s", s->message);
	if (n >= sizeof left)
		n = sizeof left - 1;
	put(a | A_BOLD, "%s", left);
	const char *keys = s->live ? "  q quit  h help  space pause  s sort  g group  / filter  e epoch  Enter details"
				   : "  q quit  h help  space pause  s sort  g group  / filter  +- speed  <> seek";
	int room = COLS - (int)n;
	if (room > 10)
		put(a, "%.*s", room, keys);
}

static void box_at(const struct tui_view *v, int y, int x, int h, int w, const char *title)
{
	attr_t a = attr_of(v, PAIR_LABEL);
	for (int i = 0; i < h; i++) {
		move(y + i, x);
		attrset(A_NORMAL);
		hline(' ', w);
	}
	attrset(a);
	mvaddch(y, x, ACS_ULCORNER);
	mvhline(y, x + 1, ACS_HLINE, w - 2);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvvline(y + 1, x, ACS_VLINE, h - 2);
	mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	mvaddnstr(y, x + 2, title, w - 4);
	attrset(A_NORMAL);
}

void tui_draw_detail(const struct tui_detail *d, const struct tui_view *v, int y, int h)
{
	if (h < 3 || COLS < 10)
		return;
	box_at(v, y, 0, h, COLS, " details  (up/down scroll, Esc or Enter closes) ");
	for (int i = 0; i < h - 2; i++) {
		size_t at = (size_t)d->scroll + (size_t)i;
		if (at >= d->nlines)
			break;
		move(y + 1 + i, 2);
		attrset(i + d->scroll == 0 ? A_BOLD : A_NORMAL);
		addnstr(d->lines[at], COLS - 4);
		attrset(A_NORMAL);
	}
}

void tui_draw_help(const struct tui_view *v, bool live)
{
	static const char *const common[] = {
		"q, Ctrl-C      quit",
		"h, ?           this help",
		"space          pause the display",
		"s              sort: pages, faults, last write",
		"g              group: function, instruction, region, thread, page",
		"/              filter rows by name (Esc clears)",
		"up, down       move the selection",
		"PgUp, PgDn     a page up or down",
		"Home, End      first or last row",
		"Enter          details: backtraces, instruction",
	};
	static const char *const lv[] = {
		"e              new epoch: protect every page again",
	};
	static const char *const rp[] = {
		"+, -           replay faster or slower",
		"left, right    seek 5 s back or forward",
	};
	int n = (int)(sizeof common / sizeof *common) + (live ? 1 : 2);
	int w = COLS < 76 ? COLS : 76, h = n + 2 < LINES ? n + 2 : LINES;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	if (w < 20 || h < 4)
		return;
	box_at(v, y, x, h, w, " keys  (any key closes) ");
	int row = 0;
	for (int i = 0; i < n && row < h - 2; i++, row++) {
		const char *t = i < (int)(sizeof common / sizeof *common) ? common[i]
			: (live ? lv : rp)[i - (int)(sizeof common / sizeof *common)];
		mvaddnstr(y + 1 + row, x + 2, t, w - 4);
	}
}
