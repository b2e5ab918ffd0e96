#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/tui-*.test after tests/init.sh: drive the live view in a
# detached tmux session (its own server socket, so a user's tmux is never
# touched) over "uffdtrace replay" of a trace of tests/tui-target.

command -v tmux >/dev/null || skip_ "tmux is needed to drive the live view"
"$UFFDTRACE" replay --help >/dev/null 2>&1 || skip_ "'uffdtrace replay' is not available"

TUI_SOCK=uffdtrace-$NAME_-$$
tm() { tmux -L "$TUI_SOCK" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1' EXIT

# record_tui_target: the trace T of tests/tui-target (write_many: 200
# pages, then write_few: 12 pages, 0.6 s later).
record_tui_target()
{
	ut -q -o T -- "$TDIR/tui-target" > target.out 2> record.err
	rc=$?
	cat record.err >&2
	expect_rc "uffdtrace -o T -- tui-target" 0 $rc
	match_file '^tui-target: 200 and 12 pages' target.out "target output"
}

# start_view COLS LINES COMMAND: COMMAND in session "view" of that size,
# replacing any earlier one.
# TERM=screen: a terminal type every ncurses install knows.
start_view()
{
	tm kill-session -t view >/dev/null 2>&1
	tm new-session -d -s view -x "$1" -y "$2" "TERM=screen; export TERM; $3" ||
		framework_failure_ "tmux new-session failed"
}

# screen: the pane's text now, into screen.txt.
screen()
{
	tm capture-pane -p -t view > screen.txt 2>/dev/null || : > screen.txt
}

# wait_screen PATTERN [SECONDS]: until a line of the screen matches the
# grep -E PATTERN; fails with the screen shown otherwise.
wait_screen()
{
	n=0
	limit=$(( ${2:-10} * 10 ))
	while :; do
		screen
		grep -E -q -e "$1" screen.txt && return 0
		n=$((n + 1))
		[ $n -le $limit ] || { cat screen.txt >&2; fail_ "the screen never showed '$1'"; }
		sleep 0.1
	done
}

# keys KEY...: send keys, then give the view time to redraw.
keys()
{
	tm send-keys -t view "$@"
	sleep 0.5
}

# names: the name column of the table's rows, top to bottom, from screen.txt.
names()
{
	awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && $3 ~ /%$/ { print $6 }' screen.txt
}

# before A B: A is listed above B in the table on screen.
before()
{
	names > names.txt
	a=$(grep -n -x -F -e "$1" names.txt | head -1 | cut -d: -f1)
	b=$(grep -n -x -F -e "$2" names.txt | head -1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}
