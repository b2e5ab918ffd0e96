#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Trace scale: how fast the trace writer writes, and what "uffdtrace
# report" costs in time and peak memory as a trace grows with the same
# distinct pages, stacks and strings: its memory must not grow with the
# number of events.  Traces come from bench/trace-gen (the real writer).
# Usage: bench/trace-scale.sh [SMALL_EVENTS [LARGE_EVENTS [PAGES]]]
#   (defaults 1000000 10000000 4096; the large trace takes 1.3 GB on disk)
set -eu
small=${1:-1000000}
large=${2:-10000000}
pages=${3:-4096}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${UFFDTRACE_BUILD:-$top}
uffdtrace=$build/uffdtrace
gen=$build/bench/trace-gen
if [ ! -x "$gen" ]; then
	make -C "$build" bench/trace-gen >/dev/null || { echo "trace-scale: cannot build $gen" >&2; exit 1; }
fi
[ -x "$uffdtrace" ] || { echo "trace-scale: build uffdtrace first" >&2; exit 1; }
command -v python3 >/dev/null || { echo "trace-scale: needs python3" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/trace-scale.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# measure CMD...: "SECONDS PEAK_RSS_KB" of CMD (its output discarded), from
# getrusage of the children: no dependency on GNU time.
measure()
{
	python3 - "$@" <<'EOF'
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
t = time.monotonic() - t
if rc != 0:
    sys.exit("trace-scale: %s exited with %d" % (sys.argv[1], rc))
print("%.3f %d" % (t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
EOF
}

printf '%-10s %9s %9s %13s %9s %13s %10s\n' events "trace MB" "write s" "write ev/s" \
	"report s" "report ev/s" "report RSS"
for n in "$small" "$large"; do
	# The writer: best of three for the small trace (the page cache is
	# warm by then), one run for the large.
	runs=1
	[ "$n" = "$small" ] && runs=3
	best=
	for _ in $(seq $runs); do
		rm -f "$tmp/t.uft"
		line=$("$gen" "$tmp/t.uft" "$n" "$pages")
		# "events N seconds S events_per_s E bytes B mb_per_s M"
		set -- $line
		if [ -z "$best" ] || awk "BEGIN { exit !($4 < $best) }"; then
			best=$4
			wrate=$6
			bytes=$8
		fi
	done
	set -- $(measure "$uffdtrace" report "$tmp/t.uft")
	rsecs=$1
	rss=$2
	printf '%-10s %9.1f %9.3f %13.0f %9.3f %13.0f %7.1f MB\n' "$n" \
		"$(awk "BEGIN { print $bytes / 1e6 }")" "$best" "$wrate" "$rsecs" \
		"$(awk "BEGIN { print $n / $rsecs }")" "$(awk "BEGIN { print $rss / 1024 }")"
	eval "rss_$n=$rss secs_$n=$rsecs"
	rm -f "$tmp/t.uft"
done
eval "rs=\$rss_$small rl=\$rss_$large ts=\$secs_$small tl=\$secs_$large"
awk "BEGIN { printf \"\nlarge / small: %.1fx the events, report time %.2fx, report peak RSS %.2fx\n\", \
	$large / $small, $tl / $ts, $rl / $rs }"
