#!/usr/bin/env python3
"""Synthetic libraries for the scale benchmark.

Builds N catalog entries with paper-sized bodies (5,000-8,000 words, pages of 500-900 words
separated by form feeds) whose words follow the word frequencies of a folder of real paper
texts; with --pages-per-doc P each body is P pages of 500-900 words instead, so a library of a
million entries fits on one disk (one page each is about 5 GB of text rather than 40).
Everything is driven by a seeded RNG, so two runs with the same arguments write the same bytes.

    synth.py pool   --words-from DIR --out POOL --count N [--seed S] [--pages-per-doc P]
    synth.py layout --pool POOL --count N --out DIR

`pool` writes POOL/<id>.txt plus POOL/meta.tsv (id, title, topic, pages); it is reused when a
pool of at least N entries with the same seed exists. `layout` makes DIR/catalog/synthetic.toml
(split in files of --per-file entries) and DIR/data/text/ (hard links into the pool, plus status.json) for the first N entries, the
layout `paperdex --catalog DIR/catalog --data-dir DIR/data index` reads.
"""
import argparse
import bisect
import collections
import itertools
import json
import os
import random
import re
import sys

TOPICS = [
    "papers/consensus", "papers/replication", "papers/storage", "papers/transactions",
    "papers/peer-to-peer", "papers/time-and-clocks", "papers/fault-tolerance",
    "papers/cluster-management", "papers/networking", "papers/verification",
]
STREAM_WORDS = 3_000_000  # words sampled once; pages are slices of this stream at random offsets
VOCAB = 40_000


def word_table(folder):
    counts = collections.Counter()
    for name in sorted(os.listdir(folder)):
        if name.endswith(".txt"):
            with open(os.path.join(folder, name), errors="ignore") as f:
                counts.update(re.findall(r"[a-z]{2,}", f.read().lower()))
    common = counts.most_common(VOCAB)
    if not common:
        sys.exit(f"synth: no words in {folder}")
    words = [w for w, _ in common]
    cum = list(itertools.accumulate(c for _, c in common))
    return words, cum


def pool(args):
    os.makedirs(args.out, exist_ok=True)
    stamp = os.path.join(args.out, "stamp.json")
    want = {"seed": args.seed, "source": os.path.abspath(args.words_from), "version": 1,
            "pages_per_doc": args.pages_per_doc}
    if os.path.exists(stamp):
        with open(stamp) as f:
            have = json.load(f)
        # Pools written before --pages-per-doc existed are paper-sized (0).
        have.setdefault("pages_per_doc", 0)
        if {k: have.get(k) for k in want} == want and have.get("count", 0) >= args.count:
            print(f"synth: reusing the pool of {have['count']} entries in {args.out}", file=sys.stderr)
            return
    words, cum = word_table(args.words_from)
    rng = random.Random(args.seed)
    total = cum[-1]
    stream = [words[bisect.bisect(cum, rng.random() * total)] for _ in range(STREAM_WORDS)]
    title_words = [w for w in words[200:6000] if len(w) > 3]
    meta = []
    every = 100000 if args.count >= 1000000 else 10000
    for i in range(args.count):
        ident = f"syn-{i + 1:06d}"
        # Paper-sized: pages until a 5,000-8,000 word target; else a fixed number of pages.
        target = rng.randint(5000, 8000) if args.pages_per_doc <= 0 else None
        pages = []
        n = 0
        while (n < target) if target else (len(pages) < args.pages_per_doc):
            size = rng.randint(500, 900)
            if target:
                size = min(size, target - n)
            start = rng.randrange(0, STREAM_WORDS - size)
            chunk = stream[start:start + size]
            lines = [" ".join(chunk[j:j + 12]) for j in range(0, len(chunk), 12)]
            pages.append("\n".join(lines))
            n += size
        title = " ".join(rng.sample(title_words, rng.randint(3, 8))).capitalize()
        topic = TOPICS[rng.randrange(len(TOPICS))]
        with open(os.path.join(args.out, ident + ".txt"), "w") as f:
            f.write("\x0c".join(pages))
        meta.append((ident, title, topic, len(pages)))
        if (i + 1) % every == 0:
            print(f"synth: {i + 1}/{args.count} texts", file=sys.stderr)
    with open(os.path.join(args.out, "meta.tsv"), "w") as f:
        for row in meta:
            f.write("\t".join(map(str, row)) + "\n")
    with open(stamp, "w") as f:
        json.dump(dict(want, count=args.count), f)


def layout(args):
    with open(os.path.join(args.pool, "meta.tsv")) as f:
        rows = [line.rstrip("\n").split("\t") for line in itertools.islice(f, args.count)]
    if len(rows) < args.count:
        sys.exit(f"synth: the pool in {args.pool} has only {len(rows)} entries")
    cat = os.path.join(args.out, "catalog")
    text = os.path.join(args.out, "data", "text")
    os.makedirs(cat, exist_ok=True)
    os.makedirs(text, exist_ok=True)
    status = {"entries": {}}
    rng = random.Random(args.count)
    for old in os.listdir(cat):
        if old.endswith(".toml"):
            os.remove(os.path.join(cat, old))
    per = args.per_file if args.per_file > 0 else len(rows)
    files = {}
    for k, (ident, title, topic, pages) in enumerate(rows):
        name = "synthetic.toml" if per >= len(rows) else f"synthetic-{k // per + 1:04d}.toml"
        if name not in files:
            files[name] = open(os.path.join(cat, name), "w")
        f = files[name]
        year = 1970 + rng.randrange(55)
        f.write(f'[[entry]]\nid = "{ident}"\ntitle = "{title}"\nyear = {year}\n'
                f'kind = "paper"\ntopics = ["{topic}"]\n\n')
        dst = os.path.join(text, ident + ".txt")
        if not os.path.exists(dst):
            src = os.path.join(args.pool, ident + ".txt")
            try:
                os.link(src, dst)
            except OSError:
                with open(src, "rb") as a, open(dst, "wb") as b:
                    b.write(a.read())
        digest = f"{int(ident[4:]):064x}"
        status["entries"][ident] = {"sha256": digest, "extractor": 1, "pages": int(pages)}
    for f in files.values():
        f.close()
    with open(os.path.join(text, "status.json"), "w") as f:
        json.dump(status, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pool")
    p.add_argument("--words-from", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=20261121)
    p.add_argument("--pages-per-doc", type=int, default=0,
                   help="pages of 500-900 words per body; 0 for paper-sized bodies of "
                        "5,000-8,000 words [0]")
    p = sub.add_parser("layout")
    p.add_argument("--pool", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--per-file", type=int, default=1000,
                   help="entries per catalog file, 0 for one file [1000]")
    args = ap.parse_args()
    {"pool": pool, "layout": layout}[args.cmd](args)


if __name__ == "__main__":
    main()
