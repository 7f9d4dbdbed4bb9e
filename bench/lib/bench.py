#!/usr/bin/env python3
"""paperdex benchmark driver (run it through bench/run, which builds paperdex first).

Measures, on a folder of PDFs served over a loopback HTTP server:
  extract  pages/s of `paperdex extract` vs sequential `pdftotext`, and word agreement
  build    full `update --offline` vs `recollindex`; incremental updates
  search   whole-process time of `paperdex search` vs `recollq` and `pdfgrep`
  latency  in-process p50/p99 through examples/query_latency.rs
  quality  nDCG@10 and P@5 of paperdex and recoll on bench/judgments.tsv
  scale    synthetic libraries of 10k / 30k / --scale entries
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


def relative_paths(text):
    """Writes paths under the repository's parent folder relative to the repository, so the
    committed results name no folder of the machine they were measured on."""
    repo = os.path.abspath(REPO)
    start = r"(?<![\w./-])"  # only where a path begins, not inside another path
    text = re.sub(start + re.escape(repo + os.sep), "", text)
    return re.sub(start + re.escape(os.path.dirname(repo) + os.sep), ".." + os.sep, text)
SECTIONS = ["extract", "build", "search", "latency", "quality", "scale"]

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
        self.bin = os.path.join(REPO, "target", "release", "paperdex")
        self.latency_bin = os.path.join(REPO, "target", "release", "examples", "query_latency")
        self.src = os.path.abspath(args.pdfs)
        self.serve = os.path.join(self.work, "serve")
        self.pdfdir = os.path.join(self.serve, "pdf")
        self.cat = os.path.join(self.work, "catalog")
        self.data = os.path.join(self.work, "data")
        self.recoll = os.path.join(self.work, "recoll")
        self.rows = []      # (section, measure, paperdex, peer, ratio, target, met)
        self.notes = []
        self.details = {}
        self.server = None
        self.failed = []
        self.load = os.getloadavg()
        self.have = {t: shutil.which(t) is not None
                     for t in ["pdftotext", "pdfinfo", "recollindex", "recollq", "pdfgrep"]}
        shared = os.path.abspath(os.path.join(REPO, "..", "shared", "corpus"))
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

    def note(self, text):
        log(text)
        self.notes.append(text)

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
            self.notes.append("recollq and pdfgrep have no topic filter: they run the topic-filtered "
                              "queries without it")

    # ---------------------------------------------------------------- latency
    def latency(self, data, label, target_ms=None, queries=None):
        out = subprocess.run([self.latency_bin, data, queries or self.a.queries,
                              "--iters", str(self.a.latency_iters)],
                             capture_output=True, text=True)
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
        return p50, p99

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
        sizes = sorted({s for s in (10000, 30000, self.a.scale) if s <= self.a.scale})
        pool = os.path.join(self.work, "scale", "pool")
        synth = os.path.join(BENCH, "lib", "synth.py")
        if not os.path.isdir(self.reference):
            words = os.path.join(self.work, "extract", "pdftotext")
            if not os.path.isdir(words):
                words = os.path.join(self.data, "text")
        else:
            words = self.reference
        t = time.perf_counter()
        subprocess.run([sys.executable, synth, "pool", "--words-from", words, "--out", pool,
                        "--count", str(max(sizes))], check=True)
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
            p50, p99 = self.latency(data, f"synthetic {n:,} docs", 50 if n >= 100000 else None)
            results.append({"n": n, "index_s": wall, "rss_mb": rss, "index_mb": size, "text_mb": text_mb,
                            "nochange_s": w2, "p50_ms": p50, "p99_ms": p99})
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

    # ---------------------------------------------------------------- report
    def report(self, started):
        lines = ["# paperdex benchmark results", ""]
        c = self.details.get("corpus", {})
        corpus = (f"corpus {c.get('pdfs')} PDFs / {c.get('pages')} pages / {c.get('mb')} MB "
                  f"from `{c.get('source')}`; " if c else "")
        lines.append(f"Run {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores, "
                     f"sections {self.a.only}; {corpus}medians of {self.a.runs} runs "
                     f"(search: {self.a.search_runs} per query, pdfgrep {self.a.pdfgrep_runs}; "
                     f"latency: {self.a.latency_iters} iterations per query after warm-up). "
                     f"Total bench time {time.perf_counter() - started:.0f} s.")
        lines.append("")
        lines.append(getattr(self, "version", "") + ".")
        lines.append("")
        lines.append(f"Load average at start {self.load[0]:.2f}, at end {os.getloadavg()[0]:.2f} "
                     "(the machine is shared: figures move with other work on it).")
        lines.append("")
        order = ["pipeline", "extract", "build", "search", "latency", "quality", "scale"]
        self.rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
        lines.append("| section | measure | paperdex | peer | paperdex / peer | target | met |")
        lines.append("| --- | --- | ---: | ---: | ---: | --- | --- |")
        for r in self.rows:
            lines.append("| " + " | ".join(str(x) for x in r) + " |")
        lines.append("")
        lines.append("Peers: extract -> `pdftotext` run sequentially; build -> `recollindex -c CONF` "
                     "(topdirs = the served PDF folder); search -> `recollq -c CONF` "
                     "(and `pdfgrep -r -i -c` where marked); scale sizes have no peer (the peer "
                     "column there is the text size or the one-file catalog). Peak memory is "
                     "`/usr/bin/time -v` maximum RSS, which counts the pages of memory-mapped "
                     "index files a process touched.")
        if self.notes:
            lines.append("")
            lines.append("Notes:")
            lines += [f"- {n}" for n in self.notes]
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
                {"rows": self.rows, "notes": self.notes, "details": self.details}, indent=1,
                default=str)))
        table = [l for l in lines if l.startswith("|")]
        end = next((i for i, l in enumerate(lines) if l.startswith("## ")), len(lines))
        print("\n".join(lines[:end]))
        log(f"written to {self.a.output}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdfs", nargs="?", default=os.path.join(REPO, "..", "shared", "corpus", "pdf"),
                    help="folder of PDFs [default: ../shared/corpus/pdf next to the repository]")
    ap.add_argument("--work", default=os.path.join(BENCH, "work"), help="scratch folder [work/ beside this script's folder]")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement, median reported [3]")
    ap.add_argument("--search-runs", type=int, default=5, help="runs per query and tool [5]")
    ap.add_argument("--pdfgrep-runs", type=int, default=1, help="runs per query of pdfgrep, 0 skips it [1]")
    ap.add_argument("--pdfgrep-queries", type=int, default=5,
                    help="pdfgrep runs only the first N queries: it reads every PDF each time [5]")
    ap.add_argument("--latency-iters", type=int, default=100, help="in-process runs per query [100]")
    ap.add_argument("--scale", type=int, default=100000,
                    help="largest synthetic library; 10k and 30k below it are run too [100000]")
    ap.add_argument("--keep-scale", action="store_true", help="keep the synthetic data dirs")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help=f"comma-separated sections to run [{','.join(SECTIONS)}]")
    ap.add_argument("--queries", default=os.path.join(BENCH, "queries.tsv"))
    ap.add_argument("--judgments", default=os.path.join(BENCH, "judgments.tsv"))
    ap.add_argument("--output", default=os.path.join(BENCH, "results", "latest.md"))
    args = ap.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    bad = [s for s in only if s not in SECTIONS]
    if bad:
        ap.error(f"unknown section(s) {bad}; choose from {SECTIONS}")
    started = time.perf_counter()
    b = Bench(args)
    os.makedirs(b.work, exist_ok=True)
    for tool, ok in b.have.items():
        if not ok:
            b.note(f"{tool} not installed: its comparison is skipped")
    for path in (b.bin, b.latency_bin):
        if not os.path.exists(path):
            sys.exit(f"bench: {path} is missing; run bench/run, which builds it")
    b.snapshot_binaries()
    b.read_queries()
    needs_corpus = any(s in only for s in ["extract", "build", "search", "latency", "quality"])
    try:
        if needs_corpus:
            b.layout()
            b.start_server()
            b.write_catalog()
            b.corpus_queries()
            b.first_update()
        steps = [("extract", b.extract), ("build", b.build), ("search", b.search),
                 ("latency", b.corpus_latency), ("quality", b.quality), ("scale", b.scale)]
        for name, step in steps:
            if name not in only:
                continue
            try:
                step()
            except (RuntimeError, subprocess.CalledProcessError, OSError, ValueError, KeyError) as e:
                b.note(f"section {name} failed: {str(e).strip()[:500]}")
    finally:
        b.stop_server()
        b.report(started)


if __name__ == "__main__":
    main()
