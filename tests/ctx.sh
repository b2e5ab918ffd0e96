# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the write-context tests (tests/ctx-*.test) after init.sh.

# ctx_jcheck JSON [TRUTH...] < CHECKS: jcheck with tests/ctx-lib.py's
# helpers defined before CHECKS; CTX_PROG names the traced target.
ctx_jcheck()
{
	{ cat "$TSRC/ctx-lib.py" && cat; } > "${1%.json}.checks.py" ||
		framework_failure_ "cannot write ${1%.json}.checks.py"
	export CTX_PROG
	jcheck "$@" < "${1%.json}.checks.py"
}

# ctx_trace NAME PROG UFFDTRACE-OPTIONS... -- ARGS...: trace PROG (built in
# tests/) with its truth in NAME.truth, the JSON summary in NAME.json and
# stderr in NAME.err; PROG must exit 0 with the output of an untraced run.
ctx_trace()
{
	ct_name=$1 ct_prog=$2
	shift 2
	ct_opts=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		ct_opts="$ct_opts $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086
	ut -q $ct_opts --top 10000 --json "$ct_name.json" -- "$TDIR/$ct_prog" "$ct_name.truth" "$@" \
		> "$ct_name.out" 2> "$ct_name.err"
	ct_rc=$?
	cat "$ct_name.err" >&2
	expect_rc "uffdtrace$ct_opts -- $ct_prog" 0 $ct_rc
	bounded "$TDIR/$ct_prog" - "$@" > "$ct_name.expected" || fail_ "untraced $ct_prog failed"
	cmp "$ct_name.expected" "$ct_name.out" || fail_ "$ct_prog: output differs from the untraced run"
}
