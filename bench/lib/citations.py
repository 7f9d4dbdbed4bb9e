#!/usr/bin/env python3
"""Precision and recall of paperdex's citation links on the development corpus.

Lays out a data directory with the corpus PDFs under their catalog ids (a PDF's file name is its
id, or the last part of one of the entry's URLs), runs `paperdex update --offline` with the
project's catalog, and compares `cite/links.json` with the links judged by hand in
bench/citations.tsv. Every citing paper of the corpus is in scope: a link paperdex finds that
the judged set lacks is a false positive, a judged link it misses a false negative. Links graded
`?` are not scored either way. Writes the figures, the misses and the false positives to
bench/results/citations.md (or --out).

It also measures whether in-library citations would help ranking: the queries of
bench/judgments.tsv are run on the same data directory (`search --json --limit 50`), the hits
re-ranked by score * (1 + w * ln(1 + cited_by)) for a few weights w, and nDCG@10 compared with
the unchanged ranking (w = 0).

The same is then scored on the text in --texts DIR/<pdf name>.txt (by default the corpus's
pdftotext output, ../shared/corpus/reference) instead of paperdex's extractor, which shows how
the matching holds up on another extractor's text: columns interleaved, small capitals split.

    python3 bench/lib/citations.py [--pdfs DIR] [--texts DIR] [--bin PATH] [--work DIR] [--out FILE]
"""
import argparse
import glob
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.parse

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(BENCH)


def relative(path):
    """A path as seen from the repository, so results name no folder of this machine."""
    return os.path.relpath(os.path.abspath(path), REPO)


def catalog_entries(folder):
    entries = []
    for path in sorted(glob.glob(os.path.join(folder, "*.toml"))):
        with open(path, "rb") as f:
            entries.extend(tomllib.load(f).get("entry", []))
    return entries


def corpus_ids(pdf_dir, entries):
    """Maps each PDF of the corpus to its catalog id."""
    by_id = {e["id"]: e for e in entries}
    by_name = {}
    for e in entries:
        for url in e.get("urls", []):
            name = urllib.parse.unquote(url.rsplit("/", 1)[-1])
            by_name.setdefault(name, e["id"])
    out = {}
    for path in sorted(glob.glob(os.path.join(pdf_dir, "*.pdf"))):
        name = os.path.basename(path)
        stem = name[:-4]
        if stem in by_id:
            out[path] = stem
        elif name in by_name:
            out[path] = by_name[name]
        else:
            print(f"citations: no catalog entry for {name}; skipped", file=sys.stderr)
    return out


def lay_out_texts(folder, ids, data):
    """Writes text/<id>.txt and the extract stage's records for texts made elsewhere."""
    os.makedirs(os.path.join(data, "text"))
    records = {}
    for path, id_ in ids.items():
        source = os.path.join(folder, os.path.basename(path)[:-4] + ".txt")
        if not os.path.exists(source):
            continue
        with open(source, encoding="utf-8", errors="replace") as f:
            text = f.read()
        with open(os.path.join(data, "text", id_ + ".txt"), "w") as f:
            f.write(text)
        digest = hashlib.sha256(text.encode()).hexdigest()
        records[id_] = {"sha256": digest, "extractor": 0, "pages": text.count("\f") + 1}
    with open(os.path.join(data, "text", "status.json"), "w") as f:
        json.dump({"entries": records}, f)


WEIGHTS = [0.0, 0.05, 0.1, 0.2, 0.5]


def ndcg(ranked, grades, k=10):
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def ranking(binary, env, judgments):
    """nDCG@10 per weight of a citation boost, with the queries it helps and hurts."""
    queries = []
    with open(judgments) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            query, rest = line.rstrip("\n").split("\t", 1)
            grades = {i.rsplit("=", 1)[0]: int(i.rsplit("=", 1)[1]) for i in rest.split()}
            out = subprocess.run([binary, "search", "--json", "--limit", "50", query],
                                 env=env, check=True, capture_output=True, text=True).stdout
            queries.append((grades, json.loads(out)["hits"]))
    rows = []
    base = [ndcg([h["id"] for h in hits], g) for g, hits in queries]
    for w in WEIGHTS:
        scores = []
        for g, hits in queries:
            ranked = sorted(hits, key=lambda h: -h["score"] * (1 + w * math.log1p(h["cited_by"])))
            scores.append(ndcg([h["id"] for h in ranked], g))
        better = sum(1 for a, b in zip(scores, base) if a > b + 1e-9)
        worse = sum(1 for a, b in zip(scores, base) if a < b - 1e-9)
        rows.append((w, sum(scores) / len(scores), better, worse))
    return len(queries), rows


def judged(path):
    sure, unsure = set(), set()
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            (sure if cols[2] == "1" else unsure).add((cols[0], cols[1]))
    return sure, unsure


def evaluate(binary, ids, catalog, work, judged_path, texts=None):
    """Lays out a data directory, finds the citations and scores them against the judged set."""
    data = os.path.join(work, "data")
    shutil.rmtree(work, ignore_errors=True)
    env = dict(os.environ, PAPERDEX_DATA=data, PAPERDEX_CATALOG=catalog, NO_COLOR="1")
    if texts:
        lay_out_texts(texts, ids, data)
        subprocess.run([binary, "-q", "index"], env=env, check=True)
    else:
        os.makedirs(os.path.join(data, "pdf"))
        for path, id_ in ids.items():
            shutil.copyfile(path, os.path.join(data, "pdf", id_ + ".pdf"))
        subprocess.run([binary, "-q", "update", "--offline"], env=env, check=True)
    # The cite stage alone: forget its results and index again (the index itself is current).
    os.remove(os.path.join(data, "cite", "links.json"))
    started = time.perf_counter()
    subprocess.run([binary, "-q", "index"], env=env, check=True)
    seconds = time.perf_counter() - started

    with open(os.path.join(data, "cite", "links.json")) as f:
        links = json.load(f)
    scope = set(ids.values())
    found = {}
    no_bibliography = []
    for citing, doc in links["documents"].items():
        if citing not in scope:
            continue
        if not doc["bibliography"]:
            no_bibliography.append(citing)
        for c in doc["citations"]:
            found[(citing, c["id"])] = c["reference"]
    sure, unsure = judged(judged_path)
    sure = {l for l in sure if l[0] in scope}
    scored = {l for l in found if l not in unsure}
    tp = scored & sure
    return {
        "env": env,
        "sure": len(sure),
        "unsure": len(unsure),
        "scored": len(scored),
        "correct": len(tp),
        "precision": len(tp) / len(scored) if scored else float("nan"),
        "recall": len(tp) / len(sure) if sure else float("nan"),
        "fp": [(a, b, found[(a, b)]) for a, b in sorted(scored - sure)],
        "fn": sorted(sure - scored),
        "no_bibliography": sorted(no_bibliography),
        "seconds": seconds,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pdfs", default=os.path.join(os.path.dirname(REPO), "shared/corpus/pdf"))
    ap.add_argument("--texts", default=os.path.join(os.path.dirname(REPO), "shared/corpus/reference"),
                    help="also score the text in DIR/<pdf name>.txt (skipped when DIR is missing)")
    ap.add_argument("--bin", default=os.path.join(REPO, "target/release/paperdex"))
    ap.add_argument("--work", default=os.path.join(BENCH, "work/citations"))
    ap.add_argument("--judged", default=os.path.join(BENCH, "citations.tsv"))
    ap.add_argument("--out", default=os.path.join(BENCH, "results/citations.md"))
    args = ap.parse_args()

    catalog = os.path.join(REPO, "catalog")
    entries = catalog_entries(catalog)
    titles = {e["id"]: e["title"] for e in entries}
    ids = corpus_ids(args.pdfs, entries)
    if not ids:
        sys.exit(f"citations: no PDF of the catalog in {args.pdfs}; pass --pdfs DIR")
    runs = [("paperdex's extractor", evaluate(args.bin, ids, catalog,
                                              os.path.join(args.work, "extracted"), args.judged))]
    if args.texts and os.path.isdir(args.texts):
        runs.append((f"text of `{relative(args.texts)}`",
                     evaluate(args.bin, ids, catalog, os.path.join(args.work, "given"),
                              args.judged, texts=args.texts)))
    main_run = runs[0][1]
    n_queries, rank_rows = ranking(args.bin, main_run["env"], os.path.join(BENCH, "judgments.tsv"))
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()

    def row(label, key, fmt="{}"):
        return f"| {label} | " + " | ".join(fmt.format(r[key]) for _, r in runs) + " |"

    lines = [
        "# Citation links on the development corpus",
        "",
        f"paperdex {commit}, `bench/lib/citations.py`: {len(ids)} PDFs of the corpus under their "
        f"catalog ids and the project's catalog ({len(entries)} entries); the text from "
        "paperdex's own extractor (`paperdex update --offline`) and, to see how matching holds "
        "up on another extractor's text (columns interleaved, small capitals split), from "
        "pdftotext's (`paperdex index` on the given text). `cite/links.json` is compared with "
        "the links judged by hand in `bench/citations.tsv`; every citing paper of the corpus is "
        "in scope, so any link not judged is a false positive.",
        "",
        "| | " + " | ".join(label for label, _ in runs) + " |",
        "| --- |" + " ---: |" * len(runs),
        row("judged links (grade 1)", "sure"),
        row("judged unclear (grade ?, not scored)", "unsure"),
        row("links found (scored)", "scored"),
        row("correct", "correct"),
        row("precision", "precision", "{:.3f}"),
        row("recall", "recall", "{:.3f}"),
        "| papers without a list of references found | "
        + " | ".join(str(len(r["no_bibliography"])) for _, r in runs) + " |",
        row("`index` with only the citations to find (s)", "seconds", "{:.2f}"),
    ]
    for label, r in runs:
        lines += ["", f"## With {label}", "", "False positives:", ""]
        lines += [f"- {a} -> {b}: {ref}" for a, b, ref in r["fp"]] or ["- none"]
        lines += ["", "Missed:", ""]
        lines += [f"- {a} -> {b} ({titles.get(b, '?')})" for a, b in r["fn"]] or ["- none"]
        lines += ["", "Papers without a list of references found:", ""]
        lines += [f"- {p}" for p in r["no_bibliography"]] or ["- none"]
    lines += [
        "",
        "## Citations as a ranking signal",
        "",
        f"The {n_queries} queries of `bench/judgments.tsv` on the first data directory (the "
        "project's catalog, so entries without a PDF take part too), the top 50 hits re-ranked "
        "by score * (1 + w * ln(1 + cited_by)); w = 0 is the ranking paperdex ships.",
        "",
        "| w | nDCG@10 | queries better | queries worse |",
        "| ---: | ---: | ---: | ---: |",
    ]
    lines += [f"| {w} | {n:.4f} | {b} | {x} |" for w, n, b, x in rank_rows]
    report = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    main()
