#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by every tests/*.test, in strace's manner:
#   . "${srcdir=.}/tests/init.sh"
# Run from the top build directory by the automake harness, which exports
# srcdir; Makefile.inc exports abs_top_builddir and abs_top_srcdir.

ME_=${0##*/}
NAME_=${ME_%.test}

warn_() { printf >&2 '%s\n' "$*"; }
fail_() { warn_ "$ME_: failed test: $*"; exit 1; }
skip_() { warn_ "$ME_: skipped test: $*"; exit 77; }
framework_failure_() { warn_ "$ME_: framework failure: $*"; exit 99; }

: "${srcdir:=.}"
: "${abs_top_builddir:=$(cd . && pwd)}"
: "${abs_top_srcdir:=$(cd "$srcdir" && pwd)}"
UFFDTRACE=$abs_top_builddir/uffdtrace
TDIR=$abs_top_builddir/tests          # built target programs
TSRC=$abs_top_srcdir/tests            # scripts
[ -x "$UFFDTRACE" ] || framework_failure_ "$UFFDTRACE is not built"

# Every run is bounded: a hang fails the test instead of hanging CI.
# timeout exits 124 (or 137 after -k) when the limit hits.
RUN_TIMEOUT=${RUN_TIMEOUT:-30}
bounded() { timeout -k 5 "$RUN_TIMEOUT" "$@"; }
# uffdtrace ARGS...: the built uffdtrace, bounded.
ut() { timeout -k 5 "$RUN_TIMEOUT" "$UFFDTRACE" "$@"; }

# ut_bg ARGS...: uffdtrace ARGS in the background, bounded; sets UT_BG (the
# timeout process, to wait for) and UT_PID (uffdtrace itself, to signal:
# a signal to the timeout or a subshell would not reach it).
ut_bg()
{
	timeout -k 5 "$RUN_TIMEOUT" "$UFFDTRACE" "$@" &
	UT_BG=$!
	UT_PID=
	n=0
	while :; do
		UT_PID=$(cat /proc/$UT_BG/task/$UT_BG/children 2>/dev/null || pgrep -P $UT_BG)
		UT_PID=${UT_PID%% *}
		# Past its exec, with its signal handling set up.
		[ -n "$UT_PID" ] && [ "$(readlink /proc/$UT_PID/exe 2>/dev/null)" = "$UFFDTRACE" ] &&
			grep -q '^SigBlk:.*[1-9a-f]' /proc/$UT_PID/status 2>/dev/null && break
		n=$((n + 1))
		[ $n -le 200 ] || { kill -9 $UT_BG; fail_ "uffdtrace did not start"; }
		sleep 0.05
	done
}

command -v timeout >/dev/null || framework_failure_ "timeout (coreutils) is missing"
command -v python3 >/dev/null || skip_ "python3 is needed to check the JSON output"

# The test's own working directory, kept for a look after a failure and
# removed by 'make clean'.
WORK=$abs_top_builddir/tests/$NAME_.dir
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" ||
	framework_failure_ "cannot create $WORK"

# Skip where the kernel cannot do what uffdtrace needs.
require_uffd_wp_()
{
	[ "$(id -u)" = 0 ] || [ -w /dev/userfaultfd ] ||
		skip_ "uffdtrace needs root (or access to /dev/userfaultfd)"
	why=$("$TDIR/probe-uffd-wp" 2>&1)
	case $? in
		0) ;;
		77) skip_ "kernel: $why" ;;
		*) framework_failure_ "probe-uffd-wp: $why" ;;
	esac
	# ptrace must be allowed for a tracer that is not the parent (-p).
	if [ -r /proc/sys/kernel/yama/ptrace_scope ] &&
	   [ "$(cat /proc/sys/kernel/yama/ptrace_scope)" = 3 ]; then
		skip_ "ptrace is disabled (kernel.yama.ptrace_scope=3)"
	fi
}

# jcheck JSON [TRUTH...] < CHECKS: see tests/jcheck.py.
jcheck()
{
	python3 "$TSRC/jcheck.py" "$@" || fail_ "JSON checks failed on $1 (see above)"
}

# expect_rc WHAT EXPECTED GOT
expect_rc()
{
	[ "$3" = "$2" ] || fail_ "$1: exit status $3, expected $2"
}

# match_file PATTERN FILE WHAT: a line of FILE matches the grep -E PATTERN.
match_file()
{
	grep -E -q -e "$1" "$2" || { cat "$2" >&2; fail_ "$3: no match for '$1' in $2"; }
}

# wait_for_file FILE [SECONDS]: until FILE exists and is not empty.
wait_for_file()
{
	n=0
	limit=$(( ${2:-10} * 20 ))
	while [ ! -s "$1" ]; do
		n=$((n + 1))
		[ $n -le $limit ] || return 1
		sleep 0.05
	done
}

# wait_gone PID [SECONDS]: until no process PID is left (not our child).
wait_gone()
{
	n=0
	limit=$(( ${2:-10} * 20 ))
	while kill -0 "$1" 2>/dev/null; do
		# A zombie not ours is gone for our purposes.
		case $(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' /proc/"$1"/status 2>/dev/null) in
			Z|'') return 0 ;;
		esac
		n=$((n + 1))
		[ $n -le $limit ] || return 1
		sleep 0.05
	done
}

require_uffd_wp_
