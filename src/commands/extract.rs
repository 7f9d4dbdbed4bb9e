//! `paperdex extract FILE.pdf...`: the text of any PDF, outside the catalog, from files or
//! standard input (`-`). The extract step of `update` (over the data directory's PDFs) lives
//! here too.

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use paperdex::catalog::Catalog;
use paperdex::cli::{BadInput, ExtractOpts};
use paperdex::extract::{self, Extracted, Limits};
use paperdex::output;
use paperdex::pipeline::{self, ExtractReport};
use paperdex::store::Store;

use super::{progress, Context};

/// The name `-` stands for, in messages and as the stem of its text file.
const STDIN_NAME: &str = "stdin";

pub fn run(cx: &Context, e: ExtractOpts) -> Result<ExitCode> {
    if e.jobs == Some(0) {
        return Err(BadInput("--jobs must be at least 1.".into()).into());
    }
    let stdin = Path::new("-");
    if e.files.iter().filter(|f| f.as_path() == stdin).count() > 1 {
        return Err(BadInput("Standard input (-) can be read only once.".into()).into());
    }
    let limits = Limits::default();
    if e.out.is_none() && e.files.len() == 1 {
        let text = extract_one(&e.files[0], &limits)?;
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.text().as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(out) = e.out else {
        return Err(BadInput("Several files need --out DIR for their text.".into()).into());
    };
    std::fs::create_dir_all(&out).with_context(|| format!("Could not create {}", out.display()))?;
    let targets = text_names(&e.files);
    for (file, name) in e.files.iter().zip(&targets) {
        let stem = Path::new(name).file_stem().unwrap_or_default();
        if display(file) != STDIN_NAME && Some(stem) != file.file_stem() && !cx.quiet {
            eprintln!(
                "note: {} is written as {name}: another file has its name.",
                display(file)
            );
        }
    }
    // Standard input is read before the others start, on this thread.
    let piped = match e.files.iter().position(|f| f.as_path() == stdin) {
        Some(_) => Some(read_stdin(&limits)?),
        None => None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(e.jobs.unwrap_or(0))
        .build()
        .context("Could not start the extraction threads")?;
    let bar = progress::bar(e.files.len() as u64, "Extracting", cx.quiet);
    let failures: Vec<String> = pool.install(|| {
        use rayon::prelude::*;
        e.files
            .par_iter()
            .zip(targets.par_iter())
            .filter_map(|(file, name)| {
                let target = out.join(name);
                let text = match (&piped, file.as_path() == stdin) {
                    (Some(bytes), true) => extract::extract_bytes(bytes, &limits)
                        .with_context(|| "Could not extract standard input".to_string()),
                    _ => extract_one(file, &limits),
                };
                let result =
                    text.and_then(|t| paperdex::store::write_atomic(&target, t.text().as_bytes()));
                bar.inc(1);
                result.err().map(|err| format!("{err:#}"))
            })
            .collect()
    });
    bar.finish_and_clear();
    for f in &failures {
        eprintln!("paperdex: {}", output::clean(f));
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

/// How a file is named in messages: its path, or `stdin` for `-`.
fn display(file: &Path) -> String {
    if file == Path::new("-") {
        STDIN_NAME.to_string()
    } else {
        file.display().to_string()
    }
}

/// Extracts one file, or standard input for `-`.
fn extract_one(file: &Path, limits: &Limits) -> Result<Extracted> {
    if file == Path::new("-") {
        let bytes = read_stdin(limits)?;
        return extract::extract_bytes(&bytes, limits).context("Could not extract standard input");
    }
    extract::extract_file(file, limits)
        .with_context(|| format!("Could not extract {}", file.display()))
}

/// Reads standard input whole, refusing more than the extractor accepts.
fn read_stdin(limits: &Limits) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(limits.max_file_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .context("Could not read standard input")?;
    Ok(bytes)
}

/// The text file name of each input, `<stem>.txt`, made unique: a later file whose stem is
/// taken gets `<stem>-2.txt`, `<stem>-3.txt`, ... (never a name another input has by its own
/// stem), so no text overwrites another.
fn text_names(files: &[PathBuf]) -> Vec<String> {
    let stems: Vec<String> = files
        .iter()
        .map(|f| {
            if f.as_path() == Path::new("-") {
                STDIN_NAME.to_string()
            } else {
                f.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            }
        })
        .collect();
    let claimed: HashSet<&str> = stems.iter().map(String::as_str).collect();
    let mut used: HashSet<String> = HashSet::new();
    stems
        .iter()
        .map(|stem| {
            if used.insert(stem.clone()) {
                return format!("{stem}.txt");
            }
            let mut n = 2;
            loop {
                let name = format!("{stem}-{n}");
                if !claimed.contains(name.as_str()) && used.insert(name.clone()) {
                    return format!("{name}.txt");
                }
                n += 1;
            }
        })
        .collect()
}

/// Runs the extract stage over the data directory's PDFs with a progress bar; `verify` hashes
/// every text file against its record.
pub fn extract_catalog(
    store: &Store,
    catalog: &Catalog,
    verify: bool,
    quiet: bool,
) -> Result<ExtractReport> {
    let bar = progress::bar(0, "Extracting", quiet);
    let on_progress = |done: usize, total: usize, id: &str| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(id.to_string());
    };
    let report = pipeline::extract_stage(store, &catalog.entries, verify, &on_progress)?;
    bar.finish_and_clear();
    Ok(report)
}

/// Prints what the extract stage did: an error per text that could not be written or read, a
/// warning per entry without text, a note per damaged text extracted again, then counts.
pub fn report(report: &ExtractReport, quiet: bool) {
    errors(report);
    for (id, reason) in &report.failed {
        eprintln!(
            "warning: {id}: no text extracted: {}",
            output::clean(reason)
        );
    }
    if !quiet {
        for id in &report.repaired {
            eprintln!("{id}: its text file was missing or damaged, so it was extracted again.");
        }
        let errors = if report.io_errors.is_empty() {
            String::new()
        } else {
            format!(", {} not written", report.io_errors.len())
        };
        eprintln!(
            "Extract: {} extracted, {} unchanged, {} without text{errors}.",
            report.extracted.len(),
            report.cached.len(),
            report.failed.len() + report.failed_before.len()
        );
    }
}

/// Prints an error line per text that could not be written or read.
pub fn errors(report: &ExtractReport) {
    for (id, err) in &report.io_errors {
        eprintln!(
            "paperdex: error: {id}: {}; it is tried again on the next run.",
            output::clean(err.trim_end_matches('.'))
        );
    }
}

/// The extract stage's report as one JSON value.
pub fn report_json(report: &ExtractReport) -> serde_json::Value {
    let pairs = |list: &[(String, String)], key: &str| -> Vec<serde_json::Value> {
        list.iter()
            .map(|(id, text)| serde_json::json!({"id": id, key: text}))
            .collect()
    };
    serde_json::json!({
        "extracted": report.extracted,
        "unchanged": report.cached,
        "without_text": pairs(&report.failed, "reason"),
        "without_text_before": report.failed_before,
        "repaired": report.repaired,
        "errors": pairs(&report.io_errors, "error"),
    })
}
