# SPDX-License-Identifier: GPL-2.0-or-later
# Checks for tests/jcheck.py (fed on standard input): the epochs of a run of
# tests/dirty-phases against its truth file.  DIRTY_MODE in the environment
# is sync or async.  Run as: jcheck JSON TRUTH < dirty-epochs.py
import os

mode = os.environ.get("DIRTY_MODE", "sync")
check(T["protected"] == 1, "the buffers were protected before the first write")
check(T["aligned"] == 1, "the target saw an epoch boundary after every phase")
n = T["phases"]
want = [T["phase%d_pages" % k] for k in range(n)]
E = J["epochs"]
busy = [e for e in E if e["pages"] > 0]
check([e["pages"] for e in busy] == want,
      "%s: dirty pages of the non-empty epochs %s, expected %s"
      % (mode, [e["pages"] for e in busy], want))
if len(busy) == n:
    for k, e in enumerate(busy):
        check(e["rewritten"] == T["phase%d_rewritten" % k],
              "phase %d: rewritten %d, expected %d" % (k, e["rewritten"], T["phase%d_rewritten" % k]))
        per = {h(r["start"]): r["pages"] for r in e["regions"]}
        got = (per.get(T["a_start"], 0), per.get(T["b_start"], 0))
        exp = (T["phase%d_a" % k], T["phase%d_b" % k])
        check(got == exp and sum(per.values()) == e["pages"],
              "phase %d: pages per region (A, B) %s, expected %s (regions %s)"
              % (k, got, exp, e["regions"]))
        if mode == "sync":
            check(e["faults"] == e["pages"],
                  "phase %d: one fault per page: faults %d, pages %d" % (k, e["faults"], e["pages"]))
    # An empty epoch between two phases: the target slept 1.5 intervals.
    idx = [E.index(e) for e in busy]
    check(all(b - a >= 2 and all(E[i]["pages"] == 0 for i in range(a + 1, b))
              for a, b in zip(idx, idx[1:])),
          "an empty epoch between phases (epochs %s)" % idx)
check(all(E[i]["end_ns"] == E[i + 1]["start_ns"] for i in range(len(E) - 1)),
      "the epochs are contiguous")
iv = T["interval_ms"] * 1e6
# Boundaries keep their cadence: one that comes late on a busy machine
# shortens the next epoch by as much.
check(all(0.5 * iv <= e["end_ns"] - e["start_ns"] <= 1.5 * iv for e in E[:-1]),
      "every epoch but the last lasts about %d ms: %s" % (T["interval_ms"],
      [round((e["end_ns"] - e["start_ns"]) / 1e6) for e in E]))
check(E[-1]["end_ns"] - E[-1]["start_ns"] <= 1.5 * iv, "the last epoch is not longer")
rs = {h(r["start"]): r for r in J["regions"]}
check(T["a_start"] in rs and rs[T["a_start"]]["pages"] == T["a_pages"],
      "region A: %s pages, expected %d" % (rs.get(T["a_start"], {}).get("pages"), T["a_pages"]))
check(T["b_start"] in rs and rs[T["b_start"]]["pages"] == T["b_pages"],
      "region B: %s pages, expected %d" % (rs.get(T["b_start"], {}).get("pages"), T["b_pages"]))
check(len(J["regions"]) == 2, "two regions traced (--range): %d" % len(J["regions"]))
check(J["target"]["exit_status"] == 0, "exit_status 0")
