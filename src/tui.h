/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live view's parts, kept apart as htop keeps them: a snapshot of the
 * model taken under its lock (tui_snap.c), panels that draw a snapshot
 * (tui_panels.c), and the screen, loop and keys (tui.c). */
#ifndef UFFDTRACE_TUI_H
#define UFFDTRACE_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "view.h"

enum tui_sort { SORT_PAGES, SORT_FAULTS, SORT_LAST, TUI_SORTS };
enum tui_group { GROUP_FUNCTION, GROUP_INSN, GROUP_REGION, GROUP_THREAD, GROUP_PAGE, TUI_GROUPS };

extern const char *const tui_sort_names[TUI_SORTS];
extern const char *const tui_group_names[TUI_GROUPS];

/* One table row, self-contained: drawing it needs no model. */
struct tui_row {
	uint64_t pages, faults;
	uint64_t last_ns;      /* its latest write */
	bool has_last;         /* regions, threads and pages keep no time */
	char kind[12];
	char name[200];
	struct site_key key;   /* sites: to find the site again for details */
	uint64_t id;           /* region id, tid or page address */
};

/* Pages dirtied this epoch across one region's address range. */
#define TUI_HEAT_MAX 6
#define TUI_HEAT_COLS 512
struct tui_heat {
	char kind[8];
	uint64_t start;
	uint64_t epoch_pages;
	uint64_t span_pages;
	unsigned ncols;
	uint32_t cols[TUI_HEAT_COLS];
};

#define TUI_SPARK 60 /* seconds in the sparkline */

struct tui_snap {
	struct view_status st;
	char message[200];     /* st.message copied: its pointer is the source's */
	bool live;
	int pid;
	char command[200];
	size_t nregions, nthreads;
	uint64_t rate_faults, rate_pages; /* the last full second */
	uint64_t spark[TUI_SPARK];        /* pages dirtied per second, oldest first */
	uint64_t faults, pages_written, user_writes, kernel_writes, untracked;
	size_t epoch;
	uint64_t epoch_pages;
	uint64_t total_pages, total_faults; /* of every row, for the share column */
	struct tui_row *rows;               /* sorted and filtered */
	size_t nrows, caprows;
	size_t unfiltered;                  /* rows before the filter */
	struct tui_heat heat[TUI_HEAT_MAX];
	unsigned nheat;
};

/* The detail panel's text, formatted under the lock, drawn without it. */
struct tui_detail {
	bool open;
	struct tui_row row;
	enum tui_group group;
	char (*lines)[256];
	size_t nlines, cap;
	int scroll;
};

/* What the user chose; the snapshot honours it. */
struct tui_view {
	enum tui_sort sort;
	enum tui_group group;
	char filter[64];
	bool utf8;
	bool colors;
};

/* tui_snap.c: copy from the model under SRC's lock.  WITH_ROWS false
 * refreshes the header only (a paused live view). */
void tui_snap_take(struct view_source *src, const struct tui_view *v, struct tui_snap *s,
		   bool with_rows, unsigned nheat, unsigned heat_cols);
void tui_snap_free(struct tui_snap *s);
void tui_detail_fill(struct view_source *src, const struct tui_snap *s, struct tui_detail *d);
void tui_detail_free(struct tui_detail *d);

/* tui_panels.c: draw; return the rows used. */
enum { PAIR_TITLE = 1, PAIR_LABEL, PAIR_SEL, PAIR_HEAT, PAIR_STATUS, PAIR_WARN, PAIR_SPARK };
void tui_colors_init(struct tui_view *v);
int tui_draw_header(const struct tui_snap *s, const struct tui_view *v, int y);
int tui_draw_heat(const struct tui_snap *s, const struct tui_view *v, int y);
/* The table from row Y to Y + H - 1; TOP is the first row shown. */
void tui_draw_table(const struct tui_snap *s, const struct tui_view *v, int y, int h,
		    size_t top, size_t sel);
void tui_draw_status(const struct tui_snap *s, const struct tui_view *v, const char *editing,
		     bool paused);
void tui_draw_detail(const struct tui_detail *d, const struct tui_view *v, int y, int h);
void tui_draw_help(const struct tui_view *v, bool live);
/* How many heat strips fit a screen of LINES rows. */
unsigned tui_heat_rows(int lines, size_t nregions);
int tui_heat_label_width(void);

#endif
