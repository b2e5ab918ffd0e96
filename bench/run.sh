#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Cost per traced write fault, as ratios against baselines measured in the
# same invocation: the bare store, and an in-process uffd-wp handler thread
# (the limit for any userfaultfd tracer).  Runs each mode in turn, ROUNDS
# times, and reports medians.  Usage: bench/run.sh [PAGES] [ROUNDS]
set -eu
pages=${1:-20000}
rounds=${2:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${UFFDTRACE_BUILD:-$top}
uffdtrace=$build/uffdtrace
workload=$build/bench/dirty-pages
out=${BENCH_RESULTS:-$top/bench/results.md}
[ -x "$uffdtrace" ] && [ -x "$workload" ] || { echo "bench: build first (make bench)" >&2; exit 1; }

modes="native inproc pages insn stack"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_mode() {
	case $1 in
	native|inproc) "$workload" "$1" "$pages" ;;
	*) "$uffdtrace" -q --capture="$1" --json /dev/null -- "$workload" traced "$pages" ;;
	esac
}

for r in $(seq "$rounds"); do
	for m in $modes; do
		line=$(run_mode "$m")
		echo "$line" | awk '{print $2}' >> "$tmp/$m"
		echo "$line" | awk '{print $4}' >> "$tmp/$m.sum"
		printf 'round %s %-7s %s\n' "$r" "$m" "$line" >&2
	done
done

median() { sort -n "$1" | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
base=$(median "$tmp/inproc")
{
	echo "# Cost per traced write fault"
	echo
	echo "$(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')."
	echo "One store to each of $pages write-protected, never-touched pages; median of $rounds rounds"
	echo "(\`bench/run.sh $pages $rounds\`).  The limit is an in-process uffd-wp handler thread."
	echo
	echo "| mode | us per page | vs in-process limit | checksum equal |"
	echo "|---|---|---|---|"
	ref=$(sort -u "$tmp/native.sum")
	for m in $modes; do
		med=$(median "$tmp/$m")
		same=yes
		[ "$(sort -u "$tmp/$m.sum")" = "$ref" ] || same=NO
		printf '| %s | %s | %s | %s |\n' "$m" "$med" "$(awk -v a="$med" -v b="$base" 'BEGIN {printf "%.2fx", a / b}')" "$same"
	done
} | tee "$out"
