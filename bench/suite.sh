#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmark suite ("make bench"): workloads native and under each mode
# of uffdtrace, the limits it is measured against, the targets; writes
# bench/results.md.  Usage: bench/suite.sh [ROUNDS]; BENCH_QUICK=1 for a
# run of about two minutes.  The knobs are in bench/README.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command -v python3 >/dev/null || { echo "bench: needs python3" >&2; exit 1; }
exec python3 "$here/suite.py" "$@"
