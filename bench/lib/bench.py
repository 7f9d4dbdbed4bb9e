#!/usr/bin/env python3
"""paperdex benchmark driver (run it through bench/run, which builds paperdex first).

Measures, on a folder of PDFs served over a loopback HTTP server:
  extract  pages/s of `paperdex extract` vs sequential `pdftotext`, and word agreement
  build    full `update --offline` vs `recollindex`; incremental updates
  search   whole-process time of `paperdex search` vs `recollq` and `pdfgrep`
  latency  in-process p50/p99 through examples/query_latency.rs
  quality  nDCG@10 and P@5 of paperdex and recoll on bench/judgments.tsv
  scale    synthetic libraries of 10k / 30k / --scale entries (or --scale-sizes), with
           paper-sized bodies or --scale-pages pages each: build time, index size, peak RSS,
           and latency of keyword (--queries) and question (--questions) queries with the
           searching process's resident memory
  user     the real catalog with the corpus PDFs attached: nDCG@10, P@5, MRR and empty
           results per kind of query, on bench/user-queries*.tsv and bench/judgments.tsv
  serve    `paperdex serve` over that data directory: median and p90 time of /api/search and
           of the HTML search page over bench/queries.tsv and bench/user-queries.tsv, beside
           the whole-process `paperdex search` in the same run
  lab      contrib/dask/paperdex_dask.py `update --offline` over the corpus on a local Dask
           cluster of 1, then 2 single-threaded workers, beside a plain `update --offline`:
           seconds per run and per paper, and the speed-up of two workers over one (one run
           each, from an empty data directory holding only the fetched PDFs)
Every figure is the median of --runs runs unless the section says otherwise.
"""
import argparse
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(BENCH)
# Where cargo builds: CARGO_TARGET_DIR when set (relative to the repository, as bench/run
# builds from there), else target/.
TARGET = os.path.join(REPO, os.environ.get("CARGO_TARGET_DIR") or "target")


def shared_corpus_dir():
    """The development corpus: shared/corpus in the nearest folder above the repository that
    has one (a checkout may sit deeper than the repository's usual place)."""
    d = os.path.dirname(os.path.abspath(REPO))
    while True:
        cand = os.path.join(d, "shared", "corpus")
        if os.path.isdir(cand) or os.path.dirname(d) == d:
            return cand if os.path.isdir(cand) else os.path.join(os.path.dirname(REPO), "shared", "corpus")
        d = os.path.dirname(d)


def relative_paths(text):
    """Writes paths under the repository's parent folder relative to the repository, so the
    committed results name no folder of the machine they were measured on."""
    repo = os.path.abspath(REPO)
    start = r"(?<![\w./-])"  # only where a path begins, not inside another path
    text = re.sub(start + re.escape(repo + os.sep), "", text)
    shared = os.path.dirname(shared_corpus_dir())
    text = re.sub(start + re.escape(shared + os.sep), os.path.relpath(shared, repo) + os.sep, text)
    return re.sub(start + re.escape(os.path.dirname(repo) + os.sep), ".." + os.sep, text)


SECTIONS = ["extract", "build", "search", "latency", "quality", "scale", "user", "serve", "lab"]
# The sections that need the served corpus and its first update.
CORPUS_SECTIONS = {"extract", "build", "search", "latency", "quality", "lab"}
# The keys of `details` each section writes; a run of some sections keeps the others' from the
# last results file. "corpus" is the served layout and first update that those sections share.
DETAIL_KEYS = {"corpus": ["corpus", "first_update"], "extract": ["extract", "extract_quality", "extract_scores"],
               "build": ["build"], "search": ["search"], "quality": ["quality"], "scale": ["scale"],
               "user": ["user"], "serve": ["serve"], "lab": ["lab"]}
USER_SETS = [("tuning", "user-queries.tsv"), ("check", "user-queries-check.tsv"),
             ("keyword", "judgments.tsv")]
KINDS = ["topic", "question", "lookup", "typo", "concept",
         "learning", "classic", "compare", "interview", "description"]

TOPIC_RULES = [  # (topic, words of the file name that put a paper under it)
    ("papers/consensus", ["paxos", "consensus", "zab", "byzantine", "omega", "impossibility",
                          "understandable", "partial-synchrony"]),
    ("papers/replication", ["replication", "replicated", "synchrony", "openreplica", "chain"]),
    ("papers/storage", ["storage", "hashing", "copysets", "chubby", "zookeeper", "key-value",
                        "database", "lock-service"]),
    ("papers/peer-to-peer", ["p2p", "peer", "pastry", "kelips", "beehive", "herbivore",
                             "carnivores", "p5", "tor", "cryptographers", "anonym"]),
    ("papers/time-and-clocks", ["global-states", "snapshots", "causal", "ordered"]),
    ("papers/fault-tolerance", ["fault", "failure", "testing", "stabilizing", "reliability",
                                "sift", "harvest", "brewers"]),
    ("papers/transactions", ["transaction", "commit", "incremental-processing"]),
    ("papers/cluster-management", ["mesos", "mapreduce", "cloud", "dapper", "akamai"]),
    ("papers/networking", ["routing", "traffic", "network", "end-to-end"]),
    ("papers/verification", ["proving", "specification", "proof", "calculus", "actor",
                             "concurrent-programming"]),
]


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def slug(text):
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "pdf"


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def run(cmd, *, env=None, quiet=True, check=True, stdout=None):
    """Runs cmd; returns (wall seconds, CompletedProcess)."""
    t = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=stdout if stdout is not None else subprocess.DEVNULL,
                       stderr=subprocess.PIPE if quiet else None, text=True)
    wall = time.perf_counter() - t
    if check and p.returncode != 0:
        err = (p.stderr or "")[-2000:] if quiet else ""
        raise RuntimeError(f"command failed ({p.returncode}): {' '.join(cmd)}\n{err}")
    return wall, p


def timed_rss(cmd, work, env=None):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, max RSS in MB)."""
    out = os.path.join(work, "time-v.txt")
    wall, _ = run(["/usr/bin/time", "-v", "-o", out] + cmd, env=env)
    rss = float("nan")
    with open(out) as f:
        for line in f:
            if "Maximum resident set size" in line:
                rss = int(line.split(":")[1]) / 1024
    return wall, rss


def du_mb(path):
    total = 0
    for root, _, files in os.walk(path):
        for n in files:
            try:
                total += os.lstat(os.path.join(root, n)).st_size
            except OSError:
                pass
    return total / 1e6


def fmt(x, unit="", nd=2):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float):
        if abs(x) >= 100:
            nd = 0
        elif abs(x) >= 10:
            nd = min(nd, 1)
        return f"{x:,.{nd}f}{unit}"
    return f"{x:,}{unit}"


def ratio(a, b):
    try:
        if a is None or b is None or b == 0 or math.isnan(a) or math.isnan(b):
            return None
        return a / b
    except TypeError:
        return None


class Bench:
    def __init__(self, args):
        self.a = args
        self.work = os.path.abspath(args.work)
        self.bin = os.path.join(TARGET, "release", "paperdex")
        self.latency_bin = os.path.join(TARGET, "release", "examples", "query_latency")
        self.src = os.path.abspath(args.pdfs)
        self.serve = os.path.join(self.work, "serve")
        self.pdfdir = os.path.join(self.serve, "pdf")
        self.cat = os.path.join(self.work, "catalog")
        self.data = os.path.join(self.work, "data")
        self.recoll = os.path.join(self.work, "recoll")
        self.rows = []      # (section, measure, paperdex, peer, ratio, target, met)
        self.notes = []
        self.section = "setup"  # the section running now: it owns the rows and notes it adds
        self.row_owner, self.note_owner = [], []
        self.details = {}
        self.server = None
        self.failed = []
        self.load = os.getloadavg()
        self.have = {t: shutil.which(t) is not None
                     for t in ["pdftotext", "pdfinfo", "recollindex", "recollq", "pdfgrep"]}
        shared = shared_corpus_dir()
        self.reference = os.path.join(shared, "reference")
        self.score = os.path.join(shared, "score.py")
        self.shared_corpus = os.path.realpath(self.src) == os.path.realpath(os.path.join(shared, "pdf"))

    # ---------------------------------------------------------------- helpers
    def snapshot_binaries(self):
        """Copies the binaries into the work dir, so a rebuild in target/ during a run cannot
        mix two versions in one set of figures."""
        bindir = os.path.join(self.work, "bin")
        os.makedirs(bindir, exist_ok=True)
        for attr in ("bin", "latency_bin"):
            src = getattr(self, attr)
            dst = os.path.join(bindir, os.path.basename(src))
            shutil.copy2(src, dst + ".tmp")
            os.replace(dst + ".tmp", dst)
            setattr(self, attr, dst)
        p = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True)
        head = p.stdout.strip() if p.returncode == 0 else "unknown"
        built = time.strftime("%H:%M", time.localtime(os.path.getmtime(self.bin)))
        self.version = f"paperdex built {built} from the working tree at commit {head}"


    def pdx(self, *args):
        return [self.bin, "-q", "--catalog", self.cat, "--data-dir", self.data] + list(args)

    def row(self, section, measure, pdx, peer=None, unit="", target=None, met=None, nd=2,
            show_ratio=True):
        r = ratio(pdx, peer) if show_ratio else None
        self.rows.append((section, measure, fmt(pdx, unit, nd), fmt(peer, unit, nd) if peer is not None else "",
                          f"{r:.2f}x" if r is not None else "", target or "",
                          "" if met is None else ("yes" if met else "**no**")))
        self.row_owner.append(self.section)

    def note(self, text, quiet=False):
        if not quiet:
            log(text)
        self.notes.append(text)
        self.note_owner.append(self.section)

    # ---------------------------------------------------------------- setup
    def layout(self):
        pdfs = sorted(f for f in os.listdir(self.src) if f.lower().endswith(".pdf"))
        if not pdfs:
            sys.exit(f"bench: no PDFs in {self.src}")
        shutil.rmtree(self.serve, ignore_errors=True)
        os.makedirs(self.pdfdir)
        self.ids = {}          # id -> original file name
        for name in pdfs:
            ident = slug(os.path.splitext(name)[0])
            base, n = ident, 2
            while ident in self.ids:
                ident, n = f"{base}-{n}", n + 1
            self.ids[ident] = name
            shutil.copyfile(os.path.join(self.src, name), os.path.join(self.pdfdir, ident + ".pdf"))
        self.pages = {}
        if self.have["pdfinfo"]:
            for ident in self.ids:
                p = subprocess.run(["pdfinfo", os.path.join(self.pdfdir, ident + ".pdf")],
                                   capture_output=True, text=True, errors="replace")
                m = re.search(r"^Pages:\s+(\d+)", p.stdout, re.M)
                self.pages[ident] = int(m.group(1)) if m else 0
        self.total_pages = sum(self.pages.values())
        self.details["corpus"] = {"pdfs": len(self.ids), "pages": self.total_pages,
                                  "mb": round(du_mb(self.pdfdir), 1), "source": self.src}
        log(f"corpus: {len(self.ids)} PDFs, {self.total_pages} pages, {du_mb(self.pdfdir):.1f} MB")

    def start_server(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        self.server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
             "--directory", self.serve], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base_url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("HEAD", "/")
                c.getresponse()
                c.close()
                return
            except OSError:
                time.sleep(0.1)
        sys.exit("bench: the loopback HTTP server did not start")

    def stop_server(self):
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait(timeout=10)

    def write_catalog(self):
        shutil.rmtree(self.cat, ignore_errors=True)
        os.makedirs(self.cat)
        self.topics = {}
        with open(os.path.join(self.cat, "corpus.toml"), "w") as f:
            for ident, name in self.ids.items():
                stem = os.path.splitext(name)[0]
                title = re.sub(r"[-_]+", " ", stem).strip()
                title = title[:1].upper() + title[1:]
                topics = [t for t, words in TOPIC_RULES if any(w in ident for w in words)]
                topics = topics or ["papers/other"]
                self.topics[ident] = topics
                f.write("[[entry]]\n")
                f.write(f"id = {json.dumps(ident)}\n")
                f.write(f"title = {json.dumps(title)}\n")
                f.write('kind = "paper"\n')
                f.write(f"topics = {json.dumps(topics)}\n")
                f.write(f"urls = [{json.dumps(self.base_url + '/pdf/' + ident + '.pdf')}]\n\n")

    def first_update(self):
        shutil.rmtree(self.data, ignore_errors=True)
        wall, rss = timed_rss(self.pdx("update"), self.work)
        got = len([f for f in os.listdir(os.path.join(self.data, "pdf")) if f.endswith(".pdf")])
        self.details["first_update"] = {"wall_s": wall, "rss_mb": rss, "fetched": got}
        log(f"first update (fetch+extract+index over 127.0.0.1): {wall:.2f} s, {got}/{len(self.ids)} PDFs fetched")
        self.row("pipeline", "first `update` (fetch + extract + index), s", wall, unit=" s")
        if got != len(self.ids):
            self.note(f"fetch got only {got} of {len(self.ids)} PDFs from the loopback server")

    def read_queries(self):
        self.queries = []
        with open(self.a.queries) as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.split("\t") + ["", ""]
                q, topic, pat = cols[0].strip(), cols[1].strip(), cols[2].strip()
                self.queries.append((q, topic, pat or q.replace('"', "")))

    def corpus_queries(self):
        """The queries whose topic filter names a topic of the generated catalog, written to
        work/queries-corpus.tsv for the latency example."""
        paths = {t for ts in self.topics.values() for t in ts}
        paths |= {"/".join(p.split("/")[:i]) for p in paths for i in range(1, p.count("/") + 1)}
        known = lambda t: any(p == t or p.endswith("/" + t) for p in paths)
        keep = [q for q in self.queries if not q[1] or all(known(t) for t in q[1].split(","))]
        dropped = [q for q in self.queries if q not in keep]
        if dropped:
            self.note("left out on this corpus, their topic is not in its catalog: "
                      + ", ".join(f"`{q}` [topic {t}]" for q, t, _ in dropped))
        self.queries = keep
        self.corpus_queries_file = os.path.join(self.work, "queries-corpus.tsv")
        with open(self.corpus_queries_file, "w") as f:
            for q, t, pat in keep:
                f.write(f"{q}\t{t}\t{pat}\n")

    # ---------------------------------------------------------------- 1. extraction
    def extract(self):
        files = [os.path.join(self.src, n) for n in self.ids.values()]
        out_p = os.path.join(self.work, "extract", "paperdex")
        out_t = os.path.join(self.work, "extract", "pdftotext")
        tp, tt = [], []
        for i in range(self.a.runs):
            shutil.rmtree(out_p, ignore_errors=True)
            wall, p = run([self.bin, "-q", "extract", "--out", out_p] + files, check=False)
            if p.returncode not in (0, 1):
                raise RuntimeError(f"paperdex extract failed: {p.stderr[-1000:]}")
            if p.returncode == 1 and i == 0:
                self.note("paperdex extract exited 1 (some files gave no text): "
                          + " | ".join(p.stderr.strip().splitlines()[-3:]))
            tp.append(wall)
            log(f"extract run {i + 1}: paperdex {wall:.2f} s")
        t1 = []
        for i in range(self.a.runs):
            shutil.rmtree(out_p, ignore_errors=True)
            wall, _ = run([self.bin, "-q", "extract", "-j", "1", "--out", out_p] + files, check=False)
            t1.append(wall)
        shutil.rmtree(out_p, ignore_errors=True)
        run([self.bin, "-q", "extract", "--out", out_p] + files, check=False)
        if self.have["pdftotext"]:
            for i in range(self.a.runs):
                shutil.rmtree(out_t, ignore_errors=True)
                os.makedirs(out_t)
                t = time.perf_counter()
                for fpath in files:
                    stem = os.path.splitext(os.path.basename(fpath))[0]
                    subprocess.run(["pdftotext", "-enc", "UTF-8", fpath, os.path.join(out_t, stem + ".txt")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                tt.append(time.perf_counter() - t)
                log(f"extract run {i + 1}: pdftotext {tt[-1]:.2f} s")
        mp, mt = median(tp), median(tt) if tt else None
        pages = self.total_pages or float("nan")
        self.details["extract"] = {"paperdex_s": tp, "paperdex_j1_s": t1, "pdftotext_s": tt, "pages": pages,
                                   "cores": os.cpu_count()}
        self.row("extract", f"wall time, {len(files)} PDFs / {pages} pages (s)", mp, mt, " s")
        self.row("extract", f"pages per second ({os.cpu_count()} jobs)", pages / mp, pages / mt if mt else None, "", nd=1)
        self.row("extract", "pages per second, `extract -j 1`", pages / median(t1), pages / mt if mt else None, "", nd=1)
        if self.shared_corpus and os.path.exists(self.score):
            for name, out in (("paperdex", out_p), ("pdftotext", out_t)):
                if not os.path.isdir(out):
                    continue
                p = subprocess.run([sys.executable, self.score, self.reference, out],
                                   capture_output=True, text=True)
                last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else p.stderr[-300:]
                self.details.setdefault("extract_quality", {})[name] = p.stdout
                m = dict(re.findall(r"(\w+(?:>=0\.9)?)[=:]\s*([\d.]+)", last))
                self.details.setdefault("extract_scores", {})[name] = m
                log(f"score.py {name}: {last}")
            s = self.details.get("extract_scores", {})
            sp, st = s.get("paperdex", {}), s.get("pdftotext", {})
            for key, label in (("micro_recall", "word recall vs reference"),
                               ("micro_prec", "word precision vs reference")):
                if key in sp:
                    self.row("extract", label, float(sp[key]),
                             float(st[key]) if key in st else None, "", nd=3)
            if "docs_recall>=0.9" in sp:
                self.row("extract", "documents with recall >= 0.9", int(float(sp["docs_recall>=0.9"])),
                         int(float(st["docs_recall>=0.9"])) if "docs_recall>=0.9" in st else None,
                         show_ratio=False)
        elif not self.shared_corpus:
            self.note("extraction quality skipped: the corpus is not the shared one with reference texts")

    # ---------------------------------------------------------------- lab: the Dask driver
    def lab_data(self, label):
        """A data directory holding only the corpus's fetched PDFs and their manifest, as a
        lab's is before its first update: every run of the lab section starts from one."""
        data = os.path.join(self.work, "lab", label)
        shutil.rmtree(data, ignore_errors=True)
        os.makedirs(data)
        shutil.copytree(os.path.join(self.data, "pdf"), os.path.join(data, "pdf"))
        shutil.copy2(os.path.join(self.data, "manifest.json"), os.path.join(data, "manifest.json"))
        return data

    def lab(self):
        """The Dask driver's `update --offline` on 1, then 2 single-threaded workers on this
        machine, beside a plain `update --offline`; one run each, each from the fetched PDFs
        alone."""
        p = subprocess.run([sys.executable, "-c", "import distributed"], capture_output=True)
        if p.returncode != 0:
            self.note('lab section skipped: Python cannot import distributed '
                      '(python3 -m pip install -r contrib/dask/requirements.txt)')
            return
        model = ["--model", os.path.abspath(self.a.model)] if self.a.model else []
        papers = len(self.ids)
        env = dict(os.environ)
        # The model is named on the command line or not at all, for the driver as for paperdex.
        env.pop("PAPERDEX_MODEL", None)
        data = self.lab_data("plain")
        plain, _ = run([self.bin, "-q", "--catalog", self.cat, "--data-dir", data, *model,
                        "update", "--offline"], env=env)
        log(f"lab: plain update --offline {plain:.2f} s")
        driver = os.path.join(REPO, "contrib", "dask", "paperdex_dask.py")
        times = {}
        for workers in (1, 2):
            data = self.lab_data(f"workers-{workers}")
            cluster = DaskCluster(self.work, workers)
            try:
                wall, _ = run([sys.executable, driver, "--scheduler", cluster.address,
                               "--paperdex", self.bin, "--data-dir", data, "--catalog", self.cat,
                               *model, "-q", "--offline", "update"], env=env)
            finally:
                cluster.stop()
            times[workers] = wall
            log(f"lab: driver on {workers} worker{'s' if workers > 1 else ''} {wall:.2f} s")
        what = "with the sentence model" if model else "without a sentence model (no embedding)"
        self.row("lab", f"plain `update --offline` {what}, s", plain, unit=" s")
        self.row("lab", "plain `update --offline`, s per paper", plain / papers, unit=" s", nd=3)
        for workers, wall in times.items():
            name = f"driver, {workers} worker{'s' if workers > 1 else ''} of 1 thread"
            self.row("lab", f"{name}, s", wall, plain, unit=" s")
            self.row("lab", f"{name}, s per paper", wall / papers, unit=" s", nd=3, show_ratio=False)
        self.row("lab", "speed-up of 2 workers over 1", times[1] / times[2], unit="x", show_ratio=False)
        self.details["lab"] = {"papers": papers, "cores": os.cpu_count(), "model": bool(model),
                               "plain_s": plain, "workers_s": {str(k): v for k, v in times.items()}}
        self.note(f"lab: {papers} papers, {what}, on a machine of {os.cpu_count()} cores; each "
                  "worker's paperdex extracts and embeds on every core, so on one machine a "
                  "second worker adds no cores: what it gains is the overlap of the shards' "
                  "serial parts, and on a busy machine a larger share of it")

    # ---------------------------------------------------------------- 2. building
    def recoll_conf(self):
        conf = os.path.join(self.recoll, "conf")
        shutil.rmtree(conf, ignore_errors=True)
        os.makedirs(conf)
        with open(os.path.join(conf, "recoll.conf"), "w") as f:
            f.write(f"topdirs = {self.pdfdir}\n")
            f.write("loglevel = 2\n")
        return conf

    def build(self):
        full, rss = [], []
        for i in range(self.a.runs):
            shutil.rmtree(os.path.join(self.data, "text"), ignore_errors=True)
            shutil.rmtree(os.path.join(self.data, "tantivy"), ignore_errors=True)
            w, r = timed_rss(self.pdx("update", "--offline"), self.work)
            full.append(w)
            rss.append(r)
            log(f"full build run {i + 1}: paperdex {w:.2f} s, {r:.0f} MB")
        self.index_mb = du_mb(os.path.join(self.data, "tantivy"))
        rfull, rrss = [], []
        conf = None
        if self.have["recollindex"]:
            for i in range(self.a.runs):
                conf = self.recoll_conf()
                w, r = timed_rss(["recollindex", "-c", conf], self.work)
                rfull.append(w)
                rrss.append(r)
                log(f"full build run {i + 1}: recollindex {w:.2f} s, {r:.0f} MB")
            self.recoll_mb = du_mb(os.path.join(conf, "xapiandb"))
        else:
            self.note("recollindex missing: the build comparison has no peer (apt-get install recollcmd)")
        self.recoll_confdir = conf
        mf, mr = median(full), median(rfull) if rfull else None
        met = (mf <= 0.5 * mr) if mr else None
        self.row("build", "full build: extract + index (s)", mf, mr, " s", "<= 0.5x recollindex", met)
        self.row("build", "full build: peak memory (MB)", median(rss), median(rrss) if rrss else None, " MB", nd=0)
        self.row("build", "index size on disk (MB)", self.index_mb,
                 getattr(self, "recoll_mb", None), " MB", nd=1)
        # Incremental: nothing changed.
        nochange = []
        for _ in range(max(5, self.a.runs)):
            w, _ = run(self.pdx("update", "--offline"))
            nochange.append(w)
        m = median(nochange)
        self.row("build", "incremental update, nothing changed (s)", m, unit=" s",
                 target="< 0.5 s", met=m < 0.5, nd=3)
        rnoch = []
        if conf:
            for _ in range(max(5, self.a.runs)):
                w, _ = run(["recollindex", "-c", conf])
                rnoch.append(w)
            self.rows[-1] = self.rows[-1][:3] + (fmt(median(rnoch), " s", 3),
                                                 f"{m / median(rnoch):.2f}x") + self.rows[-1][5:]
        # Incremental: one PDF changed (another paper's PDF attached in its place).
        ids = list(self.ids)
        changed = []
        if len(ids) >= 2:
            a, b = ids[0], ids[1]
            orig = os.path.join(self.pdfdir, a + ".pdf")
            other = os.path.join(self.pdfdir, b + ".pdf")
            for _ in range(self.a.runs):
                run(self.pdx("attach", a, other))
                w, _ = run(self.pdx("update", "--offline"))
                changed.append(w)
                run(self.pdx("attach", a, orig))
                run(self.pdx("update", "--offline"))
            rch = []
            if conf:
                for _ in range(self.a.runs):
                    shutil.copyfile(other, orig)
                    w, _ = run(["recollindex", "-c", conf])
                    rch.append(w)
                    shutil.copyfile(os.path.join(self.src, self.ids[a]), orig)
                    run(["recollindex", "-c", conf])
            self.row("build", f"incremental update, one PDF changed (s)", median(changed),
                     median(rch) if rch else None, " s", nd=3)
        self.details["build"] = {"full_s": full, "full_rss_mb": rss, "recoll_s": rfull,
                                 "recoll_rss_mb": rrss, "nochange_s": nochange,
                                 "recoll_nochange_s": rnoch, "one_changed_s": changed}

    def ensure_recoll(self):
        if getattr(self, "recoll_confdir", None) or not self.have["recollindex"]:
            return
        conf = os.path.join(self.recoll, "conf")
        if not os.path.isdir(os.path.join(conf, "xapiandb")):
            conf = self.recoll_conf()
            run(["recollindex", "-c", conf])
        self.recoll_confdir = conf

    def ensure_index(self):
        if not os.path.isdir(os.path.join(self.data, "tantivy")):
            run(self.pdx("update", "--offline"))

    # ---------------------------------------------------------------- 3. searching
    def search(self):
        self.ensure_index()
        self.ensure_recoll()
        env = dict(os.environ, NO_COLOR="1")
        res = {"paperdex": [], "recollq": [], "pdfgrep": []}
        for q, topic, pat in self.queries:
            cmd = self.pdx("search", q) + (["--topic", topic] if topic else [])
            ts = []
            for _ in range(self.a.search_runs):
                wall, p = run(cmd, env=env, check=False)
                if p.returncode != 0:
                    err = (p.stderr or "").strip().splitlines()
                    self.failed.append((q, p.returncode, err[-1] if err else ""))
                    break
                ts.append(wall)
            res["paperdex"].append(median(ts) if ts else float("nan"))
            if self.recoll_confdir and self.have["recollq"]:
                ts = [run(["recollq", "-c", self.recoll_confdir, "-n", "10", q], env=env)[0]
                      for _ in range(self.a.search_runs)]
                res["recollq"].append(median(ts))
            if self.have["pdfgrep"] and self.a.pdfgrep_runs > 0 and len(res["pdfgrep"]) < self.a.pdfgrep_queries:
                ts = [run(["pdfgrep", "-r", "-i", "-c", "-P", pat, self.pdfdir], env=env, check=False)[0]
                      for _ in range(self.a.pdfgrep_runs)]
                res["pdfgrep"].append(median(ts))
        self.details["search"] = {"queries": [q for q, _, _ in self.queries], **res}
        n = len(self.queries)
        for q, code, err in self.failed:
            self.note(f"`paperdex search {q}` failed (exit {code}): {err[:300]}; the query is left "
                      "out of paperdex's search times")
        ok = [i for i, t in enumerate(res["paperdex"]) if not math.isnan(t)]
        res_ok = {k: [v[i] for i in ok if i < len(v)] for k, v in res.items()}
        mp = median(res_ok["paperdex"])
        mr = median(res_ok["recollq"]) if res_ok["recollq"] else None
        n = len(ok) if len(ok) == n else f"{len(ok)} (of {n}) successful"
        self.row("search", f"`search` whole process, median over {n} queries (ms)", mp * 1e3,
                 mr * 1e3 if mr else None, " ms", "<= recollq", (mp <= mr) if mr else None)
        if res["pdfgrep"]:
            k = [i for i in ok if i < len(res["pdfgrep"])]
            self.row("search", f"`search` whole process vs `pdfgrep -r -i -c`, median over {len(k)} queries (ms)",
                     median([res["paperdex"][i] for i in k]) * 1e3,
                     median([res["pdfgrep"][i] for i in k]) * 1e3, " ms")
        self.row("search", f"`search` whole process, sum over {n} queries (s)", sum(res_ok["paperdex"]),
                 sum(res_ok["recollq"]) if res_ok["recollq"] else None, " s")
        if any(t for _, t, _ in self.queries):
            self.note("recollq and pdfgrep have no topic filter: they run the topic-filtered "
                      "queries without it", quiet=True)

    # ---------------------------------------------------------------- latency
    def latency(self, data, label, target_ms=None, queries=None, catalog=None, memory=False):
        """p50/p99 of `Library::search` as users get it: the catalog, the stored vocabulary and,
        with --model, meaning. Returns the ALL line's values; with `memory`, rows for the
        searching process's resident memory after the run too."""
        cmd = [self.latency_bin, data, queries or self.a.queries, "--iters", str(self.a.latency_iters),
               "--catalog", catalog or self.cat]
        if self.a.model:
            cmd += ["--model", self.a.model]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"query_latency failed: {out.stderr[-1000:]}")
        last = out.stdout.strip().splitlines()[-1]
        vals = dict(re.findall(r"(\w+)=([\d.]+)", last))
        self.details.setdefault("latency", {})[label] = out.stdout
        p50, p99 = float(vals["p50_ms"]), float(vals["p99_ms"])
        self.row("latency", f"in-process p50, {label} (ms)", p50, unit=" ms", nd=3)
        self.row("latency", f"in-process p99, {label} (ms)", p99, unit=" ms",
                 target=f"< {target_ms} ms" if target_ms else None,
                 met=(p99 < target_ms) if target_ms else None, nd=3)
        if memory and "rss_mb" in vals:
            for key, what in (("rss_mb", "resident"), ("rss_anon_mb", "anonymous"),
                              ("rss_file_mb", "file-backed (mapped index)")):
                self.row("latency", f"searching process after the run, {label}: {what} (MB)",
                         float(vals[key]), unit=" MB", nd=0)
        return {k: float(v) for k, v in vals.items()}

    def corpus_latency(self):
        self.ensure_index()
        self.latency(self.data, f"corpus ({len(self.ids)} docs)", 5, self.corpus_queries_file)

    # ---------------------------------------------------------------- 5. quality
    def read_judgments(self):
        judged = []
        with open(self.a.judgments) as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                q, rest = line.split("\t", 1)
                grades = {}
                for item in rest.split():
                    ident, g = item.rsplit("=", 1)
                    grades[ident] = int(g)
                judged.append((q, grades))
        return judged

    @staticmethod
    def ndcg(ranked, grades, k=10):
        dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
        ideal = sorted(grades.values(), reverse=True)[:k]
        idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        return dcg / idcg if idcg else 0.0

    @staticmethod
    def p_at(ranked, grades, k=5):
        return sum(1 for d in ranked[:k] if grades.get(d, 0) > 0) / k

    def quality(self):
        if not self.shared_corpus:
            self.note("search quality skipped: bench/judgments.tsv judges the shared corpus only")
            return
        self.ensure_index()
        self.ensure_recoll()
        judged = self.read_judgments()
        unknown = sorted({d for _, g in judged for d in g if d not in self.ids})
        if unknown:
            self.note(f"judgments name ids not in the corpus: {', '.join(unknown)}")
        by_file = {ident + ".pdf": ident for ident in self.ids}
        per = []
        for q, grades in judged:
            p = subprocess.run(self.pdx("search", "--json", "--limit", "10", q),
                               capture_output=True, text=True)
            if p.returncode != 0:
                self.note(f"paperdex search failed on judged query {q!r}: {p.stderr.strip()[:200]}")
                pr = []
            else:
                pr = [h["id"] for h in json.loads(p.stdout)["hits"]]
            rr = []
            if self.recoll_confdir and self.have["recollq"]:
                p = subprocess.run(["recollq", "-c", self.recoll_confdir, "-b", "-n", "10", q],
                                   capture_output=True, text=True, errors="replace")
                for line in p.stdout.splitlines():
                    line = line.strip()
                    if line.startswith("file://"):
                        ident = by_file.get(os.path.basename(line))
                        if ident and ident not in rr:
                            rr.append(ident)
            per.append({"query": q, "paperdex": pr, "recoll": rr,
                        "ndcg_p": self.ndcg(pr, grades), "ndcg_r": self.ndcg(rr, grades),
                        "p5_p": self.p_at(pr, grades), "p5_r": self.p_at(rr, grades)})
        self.details["quality"] = per
        n = len(per)
        np_, nr = statistics.mean(x["ndcg_p"] for x in per), statistics.mean(x["ndcg_r"] for x in per)
        pp, pr_ = statistics.mean(x["p5_p"] for x in per), statistics.mean(x["p5_r"] for x in per)
        have_r = bool(self.recoll_confdir)
        self.row("quality", f"nDCG@10, mean over {n} judged queries", np_, nr if have_r else None,
                 target="> recoll", met=(np_ > nr) if have_r else None, nd=3)
        self.row("quality", f"P@5, mean over {n} judged queries", pp, pr_ if have_r else None, nd=3)

    # ---------------------------------------------------------------- 4. scale
    def scale(self):
        if self.a.scale_sizes:
            sizes = sorted({int(x) for x in self.a.scale_sizes.split(",") if x.strip()})
        else:
            sizes = sorted({s for s in (10000, 30000, self.a.scale) if s <= self.a.scale})
        pages = self.a.scale_pages
        # Short bodies get a pool of their own: a pool's texts depend on the page count.
        pool = os.path.join(self.work, "scale", "pool" if pages <= 0 else f"pool-p{pages}")
        shape = ("paper-sized bodies (5,000-8,000 words)" if pages <= 0 else
                 f"bodies of {pages} page{'s' if pages > 1 else ''} of 500-900 words")
        self.note(f"synthetic libraries ({', '.join(f'{n:,}' for n in sizes)} entries): {shape}; "
                  "facet counts (kinds, decades, topics) are computed per query, in the same "
                  "collector pass as the hits, so their cost is in the latency figures", quiet=True)
        synth = os.path.join(BENCH, "lib", "synth.py")
        if not os.path.isdir(self.reference):
            words = os.path.join(self.work, "extract", "pdftotext")
            if not os.path.isdir(words):
                words = os.path.join(self.data, "text")
        else:
            words = self.reference
        t = time.perf_counter()
        subprocess.run([sys.executable, synth, "pool", "--words-from", words, "--out", pool,
                        "--count", str(max(sizes)), "--pages-per-doc", str(pages)], check=True)
        log(f"synthetic pool of {max(sizes)} texts ready in {time.perf_counter() - t:.0f} s")
        results = []
        for n in sizes:
            d = os.path.join(self.work, "scale", str(n))
            shutil.rmtree(d, ignore_errors=True)
            subprocess.run([sys.executable, synth, "layout", "--pool", pool, "--count", str(n),
                            "--out", d], check=True)
            data = os.path.join(d, "data")
            text_mb = du_mb(os.path.join(data, "text"))
            if n == sizes[0]:
                self.catalog_load(d, n)
            cmd = [self.bin, "-q", "--catalog", os.path.join(d, "catalog"), "--data-dir", data, "index"]
            # The smallest size is the baseline of the growth ratio: build it --runs times.
            builds = []
            for _ in range(self.a.runs if n == sizes[0] else 1):
                shutil.rmtree(os.path.join(data, "tantivy"), ignore_errors=True)
                builds.append(timed_rss(cmd, self.work))
            wall, rss = median([b[0] for b in builds]), median([b[1] for b in builds])
            size = du_mb(os.path.join(data, "tantivy"))
            log(f"scale {n}: index {wall:.1f} s, {rss:.0f} MB RSS, {size:.0f} MB on disk ({text_mb:.0f} MB text)")
            w2, _ = run(cmd)
            cat = os.path.join(d, "catalog")
            kw = self.latency(data, f"synthetic {n:,} docs", 50 if n >= 100000 else None,
                              catalog=cat, memory=True)
            qs = self.latency(data, f"synthetic {n:,} docs, questions", queries=self.a.questions,
                              catalog=cat, memory=True)
            results.append({"n": n, "pages": pages, "index_s": wall, "rss_mb": rss, "index_mb": size,
                            "text_mb": text_mb, "nochange_s": w2, "p50_ms": kw["p50_ms"],
                            "p99_ms": kw["p99_ms"], "questions_p50_ms": qs["p50_ms"],
                            "questions_p99_ms": qs["p99_ms"], "search_rss_mb": kw.get("rss_mb"),
                            "search_rss_anon_mb": kw.get("rss_anon_mb"),
                            "search_rss_file_mb": kw.get("rss_file_mb"), "load": os.getloadavg()[0]})
            log(f"scale {n}: keywords p50 {kw['p50_ms']:.1f} ms p99 {kw['p99_ms']:.1f} ms, questions "
                f"p50 {qs['p50_ms']:.1f} ms p99 {qs['p99_ms']:.1f} ms, load {os.getloadavg()[0]:.1f}")
            runs = f", median of {len(builds)}" if len(builds) > 1 else ", one build"
            self.row("scale", f"{n:,} docs: index build{runs} (s)", wall, unit=" s")
            self.row("scale", f"{n:,} docs: build time per 1k docs (s)", wall / n * 1000, unit=" s", nd=2)
            self.row("scale", f"{n:,} docs: peak RSS of `index` (MB)", rss, unit=" MB", nd=0)
            self.row("scale", f"{n:,} docs: index size / text size (MB)", size, text_mb, " MB", nd=0)
            self.row("scale", f"{n:,} docs: `index` with nothing changed (s)", w2, unit=" s", nd=3)
            if not self.a.keep_scale:
                shutil.rmtree(d, ignore_errors=True)
        if len(results) > 1:
            a, b = results[0], results[-1]
            growth = (b["index_s"] / b["n"]) / (a["index_s"] / a["n"])
            self.row("scale", f"time per entry, {b['n']:,} vs {a['n']:,} docs", growth, unit="x",
                     target="<= 1.2x (no growth beyond noise)", met=growth <= 1.2, nd=2, show_ratio=False)
        self.details["scale"] = results

    def catalog_load(self, d, n):
        """Times loading the same N-entry catalog as 1,000-entry files and as one file."""
        split = os.path.join(d, "catalog")
        one = os.path.join(self.work, "scale", "one-file-catalog")
        shutil.rmtree(one, ignore_errors=True)
        os.makedirs(one)
        with open(os.path.join(one, "synthetic.toml"), "w") as out:
            for name in sorted(os.listdir(split)):
                with open(os.path.join(split, name)) as f:
                    out.write(f.read())
        t_split = median([run([self.bin, "-q", "--catalog", split, "catalog", "check"])[0]
                          for _ in range(self.a.runs)])
        t_one = median([run([self.bin, "-q", "--catalog", one, "catalog", "check"])[0]
                        for _ in range(self.a.runs)])
        shutil.rmtree(one, ignore_errors=True)
        log(f"catalog check, {n} entries: {t_split:.2f} s in 1,000-entry files, {t_one:.2f} s in one file")
        self.row("scale", f"`catalog check`, {n:,} entries: 1,000-entry files (paperdex) vs one file (peer) (s)",
                 t_split, t_one, " s", nd=3)

    # ---------------------------------------------------------------- 6. real catalog, user queries
    def read_judged_sets(self):
        """The judged sets as (set, kind, query, grades): the user query files carry a kind
        column, the keyword set (--judgments) has none and counts as kind `keyword`."""
        out = []
        for name, fname in USER_SETS:
            path = self.a.judgments if name == "keyword" else os.path.join(BENCH, fname)
            with open(path) as f:
                for line in f:
                    line = line.rstrip("\n")
                    if not line.strip() or line.startswith("#"):
                        continue
                    cols = line.split("\t")
                    kind, q, rest = (cols if len(cols) == 3 else ["keyword"] + cols)
                    grades = {}
                    for item in rest.split():
                        ident, g = item.rsplit("=", 1)
                        grades[ident] = int(g)
                    out.append((name, kind.strip(), q.strip(), grades))
        return out

    @staticmethod
    def mrr(ranked, grades, k=10):
        for i, d in enumerate(ranked[:k]):
            if grades.get(d, 0) > 0:
                return 1 / (i + 1)
        return 0.0

    def user_data(self, report=True):
        """Lays out the real catalog with each corpus PDF attached to the entry of the same id,
        and one text document per entry for recoll holding what paperdex indexes of it. The
        update's time is a row of the user section only (`report`), not of a section that
        only needs the layout."""
        import tomllib  # Python 3.11+; only this section needs it
        root = os.path.join(self.work, "user")
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        cat = os.path.join(REPO, "catalog")
        data = os.path.join(root, "data")
        entries = {}
        for name in sorted(os.listdir(cat)):
            if name.endswith(".toml"):
                with open(os.path.join(cat, name), "rb") as f:
                    for e in tomllib.load(f).get("entry", []):
                        entries[e["id"]] = e
        model = ["--model", self.a.model] if self.a.model else []
        pdx = lambda *a: [self.bin, "-q", "--catalog", cat, "--data-dir", data] + model + list(a)
        pdfs = sorted(f for f in os.listdir(self.src) if f.lower().endswith(".pdf"))
        attached, stray = [], []
        for name in pdfs:
            ident = slug(os.path.splitext(name)[0])
            if ident not in entries:
                stray.append(name)
                continue
            run(pdx("attach", ident, os.path.join(self.src, name)))
            attached.append(ident)
        if stray:
            self.note(f"user: {len(stray)} PDFs match no catalog id and are left out: {', '.join(stray[:5])}")
        wall, rss = timed_rss(pdx("update", "--offline"), self.work)
        texts = os.path.join(data, "text")
        with_text = [i for i in attached if os.path.exists(os.path.join(texts, i + ".txt"))]
        log(f"user: real catalog, {len(entries)} entries, {len(attached)} PDFs attached "
            f"({len(with_text)} with text); `update --offline` {wall:.2f} s")
        if report:
            self.row("user", f"real catalog ({len(entries)} entries, {len(attached)} PDFs attached): "
                     "`update --offline` after `attach` (s)", wall, unit=" s")
        docs = os.path.join(root, "docs")
        os.makedirs(docs)
        for ident, e in entries.items():
            head = [e.get("title", ""), ", ".join(e.get("authors", [])), str(e.get("year", "")),
                    e.get("summary", "")]
            body = ""
            if ident in with_text:
                with open(os.path.join(texts, ident + ".txt"), errors="replace") as f:
                    body = f.read()
            with open(os.path.join(docs, ident + ".txt"), "w") as f:
                f.write("\n".join(x for x in head if x) + "\n\n" + body)
        conf = None
        if self.have["recollindex"] and self.have["recollq"]:
            conf = os.path.join(root, "recoll")
            os.makedirs(conf)
            with open(os.path.join(conf, "recoll.conf"), "w") as f:
                f.write(f"topdirs = {docs}\nloglevel = 2\nnoaspell = 1\n")
            w, _ = run(["recollindex", "-c", conf])
            log(f"user: recollindex of one text document per entry: {w:.2f} s")
        else:
            self.note("user: recoll is not installed, the user queries have no peer")
        self.user_env = {"pdx": pdx, "conf": conf, "entries": entries, "attached": attached,
                         "with_text": with_text, "catalog": cat, "data": data}

    def user_search(self, q, extra=(), recoll=True):
        """Runs q through both tools; returns ((paperdex ids, total, seconds, error, whether
        meaning was used), (recoll ids, seconds))."""
        env = self.user_env
        t = time.perf_counter()
        p = subprocess.run(env["pdx"]("search", "--json", "--limit", "10", *extra, q),
                           capture_output=True, text=True)
        tp = time.perf_counter() - t
        if p.returncode != 0:
            err = (p.stderr.strip().splitlines() or [""])[-1]
            pdx = ([], 0, tp, f"exit {p.returncode}: {err[:200]}", None)
        else:
            out = json.loads(p.stdout)
            pdx = ([h["id"] for h in out["hits"]], out.get("total", len(out["hits"])), tp, None,
                   out.get("meaning"))
        rec = ([], float("nan"))
        if env["conf"] and recoll:
            t = time.perf_counter()
            p = subprocess.run(["recollq", "-c", env["conf"], "-b", "-n", "10", q],
                               capture_output=True, text=True, errors="replace")
            tr = time.perf_counter() - t
            ids = []
            for line in p.stdout.splitlines():
                line = line.strip()
                if line.startswith("file://"):
                    ident = os.path.splitext(os.path.basename(line))[0]
                    if ident in env["entries"] and ident not in ids:
                        ids.append(ident)
            rec = (ids, tr)
        return pdx, rec

    def user(self):
        try:
            import tomllib  # noqa: F401
        except ImportError:
            self.note("user section skipped: it reads the catalog with tomllib (Python 3.11+)")
            return
        self.user_data()
        judged = self.read_judged_sets()
        entries = self.user_env["entries"]
        unknown = sorted({d for _, _, _, g in judged for d in g if d not in entries})
        if unknown:
            self.note(f"user: judged ids not in the catalog: {', '.join(unknown)}")
        per = []
        for name, kind, q, grades in judged:
            (pr, total, tp, err, used), (rr, tr) = self.user_search(q)
            if err:
                self.note(f"user: `paperdex search {q}` failed ({err}); counted as no results")
            have_r = self.user_env["conf"] is not None
            x = {"set": name, "kind": kind, "query": q, "grades": grades,
                 "paperdex": pr, "total": total, "error": err, "recoll": rr if have_r else None,
                 "ms_p": tp * 1e3, "ms_r": tr * 1e3, "meaning": used}
            if self.a.model:
                (pw, _, _, _, _), _ = self.user_search(q, ("--words-only",), recoll=False)
                x["ndcg_w"] = self.ndcg(pw, grades)
            for tool, ranked in (("p", pr), ("r", rr)):
                x[f"ndcg_{tool}"] = self.ndcg(ranked, grades)
                x[f"p5_{tool}"] = self.p_at(ranked, grades)
                x[f"mrr_{tool}"] = self.mrr(ranked, grades)
            x["zero_p"], x["zero_r"] = not pr, not rr
            x["ranks_2"], x["ranks_1"] = (self.rank_cell(grades, g, pr, rr if have_r else None)
                                          for g in (2, 1))
            per.append(x)
        have_r = self.user_env["conf"] is not None
        summary = []
        for name, _ in USER_SETS:
            xs = [x for x in per if x["set"] == name]
            kinds = [k for k in KINDS if any(x["kind"] == k for x in xs)]
            kinds += sorted({x["kind"] for x in xs} - set(kinds))
            for kind in (kinds if len(kinds) > 1 else []) + ["all"]:
                ys = [x for x in xs if kind == "all" or x["kind"] == kind]
                m = lambda key: statistics.mean(y[key] for y in ys)
                summary.append({"set": name, "kind": kind, "n": len(ys),
                                **{f"{k}_{t}": m(f"{k}_{t}") for k in ("ndcg", "p5", "mrr") for t in "pr"},
                                "zero_p": sum(y["zero_p"] for y in ys),
                                "zero_r": sum(y["zero_r"] for y in ys),
                                "ndcg_w": m("ndcg_w") if self.a.model else None,
                                "meaning_used": sum(y["meaning"] == "used" for y in ys)})
        # The results file keeps what the report shows; the grades are in the query files.
        kept = [{k: (" ".join(v) if isinstance(v, list) else v) for k, v in x.items() if k != "grades"}
                for x in per]
        self.details["user"] = {"queries": kept, "summary": summary,
                                "entries": len(entries), "attached": len(self.user_env["attached"]),
                                "with_text": len(self.user_env["with_text"]),
                                "synthetic_keyword": self.synthetic_quality()}
        for s in summary:
            if s["kind"] != "all":
                continue
            label = {"tuning": "user queries, tuning set", "check": "user queries, check set",
                     "keyword": "keyword set (judgments.tsv) on the real catalog"}[s["set"]]
            peer = lambda k: s[k] if have_r else None
            with_model = " with the sentence model" if self.a.model else ""
            self.row("user", f"{label}: nDCG@10{with_model}, mean over {s['n']}", s["ndcg_p"],
                     peer("ndcg_r"), target="> recoll",
                     met=(s["ndcg_p"] > s["ndcg_r"]) if have_r else None, nd=3)
            if self.a.model:
                self.row("user", f"{label}: nDCG@10 by words only (--words-only)", s["ndcg_w"],
                         peer("ndcg_r"), nd=3)
                self.row("user", f"{label}: queries that used the model", s["meaning_used"],
                         show_ratio=False)
            self.row("user", f"{label}: P@5", s["p5_p"], peer("p5_r"), nd=3)
            self.row("user", f"{label}: MRR", s["mrr_p"], peer("mrr_r"), nd=3)
            self.row("user", f"{label}: queries with no result", s["zero_p"], peer("zero_r"),
                     show_ratio=False)
        ms_p = [x["ms_p"] for x in per if not x["error"]]
        ms_r = [x["ms_r"] for x in per if not math.isnan(x["ms_r"])]
        self.row("user", f"`search` whole process on the real catalog, median over {len(ms_p)} "
                 "queries, one run each (ms)", median(ms_p), median(ms_r) if ms_r else None, " ms")
        if self.a.model:
            for used, what in ((True, "that used the model"), (False, "that did not")):
                ys = [x for x in per if not x["error"] and (x["meaning"] == "used") == used]
                rs = [x["ms_r"] for x in ys if not math.isnan(x["ms_r"])]
                if ys:
                    self.row("user", f"`search` whole process, median over the {len(ys)} queries "
                             f"{what} (ms)", median([x["ms_p"] for x in ys]),
                             median(rs) if rs else None, " ms")
        if self.a.per_query:
            print(self.user_per_query_text(per))

    # ---------------------------------------------------------------- 9. serve
    @staticmethod
    def p90(xs):
        return statistics.quantiles(xs, n=10, method="inclusive")[-1] if len(xs) > 1 else median(xs)

    def serve_queries(self):
        """The queries of queries.tsv (with their topic filter) and of user-queries.tsv, as
        lists of URL parameters."""
        out = [[("q", q)] + [("topic", t) for t in topic.split(",") if t]
               for q, topic, _ in self.queries]
        out += [[("q", q)] for name, _, q, _ in self.read_judged_sets() if name == "tuning"]
        return out

    def serve_latency(self):
        """Starts `paperdex serve` on a free loopback port over the real catalog's data
        directory (the user section's), then times /api/search and /search over one kept-alive
        connection, as a browser's page would, against `paperdex search --json` as a whole
        process on the same queries."""
        import urllib.parse
        if not getattr(self, "user_env", None):
            try:
                import tomllib  # noqa: F401
            except ImportError:
                self.note("serve section skipped: it lays out the real catalog with tomllib (Python 3.11+)")
                return
            self.user_data(report=False)
        env = self.user_env
        queries = self.serve_queries()
        model = ["--model", self.a.model] if self.a.model else []
        proc = subprocess.Popen([self.bin, "-q", "--catalog", env["catalog"], "--data-dir", env["data"],
                                 *model, "serve", "--addr", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            m = re.search(r"http://([\d.]+):(\d+)/", line)
            if not m:
                raise RuntimeError(f"serve printed no address: {line!r} {proc.stderr.read()[-500:]}")
            conn = http.client.HTTPConnection(m.group(1), int(m.group(2)), timeout=60)

            def fetch(path, params):
                url = path + "?" + urllib.parse.urlencode(params + [("limit", "10")])
                t = time.perf_counter()
                conn.request("GET", url)
                r = conn.getresponse()
                body = r.read()
                took = (time.perf_counter() - t) * 1e3
                if r.status != 200:
                    raise RuntimeError(f"GET {url}: {r.status}")
                if path == "/api/search" and json.loads(body).get("meaning") == "used":
                    with_model.append(took)
                return took

            with_model = []
            for params in queries:  # warm-up: the first touch of each term reads the index
                fetch("/api/search", params)
            with_model.clear()  # the warm-up loaded the model
            times = {"/api/search": [], "/search": []}
            for _ in range(self.a.serve_runs):
                for params in queries:
                    for path in times:
                        times[path].append(fetch(path, params))
            conn.close()
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        cli = []
        for params in queries:
            args = ["search", "--json", "--limit", "10"]
            for k, v in params:
                args += [v] if k == "q" else ["--" + k, v]
            t = time.perf_counter()
            subprocess.run(env["pdx"](*args), capture_output=True)
            cli.append((time.perf_counter() - t) * 1e3)
        n = len(queries)
        cli_med, cli_p90 = median(cli), self.p90(cli)
        self.details["serve"] = {"queries": n, "runs": self.a.serve_runs,
                                 "cli_ms": {"median": cli_med, "p90": cli_p90}}
        for path, label in (("/api/search", "`/api/search` (JSON)"), ("/search", "`/search` (HTML page)")):
            xs = times[path]
            med, p90 = median(xs), self.p90(xs)
            self.details["serve"][path] = {"median": med, "p90": p90, "max": max(xs)}
            log(f"serve: {path} median {med:.2f} ms, p90 {p90:.2f} ms over {len(xs)} requests")
            self.row("serve", f"{label} over a kept-alive connection, median of {len(xs)} requests "
                     f"({n} queries x {self.a.serve_runs}; peer: `search --json` whole process, "
                     "one run each) (ms)", med, cli_med, " ms", target="< 20 ms", met=med < 20)
            self.row("serve", f"{label}, p90 (ms)", p90, cli_p90, " ms")
        if with_model:
            self.row("serve", f"`/api/search`, the {len(with_model)} requests that used the sentence "
                     "model, median (ms)", median(with_model), None, " ms", target="< 20 ms",
                     met=median(with_model) < 20)
        log(f"serve: `search` whole process median {cli_med:.1f} ms, p90 {cli_p90:.1f} ms")

    def synthetic_quality(self):
        """nDCG@10 and P@5 of the keyword set on the synthetic catalog: from this run's quality
        section, else from the last results file."""
        rows = [r for r, o in zip(self.rows, self.row_owner) if o == "quality"]
        if not rows:
            path = os.path.splitext(self.a.output)[0] + ".json"
            try:
                with open(path) as f:
                    rows = [r for r in json.load(f)["rows"] if r[0] == "quality"]
            except (OSError, ValueError, KeyError):
                rows = []
        found = {}
        for r in rows:
            key = "ndcg" if r[1].startswith("nDCG@10") else "p5" if r[1].startswith("P@5") else None
            if key:
                found[key] = (r[2], r[3])
        return found

    @staticmethod
    def user_per_query_text(per):
        """Per query: the metrics of both tools, the rank of every judged entry in each tool's
        top 10 (`-` for absent), and paperdex's unjudged results."""
        out = []
        for x in per:
            out.append(f"[{x['set']}/{x['kind']}] {x['query']}  nDCG@10 paperdex {x['ndcg_p']:.3f} "
                       f"recoll {x['ndcg_r']:.3f}; paperdex total {x['total']}"
                       + (f" ({x['error']})" if x["error"] else ""))
            for ident, g in sorted(x["grades"].items(), key=lambda kv: -kv[1]):
                rank = lambda ids: str(ids.index(ident) + 1) if ids and ident in ids else "-"
                out.append(f"    {g} {ident[:70]:70s} paperdex {rank(x['paperdex']):>2}  "
                           f"recoll {rank(x['recoll']):>2}")
            other = [f"{i + 1}:{d}" for i, d in enumerate(x["paperdex"]) if d not in x["grades"]]
            if other:
                out.append("    unjudged in paperdex's top 10: " + ", ".join(other))
        return "\n".join(out)

    # ---------------------------------------------------------------- report
    def earlier(self):
        """What the last results file holds for the sections this run skipped: (rows with their
        sections, notes with their sections, details, header lines of the runs they came from).
        Files written before rows were tagged with their section get the section from the row."""
        path = os.path.splitext(self.a.output)[0] + ".json"
        if self.a.no_merge or not os.path.exists(path):
            return [], [], {}, []
        try:
            with open(path) as f:
                old = json.load(f)
        except (OSError, ValueError) as e:
            log(f"could not read the last results {path} ({e}); they are not kept")
            return [], [], {}, []
        ran = set(self.only) | {"setup"} | ({"corpus"} if set(self.only) & CORPUS_SECTIONS else set())

        def owner(r):
            if r[0] == "pipeline":
                return "corpus"
            if r[0] == "latency" and "synthetic" in r[1]:
                return "scale"
            return r[0]
        rows = old.get("rows", [])
        owners = old.get("row_sections") or [owner(r) for r in rows]
        kept = [(tuple(r), o) for r, o in zip(rows, owners) if o not in ran]
        notes = old.get("notes", [])
        nowners = old.get("note_sections") or ["earlier"] * len(notes)
        kept_notes = [(n, o) for n, o in zip(notes, nowners)
                      if o not in ran and (o != "earlier" or kept)]
        details = {}
        for k, v in old.get("details", {}).items():
            mine = [sec for sec, keys in DETAIL_KEYS.items() if k in keys]
            if k == "latency":
                v = {label: text for label, text in v.items()
                     if ("scale" if label.startswith("synthetic") else "latency") not in ran}
                if v:
                    details[k] = v
            elif not mine or mine[0] not in ran:
                details[k] = v
        runs = old.get("runs")
        if runs is None:  # an older file: its header lines are in the Markdown
            try:
                with open(self.a.output) as f:
                    head = f.read().split("\n| section", 1)[0].splitlines()
            except OSError:
                head = []
            pick = lambda prefix: next((l for l in head if l.startswith(prefix)), "")
            m = re.search(r"sections ([\w,]+);", pick("Run "))
            runs = [{"sections": m.group(1).split(",") if m else [], "run": pick("Run "),
                     "version": pick("paperdex built"), "load": pick("Load average")}]
        left = {o for _, o in kept} - {"corpus", "setup", "earlier"}
        runs = [dict(r, sections=[s for s in r["sections"] if s in left]) for r in runs]
        runs = [r for r in runs if r["sections"]]
        return kept, kept_notes, details, runs

    def user_markdown(self):
        u = self.details["user"]
        lines = ["", "## Search quality by kind of query, real catalog", "",
                 f"The {u['entries']} entries of `catalog/`, {u['attached']} of them with their PDF "
                 f"attached ({u['with_text']} gave text). Queries: `bench/user-queries.tsv` (tuning "
                 "set), `bench/user-queries-check.tsv` (check set, never tuned on) and the keyword "
                 "set `bench/judgments.tsv`. recoll indexes one text document per entry holding its "
                 "title, authors, year, summary and the text paperdex extracted from its PDF. "
                 "P@5 counts results graded 1 or 2; MRR is 1/rank of the first of them in the top 10.",
                 "With a sentence model, `nDCG@10 paperdex` is with the model and `words only` the "
                 "same queries with `--words-only`.",
                 "", "| set | kind | queries | nDCG@10 paperdex | words only | recoll | P@5 paperdex | "
                 "recoll | MRR paperdex | recoll | no result paperdex | recoll |",
                 "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for s in u["summary"]:
            bold = (lambda t: f"**{t}**") if s["kind"] == "all" else (lambda t: t)
            nd = f"{s['ndcg_p']:.3f}"
            words = f"{s['ndcg_w']:.3f}" if s.get("ndcg_w") is not None else "-"
            lines.append(f"| {s['set']} | {bold(s['kind'])} | {s['n']} | {bold(nd)} | {words} | "
                         f"{s['ndcg_r']:.3f} | {s['p5_p']:.3f} | {s['p5_r']:.3f} | {s['mrr_p']:.3f} | "
                         f"{s['mrr_r']:.3f} | {s['zero_p']} | {s['zero_r']} |")
        syn = u.get("synthetic_keyword") or {}
        if syn:
            kw = next(s for s in u["summary"] if s["set"] == "keyword" and s["kind"] == "all")
            lines += ["", "The keyword set judges only the corpus papers, so on the real catalog an "
                      "entry without a PDF counts as irrelevant even where it is about the query; "
                      f"with that, on the real catalog: nDCG@10 {kw['ndcg_p']:.3f} "
                      f"(recoll {kw['ndcg_r']:.3f}), P@5 {kw['p5_p']:.3f} (recoll {kw['p5_r']:.3f}); "
                      "on the synthetic catalog of the quality section (titles from file names, "
                      f"no summaries): nDCG@10 {syn.get('ndcg', ('n/a', ''))[0]} (recoll "
                      f"{syn.get('ndcg', ('', 'n/a'))[1]}), P@5 {syn.get('p5', ('n/a', ''))[0]} "
                      f"(recoll {syn.get('p5', ('', 'n/a'))[1]})."]
        lines += ["", "### Per query", "",
                  "Ranks (1-10) in each tool's top 10 of the entries graded 2, then of those graded 1; "
                  "`(n out)`: n of them are not in the top 10. `bench/run --only user --per-query` prints every judged entry by "
                  "id and paperdex's unjudged results.", "",
                  "| set | kind | query | paperdex results | nDCG@10 paperdex | recoll | "
                  "grade 2: paperdex / recoll | grade 1: paperdex / recoll |",
                  "| --- | --- | --- | ---: | ---: | ---: | --- | --- |"]
        for x in u["queries"]:
            total = "error" if x["error"] else x["total"]
            lines.append(f"| {x['set']} | {x['kind']} | `{x['query']}` | {total} | {x['ndcg_p']:.3f} | "
                         f"{x['ndcg_r']:.3f} | {x['ranks_2']} | {x['ranks_1']} |")
        return lines

    @staticmethod
    def rank_cell(grades, g, pr, rr):
        """`paperdex ranks / recoll ranks` of the entries graded g, each followed by how many
        of them are not in that tool's top 10; empty when no entry has grade g."""
        judged = [d for d, gg in grades.items() if gg == g]
        if not judged:
            return ""

        def ranks(ids):
            if ids is None:
                return "n/a"
            found = sorted(ids.index(d) + 1 for d in judged if d in ids)
            missing = len(judged) - len(found)
            return (" ".join(map(str, found)) + (f" ({missing} out)" if missing else "")).strip()
        return f"{ranks(pr)} / {ranks(rr)}"

    def report(self, started):
        kept, kept_notes, old_details, runs = self.earlier()
        lines = ["# paperdex benchmark results", ""]
        c = self.details.get("corpus", {})
        corpus = (f"corpus {c.get('pdfs')} PDFs / {c.get('pages')} pages / {c.get('mb')} MB "
                  f"from `{c.get('source')}`; " if c else "")
        medians = (f"{corpus}medians of {self.a.runs} runs (search: {self.a.search_runs} per query, "
                   f"pdfgrep {self.a.pdfgrep_runs}; latency: {self.a.latency_iters} iterations per "
                   "query after warm-up). " if set(self.only) - {"user", "serve"} else "")
        run_line = (f"Run {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores, "
                    f"sections {','.join(self.only)}; {medians}"
                    f"Total bench time {time.perf_counter() - started:.0f} s.")
        version_line = getattr(self, "version", "") + "."
        load_line = (f"Load average at start {self.load[0]:.2f}, at end {os.getloadavg()[0]:.2f} "
                     "(the machine is shared: figures move with other work on it).")
        lines += [run_line, "", version_line, "", load_line, ""]
        for r in runs:
            lines += [f"Sections {', '.join(r['sections'])} are kept from an earlier run: "
                      + " ".join(x for x in (r["run"], r["version"], r["load"]) if x), ""]
        details = dict(old_details)
        for k, v in self.details.items():
            details[k] = dict(details.get(k, {}), **v) if k == "latency" else v
        self.details = details
        rows = kept + list(zip(self.rows, self.row_owner))
        order = ["pipeline", "extract", "build", "search", "latency", "quality", "scale", "user",
                 "serve"]
        rows.sort(key=lambda ro: order.index(ro[0][0]) if ro[0][0] in order else len(order))
        self.rows = [r for r, _ in rows]
        notes = kept_notes + list(zip(self.notes, self.note_owner))
        lines.append("| section | measure | paperdex | peer | paperdex / peer | target | met |")
        lines.append("| --- | --- | ---: | ---: | ---: | --- | --- |")
        for r in self.rows:
            lines.append("| " + " | ".join(str(x) for x in r) + " |")
        lines.append("")
        lines.append("Peers: extract -> `pdftotext` run sequentially; build -> `recollindex -c CONF` "
                     "(topdirs = the served PDF folder); search -> `recollq -c CONF` "
                     "(and `pdfgrep -r -i -c` where marked); scale sizes have no peer (the peer "
                     "column there is the text size or the one-file catalog); user -> `recollq -c "
                     "CONF -b -n 10` over one text document per catalog entry; serve -> `paperdex "
                     "search --json` as a whole process on the same queries. Peak memory is "
                     "`/usr/bin/time -v` maximum RSS, which counts the pages of memory-mapped "
                     "index files a process touched.")
        if notes:
            lines.append("")
            lines.append("Notes:")
            lines += [f"- {n}" for n, _ in notes]
        if "user" in self.details:
            lines += self.user_markdown()
        if "quality" in self.details:
            lines += ["", "## Search quality per query", "",
                      "| query | nDCG@10 paperdex | nDCG@10 recoll | P@5 paperdex | P@5 recoll |",
                      "| --- | ---: | ---: | ---: | ---: |"]
            for x in self.details["quality"]:
                lines.append(f"| `{x['query']}` | {x['ndcg_p']:.3f} | {x['ndcg_r']:.3f} | "
                             f"{x['p5_p']:.2f} | {x['p5_r']:.2f} |")
        if "search" in self.details:
            s = self.details["search"]
            lines += ["", "## Whole-process search time per query (ms, median)", "",
                      "| query | paperdex | recollq | pdfgrep |", "| --- | ---: | ---: | ---: |"]
            for i, q in enumerate(s["queries"]):
                g = lambda k: (("failed" if math.isnan(s[k][i]) else f"{s[k][i] * 1e3:.1f}")
                               if i < len(s[k]) else "")
                lines.append(f"| `{q}` | {g('paperdex')} | {g('recollq')} | {g('pdfgrep')} |")
        for label, text in self.details.get("latency", {}).items():
            lines += ["", f"## In-process latency, {label}", "", "```", text.rstrip(), "```"]
        if "extract_quality" in self.details:
            for name, text in self.details["extract_quality"].items():
                lines += ["", f"## score.py, {name} (worst documents first)", "", "```", text.rstrip(), "```"]
        md = relative_paths("\n".join(lines) + "\n")
        os.makedirs(os.path.join(BENCH, "results"), exist_ok=True)
        with open(self.a.output, "w") as f:
            f.write(md)
        with open(os.path.splitext(self.a.output)[0] + ".json", "w") as f:
            f.write(relative_paths(json.dumps(
                {"rows": self.rows, "row_sections": [o for _, o in rows], "notes": [n for n, _ in notes],
                 "note_sections": [o for _, o in notes], "details": self.details,
                 "runs": [{"sections": list(self.only), "run": run_line, "version": version_line,
                           "load": load_line}] + runs}, indent=1,
                default=str)))
        table = [l for l in lines if l.startswith("|")]
        end = next((i for i, l in enumerate(lines) if l.startswith("## ")), len(lines))
        print("\n".join(lines[:end]))
        log(f"written to {self.a.output}")


class DaskCluster:
    """A Dask scheduler and single-threaded workers on 127.0.0.1, for the lab section; all of
    them are stopped by `stop`."""

    def __init__(self, work, workers):
        self.dir = tempfile.mkdtemp(prefix="dask-", dir=work)
        info = os.path.join(self.dir, "scheduler.json")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": self.dir}
        self.procs = [subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--no-dashboard", "--scheduler-file", info], **quiet)]
        try:
            for _ in range(600):
                try:
                    with open(info) as f:
                        self.address = json.load(f)["address"]
                    break
                except (OSError, ValueError, KeyError):
                    time.sleep(0.1)
            else:
                raise RuntimeError("the Dask scheduler wrote no address")
            for n in range(workers):
                self.procs.append(subprocess.Popen(
                    [sys.executable, "-m", "distributed.cli.dask_worker", self.address,
                     "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                     "--name", f"bench-worker-{n}"], **quiet))
            wait = ("import sys; from distributed import Client\n"
                    "c = Client(sys.argv[1], timeout=60)\n"
                    "c.wait_for_workers(int(sys.argv[2]), timeout=120)\nc.close()")
            run([sys.executable, "-c", wait, self.address, str(workers)])
        except BaseException:
            self.stop()
            raise

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdfs", nargs="?", default=os.path.join(shared_corpus_dir(), "pdf"),
                    help="folder of PDFs [default: shared/corpus/pdf in the nearest folder above "
                         "the repository that has one]")
    ap.add_argument("--work", default=os.path.join(BENCH, "work"), help="scratch folder [work/ beside this script's folder]")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement, median reported [3]")
    ap.add_argument("--search-runs", type=int, default=5, help="runs per query and tool [5]")
    ap.add_argument("--pdfgrep-runs", type=int, default=1, help="runs per query of pdfgrep, 0 skips it [1]")
    ap.add_argument("--pdfgrep-queries", type=int, default=5,
                    help="pdfgrep runs only the first N queries: it reads every PDF each time [5]")
    ap.add_argument("--latency-iters", type=int, default=100, help="in-process runs per query [100]")
    ap.add_argument("--scale", type=int, default=100000,
                    help="largest synthetic library; 10k and 30k below it are run too [100000]")
    ap.add_argument("--scale-sizes", default="",
                    help="comma-separated synthetic library sizes to run instead of 10k / 30k / "
                         "--scale, e.g. 1000000 for one big library")
    ap.add_argument("--scale-pages", type=int, default=0,
                    help="pages of 500-900 words per synthetic body; 0 for paper-sized bodies, "
                         "1 keeps a million-entry library near 5 GB of text [0]")
    ap.add_argument("--keep-scale", action="store_true", help="keep the synthetic data dirs")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help=f"comma-separated sections to run [{','.join(SECTIONS)}]")
    ap.add_argument("--queries", default=os.path.join(BENCH, "queries.tsv"))
    ap.add_argument("--questions", default=os.path.join(BENCH, "questions.txt"),
                    help="question-style queries for the scale section's latency")
    ap.add_argument("--judgments", default=os.path.join(BENCH, "judgments.tsv"))
    ap.add_argument("--model", default=os.environ.get("PAPERDEX_MODEL") or None,
                    help="sentence model folder: the user section then embeds the catalog and "
                         "scores each query with and without it [$PAPERDEX_MODEL]")
    ap.add_argument("--output", default=os.path.join(BENCH, "results", "latest.md"))
    ap.add_argument("--serve-runs", type=int, default=5,
                    help="serve section: requests per query and route [5]")
    ap.add_argument("--per-query", action="store_true",
                    help="user section: print each query's judged entries with their rank in both tools")
    ap.add_argument("--no-merge", action="store_true",
                    help="write only this run's sections; by default the sections it skips are "
                         "kept from the last results file")
    args = ap.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    bad = [s for s in only if s not in SECTIONS]
    if bad:
        ap.error(f"unknown section(s) {bad}; choose from {SECTIONS}")
    started = time.perf_counter()
    b = Bench(args)
    b.only = [s for s in SECTIONS if s in only]
    os.makedirs(b.work, exist_ok=True)
    for tool, ok in b.have.items():
        if not ok:
            b.note(f"{tool} not installed: its comparison is skipped")
    for path in (b.bin, b.latency_bin):
        if not os.path.exists(path):
            sys.exit(f"bench: {path} is missing; run bench/run, which builds it")
    b.snapshot_binaries()
    b.read_queries()
    needs_corpus = any(s in CORPUS_SECTIONS for s in only)
    try:
        if needs_corpus:
            b.section = "corpus"
            b.layout()
            b.start_server()
            b.write_catalog()
            b.corpus_queries()
            b.first_update()
        steps = [("extract", b.extract), ("build", b.build), ("search", b.search),
                 ("latency", b.corpus_latency), ("quality", b.quality), ("scale", b.scale),
                 ("user", b.user), ("serve", b.serve_latency), ("lab", b.lab)]
        for name, step in steps:
            if name not in only:
                continue
            b.section = name
            try:
                step()
            except (RuntimeError, subprocess.CalledProcessError, OSError, ValueError, KeyError) as e:
                b.note(f"section {name} failed: {str(e).strip()[:500]}")
    finally:
        b.stop_server()
        b.report(started)


if __name__ == "__main__":
    main()
