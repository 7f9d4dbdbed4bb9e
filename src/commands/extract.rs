//! `paperdex extract FILE.pdf...`: the text of any PDF, outside the catalog, from files or
//! standard input (`-`). The extract step of `update` (over the data directory's PDFs) lives
//! here too.

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context as _, Result};

use paperdex::cli::{parse_shard, BadInput, ExtractOpts};
use paperdex::extract::{self, ExtractOptions, ExtractReport, Extracted, Limits, PdfError};
use paperdex::output;
use paperdex::shard::Shard;

use super::{faults, progress, Context};

/// The name `-` stands for, in messages and as the stem of its text file.
const STDIN_NAME: &str = "stdin";

pub fn run(cx: &Context, e: ExtractOpts) -> Result<ExitCode> {
    if e.jobs == Some(0) {
        return Err(BadInput("--jobs must be at least 1.".into()).into());
    }
    if let Some(shard) = &e.shard {
        return run_shard(cx, parse_shard(shard)?, !e.no_ocr);
    }
    let stdin = Path::new("-");
    if e.files.iter().filter(|f| f.as_path() == stdin).count() > 1 {
        return Err(BadInput("Standard input (-) can be read only once.".into()).into());
    }
    let reading = Reading {
        limits: Limits::default(),
        ocr: !e.no_ocr,
        unread_scans: AtomicUsize::new(0),
    };
    let limits = &reading.limits;
    if e.out.is_none() && e.files.len() == 1 {
        let text = extract_one(&e.files[0], &reading).map_err(|err| {
            if reading.unread_scans.load(Ordering::SeqCst) > 0 {
                anyhow::anyhow!("{err:#}; to read it by OCR: {}", extract::ocr::INSTALL_HINT)
            } else {
                err
            }
        })?;
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
        Some(_) => Some(read_stdin(limits)?),
        None => None,
    };
    // Every core by default, counted here: RAYON_NUM_THREADS is set to 1 at start-up for the
    // sentence model's sake, and a pool built without a count would read it.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(e.jobs.unwrap_or(cores))
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
                // A file that trips a bug costs only its own text.
                let text = paperdex::fault::catch(|| match (&piped, file.as_path() == stdin) {
                    (Some(bytes), true) => extract_piped(bytes, &reading),
                    _ => extract_one(file, &reading),
                })
                .unwrap_or_else(|reason| {
                    Err(anyhow::anyhow!(
                        "Could not extract {}: {reason}; please report it",
                        display(file)
                    ))
                });
                let result =
                    text.and_then(|t| paperdex::store::write_atomic(&target, t.text().as_bytes()));
                bar.inc(1);
                result.err().map(|err| format!("{err:#}"))
            })
            .collect()
    });
    bar.finish_and_clear();
    // Each failure is an error of its own, in the one form every error takes.
    for f in &failures {
        eprintln!(
            "paperdex: error: {}.",
            output::clean(f.trim_end_matches(['.', ';']))
        );
    }
    let scans = reading.unread_scans.load(Ordering::SeqCst);
    if scans > 0 {
        eprintln!(
            "note: {scans} of the files {} scanned without a text layer; to read them by OCR: {}",
            if scans == 1 { "is" } else { "are" },
            extract::ocr::INSTALL_HINT
        );
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

/// Extracts the texts of one shard of the catalog from the data directory's documents, as
/// the extract step of `update` does for all of them; the shard's records wait in its folder
/// for `index` to merge them. Exits 1 when a text could not be written or a document failed
/// inside paperdex, as `update` does.
fn run_shard(cx: &Context, shard: Shard, ocr: bool) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let (store, _lock) = cx.lock_shard(shard)?;
    // A test stretches a shard's run to kill its worker midway; release builds never look.
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("PAPERDEX_TEST_SHARD_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    let entries = shard.select(&catalog.entries);
    let opts = ExtractOptions { verify: false, ocr };
    let bar = progress::Bar::new(cx.quiet);
    let report = extract::run(&store, &entries, &opts, &bar)?;
    bar.finish();
    self::report(&report, cx.quiet);
    faults::report(&report.faults, &[&report.faulted_before], cx.quiet);
    Ok(if report.ok() && report.faults.is_empty() {
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

/// How files are read: the extractor's limits, whether scans are read by OCR, and how many
/// scans went unread for want of it.
struct Reading {
    limits: Limits,
    ocr: bool,
    unread_scans: AtomicUsize,
}

/// Extracts one file, or standard input for `-`.
fn extract_one(file: &Path, reading: &Reading) -> Result<Extracted> {
    if file == Path::new("-") {
        let bytes = read_stdin(&reading.limits)?;
        return extract_piped(&bytes, reading);
    }
    read(file, reading).with_context(|| format!("Could not extract {}", file.display()))
}

/// Extracts the PDF read from standard input, from a private copy of it, which OCR can read
/// when it is a scan.
fn extract_piped(bytes: &[u8], reading: &Reading) -> Result<Extracted> {
    let copy = std::env::temp_dir().join(format!("paperdex-stdin-{}.pdf", std::process::id()));
    std::fs::write(&copy, bytes).with_context(|| format!("Could not write {}", copy.display()))?;
    let read = read(&copy, reading);
    let _ = std::fs::remove_file(&copy);
    read.context("Could not extract standard input")
}

/// A PDF's text by the extract stage's own policy (its text layer, else OCR when wanted and
/// installed), counting the scans left unread for want of OCR.
fn read(file: &Path, reading: &Reading) -> Result<Extracted> {
    match extract::read_pdf(file, &reading.limits, reading.ocr) {
        Ok((text, _)) => Ok(text),
        Err(e @ PdfError::Unread { missing: Some(_) }) => {
            reading.unread_scans.fetch_add(1, Ordering::SeqCst);
            Err(e.into())
        }
        Err(e @ PdfError::Unread { missing: None }) => {
            Err(anyhow::anyhow!("{e}; without --no-ocr it is read by OCR"))
        }
        Err(e) => Err(e.into()),
    }
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
        let ocr = if report.ocr.is_empty() {
            String::new()
        } else {
            format!(" ({} by OCR)", report.ocr.len())
        };
        eprintln!(
            "Extract: {} extracted{ocr}, {} unchanged, {} without text{errors}.",
            report.extracted.len(),
            report.cached.len(),
            report.failed.len() + report.failed_before.len()
        );
    }
    if let Some(missing) = &report.ocr_missing {
        eprintln!("{}", ocr_hint(missing, &report.scanned));
    }
}

/// The one line that says scans went unread for want of OCR, and how to get it.
fn ocr_hint(missing: &str, scanned: &[String]) -> String {
    let n = scanned.len();
    let ids = output::first_few(scanned, FEW);
    format!(
        "note: {n} scanned PDF{} without a text layer ({ids}) need OCR, and {missing} is not installed: {}",
        output::plural(n),
        extract::ocr::INSTALL_HINT
    )
}

/// Ids named in one line before the rest are counted.
const FEW: usize = 5;

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
pub fn report_json(report: &ExtractReport) -> output::reports::ExtractJson<'_> {
    report.into()
}
