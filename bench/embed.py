#!/usr/bin/env python3
"""Embedding benchmark: paperdex's Rust model against sentence-transformers on the same texts.

Usage: bench/embed.py [--model DIR] [--python PY] [--runs N] [--no-build]

  --model DIR   an all-MiniLM-L6-v2 folder (default: $PAPERDEX_MODEL, else the one .ci/run
                unpacks into target/test-model/all-MiniLM-L6-v2)
  --python PY   a Python with sentence-transformers installed, for the peer figures (skipped
                without it)
  --runs N      repetitions; every figure is a median (default 5)

Measures, on this machine's cores:
  - whole-process time to load the model and exit, and to load it and embed one short query;
  - in-process time to embed the catalog's entries ("title. summary"), for several schedules
    (batches side by side on rayon's threads, or one batch at a time with candle splitting
    each matrix product; batch sizes; one thread);
  - a warm short query, the incremental store update, and nearest-neighbour search over the
    catalog and over 100,000 synthetic vectors;
  - the same load and catalog embedding with sentence-transformers (torch), and the ratios.
Writes bench/results/embed.md and bench/results/embed.json.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
EXAMPLE = os.path.join(REPO, "target", "release", "examples", "embed_bench")
CATALOG = os.path.join(REPO, "catalog")

PEER = r"""
import json, statistics, sys, time, tomllib, glob, os
t0 = time.perf_counter()
import torch
torch.set_num_threads(int(sys.argv[3]))
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(sys.argv[1], device="cpu")
load = (time.perf_counter() - t0) * 1000
texts = []
for path in sorted(glob.glob(os.path.join(sys.argv[2], "*.toml"))):
    with open(path, "rb") as f:
        for e in tomllib.load(f).get("entry", []):
            texts.append(f"{e['title']}. {e.get('summary', '')}")
runs = int(sys.argv[4])
if runs == 0:
    sys.exit(0)
times = []
for _ in range(runs):
    t = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    times.append((time.perf_counter() - t) * 1000)
q = []
for _ in range(runs * 10):
    t = time.perf_counter()
    model.encode(["vector clocks"], normalize_embeddings=True)
    q.append((time.perf_counter() - t) * 1000)
print(json.dumps({"load_ms": load, "entries": len(texts), "catalog_ms": statistics.median(times),
                  "warm_query_ms": statistics.median(q)}))
"""


def run(args, env=None):
    """Runs the example and parses its key=value output."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=full_env).stdout
    values = {}
    for line in out.split("\n"):
        for pair in line.split():
            key, _, value = pair.partition("=")
            try:
                values[key] = float(value)
            except ValueError:
                values[key] = value
    return values


def wall(args, runs):
    """Median whole-process wall time in milliseconds, after one warm-up run."""
    subprocess.run(args, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=os.environ.get("PAPERDEX_MODEL")
                   or os.path.join(REPO, "target", "test-model", "all-MiniLM-L6-v2"))
    p.add_argument("--python")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--no-build", action="store_true")
    a = p.parse_args()
    if not os.path.isfile(os.path.join(a.model, "model.safetensors")):
        sys.exit(f"bench: no model in {a.model}; run .ci/run once or pass --model DIR")
    if not a.no_build:
        print("bench: building examples/embed_bench (release)", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "embed_bench"],
                       cwd=REPO, check=True)
    base = [EXAMPLE, a.model, CATALOG]
    runs = str(a.runs)
    r = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                     "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}}

    print("bench: whole-process load and query", file=sys.stderr)
    r["process_load_ms"] = wall(base + ["load"], a.runs)
    r["process_query_ms"] = wall(base + ["query"], a.runs)
    r["in_process"] = run(base + ["query"])

    print("bench: catalog embedding schedules", file=sys.stderr)
    schedules = [
        ("batches side by side, candle on one thread each, batch 8 (default)", [], {}),
        ("one batch at a time, candle splitting each product, batch 8",
         ["--candle-threads", "--sequential"], {}),
        ("batches side by side and candle splitting each product, batch 8",
         ["--candle-threads"], {}),
        ("batches side by side, batch 4", ["--batch", "4"], {}),
        ("batches side by side, batch 16", ["--batch", "16"], {}),
        ("batches side by side, batch 32", ["--batch", "32"], {}),
        ("one thread, batch 8", ["--sequential"], {"RAYON_NUM_THREADS": "1"}),
    ]
    r["catalog"] = []
    for name, extra, env in schedules:
        values = run(base + ["catalog", "--runs", runs] + extra, env)
        values["schedule"] = name
        r["catalog"].append(values)
        print(f"  {name}: {values['catalog_ms']:.0f} ms", file=sys.stderr)

    print("bench: store and nearest neighbours", file=sys.stderr)
    r["nearest"] = run(base + ["nearest", "--runs", runs])

    if a.python:
        print("bench: sentence-transformers", file=sys.stderr)
        cpus = str(os.cpu_count())
        peer = [a.python, "-c", PEER, a.model, CATALOG, cpus, runs]
        r["peer_process_load_ms"] = wall(peer[:3] + [a.model, CATALOG, cpus, "0"], a.runs)
        r["peer"] = json.loads(subprocess.run(peer, check=True, capture_output=True,
                                              text=True).stdout)
    write(r)


def write(r):
    os.makedirs(os.path.join(BENCH, "results"), exist_ok=True)
    with open(os.path.join(BENCH, "results", "embed.json"), "w") as f:
        json.dump(r, f, indent=1)
        f.write("\n")
    c0 = r["catalog"][0]
    peer = r.get("peer")
    lines = [
        "# Embedding benchmark",
        "",
        f"all-MiniLM-L6-v2 on {r['machine']['cpus']} cores; medians. Written by bench/embed.py.",
        f"Load average when it started: {r['machine']['load']}; wall times stretch with it, CPU "
        "times hardly.",
        "",
        "| figure | paperdex | sentence-transformers | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]

    def row(name, ours, theirs):
        ratio = f"{ours / theirs:.2f}" if theirs else ""
        theirs = f"{theirs:.1f}" if theirs else "-"
        lines.append(f"| {name} | {ours:.1f} | {theirs} | {ratio} |")

    row("load the model, whole process (ms)", r["process_load_ms"],
        r.get("peer_process_load_ms"))
    row("load + embed one query, whole process (ms)", r["process_query_ms"], None)
    row("load the model, in process (ms)", r["in_process"]["load_ms"],
        peer and peer["load_ms"])
    row("embed one short query, first call (ms)", r["in_process"]["query_ms"], None)
    row("embed one short query, warm (ms)", c0["warm_query_ms"], peer and peer["warm_query_ms"])
    row(f"embed the catalog's {int(c0['entries'])} entries (ms)", c0["catalog_ms"],
        peer and peer["catalog_ms"])
    n = r["nearest"]
    lines += [
        "",
        f"Catalog texts: {int(c0['entries'])} entries, {int(c0['tokens_total'])} tokens, "
        f"longest {int(c0['tokens_max'])}, {int(c0['tokens_cut'])} cut at the limit.",
        "",
        "| schedule | catalog, wall (ms) | catalog, CPU (ms) |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {c['schedule']} | {c['catalog_ms']:.0f} | {c.get('catalog_cpu_ms', 0):.0f} |"
              for c in r["catalog"]]
    lines += [
        "",
        "| store and search | ms |",
        "| --- | ---: |",
        f"| first update of the catalog's vectors | {n['update_first_ms']:.0f} |",
        f"| update with nothing changed | {n['update_unchanged_ms']:.1f} |",
        f"| nearest 10 of {int(n['rows'])} synthetic vectors | {n['nearest_100k_ms']:.2f} |",
        f"| nearest 10 of the catalog's vectors | {n['nearest_catalog_ms']:.3f} |",
        f"| save 100,000 vectors | {n['save_100k_ms']:.0f} |",
        f"| load 100,000 vectors | {n['load_100k_ms']:.0f} |",
        "",
    ]
    with open(os.path.join(BENCH, "results", "embed.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
