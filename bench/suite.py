#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The uffdtrace benchmark suite (make bench; see bench/README).

For each workload, ROUNDS times over, runs it natively and under each mode
of uffdtrace (and perf), one after the other, so that the machine's noise
hits every mode alike; valgrind's lackey runs once on a smaller size.  Then
the limits uffdtrace is measured against (bench/run.sh with the in-process
uffd-wp handler, bench/async-cost for the kernel's async mode), the steady
writer, the levers, and the targets.  Prints the tables and writes
bench/results.md."""

import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
BUILD = os.environ.get("UFFDTRACE_BUILD", TOP)
UFFDTRACE = os.path.join(BUILD, "uffdtrace")
BENCH = os.path.join(BUILD, "bench")
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def knob(name, full, quick):
    v = os.environ.get(name)
    return type(full)(v) if v else (quick if QUICK else full)


ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else knob("BENCH_ROUNDS", 3, 1)
DIRTIER_MIB = knob("BENCH_DIRTIER_MIB", 256, 64)
DIRTIER_ROUNDS = knob("BENCH_DIRTIER_ROUNDS", 5, 3)
QSORT_N = knob("BENCH_QSORT_N", 8 << 20, 1 << 20)
HASH_MIB = knob("BENCH_HASH_MIB", 64, 16)
SQLITE_ROWS = knob("BENCH_SQLITE_ROWS", 300000, 50000)
PQSORT_N = knob("BENCH_PQSORT_N", 8 << 20, 1 << 20)
PQSORT_THREADS = knob("BENCH_PQSORT_THREADS", 128, 128)
VALGRIND_DIV = knob("BENCH_VALGRIND_DIV", 128, 128)
FAULT_PAGES = knob("BENCH_FAULT_PAGES", 20000, 5000)
FAULT_ROUNDS = knob("BENCH_FAULT_ROUNDS", 5, 1)
STEADY_PAGES = knob("BENCH_STEADY_PAGES", 20000, 4000)
STEADY_RATE = knob("BENCH_STEADY_RATE", 2000, 2000)
STEADY_WORK_US = knob("BENCH_STEADY_WORK_US", 250.0, 250.0)
LEVERS = knob("BENCH_LEVERS", 1, 0)
TIMEOUT = knob("BENCH_TIMEOUT", 900, 300)
RESULTS = os.environ.get("BENCH_RESULTS", os.path.join(HERE, "results.md"))
ALL_MODES = ["native", "pages", "insn", "stack", "interval", "async", "perf"]
MODES = os.environ.get("BENCH_MODES", " ".join(ALL_MODES)).split()
WORKLOADS = os.environ.get("BENCH_WORKLOADS", "dirtier qsort hash sqlite pqsort").split()

TMP = tempfile.mkdtemp(prefix="uffdtrace-bench.")
PERF = shutil.which("perf")
VALGRIND = shutil.which("valgrind")
SQLITE = shutil.which("sqlite3")
notes = []
problems = []


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- workloads

def sqlite_argv(rows):
    path = os.path.join(TMP, "sqlite-%d.sql" % rows)
    with open(path, "w") as f:
        f.write(f"""CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT NOT NULL);
CREATE INDEX t_a ON t(a);
CREATE INDEX t_b ON t(b);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows})
INSERT INTO t(a, b) SELECT (i * 2654435761) % 1000003, printf('%08x-%d', (i * 40503) % 1048573, i) FROM s;
SELECT count(*), sum(a), sum(length(b)) FROM t;
SELECT count(*), sum(id) FROM t WHERE a BETWEEN 1000 AND 200000;
SELECT group_concat(id) FROM (SELECT id FROM t ORDER BY b LIMIT 5);
SELECT 'end';
""")
    return [SQLITE, ":memory:", ".read " + path]


def b(name):
    return os.path.join(BENCH, name)


# name: (description, argv, argv for valgrind's smaller run)
def workloads():
    w = {
        "dirtier": (f"page-dirtier: 1 store per 4 KiB page, {DIRTIER_MIB} MiB, {DIRTIER_ROUNDS} rounds",
                    [b("page-dirtier"), str(DIRTIER_MIB), str(DIRTIER_ROUNDS)],
                    [b("page-dirtier"), str(max(1, DIRTIER_MIB // VALGRIND_DIV)), str(DIRTIER_ROUNDS)]),
        "qsort": (f"qsort(3) of {QSORT_N} ints",
                  [b("qsort-ints"), str(QSORT_N)], [b("qsort-ints"), str(max(1, QSORT_N // VALGRIND_DIV))]),
        "hash": (f"hash table insert+lookup, {HASH_MIB} MiB",
                 [b("hash-table"), str(HASH_MIB)], [b("hash-table"), str(max(1, HASH_MIB // VALGRIND_DIV))]),
        "sqlite": (f"sqlite3 :memory:, {SQLITE_ROWS} rows, 2 indexes", None, None),
        "pqsort": (f"{PQSORT_THREADS}-thread parallel quicksort of {PQSORT_N} ints",
                   [b("pqsort"), str(PQSORT_N), str(PQSORT_THREADS)],
                   [b("pqsort"), str(max(PQSORT_THREADS * 32, PQSORT_N // VALGRIND_DIV)), str(PQSORT_THREADS)]),
    }
    if SQLITE:
        w["sqlite"] = (w["sqlite"][0], sqlite_argv(SQLITE_ROWS), sqlite_argv(max(1000, SQLITE_ROWS // VALGRIND_DIV)))
    else:
        notes.append("sqlite3 is not installed (apt-get install sqlite3): the sqlite workload was skipped.")
    return {k: v for k, v in w.items() if k in WORKLOADS and v[1]}


def wrap(mode, argv, json_path):
    u = [UFFDTRACE, "-q", "--json", json_path]
    if mode == "native":
        return argv
    if mode in ("pages", "insn"):
        return u + ["--capture=" + mode, "--"] + argv
    if mode == "stack":
        return u + ["--"] + argv  # the default capture
    if mode == "interval":
        return u + ["--capture=pages", "--interval", "100", "--"] + argv
    if mode == "async":
        return u + ["--mode=async", "--interval", "100", "--"] + argv
    if mode == "perf":
        return [PERF, "record", "-e", "page-faults", "-c", "1", "-d", "--call-graph", "dwarf",
                "-o", os.path.join(TMP, "perf.data"), "--"] + argv
    if mode == "valgrind":
        return [VALGRIND, "--tool=lackey", "--trace-mem=yes", "--log-file=/dev/null"] + argv
    raise ValueError(mode)


# ---------------------------------------------------------------- running

def run(argv, done_re=r"^(checksum|end$)", env=None):
    """Run ARGV; return wall seconds, stdout lines, stderr, exit status, and
    whether it hung: still running well after the workload printed its
    last line (then it is sent SIGTERM, and the time is that of the line)."""
    err = open(os.path.join(TMP, "stderr"), "w+")
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, env=env)
    out, buf, t_done, hung = [], b"", None, False
    fd = p.stdout.fileno()
    while True:
        now = time.monotonic()
        if t_done is not None and now - t_done > 5 + 0.5 * (t_done - t0) and not hung:
            hung = True
            p.send_signal(signal.SIGTERM)
        if now - t0 > TIMEOUT:
            p.kill()
            hung = True
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                line = line.decode(errors="replace")
                out.append(line)
                if re.match(done_re, line):
                    t_done = time.monotonic()
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    wall = time.monotonic() - t0
    if hung and t_done is not None:
        wall = t_done - t0
    err.seek(0)
    stderr = err.read()
    err.close()
    return {"wall": wall, "out": out, "err": stderr, "rc": rc, "hung": hung}


def checksum_of(out):
    for line in out:
        m = re.match(r"checksum (\S+) seconds (\S+)", line)
        if m:
            return m.group(1), float(m.group(2))
    # sqlite: its whole output is the checksum
    return "|".join(out) if out else None, None


def measure(name, mode, argv):
    jpath = os.path.join(TMP, "out.json")
    if os.path.exists(jpath):
        os.unlink(jpath)
    r = run(wrap(mode, argv, jpath))
    r["checksum"], r["work"] = checksum_of(r["out"])
    r["events"] = None
    if mode in ("pages", "insn", "stack", "interval", "async"):
        try:
            with open(jpath) as f:
                j = json.load(f)
            t = j["totals"]
            r["faults"], r["pages"], r["untracked"] = t["faults"], t["pages"], t["untracked_pages"]
            r["epoch_pages"] = sum(e["pages"] for e in j.get("epochs") or [])
            r["nepochs"] = len(j.get("epochs") or [])
            # async mode takes no fault: its events are the pages found
            # dirty, summed over the epochs
            r["events"] = r["epoch_pages"] if mode == "async" else r["faults"]
            r["threads"] = len(j.get("threads") or [])
        except (OSError, ValueError, KeyError) as e:
            r["jsonerr"] = str(e)
    elif mode == "perf":
        m = re.search(r"Processed (\d+) samples and lost ([\d.]+)%", r["err"])
        w = re.search(r"\((\d+) samples\)", r["err"])
        if m:
            r["events"], r["lost"] = int(m.group(1)), float(m.group(2))
        elif w:
            r["events"], r["lost"] = int(w.group(1)), 0.0
        try:
            os.unlink(os.path.join(TMP, "perf.data"))
        except OSError:
            pass
    log("  %-8s %-8s %8.3f s%s%s%s" % (name, mode, r["wall"],
        "  %s events" % r["events"] if r["events"] is not None else "",
        "  rc=%d" % r["rc"] if r["rc"] else "", "  HUNG (SIGTERM after the workload ended)" if r["hung"] else ""))
    if r["rc"] and not r["hung"]:
        log("    stderr: " + r["err"].strip().replace("\n", "\n    ")[-800:])
    return r


def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


# ---------------------------------------------------------------- machine

def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    thp = "?"
    try:
        thp = open("/sys/kernel/mm/transparent_hugepage/enabled").read().strip()
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return cpu, os.cpu_count(), platform.release(), mem, thp


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


def busiest():
    out = subprocess.run(["ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"],
                         capture_output=True, text=True).stdout.splitlines()
    return ", ".join(" ".join(l.split()[::-1]) + "%" for l in out[:4])


# ---------------------------------------------------------------- parts

def part_workloads(res):
    wl = workloads()
    modes = [m for m in MODES if m != "perf" or PERF]
    if "perf" in MODES and not PERF:
        notes.append("perf is not installed (apt-get install linux-perf): no perf column.")
    for name, (desc, argv, vargv) in wl.items():
        log(f"{name}: {desc}")
        res[name] = {"desc": desc, "rounds": {m: [] for m in modes}}
        for rnd in range(ROUNDS):
            log(f" round {rnd + 1}/{ROUNDS}")
            for m in modes:
                res[name]["rounds"][m].append(measure(name, m, argv))
        if VALGRIND and "valgrind" not in os.environ.get("BENCH_SKIP", ""):
            # Once, on a smaller size, against native runs of that size.
            nat = [measure(name + "/small", "native", vargv) for _ in range(3)]
            vg = measure(name + "/small", "valgrind", vargv)
            res[name]["valgrind"] = {"native": nat, "run": vg, "argv": " ".join(os.path.basename(a) for a in vargv)}


def summarize(res):
    """Per workload and mode: median slowdown, median cost per event, checks."""
    summ = {}
    for name, w in res.items():
        nat = w["rounds"]["native"]
        ref = nat[0]["checksum"]
        s = summ[name] = {"native": med([r["wall"] for r in nat]), "native_work": med([r["work"] for r in nat]), "modes": {}}
        for m, runs in w["rounds"].items():
            ratios, costs, wratios, wcosts, ok, hung = [], [], [], [], True, False
            for r, n in zip(runs, nat):
                ratios.append(r["wall"] / n["wall"])
                if r["work"] and n["work"]:
                    wratios.append(r["work"] / n["work"])
                if r.get("events"):
                    costs.append((r["wall"] - n["wall"]) / r["events"] * 1e6)
                    if r["work"] and n["work"]:
                        wcosts.append((r["work"] - n["work"]) / r["events"] * 1e6)
                if r["checksum"] != ref or r["checksum"] is None or (r["rc"] and not r["hung"]):
                    ok = False
                hung |= r["hung"]
                if n["checksum"] != ref:
                    ok = False
            s["modes"][m] = {
                "slowdown": med(ratios), "cost": med(costs), "work_slowdown": med(wratios),
                "work_cost": med(wcosts), "events": med([r.get("events") for r in runs]),
                "ok": ok, "hung": hung, "lost": med([r.get("lost") for r in runs]),
                "untracked": med([r.get("untracked") for r in runs]),
                "threads": med([r.get("threads") for r in runs]),
                "nepochs": med([r.get("nepochs") for r in runs]),
            }
            if not ok:
                problems.append(f"{name}: {m}: checksum or exit status differs from native "
                                f"({[r['checksum'] for r in runs]} vs {ref}; rc {[r['rc'] for r in runs]})")
            if hung:
                problems.append(f"{name}: {m}: uffdtrace did not exit after the workload ended "
                                f"({sum(r['hung'] for r in runs)} of {len(runs)} runs; stopped with SIGTERM)")
        if "valgrind" in w:
            v = w["valgrind"]
            n = med([r["wall"] for r in v["native"]])
            vok = v["run"]["checksum"] == v["native"][0]["checksum"] and not v["run"]["rc"]
            s["valgrind"] = {"slowdown": v["run"]["wall"] / n, "native": n, "wall": v["run"]["wall"],
                             "ok": vok, "argv": v["argv"]}
    return summ


def part_faults():
    """bench/run.sh: cost per fault against the in-process uffd-wp handler."""
    out = os.path.join(TMP, "faults.md")
    env = dict(os.environ, BENCH_RESULTS=out, UFFDTRACE_BUILD=BUILD)
    log(f"per-fault micro-benchmark: bench/run.sh {FAULT_PAGES} {FAULT_ROUNDS}")
    p = subprocess.run(["sh", os.path.join(HERE, "run.sh"), str(FAULT_PAGES), str(FAULT_ROUNDS)],
                       env=env, capture_output=True, text=True)
    if p.returncode:
        problems.append("bench/run.sh failed: " + p.stderr[-500:])
        return None
    rows = {}
    for line in open(out):
        m = re.match(r"\| (\w+) \| ([\d.]+) \| [^|]* \| (\w+) \|", line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), m.group(3))
    for m, (_, same) in rows.items():
        if same != "yes":
            problems.append(f"bench/run.sh: {m}: checksum differs from native")
    return rows


def part_async_cost():
    log("kernel async write-protection cost: bench/async-cost")
    pages = DIRTIER_MIB * 256
    vals = []
    for _ in range(ROUNDS):
        p = subprocess.run([b("async-cost"), str(pages)], capture_output=True, text=True)
        if p.returncode:
            problems.append("bench/async-cost failed: " + p.stderr.strip())
            return None
        vals.append({k: float(v) for k, v in zip(p.stdout.split()[::2], p.stdout.split()[1::2])})
        log("  " + p.stdout.strip())
    return {k: med([v[k] for v in vals]) for k in vals[0]}


def part_steady():
    log("steady writer")
    iters = int(subprocess.run([b("steady-writer"), "calibrate", str(STEADY_WORK_US)],
                               capture_output=True, text=True).stdout)
    argv = [b("steady-writer"), "run", str(iters), str(STEADY_PAGES), str(STEADY_RATE)]
    modes = {"native": None, "async": ["--mode=async", "--interval", "100"],
             "interval": ["--capture=pages", "--interval", "100"]}
    runs = {m: [] for m in modes}
    for rnd in range(ROUNDS):
        for m, opts in modes.items():
            jpath = os.path.join(TMP, "steady.json")
            cmd = argv if opts is None else [UFFDTRACE, "-q", "--json", jpath] + opts + ["--"] + argv
            r = run(cmd)
            r["checksum"], r["work"] = checksum_of(r["out"])
            cpu = re.search(r" cpu (\S+)", " ".join(r["out"]))
            r["cpu"] = float(cpu.group(1)) if cpu else None
            r["detail"] = r["err"].strip().splitlines()[-1] if r["err"].strip() else ""
            if opts:
                try:
                    j = json.load(open(jpath))
                    r["events"] = sum(e["pages"] for e in j.get("epochs") or [])
                except (OSError, ValueError):
                    r["events"] = None
            runs[m].append(r)
            log(f"  {m:8s} busy {r['work']} s cpu {r['cpu']} s  {r['detail']}")
    ref = runs["native"][0]["checksum"]
    out = {"iters": iters, "argv": " ".join(os.path.basename(a) for a in argv), "modes": {}}
    for m in modes:
        ratios = [r["work"] / n["work"] for r, n in zip(runs[m], runs["native"]) if r["work"] and n["work"]]
        # The measured phase dirties STEADY_PAGES pages, each the first
        # write to its page in its epoch (the epochs also count the ring's
        # population before it).
        costs = [(r["work"] - n["work"]) / STEADY_PAGES * 1e6 for r, n in zip(runs[m], runs["native"])
                 if r["work"] and n["work"]]
        cratios = [r["cpu"] / n["cpu"] for r, n in zip(runs[m], runs["native"]) if r["cpu"] and n["cpu"]]
        ok = all(r["checksum"] == ref and not r["rc"] for r in runs[m])
        if not ok:
            problems.append(f"steady-writer: {m}: checksum or exit status differs from native")
        out["modes"][m] = {"slowdown": med(ratios), "busy": med([r["work"] for r in runs[m]]),
                           "cpu_slowdown": med(cratios), "cpu": med([r["cpu"] for r in runs[m]]),
                           "cost": med(costs), "events": med([r.get("events") for r in runs[m]]),
                           "ok": ok, "detail": runs[m][len(runs[m]) // 2]["detail"],
                           "all": [r["work"] for r in runs[m]]}
    return out


def attach_run(target_cpu, tracer_prefix, opts):
    """dirty-pages traced, with uffdtrace attached: the us per page the
    workload measured itself (start-up not included)."""
    cmd = [b("dirty-pages"), "traced", str(FAULT_PAGES)]
    if target_cpu is not None:
        cmd = ["taskset", "-c", str(target_cpu)] + cmd
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    jpath = os.path.join(TMP, "lever.json")
    u = subprocess.run(tracer_prefix + [UFFDTRACE, "-q", "--json", jpath] + opts + ["-p", str(p.pid)],
                       capture_output=True, text=True, timeout=TIMEOUT)
    out, err = p.communicate(timeout=TIMEOUT)
    m = re.search(r"us_per_page ([\d.]+) checksum (\d+)", out)
    if not m or p.returncode or u.returncode:
        problems.append(f"lever {tracer_prefix} {opts}: failed: {err.strip()} {u.stderr.strip()}")
        return None
    return float(m.group(1))


def launch_us(opts, prefix=()):
    cmd = list(prefix) + [UFFDTRACE, "-q", "--json", os.path.join(TMP, "lever.json")] + opts + \
        ["--", b("dirty-pages"), "traced", str(FAULT_PAGES)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    m = re.search(r"us_per_page ([\d.]+)", p.stdout)
    return float(m.group(1)) if m and not p.returncode else None


def part_levers():
    log("levers (dirty-pages traced, us per page as the workload measures it)")
    ncpu = os.cpu_count()
    variants = [
        ("pages, launched (as bench/run.sh)", lambda: launch_us(["--capture=pages"])),
        ("pages, attached (-p), no pinning", lambda: attach_run(None, [], ["--capture=pages"])),
        ("pages, attached, tracer and target on CPU 0 (taskset)",
         lambda: attach_run(0, ["taskset", "-c", "0"], ["--capture=pages"])),
    ]
    if ncpu > 1:
        variants.append(("pages, attached, tracer on CPU 0, target on CPU 1",
                         lambda: attach_run(1, ["taskset", "-c", "0"], ["--capture=pages"])))
    if shutil.which("chrt"):
        variants.append(("pages, launched, tracer at SCHED_FIFO 10 (chrt)",
                         lambda: launch_us(["--capture=pages"], ["chrt", "-f", "10"])))
    variants += [
        ("pages, launched, with a trace file (-o)", lambda: launch_us(["--capture=pages", "-o", os.path.join(TMP, "t.trace")])),
        ("stack, launched (default --depth 32)", lambda: launch_us([])),
        ("stack, launched, --depth 4", lambda: launch_us(["--depth", "4"])),
        ("stack, launched, tracer and target on CPU 0", lambda: launch_us([], ["taskset", "-c", "0"])),
    ]
    nat = []
    res = {v[0]: [] for v in variants}
    for rnd in range(ROUNDS):
        p = subprocess.run([b("dirty-pages"), "native", str(FAULT_PAGES)], capture_output=True, text=True)
        nat.append(float(p.stdout.split()[1]))
        for name, fn in variants:
            v = fn()
            res[name].append(v)
            log(f"  {name}: {v}")
    return med(nat), {k: med(v) for k, v in res.items()}


def part_startup():
    """The fixed cost of a traced run: a 1 MiB page-dirtier, 1 round."""
    log("start-up cost")
    argv = [b("page-dirtier"), "1", "1"]
    v = {m: [] for m in ("native", "pages", "stack", "async")}
    for _ in range(max(3, ROUNDS)):
        for m in v:
            v[m].append(run(wrap(m, argv, os.path.join(TMP, "s.json")))["wall"])
    return {m: med(x) for m, x in v.items()}


# ---------------------------------------------------------------- report

def fmt(x, f="%.2f"):
    return "-" if x is None else f % x


def report(cmdline, t_start, t_end, load0, load1, noise, res, summ, faults, kasync, steady, levers, startup):
    cpu, ncpu, kernel, mem, thp = machine()
    L = []
    L.append("# uffdtrace benchmarks (issue 7)\n")
    L.append(f"- Machine: {cpu}, {ncpu} CPUs, {mem:.0f} GiB, Linux {kernel}, THP `{thp}`")
    L.append(f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(t_start))}; "
             f"took {(t_end - t_start) / 60:.1f} min")
    L.append(f"- Command: `{cmdline}`; rounds: {ROUNDS}" + (" (BENCH_QUICK=1)" if QUICK else ""))
    L.append(f"- Load average at start {' '.join(load0)}, at end {' '.join(load1)}; "
             f"busiest processes at start: {noise}")
    L.append("- Every time is wall-clock of the whole command (tracer start-up and exit included) "
             "unless marked *work*: the workload's own timer around its work.  Slowdown: median over "
             "the rounds of (mode / native of the same round).  Cost per event: median of "
             "(mode - native) / events, in microseconds; events are the write faults of the --json "
             "totals, for async the pages found dirty summed over the epochs, for perf the "
             "page-fault samples.\n")

    L.append("## Workloads: slowdown vs native (cost per traced event, us)\n")
    cols = [m for m in ALL_MODES if any(m in s["modes"] for s in summ.values()) and m != "native"]
    head = ["workload", "native s"] + [{"interval": "interval 100", "async": "async 100"}.get(m, m) for m in cols] + ["valgrind lackey*"]
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "---|" * len(head))
    for name, s in summ.items():
        row = [name, fmt(s["native"], "%.3f")]
        for m in cols:
            x = s["modes"].get(m)
            if not x:
                row.append("-")
                continue
            cell = f"{fmt(x['slowdown'])}x ({fmt(x['cost'], '%.1f')})"
            if not x["ok"]:
                cell += " **WRONG**"
            if x["hung"]:
                cell += " **HANG**"
            row.append(cell)
        v = s.get("valgrind")
        row.append(f"{v['slowdown']:.0f}x" + ("" if v["ok"] else " **WRONG**") if v else "-")
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    L.append("Events per run (median) and checks:\n")
    L.append("| workload | " + " | ".join(cols) + " | checksums |")
    L.append("|" + "---|" * (len(cols) + 2))
    for name, s in summ.items():
        row = [name]
        for m in cols:
            x = s["modes"].get(m)
            if not x or x["events"] is None:
                row.append("-")
                continue
            extra = ""
            if m == "perf" and x["lost"]:
                extra = f" ({x['lost']:.0f}% lost)"
            if m in ("interval", "async") and x["nepochs"]:
                extra = f" ({x['nepochs']:.0f} epochs)"
            row.append(f"{x['events']:.0f}{extra}")
        allok = all(x["ok"] for x in s["modes"].values()) and (s.get("valgrind", {"ok": True})["ok"])
        row.append("all equal native" if allok else "**MISMATCH**")
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    L.append("Work-phase slowdown (the workload's own timer; start-up and exit left out):\n")
    L.append("| workload | native work s | " + " | ".join(cols) + " |")
    L.append("|" + "---|" * (len(cols) + 2))
    for name, s in summ.items():
        if s["native_work"] is None:
            continue
        row = [name, fmt(s["native_work"], "%.3f")]
        for m in cols:
            x = s["modes"].get(m)
            row.append(f"{fmt(x['work_slowdown'])}x ({fmt(x['work_cost'], '%.1f')})" if x else "-")
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    for name, s in summ.items():
        L.append(f"- {name}: {res[name]['desc']}" +
                 (f"; valgrind ran once on `{s['valgrind']['argv']}` ({s['valgrind']['wall']:.1f} s vs "
                  f"{s['valgrind']['native']:.3f} s native at that size)" if s.get("valgrind") else ""))
    L.append("\n\\* valgrind `--tool=lackey --trace-mem=yes` (log to /dev/null) is run once per workload, "
             f"at 1/{VALGRIND_DIV} of the size (the args shown), against native runs of that same size; "
             "its slowdown is per memory access, not per page, so it grows little with the size.\n")
    if startup:
        L.append("Start-up and exit (a 1 MiB page-dirtier, 1 round; wall s): " +
                 ", ".join(f"{m} {v:.3f}" for m, v in startup.items()) + "\n")

    L.append("## Cost per traced fault: bench/run.sh\n")
    L.append(f"One store to each of {FAULT_PAGES} never-touched, write-protected pages, "
             f"median of {FAULT_ROUNDS} rounds (`bench/run.sh {FAULT_PAGES} {FAULT_ROUNDS}`); "
             "us per page as the workload measures it; cost = that minus native (the zero-fill).\n")
    targets = []
    if faults:
        nat = faults["native"][0]
        inproc = faults["inproc"][0] - nat
        L.append("| mode | us per page | cost per fault us | vs in-process handler |")
        L.append("|---|---|---|---|")
        for m, (us, same) in faults.items():
            c = us - nat
            L.append(f"| {m} | {us:.2f} | {c:.2f} | {c / inproc:.2f}x |" if m != "native" else f"| native | {us:.2f} | - | - |")
        L.append("")
        for m, lim in (("pages", 1.5), ("insn", 3.0), ("stack", 3.0)):
            if m in faults:
                c = faults[m][0] - nat
                targets.append((f"{m}: cost per fault within {lim}x of the in-process uffd-wp handler",
                                c <= lim * inproc, f"{c:.1f} us vs {inproc:.1f} us = {c / inproc:.2f}x"))
        d = summ.get("dirtier", {}).get("modes", {})
        if d.get("pages") and d["pages"]["cost"] is not None:
            L.append(f"On the page-dirtier workload (wall-clock, start-up included): pages "
                     f"{d['pages']['cost']:.1f} us, insn {fmt(d.get('insn', {}).get('cost'), '%.1f')} us, "
                     f"stack {fmt(d.get('stack', {}).get('cost'), '%.1f')} us per fault.\n")

    L.append("## Async mode against the kernel's own cost\n")
    if kasync:
        L.append(f"bench/async-cost ({DIRTIER_MIB * 256} populated pages, in-process UFFD_FEATURE_WP_ASYNC, "
                 "PAGEMAP_SCAN with PM_SCAN_WP_MATCHING each round; us per page, median): "
                 f"plain store {kasync['plain']:.3f}, store with async fault {kasync['fault']:.3f}, "
                 f"scan and re-protect {kasync['scan']:.3f}; kernel async cost per page per epoch "
                 f"**{kasync['async_cost']:.3f} us**.\n")
        d = summ.get("dirtier", {}).get("modes", {}).get("async")
        if d and d["work_cost"] is not None:
            k = kasync["async_cost"]
            L.append(f"uffdtrace --mode=async --interval 100 on the page-dirtier: {d['work_cost']:.3f} us per "
                     f"dirtied page per epoch (work phase), {fmt(d['cost'], '%.3f')} us (wall-clock, start-up "
                     f"included), over {d['events']:.0f} page-epochs in {fmt(d['nepochs'], '%.0f')} epochs.\n")
            targets.append(("async: cost per dirtied page per epoch within 1.3x of the kernel's async cost",
                            d["work_cost"] <= 1.3 * k,
                            f"{d['work_cost']:.3f} us vs {k:.3f} us = {d['work_cost'] / k:.2f}x (work phase); "
                            f"wall-clock {fmt(d['cost'], '%.3f')} us = {fmt(d['cost'] / k if d['cost'] else None)}x"))

    L.append("## Steady writer\n")
    if steady:
        L.append(f"`{steady['argv']}`: {STEADY_PAGES} pages at {STEADY_RATE}/s, {steady['iters']} iterations "
                 f"(about {STEADY_WORK_US:.0f} us) of CPU work before each store, into a 64 MiB ring; "
                 "busy time = the sum of work+store times, sleeps left out.\n")
        L.append("| mode | busy s | slowdown (busy) | CPU s | slowdown (CPU) | cost per dirtied page us | page-epochs (ring included) | writer's own figures |")
        L.append("|---|---|---|---|---|---|---|---|")
        for m, x in steady["modes"].items():
            L.append(f"| {m} | {fmt(x['busy'], '%.4f')} | {fmt(x['slowdown'], '%.4f')}x | {fmt(x['cpu'], '%.4f')} | "
                     f"{fmt(x['cpu_slowdown'], '%.4f')}x | {fmt(x['cost'], '%.2f')} | "
                     f"{fmt(x['events'], '%.0f')} | {x['detail'].replace('steady-writer: ', '')} |")
        L.append("")
        a = steady["modes"].get("async")
        if a and a["slowdown"]:
            targets.append(("async: under 2% slowdown for a steady writer, 2000 pages/s, 100 ms interval",
                            a["slowdown"] < 1.02, f"{(a['slowdown'] - 1) * 100:+.2f}% busy time "
                            f"({fmt((a['cpu_slowdown'] - 1) * 100 if a['cpu_slowdown'] else None, '%+.2f')}% CPU time) "
                            f"(runs: {', '.join('%.4f' % v for v in a['all'])} s vs native "
                            f"{', '.join('%.4f' % v for v in steady['modes']['native']['all'])} s)"))

    if levers:
        nat, lv = levers
        L.append("## Levers (no code change)\n")
        L.append(f"bench/dirty-pages, {FAULT_PAGES} pages, us per page as the workload measures it (native {nat:.2f}); "
                 "median of the rounds.\n")
        L.append("| variant | us per page | cost per fault us |")
        L.append("|---|---|---|")
        for k, v in lv.items():
            L.append(f"| {k} | {fmt(v)} | {fmt(v - nat if v is not None else None)} |")
        L.append("")

    L.append("## Targets\n")
    L.append("| target | result | measured |")
    L.append("|---|---|---|")
    for t, ok, msg in targets:
        L.append(f"| {t} | {'met' if ok else '**missed**'} | {msg} |")
    L.append("")
    if problems or notes:
        L.append("## Problems found\n")
        for p in problems:
            L.append(f"- {p}")
        for n in notes:
            L.append(f"- {n}")
        L.append("")
    return "\n".join(L)


def guarded(fn):
    """One part failing (a bug here, or a tool missing) must not lose the others."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        problems.append(f"bench: {fn.__name__} failed: {e!r}")
        return None


def main():
    if not (os.access(UFFDTRACE, os.X_OK) and os.access(b("page-dirtier"), os.X_OK)):
        log("bench: build first (make bench)")
        return 1
    cmdline = " ".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("BENCH_"))
    cmdline = (cmdline + " " if cmdline else "") + "make bench" + (f" (bench/suite.py {' '.join(sys.argv[1:])})" if sys.argv[1:] else "")
    t_start, load0, noise = time.time(), loadavg(), busiest()
    try:
        res = {}
        part_workloads(res)
        summ = summarize(res)
        faults = guarded(part_faults) if os.environ.get("BENCH_SKIP_FAULTS") is None else None
        kasync = guarded(part_async_cost)
        steady = guarded(part_steady) if os.environ.get("BENCH_SKIP_STEADY") is None else None
        levers = guarded(part_levers) if LEVERS else None
        startup = guarded(part_startup)
        text = report(cmdline, t_start, time.time(), load0, loadavg(), noise, res, summ, faults, kasync,
                      steady, levers, startup)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    with open(RESULTS, "w") as f:
        f.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
