//! Embedding speed, in process: loads a model folder and times what search and update will
//! ask of it, printing one `key=value` line per figure (milliseconds unless the key says).
//! `bench/embed.py` runs it and also times whole processes.
//!
//! ```sh
//! cargo run --release --example embed_bench -- MODEL_DIR CATALOG_DIR WHAT [--runs N]
//!     [--batch N] [--sequential] [--candle-threads]
//! ```
//!
//! WHAT is one of
//! - `load`: load the model and exit (time it from outside for the whole process);
//! - `query`: load, embed one short query once, exit;
//! - `catalog`: embed every catalog entry's "title. summary" text, median of `--runs`;
//! - `nearest`: time `Vectors::nearest` over the catalog and over 100,000 synthetic vectors.
//!
//! `--batch` and `--sequential` set [`BatchOptions`]. The threads are set up as the binary
//! will, with `paperdex::embed::init_threads`, unless `--candle-threads` leaves candle to
//! split each matrix product over the cores. With `RAYON_NUM_THREADS=1` everything runs on
//! one thread.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use paperdex::embed::{init_threads, BatchOptions, Model, Vectors};

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// CPU time of this process so far (user + system, all threads), from `/proc/self/stat`, in
/// milliseconds: unlike wall time, it barely moves when other programs share the cores.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: f64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    ticks * 10.0 // the kernel counts in hundredths of a second
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Each entry's text as the update stage will embed it.
fn catalog_texts(dir: &str) -> Vec<(String, String)> {
    let catalog = paperdex::catalog::load(Some(std::path::Path::new(dir))).expect("catalog");
    catalog
        .entries
        .iter()
        .map(|e| (e.id.clone(), format!("{}. {}", e.title, e.summary)))
        .collect()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: embed_bench MODEL_DIR CATALOG_DIR load|query|catalog|nearest [--runs N] [--batch N] [--sequential] [--candle-threads]");
        return ExitCode::from(2);
    }
    let (model_dir, catalog_dir, what) = (PathBuf::from(&args[0]), &args[1], args[2].as_str());
    let mut options = BatchOptions::default();
    let mut runs = 5usize;
    let mut candle_threads = false;
    let mut rest = args[3..].iter();
    while let Some(a) = rest.next() {
        let mut num = || {
            rest.next()
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(1)
        };
        match a.as_str() {
            "--runs" => runs = num().max(1),
            "--batch" => options.batch_size = num(),
            "--candle-threads" => candle_threads = true,
            "--sequential" => options.parallel_batches = false,
            other => {
                eprintln!("unknown option {other}");
                return ExitCode::from(2);
            }
        }
    }

    if !candle_threads {
        init_threads();
    }
    let start = Instant::now();
    let model = match Model::load_with(&model_dir, options) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::FAILURE;
        }
    };
    println!("load_ms={:.1}", ms(start));
    match what {
        "load" => {}
        "query" => {
            let start = Instant::now();
            let v = model.embed(&["vector clocks"]).expect("embed");
            println!("query_ms={:.1}", ms(start));
            assert_eq!(v.len(), 1);
        }
        "catalog" => {
            let items = catalog_texts(catalog_dir);
            let texts: Vec<&str> = items.iter().map(|(_, t)| t.as_str()).collect();
            let tokens: Vec<usize> = texts
                .iter()
                .map(|t| model.token_ids(t).expect("tokens").len())
                .collect();
            println!(
                "entries={} tokens_total={} tokens_max={} tokens_cut={}",
                texts.len(),
                tokens.iter().sum::<usize>(),
                tokens.iter().max().unwrap_or(&0),
                tokens.iter().filter(|&&n| n == model.max_tokens()).count()
            );
            let mut times = Vec::new();
            let mut cpu = Vec::new();
            for _ in 0..runs {
                let (start, cpu_start) = (Instant::now(), cpu_ms());
                let v = model.embed(&texts).expect("embed");
                times.push(ms(start));
                cpu.push(cpu_ms() - cpu_start);
                assert_eq!(v.len(), texts.len());
            }
            println!(
                "catalog_ms={:.1} catalog_cpu_ms={:.0} runs={runs}",
                median(times),
                median(cpu)
            );
            // Short queries one at a time, as search asks for them once the model is loaded.
            let queries = ["vector clocks", "how do replicas agree on a value?", "raft"];
            let mut times = Vec::new();
            for _ in 0..runs * 10 {
                for q in queries {
                    let start = Instant::now();
                    model.embed(&[q]).expect("embed");
                    times.push(ms(start));
                }
            }
            println!("warm_query_ms={:.2}", median(times));
        }
        "nearest" => {
            let items = catalog_texts(catalog_dir);
            let data = tempfile::tempdir().expect("temp dir");
            let path = paperdex::store::Store::new(data.path()).vectors_path();
            let start = Instant::now();
            let (stored, _) = Vectors::update(&path, &model, &items, &|_, _| {}).expect("update");
            println!("update_first_ms={:.1}", ms(start));
            let start = Instant::now();
            let (_, report) = Vectors::update(&path, &model, &items, &|_, _| {}).expect("update");
            println!(
                "update_unchanged_ms={:.1} reused={}",
                ms(start),
                report.reused.len()
            );
            let query = model
                .embed(&["how do replicas agree"])
                .expect("embed")
                .remove(0);
            let time = |v: &Vectors| {
                let mut times = Vec::new();
                for _ in 0..runs * 20 {
                    let start = Instant::now();
                    std::hint::black_box(v.nearest(&query, 10));
                    times.push(ms(start));
                }
                median(times)
            };
            println!(
                "nearest_catalog_ms={:.3} rows={}",
                time(&stored),
                stored.len()
            );
            let synthetic = synthetic(100_000, stored.dims());
            let start = Instant::now();
            synthetic.save(&path).expect("save");
            println!("save_100k_ms={:.1}", ms(start));
            let start = Instant::now();
            let loaded = Vectors::load(&path).expect("load").expect("file");
            println!("load_100k_ms={:.1}", ms(start));
            println!("nearest_100k_ms={:.3} rows={}", time(&loaded), loaded.len());
        }
        other => {
            eprintln!("unknown WHAT {other}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

/// `n` unit vectors from a fixed-seed generator, written through the store's own update path
/// by a stand-in model, so the file and matrix are the real ones.
fn synthetic(n: usize, dims: usize) -> Vectors {
    struct Random(usize);
    impl paperdex::embed::Embedder for Random {
        fn identity(&self) -> &str {
            "synthetic"
        }
        fn dims(&self) -> usize {
            self.0
        }
        fn embed(&self, texts: &[&str]) -> anyhow::Result<Vec<Vec<f32>>> {
            Ok(texts
                .iter()
                .map(|t| {
                    let mut state: u32 = t
                        .bytes()
                        .fold(2166136261, |h, b| (h ^ b as u32).wrapping_mul(16777619));
                    let v: Vec<f32> = (0..self.0)
                        .map(|_| {
                            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
                        })
                        .collect();
                    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    v.iter().map(|x| x / n).collect()
                })
                .collect())
        }
    }
    let items: Vec<(String, String)> = (0..n)
        .map(|i| (format!("s{i}"), format!("text {i}")))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let (v, _) = Vectors::update(
        &paperdex::store::Store::new(dir.path()).vectors_path(),
        &Random(dims),
        &items,
        &|_, _| {},
    )
    .expect("synthetic");
    v
}
