//! In-process query latency as users get it: opens a data directory once as the front ends do
//! (`Library::open`: the index with its stored vocabulary, the catalog, the citations and, with
//! `--model`, search by meaning) and times `Library::search` for every query of a file, after a
//! warm-up, printing p50/p99 per query and over all samples.
//!
//! ```sh
//! cargo run --release --example query_latency -- DATA_DIR QUERIES.txt [--catalog DIR]
//!     [--model DIR] [--iters N] [--warmup N] [--limit N]
//! ```
//!
//! Without `--catalog` the built-in catalog is used; without `--model`, search is by words.
//!
//! QUERIES.txt holds one query a line; blank lines and lines starting with `#` are skipped. A
//! tab after the query introduces comma-separated topic filters (`paxos\tconsensus`); further
//! tab-separated columns are ignored.
//! The last line printed is machine-readable:
//! `ALL queries=Q samples=S p50_ms=X p99_ms=Y mean_ms=Z max_ms=W docs=D open_ms=O rss_mb=R
//! rss_anon_mb=A rss_file_mb=F`, where the last three are the process's resident memory after
//! the run as Linux counts it (`VmRSS`, `RssAnon`, `RssFile` in /proc/self/status): anonymous
//! memory is what the process allocated, file-backed memory is the pages of the memory-mapped
//! index it touched, which the kernel can drop and read again. They are 0 where /proc is absent.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use paperdex::catalog;
use paperdex::embed::{ModelLocation, ModelOrigin};
use paperdex::library::{Library, OpenOptions};
use paperdex::search::Request;
use paperdex::store::Store;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    // Nearest rank: the smallest value with at least p of the samples at or below it.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Reads the process's resident memory from /proc/self/status: (total, anonymous, file-backed) in MB.
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

fn usage() -> ExitCode {
    eprintln!(
        "usage: query_latency DATA_DIR QUERIES_FILE [--catalog DIR] [--model DIR] [--iters N] \
         [--warmup N] [--limit N]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut positional: Vec<String> = Vec::new();
    let mut iters = 100usize;
    let mut warmup = 5usize;
    let mut limit = 10usize;
    let mut catalog_dir: Option<PathBuf> = None;
    let mut model: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> Option<usize> {
            let v = args.next().and_then(|v| v.parse().ok());
            if v.is_none() {
                eprintln!("{name} needs a number");
            }
            v
        };
        match a.as_str() {
            "--iters" => match num("--iters") {
                Some(n) if n > 0 => iters = n,
                _ => return usage(),
            },
            "--warmup" => match num("--warmup") {
                Some(n) => warmup = n,
                None => return usage(),
            },
            "--limit" => match num("--limit") {
                Some(n) if n > 0 => limit = n,
                _ => return usage(),
            },
            "--catalog" => match args.next() {
                Some(dir) => catalog_dir = Some(PathBuf::from(dir)),
                None => return usage(),
            },
            "--model" => match args.next() {
                Some(dir) => model = Some(PathBuf::from(dir)),
                None => return usage(),
            },
            "-h" | "--help" => return usage(),
            _ => positional.push(a),
        }
    }
    let [data_dir, queries_file] = positional.as_slice() else {
        return usage();
    };
    let data_dir = PathBuf::from(data_dir);
    let text = match std::fs::read_to_string(queries_file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {queries_file}: {e}");
            return ExitCode::from(1);
        }
    };
    let requests: Vec<Request> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|line| {
            // Columns: the query, then comma-separated topics; any further column is ignored.
            let mut cols = line.split('\t');
            let query = cols.next().unwrap_or("").trim().to_string();
            let topics: Vec<String> = cols
                .next()
                .unwrap_or("")
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            Request {
                query,
                topics,
                limit,
                ..Request::default()
            }
        })
        .collect();
    if requests.is_empty() {
        eprintln!("no queries in {queries_file}");
        return ExitCode::from(1);
    }

    let opened = Instant::now();
    let catalog = match catalog::load(catalog_dir.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot load the catalog: {e:#}");
            return ExitCode::from(1);
        }
    };
    let opts = OpenOptions {
        catalog_dir,
        add_catalogs: Vec::new(),
        model: model.map(|dir| ModelLocation {
            dir,
            origin: ModelOrigin::Explicit,
        }),
        resident: false,
    };
    let library = match Library::open(&Store::new(&data_dir), catalog, &opts) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot open the library in {}: {e:#}", data_dir.display());
            return ExitCode::from(1);
        }
    };
    let open_ms = opened.elapsed().as_secs_f64() * 1e3;

    // Warm-up: every query a few times, so caches and lazily loaded structures are in place.
    for req in &requests {
        for _ in 0..warmup {
            if let Err(e) = library.search(req) {
                eprintln!("query {:?} failed: {e:#}", req.query);
                return ExitCode::from(1);
            }
        }
    }

    let mut all: Vec<f64> = Vec::with_capacity(requests.len() * iters);
    println!("{:>9} {:>9} {:>7}  query", "p50_ms", "p99_ms", "total");
    for req in &requests {
        let mut samples = Vec::with_capacity(iters);
        let mut total = 0;
        for _ in 0..iters {
            let t = Instant::now();
            let results = library.search(req).expect("query ran in warm-up");
            samples.push(t.elapsed().as_secs_f64() * 1e3);
            total = results.total;
            std::hint::black_box(&results);
        }
        all.extend_from_slice(&samples);
        samples.sort_by(f64::total_cmp);
        let label = if req.topics.is_empty() {
            req.query.clone()
        } else {
            format!("{} [topic {}]", req.query, req.topics.join(","))
        };
        println!(
            "{:>9.3} {:>9.3} {:>7}  {}",
            percentile(&samples, 50.0),
            percentile(&samples, 99.0),
            total,
            label
        );
    }
    all.sort_by(f64::total_cmp);
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let (rss, anon, file) = resident_mb();
    println!(
        "ALL queries={} samples={} p50_ms={:.3} p99_ms={:.3} mean_ms={:.3} max_ms={:.3} docs={} \
         open_ms={:.1} rss_mb={rss:.1} rss_anon_mb={anon:.1} rss_file_mb={file:.1}",
        requests.len(),
        all.len(),
        percentile(&all, 50.0),
        percentile(&all, 99.0),
        mean,
        all.last().copied().unwrap_or(f64::NAN),
        library.num_docs(),
        open_ms
    );
    ExitCode::SUCCESS
}
