#!/usr/bin/env python3
"""Generates the CJK tables of the extractor from Adobe's CMap resources.

Input: the `cMap/` folder of Adobe's CMap resources (BSD-3-Clause), as
Debian's poppler-data package installs them under /usr/share/poppler/cMap.
Output, next to this script, both zlib-compressed:
  cid_unicode.bin  CID -> Unicode for the Adobe-Japan1, -GB1, -CNS1 and
                   -Korea1 character collections (from their *-UCS2 CMaps),
                   first scalar of each mapping, as zigzag varint deltas.
  cmaps.bin        code -> CID for the predefined horizontal CMaps that
                   PDFs name in /Encoding (vertical ones share the tables).

  python3 src/extract/cjk/generate.py [/usr/share/poppler/cMap]
"""
import os
import re
import sys
import zlib

ORDERINGS = ["Japan1", "GB1", "CNS1", "Korea1"]
# Predefined CMaps, by collection; the rare variants (HK subsets, Johab,
# GB/T, old JIS 78) are left out to keep the binary small, and near copies
# (GBKp-EUC-H, GBK2K-H) are read with GBK-EUC-H at run time.
CMAPS = {
    "Japan1": ["83pv-RKSJ-H", "90ms-RKSJ-H", "90msp-RKSJ-H", "90pv-RKSJ-H",
               "Add-RKSJ-H", "EUC-H", "Ext-RKSJ-H", "H", "RKSJ-H"],
    "GB1": ["GB-EUC-H", "GB-H", "GBK-EUC-H", "GBpc-EUC-H"],
    "CNS1": ["B5-H", "B5pc-H", "CNS-EUC-H", "ETen-B5-H", "ETenms-B5-H", "HKscs-B5-H"],
    "Korea1": ["KSC-EUC-H", "KSC-H", "KSCms-UHC-H", "KSCpc-EUC-H"],
}


def varint(n, out):
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def zigzag(n):
    return (n << 1) ^ (n >> 63) if n < 0 else n << 1


def hexpairs(block):
    return re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block)


def ucs2(path):
    text = open(path, encoding="latin-1").read()
    table = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for cid, dst in hexpairs(block):
            table[int(cid, 16)] = bytes.fromhex(dst).decode("utf-16-be", "replace")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(
            r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            lo, hi, dst = int(lo, 16), int(hi, 16), bytes.fromhex(dst)
            for cid in range(lo, hi + 1):
                # The last UTF-16 unit counts up along the range.
                units = bytearray(dst)
                last = int.from_bytes(units[-2:], "big") + cid - lo
                units[-2:] = last.to_bytes(2, "big")
                table[cid] = bytes(units).decode("utf-16-be", "replace")
    return table


def cmap(folder, name):
    text = open(os.path.join(folder, name), encoding="latin-1").read()
    codespaces, ranges = [], []
    for parent in re.findall(r"/([A-Za-z0-9-]+)\s+usecmap", text):
        codespaces, ranges = cmap(folder, parent)
    for block in re.findall(r"begincodespacerange(.*?)endcodespacerange", text, re.S):
        codespaces += [(bytes.fromhex(a), bytes.fromhex(b)) for a, b in hexpairs(block)]
    for block in re.findall(r"begincidrange(.*?)endcidrange", text, re.S):
        for lo, hi, cid in re.findall(
            r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\d+)", block
        ):
            ranges.append((len(lo) // 2, int(lo, 16), int(hi, 16), int(cid)))
    for block in re.findall(r"begincidchar(.*?)endcidchar", text, re.S):
        for code, cid in re.findall(r"<([0-9a-fA-F]+)>\s*(\d+)", block):
            ranges.append((len(code) // 2, int(code, 16), int(code, 16), int(cid)))
    return codespaces, ranges


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/poppler/cMap"
    here = os.path.dirname(os.path.abspath(__file__))

    out = bytearray()
    for ordering in ORDERINGS:
        table = ucs2(os.path.join(root, f"Adobe-{ordering}", f"Adobe-{ordering}-UCS2"))
        count = max(table) + 1
        varint(count, out)
        prev = 0
        for cid in range(count):
            scalar = ord(table[cid][0]) if cid in table and table[cid] else 0
            if scalar == 0xFFFD:
                scalar = 0
            varint(zigzag(scalar - prev), out)
            prev = scalar
    with open(os.path.join(here, "cid_unicode.bin"), "wb") as f:
        f.write(zlib.compress(bytes(out), 9))

    out = bytearray()
    names = [(o, n) for o in ORDERINGS for n in CMAPS[o]]
    varint(len(names), out)
    for ordering, name in names:
        codespaces, ranges = cmap(os.path.join(root, f"Adobe-{ordering}"), name)
        out.append(len(name))
        out += name.encode()
        out.append(ORDERINGS.index(ordering))
        varint(len(codespaces), out)
        for lo, hi in codespaces:
            out.append(len(lo))
            out += lo + hi
        varint(len(ranges), out)
        prev_cid = 0
        for length, lo, hi, cid in ranges:
            out.append(length)
            varint(lo, out)
            varint(hi - lo, out)
            varint(zigzag(cid - prev_cid), out)
            prev_cid = cid + hi - lo + 1
    with open(os.path.join(here, "cmaps.bin"), "wb") as f:
        f.write(zlib.compress(bytes(out), 9))


if __name__ == "__main__":
    main()
