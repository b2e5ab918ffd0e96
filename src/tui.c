/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live view's screen, loop and keys: a top-like ncurses display of a
 * view_source, live or replayed, that always gives the terminal back. */
#include "tui.h"
#include "log.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define KEY_CTRL_C 3
#define KEY_ESC 27
#define SEEK_NS 5000000000LL

/* Restoring the terminal from a signal handler: endwin() is not safe
 * there, so put back the saved modes and write the reset sequences. */
static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;
static const int crash_signals[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };
/* Terminating signals get the same handling only where nobody else handles
 * them (a live run blocks them and reads a signalfd: left alone). */
static const int term_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT };
#define NSIG_HANDLED (sizeof crash_signals / sizeof *crash_signals + sizeof term_signals / sizeof *term_signals)
static struct sigaction old_actions[NSIG_HANDLED];
static bool installed[NSIG_HANDLED];

static void restore_terminal_signal(int sig)
{
	static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	ssize_t r = write(STDOUT_FILENO, reset, sizeof reset - 1);
	(void)r;
	/* SA_RESETHAND put the default action back: this kills us as the
	 * signal would have, core dump included. */
	raise(sig);
}

static int handled_signal(size_t i)
{
	size_t nc = sizeof crash_signals / sizeof *crash_signals;
	return i < nc ? crash_signals[i] : term_signals[i - nc];
}

static void install_handlers(void)
{
	size_t nc = sizeof crash_signals / sizeof *crash_signals;
	for (size_t i = 0; i < NSIG_HANDLED; i++) {
		int sig = handled_signal(i);
		installed[i] = false;
		if (sigaction(sig, NULL, &old_actions[i]) < 0)
			continue;
		if (i >= nc && old_actions[i].sa_handler != SIG_DFL)
			continue;
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = restore_terminal_signal;
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		installed[i] = sigaction(sig, &sa, NULL) == 0;
	}
}

static void remove_handlers(void)
{
	for (size_t i = 0; i < NSIG_HANDLED; i++)
		if (installed[i])
			sigaction(handled_signal(i), &old_actions[i], NULL);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct tui {
	struct view_source *src;
	struct tui_view v;
	struct tui_snap snap;
	struct tui_detail detail;
	size_t sel, top;
	char sel_name[sizeof ((struct tui_row *)0)->name];
	bool paused, help, editing, quit;
	bool follow; /* the user moved the selection: it follows its row */
	char flash[120];
	uint64_t flash_until;
	int table_y, table_h;
};

static void set_flash(struct tui *t, const char *msg)
{
	snprintf(t->flash, sizeof t->flash, "%s", msg);
	t->flash_until = mono_ns() + 3000000000ULL;
}

/* Take a snapshot; WITH_ROWS false keeps the table as it is (paused). */
static void refresh_data(struct tui *t, bool with_rows)
{
	unsigned nheat = tui_heat_rows(LINES, t->snap.nregions ? t->snap.nregions : TUI_HEAT_MAX);
	int cols = COLS - tui_heat_label_width();
	tui_snap_take(t->src, &t->v, &t->snap, with_rows, nheat, cols > 0 ? (unsigned)cols : 0);
	if (!t->snap.message[0] && t->flash[0] && mono_ns() < t->flash_until)
		snprintf(t->snap.message, sizeof t->snap.message, "%s", t->flash);
	if (with_rows) {
		/* Once moved, the selection follows its row, as htop's follows
		 * a process; until then it stays on the top row. */
		for (size_t i = 0; t->follow && i < t->snap.nrows; i++)
			if (strcmp(t->snap.rows[i].name, t->sel_name) == 0) {
				t->sel = i;
				break;
			}
		if (t->sel >= t->snap.nrows)
			t->sel = t->snap.nrows ? t->snap.nrows - 1 : 0;
	}
	if (t->detail.open)
		tui_detail_fill(t->src, &t->snap, &t->detail);
}

static void draw(struct tui *t)
{
	erase();
	int y = tui_draw_header(&t->snap, &t->v, 0);
	/* Heat strips only where the table keeps a few rows. */
	if (LINES - y - 2 > 6 + (int)t->snap.nheat)
		y += tui_draw_heat(&t->snap, &t->v, y);
	t->table_y = y;
	t->table_h = LINES - 1 - y;
	int rows = t->table_h - 1;
	if (rows < 1)
		rows = 1;
	if (t->sel < t->top)
		t->top = t->sel;
	if (t->sel >= t->top + (size_t)rows)
		t->top = t->sel - (size_t)rows + 1;
	tui_draw_table(&t->snap, &t->v, y, t->table_h, t->top, t->sel);
	if (t->sel < t->snap.nrows)
		snprintf(t->sel_name, sizeof t->sel_name, "%s", t->snap.rows[t->sel].name);
	tui_draw_status(&t->snap, &t->v, t->editing ? t->v.filter : NULL, t->paused);
	if (t->detail.open)
		tui_draw_detail(&t->detail, &t->v, y, t->table_h);
	if (t->help)
		tui_draw_help(&t->v, t->snap.live);
	wnoutrefresh(stdscr);
	doupdate();
}

static void move_sel(struct tui *t, long delta)
{
	long n = (long)t->snap.nrows, s = (long)t->sel + delta;
	if (s >= n)
		s = n - 1;
	if (s < 0)
		s = 0;
	t->sel = (size_t)s;
	t->follow = true;
}

/* Keys while typing a filter.  Returns whether the rows must be taken again. */
static bool key_filter(struct tui *t, int ch)
{
	size_t n = strlen(t->v.filter);
	if (ch == KEY_ESC) {
		t->v.filter[0] = 0;
		t->editing = false;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		t->editing = false;
		return false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n)
			t->v.filter[n - 1] = 0;
	} else if (ch >= 32 && ch < 127 && n + 1 < sizeof t->v.filter) {
		t->v.filter[n] = (char)ch;
		t->v.filter[n + 1] = 0;
	} else {
		return false;
	}
	t->sel = t->top = 0;
	t->follow = false;
	return true;
}

/* Returns whether the rows must be taken again. */
static bool key(struct tui *t, int ch)
{
	struct view_source *src = t->src;
	int page = t->table_h > 2 ? t->table_h - 2 : 1;
	if (t->help) {
		t->help = false;
		return false;
	}
	if (t->editing)
		return key_filter(t, ch);
	if (t->detail.open) {
		switch (ch) {
		case KEY_ESC: case '\n': case '\r': case KEY_ENTER: case 'q':
			tui_detail_free(&t->detail);
			break;
		case KEY_UP:
			if (t->detail.scroll > 0)
				t->detail.scroll--;
			break;
		case KEY_DOWN:
			if ((size_t)t->detail.scroll + 1 < t->detail.nlines)
				t->detail.scroll++;
			break;
		case KEY_CTRL_C:
			t->quit = true;
			break;
		}
		return false;
	}
	switch (ch) {
	case 'q': case 'Q': case KEY_CTRL_C:
		t->quit = true;
		return false;
	case 'h': case '?': case KEY_F(1):
		t->help = true;
		return false;
	case ' ':
		t->paused = !t->paused;
		if (!src->live && src->pause)
			src->pause(src->arg, t->paused);
		return !t->paused || !src->live;
	case 's':
		t->v.sort = (t->v.sort + 1) % TUI_SORTS;
		return true;
	case 'g':
		t->v.group = (t->v.group + 1) % TUI_GROUPS;
		t->sel = t->top = 0;
		t->follow = false;
		return true;
	case '/':
		t->editing = true;
		return false;
	case KEY_ESC:
		if (t->v.filter[0]) {
			t->v.filter[0] = 0;
			return true;
		}
		return false;
	case 'e':
		if (src->live && src->new_epoch) {
			src->new_epoch(src->arg);
			set_flash(t, "new epoch: every page protected again");
		} else {
			set_flash(t, "new epochs are for live runs only");
		}
		return true;
	case '+': case '=':
		if (!src->live && src->speed)
			src->speed(src->arg, +1);
		return true;
	case '-':
		if (!src->live && src->speed)
			src->speed(src->arg, -1);
		return true;
	case KEY_LEFT: case KEY_RIGHT:
		if (!src->live && src->seek)
			src->seek(src->arg, ch == KEY_LEFT ? -SEEK_NS : SEEK_NS);
		return true;
	case KEY_UP: case 'k':
		move_sel(t, -1);
		return false;
	case KEY_DOWN: case 'j':
		move_sel(t, 1);
		return false;
	case KEY_PPAGE:
		move_sel(t, -page);
		return false;
	case KEY_NPAGE:
		move_sel(t, page);
		return false;
	case KEY_HOME:
		t->sel = 0;
		t->follow = false;
		return false;
	case KEY_END:
		move_sel(t, (long)t->snap.nrows);
		return false;
	case '\n': case '\r': case KEY_ENTER:
		if (t->sel < t->snap.nrows) {
			t->detail.open = true;
			t->detail.row = t->snap.rows[t->sel];
			t->detail.group = t->v.group;
			t->detail.scroll = 0;
			tui_detail_fill(src, &t->snap, &t->detail);
		}
		return false;
	case KEY_RESIZE:
		clearok(stdscr, TRUE);
		return true;
	}
	return false;
}

static void loop(struct tui *t)
{
	struct view_source *src = t->src;
	uint64_t last = 0;
	refresh_data(t, true);
	draw(t);
	while (!t->quit) {
		if (src->closing && src->closing(src->arg))
			break;
		if (src->tick)
			src->tick(src->arg);
		int ch = getch();
		bool redraw = false, rows = false;
		/* Every key waiting is handled before one redraw: a held key
		 * or a paste must not queue up screens. */
		while (ch != ERR && !t->quit) {
			rows |= key(t, ch);
			redraw = true;
			ch = t->quit ? ERR : (nodelay(stdscr, TRUE), getch());
		}
		timeout(50);
		if (t->quit)
			break;
		uint64_t now = mono_ns();
		if (now - last >= 1000000000ULL) {
			/* Paused live: the table stands still while tracing goes
			 * on; the header keeps counting.  A paused replay has
			 * stopped its clock: refreshing shows what a seek did. */
			rows = rows || !t->paused || !src->live;
			redraw = true;
		}
		if (!redraw)
			continue;
		if (rows || now - last >= 1000000000ULL) {
			refresh_data(t, rows);
			last = now;
		}
		draw(t);
	}
}

int tui_run(struct view_source *src)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		err_msg("the live view needs a terminal; use --no-tui or --summary");
		return -1;
	}
	/* The terminal's character set decides the block characters; numbers
	 * stay in the C locale, for every other output of the program. */
	char *old_locale = xstrdup(setlocale(LC_ALL, NULL));
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	struct tui *t = xcalloc(1, sizeof *t);
	t->src = src;
	const char *cs = nl_langinfo(CODESET);
	t->v.utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);

	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		tio_saved = 1;
	/* newterm, not initscr: initscr exits the program when TERM is unknown. */
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		setlocale(LC_ALL, old_locale);
		free(old_locale);
		free(t);
		tio_saved = 0;
		err_msg("the live view needs a terminal; use --no-tui or --summary");
		return -1;
	}
	set_term(scr);
	install_handlers();
	/* raw: Ctrl-C is a key that quits cleanly (a live run detaches)
	 * rather than a signal. */
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	timeout(50);
	tui_colors_init(&t->v);

	loop(t);

	if (t->quit && src->quit)
		src->quit(src->arg);
	endwin();
	delscreen(scr);
	remove_handlers();
	tio_saved = 0;
	tui_snap_free(&t->snap);
	tui_detail_free(&t->detail);
	free(t);
	setlocale(LC_ALL, old_locale);
	free(old_locale);
	return 0;
}
