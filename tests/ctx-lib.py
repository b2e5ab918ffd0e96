# SPDX-License-Identifier: GPL-2.0-or-later
# Checks shared by the write-context tests (tests/ctx-*.test), prepended to
# each test's own checks and run by jcheck.py (J, T, check, ... are its).
# PROG (from the environment) is the basename of the traced ctx target.
import os
import re

PROG = os.environ.get("CTX_PROG", "")
CHAIN = ["f3", "f2", "f1", "f0", "main"]
CHAIN_FILES = ["ctx-f3.c", "ctx-f2.c", "ctx-f1.c", "ctx-f0.c", "ctx-main.c"]
DIRECT = ["byte", "qword", "stosb", "avx"]   # stores in f3 itself
LIBC = ["memset", "memcpy"]                  # stores in libc, called by f3
VEC = r"v?mov(dq[au](8|16|32|64)?|dq[au]|[au]p[sd]|nt(dq|p[sd]))\s+[xyz]mmword ptr \["
# The store instruction of each kind: exact for f3's own stores; for libc,
# what its string functions use (rep stos/movs or a vector store).
INSN = {
    "byte": r"^mov byte ptr \[\w+\], \w+$",
    "qword": r"^mov qword ptr \[\w+\], \w+$",
    "stosb": r"^rep stosb byte ptr \[rdi\], al$",
    "avx": r"^vmovdqu ymmword ptr \[\w+\], ymm0$",
    "memset": r"^(rep stos[bq] \w+ ptr \[rdi\], (al|rax)|" + VEC + r".*)$",
    "memcpy": r"^(rep movs[bq] \w+ ptr \[rdi\], \w+ ptr \[rsi\]|" + VEC + r".*)$",
}
LIBC_FN = {"memset": r"memset", "memcpy": r"mem(cpy|move)"}


def base(p):
    return os.path.basename(p) if p else p


def done(kind):
    """Kinds the target did (avx only with AVX)."""
    return kind + "_line" in T


def libc_symbols():
    """Does libc have symbols for its internal functions here (a debug
    file)?  Without, their names cannot be checked."""
    return any(f["function"] == "__libc_start_call_main"
               for s in J["sites"] for f in s["frames"])


def chain_site(kind, prog=None, lines=True):
    """The one site of KIND's store: f3 (and the libc function it calls)
    over f2 f1 f0 main; with LINES, f3 at the kind's line."""
    prog = prog or PROG
    i = 1 if kind in LIBC else 0
    def ok(s):
        fr = s["frames"]
        if len(fr) <= i or fr[i]["function"] != "f3" or fr[i]["module"] != prog:
            return False
        return not lines or fr[i]["line"] == T[kind + "_line"]
    c = [s for s in J["sites"] if ok(s)]
    check(len(c) == 1, "%s: one site for the %s store in f3%s: %d" %
          (prog, kind, " at line %d" % T[kind + "_line"] if lines else "", len(c)))
    return c[0] if len(c) == 1 else None


def check_libc_frame(kind, fr, what):
    check(fr["module"] == "libc.so.6", "%s: module %s is libc.so.6" % (what, fr["module"]))
    if fr["function"] is None:
        check(not libc_symbols(), "%s: libc has symbols, yet no function" % what)
    else:
        check(re.search(LIBC_FN[kind], fr["function"]) is not None,
              "%s: libc function %s is a %s" % (what, fr["function"], kind))


def check_chain_site(kind, s, prog=None, lines=True, depth=None):
    """Everything about the site of one store of KIND, made once to one page."""
    prog = prog or PROG
    if s is None:
        return
    what = "%s %s" % (prog, kind)
    check(s["kind"] == "user" and "syscall" not in s, "%s: kind user, no syscall: %s %s" %
          (what, s["kind"], s.get("syscall")))
    check(s["pages"] == 1 and s["faults"] == 1, "%s: pages %d faults %d, expected 1 1" %
          (what, s["pages"], s["faults"]))
    check(s["insn"] is not None and re.search(INSN[kind], s["insn"]) is not None,
          "%s: insn %r is a %s store" % (what, s["insn"], kind))
    fr = s["frames"]
    st = s["stack"]
    check(len(st) == len(fr), "%s: stack and frames agree in length" % what)
    check(s["function"] == fr[0]["function"] and s["module"] == fr[0]["module"] and
          s["offset"] == fr[0]["offset"] and s["line"] == fr[0]["line"] and
          s["file"] == fr[0]["file"],
          "%s: the site is its innermost frame" % what)
    check(s["name"] == st[0], "%s: name %s is stack[0] %s" % (what, s["name"], st[0]))
    i = 0
    if kind in LIBC:
        check_libc_frame(kind, fr[0], what + " frame 0")
        i = 1
    want = CHAIN if depth is None else CHAIN[:depth - i]
    check(st[i:i + len(want)] == want, "%s: stack %s has %s from frame %d" %
          (what, st, " ".join(want), i))
    check(all(f["module"] == prog for f in fr[i:i + len(want)]),
          "%s: frames %s are in %s" % (what, [f["module"] for f in fr[i:i + len(want)]], prog))
    if depth is not None:
        check(len(st) == depth, "%s: stack of %d frames, --depth %d" % (what, len(st), depth))
    if lines:
        f3 = fr[i]
        check(base(f3["file"]) == "ctx-f3.c" and f3["line"] == T[kind + "_line"],
              "%s: f3 at %s:%d, expected ctx-f3.c:%d" % (what, f3["file"], f3["line"], T[kind + "_line"]))
        for k in range(1, len(want)):
            f = fr[i + k]
            check(base(f["file"]) == CHAIN_FILES[k] and f["line"] > 0,
                  "%s: %s at %s:%d, in %s" % (what, f["function"], f["file"], f["line"], CHAIN_FILES[k]))


def check_pages(kinds):
    """Each kind's page took one fault, from user code; nothing else in the
    buffer (needs --top 10000)."""
    bp = {h(p["page"]): p for p in J["busiest_pages"]}
    for k in kinds:
        p = bp.get(T[k + "_page"])
        check(p is not None and p["faults"] == 1 and p["kernel_faults"] == 0,
              "%s page %#x: one user fault: %s" % (k, T[k + "_page"], p))
    n = len(page_set(T["lo"], T["hi"]))
    check(n == len(kinds), "buffer %#x-%#x: %d pages written, expected %d" %
          (T["lo"], T["hi"], n, len(kinds)))


def chain_sites():
    """Sites with f3 anywhere in their stack."""
    return [s for s in J["sites"] if any(f["function"] == "f3" for f in s["frames"])]
