# SPDX-License-Identifier: GPL-2.0-or-later
"""Check uffdtrace's JSON summary against a target's ground truth.

Usage: python3 jcheck.py JSON [TRUTH...] < CHECKS

CHECKS is Python run with these names:
  J        the parsed JSON summary
  T        the truth files' "key=value" lines (values as int when they
           parse with int(v, 0))
  check(cond, what)          one assertion; every one is logged
  regions(lo, hi, pid=None)  regions overlapping [lo, hi)
  inside(lo, hi, pid=None)   regions overlapping [lo, hi); checks each
                             lies wholly within it
  page_set(lo, hi, pid=None) the pages of busiest_pages in [lo, hi) (run
                             uffdtrace with a large --top)
  expect_set(first, stride, count)   the pages of COUNT stores
  thread(tid)                the thread entry of TID, or None
The exit status is 1 if any check failed."""
import json
import sys

failures = 0


def check(cond, what):
    global failures
    print(("ok:   " if cond else "FAIL: ") + what)
    if not cond:
        failures += 1
    return cond


def num(v):
    try:
        return int(v, 0)
    except ValueError:
        return v


def h(x):
    return int(x, 16) if isinstance(x, str) else x


def main():
    with open(sys.argv[1]) as f:
        J = json.load(f)
    T = {}
    for path in sys.argv[2:]:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if "=" in line:
                    k, v = line.split("=", 1)
                    T[k] = num(v)

    def regions(lo, hi, pid=None):
        return [r for r in J["regions"]
                if h(r["start"]) < hi and h(r["end"]) > lo
                and (pid is None or r["pid"] == pid)]

    def inside(lo, hi, pid=None):
        rs = regions(lo, hi, pid)
        for r in rs:
            check(h(r["start"]) >= lo and h(r["end"]) <= hi,
                  "region %d %s-%s lies within %#x-%#x" % (r["id"], r["start"], r["end"], lo, hi))
        return rs

    def page_set(lo, hi, pid=None):
        ids = None if pid is None else {r["id"] for r in J["regions"] if r["pid"] == pid}
        return {h(p["page"]) for p in J["busiest_pages"]
                if lo <= h(p["page"]) < hi and (ids is None or p["region"] in ids)}

    def expect_set(first, stride, count):
        return {(first + i * stride) & ~4095 for i in range(count)}

    def thread(tid):
        for t in J["threads"]:
            if t["tid"] == tid:
                return t
        return None

    env = dict(J=J, T=T, check=check, regions=regions, inside=inside,
               page_set=page_set, expect_set=expect_set, thread=thread, h=h)
    exec(compile(sys.stdin.read(), "<checks>", "exec"), env)
    print("%d check(s) failed" % failures if failures else "all checks passed")
    sys.exit(1 if failures else 0)


main()
