//! Approximate nearest neighbours against exact search over sentence-sized vectors: generates N
//! unit vectors of 384 dimensions (the size of the passage vectors) as a seeded mixture of
//! Gaussian clusters, builds an HNSW index over them (the `hnsw_rs` crate), and for a set of
//! query vectors from the same mixture compares its top 10 with the exact top 10 of a brute-force
//! dot product: build time, resident memory, recall@10, and per-query latency of both.
//!
//! ```sh
//! cargo run --release --example ann_bench -- [--n N] [--queries Q] [--clusters C]
//!     [--m M] [--ef-construction E] [--ef 32,64,128] [--exact-timed T] [--dump DIR] [--load DIR]
//! ```
//!
//! `--dump DIR` writes the built index to DIR; `--load DIR` skips the build and reloads it
//! from DIR with its vectors memory-mapped, as a searching process would, so the memory figures
//! of that run are those of a process that only searches. The data are regenerated from the
//! seed either way (after the index has been searched and its memory read), for the exact
//! answers. Exact answers of every query are computed in parallel; the exact search's latency
//! is timed on the first `--exact-timed` queries, one at a time. ANN queries run one at a time.
//! The last line printed is machine-readable: `ANN n=... ef=... recall10=... p50_ms=...`,
//! one line per `--ef` value, then `EXACT n=... p50_ms=... p99_ms=...`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use hnsw_rs::prelude::{AnnT, Distance, Hnsw, HnswIo, ReloadOptions};
use rayon::prelude::*;

const DIM: usize = 384;
const K: usize = 10;
const BASENAME: &str = "ann-bench";

/// One minus the dot product: the cosine distance of unit vectors, never below zero.
#[derive(Default, Clone, Copy)]
struct DotDistance;

impl Distance<f32> for DotDistance {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        (1.0 - dot(a, b)).max(0.0)
    }
}

/// The dot product, in eight independent sums so that the compiler can vectorize it.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for ((s, p), q) in acc.iter_mut().zip(x).zip(y) {
            *s += p * q;
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// A small seeded generator (splitmix64) with Gaussian draws by the Box-Muller transform.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn gaussian(&mut self) -> f32 {
        let (u, v) = (self.uniform(), self.uniform());
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }
}

fn normalize(v: &mut [f32]) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// `count` unit vectors, row after row: each a random cluster centre plus Gaussian noise of
/// `spread` per dimension, normalized. Rows are generated in parallel from per-row seeds, so the
/// result depends only on the arguments.
fn mixture(count: usize, centres: &[f32], spread: f32, seed: u64) -> Vec<f32> {
    let clusters = centres.len() / DIM;
    let mut out = vec![0f32; count * DIM];
    out.par_chunks_mut(DIM).enumerate().for_each(|(i, row)| {
        let mut rng = Rng(seed ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
        let c = (rng.next_u64() % clusters as u64) as usize;
        let centre = &centres[c * DIM..(c + 1) * DIM];
        for (x, m) in row.iter_mut().zip(centre) {
            *x = m + spread * rng.gaussian();
        }
        normalize(row);
    });
    out
}

/// Exact top `K` by dot product: row numbers, best first.
fn exact_top(data: &[f32], q: &[f32]) -> Vec<usize> {
    let mut best: Vec<(f32, usize)> = Vec::with_capacity(K + 1);
    for (i, row) in data.chunks_exact(DIM).enumerate() {
        let s = dot(row, q);
        if best.len() < K || s > best[best.len() - 1].0 {
            let at = best.partition_point(|&(b, _)| b >= s);
            best.insert(at, (s, i));
            best.truncate(K);
        }
    }
    best.into_iter().map(|(_, i)| i).collect()
}

/// The process's resident memory from /proc/self/status: (total, anonymous, file-backed) in MB.
fn resident_mb() -> (f64, f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("RssAnon:"), field("RssFile:"))
}

fn memory_line(label: &str) {
    let (rss, anon, file) = resident_mb();
    println!(
        "memory {label}: resident {rss:.0} MB (anonymous {anon:.0} MB, file-backed {file:.0} MB)"
    );
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

struct Options {
    n: usize,
    queries: usize,
    clusters: usize,
    spread: f32,
    m: usize,
    ef_construction: usize,
    ef: Vec<usize>,
    exact_timed: usize,
    seed: u64,
    dump: Option<PathBuf>,
    load: Option<PathBuf>,
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: ann_bench [--n N] [--queries Q] [--clusters C] [--spread S] [--m M] \
         [--ef-construction E] [--ef LIST] [--exact-timed T] [--seed S] [--dump DIR] [--load DIR]"
    );
    ExitCode::from(2)
}

fn parse_args() -> Option<Options> {
    let mut o = Options {
        n: 100_000,
        queries: 1000,
        clusters: 1000,
        spread: 0.05,
        m: 16,
        ef_construction: 100,
        ef: vec![32, 64, 128],
        exact_timed: 100,
        seed: 20261121,
        dump: None,
        load: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next()?;
        match a.as_str() {
            "--n" => o.n = v.parse().ok()?,
            "--queries" => o.queries = v.parse().ok()?,
            "--clusters" => o.clusters = v.parse().ok().filter(|&c| c > 0)?,
            "--spread" => o.spread = v.parse().ok()?,
            "--m" => o.m = v.parse().ok()?,
            "--ef-construction" => o.ef_construction = v.parse().ok()?,
            "--ef" => {
                o.ef = v
                    .split(',')
                    .map(|x| x.trim().parse().ok())
                    .collect::<Option<_>>()?
            }
            "--exact-timed" => o.exact_timed = v.parse().ok()?,
            "--seed" => o.seed = v.parse().ok()?,
            "--dump" => o.dump = Some(PathBuf::from(v)),
            "--load" => o.load = Some(PathBuf::from(v)),
            _ => return None,
        }
    }
    Some(o)
}

fn main() -> ExitCode {
    let Some(o) = parse_args() else {
        return usage();
    };
    memory_line("at start");
    let mut rng = Rng(o.seed);
    let mut centres: Vec<f32> = (0..o.clusters * DIM).map(|_| rng.gaussian()).collect();
    centres.chunks_exact_mut(DIM).for_each(normalize);
    let queries = mixture(o.queries, &centres, o.spread, o.seed.wrapping_add(1));

    // The data are generated before the build, or after the searches when the index is loaded.
    let mut data = if o.load.is_none() {
        let t = Instant::now();
        let d = mixture(o.n, &centres, o.spread, o.seed);
        println!(
            "generated {} vectors of {DIM} dimensions in {:.1} s ({} clusters, spread {})",
            o.n,
            t.elapsed().as_secs_f64(),
            o.clusters,
            o.spread
        );
        memory_line("with the vectors");
        Some(d)
    } else {
        None
    };

    let mut io_holder;
    let hnsw: Hnsw<f32, DotDistance> = if let Some(dir) = &o.load {
        let t = Instant::now();
        io_holder =
            HnswIo::new_with_options(dir, BASENAME, ReloadOptions::default().set_mmap(true));
        let h = match io_holder.load_hnsw::<f32, DotDistance>() {
            Ok(h) => h,
            Err(e) => {
                eprintln!("cannot load the index from {}: {e:#}", dir.display());
                return ExitCode::from(1);
            }
        };
        println!(
            "loaded the index of {} vectors from {} in {:.1} s, vectors memory-mapped",
            h.get_nb_point(),
            dir.display(),
            t.elapsed().as_secs_f64()
        );
        h
    } else {
        let d = data.as_deref().expect("generated above");
        let h = Hnsw::new(o.m, o.n, 16, o.ef_construction, DotDistance);
        let rows: Vec<(&[f32], usize)> = d.chunks_exact(DIM).zip(0..).collect();
        let t = Instant::now();
        h.parallel_insert_slice(&rows);
        let secs = t.elapsed().as_secs_f64();
        println!(
            "BUILD n={} m={} ef_construction={} threads={} build_s={secs:.1} per_1k_s={:.3}",
            o.n,
            o.m,
            o.ef_construction,
            rayon::current_num_threads(),
            secs / o.n as f64 * 1000.0
        );
        memory_line("after the build");
        h
    };
    if let Some(dir) = &o.dump {
        if let Err(e) = std::fs::create_dir_all(dir)
            .map_err(anyhow::Error::from)
            .and_then(|()| hnsw.file_dump(dir, BASENAME))
        {
            eprintln!("cannot write the index to {}: {e:#}", dir.display());
            return ExitCode::from(1);
        }
        println!("wrote the index to {}", dir.display());
    }

    // ANN searches, one query at a time, for each search breadth.
    let mut found: Vec<Vec<Vec<usize>>> = Vec::new();
    let mut times: Vec<Vec<f64>> = Vec::new();
    for &ef in &o.ef {
        let mut tops = Vec::with_capacity(o.queries);
        let mut ms = Vec::with_capacity(o.queries);
        for q in queries.chunks_exact(DIM) {
            let t = Instant::now();
            let hits = hnsw.search(q, K, ef);
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            tops.push(hits.iter().map(|h| h.d_id).collect());
        }
        ms.sort_by(f64::total_cmp);
        found.push(tops);
        times.push(ms);
    }
    memory_line("after the ANN searches");

    let data = match data.take() {
        Some(d) => d,
        None => {
            let t = Instant::now();
            let d = mixture(o.n, &centres, o.spread, o.seed);
            println!(
                "regenerated the {} vectors in {:.1} s for the exact answers",
                o.n,
                t.elapsed().as_secs_f64()
            );
            d
        }
    };
    let mut exact_ms: Vec<f64> = queries
        .chunks_exact(DIM)
        .take(o.exact_timed)
        .map(|q| {
            let t = Instant::now();
            std::hint::black_box(exact_top(&data, q));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    exact_ms.sort_by(f64::total_cmp);
    let t = Instant::now();
    let exact: Vec<Vec<usize>> = queries
        .par_chunks_exact(DIM)
        .map(|q| exact_top(&data, q))
        .collect();
    println!(
        "exact answers of {} queries in {:.1} s on {} threads",
        o.queries,
        t.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );

    for ((ef, tops), ms) in o.ef.iter().zip(&found).zip(&times) {
        let hits: usize = tops
            .iter()
            .zip(&exact)
            .map(|(got, want)| got.iter().filter(|i| want.contains(i)).count())
            .sum();
        let recall = hits as f64 / (K * exact.len()) as f64;
        println!(
            "ANN n={} ef={ef} recall10={recall:.4} p50_ms={:.3} p99_ms={:.3} mean_ms={:.3} \
             loaded={}",
            o.n,
            percentile(ms, 50.0),
            percentile(ms, 99.0),
            ms.iter().sum::<f64>() / ms.len() as f64,
            o.load.is_some()
        );
    }
    println!(
        "EXACT n={} timed={} p50_ms={:.3} p99_ms={:.3}",
        o.n,
        exact_ms.len(),
        percentile(&exact_ms, 50.0),
        percentile(&exact_ms, 99.0)
    );
    ExitCode::SUCCESS
}
