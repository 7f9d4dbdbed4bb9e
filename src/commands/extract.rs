//! `paperdex extract FILE.pdf...`: the text of any PDF, outside the catalog. The extract step
//! of `update` (over the data directory's PDFs) lives here too.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use paperdex::catalog::Catalog;
use paperdex::cli::{BadInput, ExtractOpts};
use paperdex::extract::{self, Limits};
use paperdex::pipeline::{self, ExtractReport};
use paperdex::store::Store;

use super::{progress, Context};

pub fn run(cx: &Context, e: ExtractOpts) -> Result<ExitCode> {
    if e.jobs == Some(0) {
        return Err(BadInput("--jobs must be at least 1.".into()).into());
    }
    let limits = Limits::default();
    if e.out.is_none() && e.files.len() == 1 {
        let text = extract::extract_file(&e.files[0], &limits)
            .with_context(|| format!("Could not extract {}", e.files[0].display()))?;
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.text().as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(out) = e.out else {
        return Err(BadInput("Several files need --out DIR for their text.".into()).into());
    };
    std::fs::create_dir_all(&out).with_context(|| format!("Could not create {}", out.display()))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(e.jobs.unwrap_or(0))
        .build()
        .context("Could not start the extraction threads")?;
    let bar = progress::bar(e.files.len() as u64, "Extracting", cx.quiet);
    let failures: Vec<String> = pool.install(|| {
        use rayon::prelude::*;
        e.files
            .par_iter()
            .filter_map(|file| {
                let stem = file.file_stem().unwrap_or_default().to_string_lossy();
                let target = out.join(format!("{stem}.txt"));
                let result = extract::extract_file(file, &limits)
                    .map_err(anyhow::Error::from)
                    .and_then(|t| paperdex::store::write_atomic(&target, t.text().as_bytes()));
                bar.inc(1);
                result
                    .err()
                    .map(|err| format!("{}: {err:#}", file.display()))
            })
            .collect()
    });
    bar.finish_and_clear();
    for f in &failures {
        eprintln!("paperdex: {f}");
    }
    if !cx.quiet {
        eprintln!(
            "Extracted {} of {} files into {}.",
            e.files.len() - failures.len(),
            e.files.len(),
            out.display()
        );
    }
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs the extract stage over the data directory's PDFs with a progress bar.
pub fn extract_catalog(store: &Store, catalog: &Catalog, quiet: bool) -> Result<ExtractReport> {
    let bar = progress::bar(0, "Extracting", quiet);
    let on_progress = |done: usize, total: usize, id: &str| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(id.to_string());
    };
    let report = pipeline::extract_stage(store, &catalog.entries, &on_progress)?;
    bar.finish_and_clear();
    Ok(report)
}

/// Prints what the extract stage did: a warning per entry without text, then counts.
pub fn report(report: &ExtractReport, quiet: bool) {
    for (id, reason) in &report.failed {
        eprintln!("warning: {id}: no text extracted: {reason}");
    }
    if !quiet {
        eprintln!(
            "Extract: {} extracted, {} unchanged, {} without text.",
            report.extracted.len(),
            report.cached.len(),
            report.failed.len() + report.failed_before.len()
        );
    }
}
