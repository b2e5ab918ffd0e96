# SPDX-License-Identifier: GPL-2.0-or-later
"""Check a picture of "uffdtrace report --svg" against the JSON summary of
the same trace and the ground truth of tests/svg-target.

Usage: python3 svg-check.py SVG JSON TRUTH pages|faults
Every check is logged; the exit status is 1 if any failed."""
import json
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
failures = 0


def check(cond, what):
    global failures
    print(("ok:   " if cond else "FAIL: ") + what)
    if not cond:
        failures += 1
    return cond


def close(a, b, tol=0.05):
    return b != 0 and abs(a / b - 1) <= tol


def main():
    svg_path, json_path, truth_path, weight = sys.argv[1:5]
    try:
        root = ET.parse(svg_path).getroot()
    except ET.ParseError as e:
        check(False, "%s parses as XML: %s" % (svg_path, e))
        return 1
    check(root.tag == NS + "svg", "the root element is <svg>")
    with open(json_path) as f:
        J = json.load(f)
    T = {}
    with open(truth_path) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            T[k] = int(v, 0)
    check(T["protected"] == 1, "the buffer was protected before the writes")
    groups = {g.get("id"): g for g in root.iter(NS + "g") if g.get("id")}

    # The header names the command and the pid.
    texts = ["".join(t.itertext()) for t in root.iter(NS + "text")]
    check(any("svg-target" in t for t in texts), "the header names the command")
    check(any("pid %d" % J["target"]["pid"] in t for t in texts), "the header gives the pid")

    # The flame graph: each writer a frame, widths in proportion to weight.
    flame = groups.get("flame")
    if not check(flame is not None, "a flame graph (g#flame)"):
        return 1
    check(flame.get("data-weight") == weight, "weighted by %s" % weight)
    frames = {}
    for g in flame.iter(NS + "g"):
        r = g.find(NS + "rect")
        if r is None or r.get("data-name") is None:
            continue
        name = r.get("data-name")
        w = frames.setdefault(name, [0.0, 0, []])
        w[0] += float(r.get("width"))
        w[1] += int(r.get("data-weight"))
        w[2].append("".join(g.find(NS + "title").itertext()))
    fn = {f["name"]: f for f in J["functions"]}
    want = {}
    for name, pages in (("writer_small", T["small"]), ("writer_big", T["big"])):
        check(name in frames, "a frame for %s" % name)
        check(name in fn, "%s in the JSON functions" % name)
        want[name] = pages if weight == "pages" else fn.get(name, {}).get("faults", 0)
        if name in frames:
            unit = weight if want[name] != 1 else weight[:-1]
            check(frames[name][1] == want[name], "%s weighs %d %s (got %d)"
                  % (name, want[name], weight, frames[name][1]))
            check(any(t.startswith("%s (%d %s, " % (name, want[name], unit)) for t in frames[name][2]),
                  "the title of %s: %s" % (name, frames[name][2]))
    if "writer_small" in frames and "writer_big" in frames:
        got = frames["writer_small"][0] / frames["writer_big"][0]
        exp = want["writer_small"] / want["writer_big"]
        check(close(got, exp), "width ratio small:big %.4f, expected %.4f" % (got, exp))
    rootframe = frames.get("all")
    total = J["totals"]["faults"] if weight == "faults" else J["totals"]["pages"]
    check(rootframe is not None and rootframe[1] == total,
          "the root frame weighs the total %d" % total)

    # The heat map: a band over the buffer whose cells add up to its pages.
    heat = groups.get("heat")
    if not check(heat is not None, "a heat map (g#heat)"):
        return 1
    lo, hi = T["buf_start"], T["buf_end"]
    bands = [b for b in heat.iter(NS + "g") if b.get("class") == "band"]
    regions = [r for r in J["regions"] if r["pages"] > 0]
    check(len(bands) == len(regions), "one band per region with pages (%d, %d)"
          % (len(bands), len(regions)))
    starts = [int(b.get("data-start"), 16) for b in bands]
    check(starts == sorted(starts), "bands in address order")
    mine = [b for b in bands if int(b.get("data-start"), 16) < hi and int(b.get("data-end"), 16) > lo]
    check(len(mine) >= 1, "a band covers the buffer")
    for b in bands:
        cells = sum(int(c.get("data-pages")) for c in b.iter(NS + "rect") if c.get("class") == "hc")
        reg = [r for r in J["regions"] if r["id"] == int(b.get("data-region"))]
        check(len(reg) == 1 and cells == int(b.get("data-pages")) == reg[0]["pages"],
              "band %s: cells add up to %d pages, the region has %s"
              % (b.get("data-start"), cells, reg[0]["pages"] if reg else "?"))
    check(sum(int(b.get("data-pages")) for b in mine) == T["small"] + T["big"],
          "the buffer's bands hold its %d pages" % (T["small"] + T["big"]))

    # The dirty-rate chart: its bars add up to the pages dirtied.
    rate = groups.get("rate")
    if check(rate is not None, "a dirty-rate chart (g#rate)"):
        bars = sum(int(r.get("data-pages")) for r in rate.iter(NS + "rect") if r.get("data-pages"))
        check(bars == J["totals"]["pages"], "rate bars add up to %d pages (got %d)"
              % (J["totals"]["pages"], bars))
    return 1 if failures else 0


sys.exit(main())
