#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Damages and crafts .uft trace files for the bad-input tests: cuts them,
# flips bytes, forges versions and length fields (format: uffdtrace-trace(5)).
#
#   trace-mutate.py cuts FILE            offsets to cut at, each with the
#                                        events wholly before it
#   trace-mutate.py cut FILE OFF OUT     the first OFF bytes of FILE
#   trace-mutate.py flips FILE           offsets to flip a byte at
#   trace-mutate.py flip FILE OFF OUT [fixcrc]
#                                        byte OFF inverted; with fixcrc the
#                                        chunk checksums are put right
#   trace-mutate.py events FILE          the event records in FILE
#   trace-mutate.py lastchunk FILE       the offset of FILE's last chunk
#   trace-mutate.py fixcrc FILE OUT      FILE with its chunk checksums put
#                                        right, as tests/fuzz/fuzz-trace.c
#                                        does before reading
#   trace-mutate.py version FILE N OUT   FILE claiming format version N
#   trace-mutate.py craft CASE OUT       a forged trace (see CRAFT)
import struct
import sys

HEADER = 16
CHUNK_MAGIC = 0x4B4E4843
REC_INFO, REC_REGION, REC_THREAD, REC_EVENT, REC_STRING = 1, 2, 3, 4, 5
REC_FRAME, REC_STACK, REC_INSN, REC_END = 6, 7, 8, 9

_table = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    _table.append(c)


def crc32c(data):
    crc = 0xFFFFFFFF
    t = _table
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def chunks(d):
    """(offset, payload length, [(record offset, type, length)]) of every
    whole, well-formed chunk."""
    out = []
    off = struct.unpack_from('<I', d, 12)[0]
    while off + 16 <= len(d):
        magic, length, _crc, _n = struct.unpack_from('<4I', d, off)
        if magic != CHUNK_MAGIC or off + 16 + length > len(d):
            break
        recs = []
        p = off + 16
        while p + 8 <= off + 16 + length:
            t, _z, rl = struct.unpack_from('<HHI', d, p)
            recs.append((p, t, rl))
            p += 8 + rl
        out.append((off, length, recs))
        off += 16 + length
    return out


def fix_crcs(d):
    for off, length, _ in chunks(d):
        struct.pack_into('<I', d, off + 8, crc32c(d[off + 16:off + 16 + length]))


def events_before(cs, cut):
    return sum(1 for off, length, recs in cs if off + 16 + length <= cut
               for _, t, _ in recs if t == REC_EVENT)


def cmd_cuts(d):
    """Every chunk boundary and offsets inside each chunk's header, its
    first record header and its payload; and inside the file header."""
    cs = chunks(d)
    offs = set(range(8, HEADER + 1))
    for off, length, recs in cs:
        end = off + 16 + length
        offs.update((off, off + 1, off + 4, off + 8, off + 15, off + 16, off + 20,
                     off + 16 + length // 3, off + 16 + length // 2, end - 1))
        for p, _, rl in recs[:3]:
            offs.update((p + 3, p + 8 + rl // 2))
    offs = sorted(o for o in offs if 8 <= o < len(d))
    for o in offs:
        print(o, events_before(cs, o))


def cmd_flips(d):
    """The file header, every chunk header, the first record headers of
    each chunk and a spread of payload bytes."""
    offs = set(range(HEADER))
    for off, length, recs in chunks(d):
        offs.update(range(off, off + 16))
        for p, _, _ in recs[:2]:
            offs.update(range(p, p + 8))
        offs.update(range(off + 16, off + 16 + length, 97))
    for o in sorted(offs):
        print(o)


def le(fmt, *v):
    return struct.pack('<' + fmt, *v)


def rec(t, payload):
    return le('HHI', t, 0, len(payload)) + payload


def chunk(records, count=None, length=None, crc=None):
    payload = b''.join(records)
    return le('4I', CHUNK_MAGIC, len(payload) if length is None else length,
              crc32c(payload) if crc is None else crc,
              len(records) if count is None else count) + payload


def file_header(version=1, size=HEADER):
    return b'UFFDTRC\0' + le('II', version, size)


def event(region=0, stack=1, insn=1, addr=0x10000, time_ns=1000):
    return rec(REC_EVENT, le('QQQQ6QIIIiIIIIQ', time_ns, addr, 0x401000, 0x7ff000,
                             0, 0, 0, 0, 0, 0, 1, 1, region, -1, 0, stack, insn, 1, 1))


def context():
    """A region, strings, a frame, a stack and an instruction: enough for
    events to refer to."""
    return [rec(REC_INFO, b'command\0crafted'),
            rec(REC_REGION, le('IIIIQQQQ', 0, 1, 1, 0, 0x10000, 0x50000, 0, 0)),
            rec(REC_STRING, le('I', 1) + b'crafted'),
            rec(REC_STRING, le('I', 2) + b'main'),
            rec(REC_FRAME, le('IIIIiIQQ', 1, 1, 2, 0, 0, 0, 0x401000, 0)),
            rec(REC_STACK, le('II', 1, 1)),
            rec(REC_STRING, le('I', 3) + b'mov byte ptr [rax], 1'),
            rec(REC_INSN, le('IQIBBBB', 1, 0x401000, 3, 3, 0, 0, 0) + bytes(16))]


def end(events=1):
    return chunk([rec(REC_END, le('QQ', 2000, events))])


def craft(case):
    h = file_header()
    if case == 'valid':
        return h + chunk(context() + [event()]) + end()
    if case == 'chunk-len-max':          # a chunk of 4 GiB
        return h + le('4I', CHUNK_MAGIC, 0xFFFFFFFF, 0, 1) + bytes(64)
    if case == 'chunk-len-16m':          # the largest allowed, 100 bytes there
        return h + le('4I', CHUNK_MAGIC, 16 << 20, 0, 1) + bytes(100)
    if case == 'chunk-len-past-limit':   # one byte over the limit
        return h + le('4I', CHUNK_MAGIC, (16 << 20) + 1, 0, 1) + bytes(100)
    if case == 'record-len-max':         # a record of 4 GiB in a good chunk
        return h + chunk([le('HHI', REC_STRING, 0, 0xFFFFFFF0) + bytes(8)]) + end()
    if case == 'record-len-past-chunk':  # one byte past its chunk
        return h + chunk([le('HHI', REC_EVENT, 0, 121) + bytes(120)]) + end()
    if case == 'header-size-max':        # a 4 GiB file header
        return file_header(size=0xFFFFFFFF) + chunk(context()) + end()
    if case == 'header-size-short':      # a header longer than the file
        return file_header(size=4096) + bytes(100)
    if case == 'records-max':            # the record count says 2^32 - 1
        return h + chunk(context() + [event()], count=0xFFFFFFFF) + end()
    if case == 'records-zero':
        return h + chunk(context() + [event()], count=0) + end()
    if case == 'stack-depth-max':        # 2^32 - 1 frames claimed, 2 there
        return h + chunk(context() + [le('HHI', REC_STACK, 0, 0xFFFFFFFF) + le('III', 2, 1, 1)]) + end()
    if case == 'stack-no-frames':        # a stack record of its id alone
        return h + chunk(context() + [rec(REC_STACK, le('I', 2))]) + end()
    if case == 'string-len-max':
        return h + chunk(context() + [le('HHI', REC_STRING, 0, 0xFFFFFFFF) + le('I', 4) + b'x']) + end()
    if case == 'event-ids-max':          # ids past everything defined
        return h + chunk(context() + [event(region=0xFFFFFFFF, stack=0xFFFFFFFF,
                                            insn=0xFFFFFFFF)]) + end()
    if case == 'frame-string-max':
        return h + chunk(context() + [rec(REC_FRAME, le('IIIIiIQQ', 2, 0xFFFFFFFF, 2, 0, 0, 0, 0, 0))]) + end()
    if case == 'region-id-max':
        return h + chunk(context() + [rec(REC_REGION, le('IIIIQQQQ', 0xFFFFFFFF, 1, 1, 0, 0, 1, 0, 0))]) + end()
    if case == 'region-kind-max':
        return h + chunk(context() + [rec(REC_REGION, le('IIIIQQQQ', 1, 1, 0xFFFFFFFF, 0, 0, 1, 0, 0))]) + end()
    if case == 'insn-len-max':
        return h + chunk(context() + [rec(REC_INSN, le('IQIBBBB', 2, 1, 3, 255, 0, 0, 0) + bytes(16))]) + end()
    if case == 'time-max':               # the last nanosecond of 2^64
        return h + chunk(context() + [event(time_ns=0xFFFFFFFFFFFFFFFF)]) + end()
    if case == 'deep-stack':             # valid: a stack of 200000 frames
        return h + chunk(context() + [rec(REC_STACK, le('I', 2) + le('I', 1) * 200000),
                                      event(stack=2)]) + end()
    if case == 'long-strings':           # valid: two 6000-byte strings that
        a = b'f' * 5000                  # differ after 5000 bytes
        return h + chunk(context() + [rec(REC_STRING, le('I', 4) + a + b'a' * 1000),
                                      rec(REC_STRING, le('I', 5) + a + b'b' * 1000)]) + end(0)
    if case == 'unknown-records':        # valid: types of a later version
        return h + chunk(context() + [rec(77, bytes(40)), rec(0, b''), rec(0xFFFF, bytes(3)),
                                      event()]) + end()
    if case == 'after-end':              # a record after the end record
        return h + chunk(context() + [rec(REC_END, le('QQ', 1, 0)), event()])
    # Not in CRAFT or VALID: valid traces that make the model allocate far
    # more than the file holds (reported, see the cases' users).
    if case == 'region-heat-bomb':       # a 64 KiB heat map per region
        n = 20000
        recs = context()[2:]
        for r in range(n):
            recs.append(rec(REC_REGION, le('IIIIQQQQ', r, 1, 1, 0, 0x10000 + r * 0x10000,
                                            0x20000 + r * 0x10000, 0, 0)))
            recs.append(event(region=r, addr=0x10000 + r * 0x10000))
        return h + chunk(recs) + end(n)
    if case == 'epoch-bomb':             # a region_pages array per epoch
        n, regions = 20000, 2000
        recs = context()[2:]
        for r in range(regions):
            recs.append(rec(REC_REGION, le('IIIIQQQQ', r, 1, 1, 0, 0x10000, 0x20000, 0, 0)))
        for e in range(n):
            recs.append(rec(10, le('Q', e)))
            recs.append(event(region=regions - 1, addr=0x10000))
        return h + chunk(recs) + end(n)
    raise SystemExit('unknown case ' + case)


CRAFT = ['chunk-len-max', 'chunk-len-16m', 'chunk-len-past-limit', 'record-len-max',
         'record-len-past-chunk', 'header-size-max', 'header-size-short', 'records-max',
         'records-zero', 'stack-depth-max', 'stack-no-frames', 'string-len-max', 'event-ids-max',
         'frame-string-max', 'region-id-max', 'region-kind-max', 'insn-len-max', 'after-end']
VALID = ['valid', 'time-max', 'deep-stack', 'long-strings', 'unknown-records']


def main(a):
    if not a:
        raise SystemExit(__doc__)
    cmd = a[0]
    if cmd == 'cases':
        print('\n'.join(('bad ' if c in CRAFT else 'good ') + c for c in CRAFT + VALID))
        return
    if cmd == 'craft':
        open(a[2], 'wb').write(craft(a[1]))
        return
    d = bytearray(open(a[1], 'rb').read())
    if cmd == 'cuts':
        cmd_cuts(d)
    elif cmd == 'flips':
        cmd_flips(d)
    elif cmd == 'fixcrc':
        fix_crcs(d)
        open(a[2], 'wb').write(d)
    elif cmd == 'lastchunk':
        print(chunks(d)[-1][0])
    elif cmd == 'events':
        print(events_before(chunks(d), len(d)))
    elif cmd == 'cut':
        open(a[3], 'wb').write(d[:int(a[2])])
    elif cmd == 'flip':
        d[int(a[2])] ^= 0xFF
        if len(a) > 4 and a[4] == 'fixcrc':
            fix_crcs(d)
        open(a[3], 'wb').write(d)
    elif cmd == 'version':
        struct.pack_into('<I', d, 8, int(a[2]))
        open(a[3], 'wb').write(d)
    else:
        raise SystemExit('unknown command ' + cmd)


if __name__ == '__main__':
    main(sys.argv[1:])
