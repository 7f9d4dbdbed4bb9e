//! Scanned PDFs, the last resort of the extract stage: a PDF whose pages are only images
//! (`ExtractError::NoTextLayer`) is read by optical character recognition, page by page.
//!
//! Pages are rendered to grey images at 300 dpi by poppler's `pdftoppm` and read by
//! Tesseract, both run as programs when they are installed (Debian: `tesseract-ocr` and
//! `poppler-utils`). Pages are read in parallel on the extract stage's threads, each program
//! run is bounded in time and killed past it, and the whole document has a budget, so a
//! thousand-page scan cannot hold a run for hours.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::Extracted;

/// Version of the OCR text; bump when it changes, as it keys the text cache.
pub const OCR_VERSION: u32 = 1;

/// What to install when the programs are missing, in one line.
pub const INSTALL_HINT: &str = "apt-get install tesseract-ocr poppler-utils";

/// Bounds on the work done for one scanned document.
#[derive(Debug, Clone)]
pub struct OcrLimits {
    /// Resolution pages are rendered at.
    pub dpi: u32,
    /// Pages read; later ones are left out.
    pub max_pages: usize,
    /// Longest one program run (rendering or reading one page) may take.
    pub page_timeout: Duration,
    /// Longest the whole document may take; pages not started by then are left out.
    pub budget: Duration,
    /// Tesseract's language(s), as `-l` takes them.
    pub language: String,
}

impl Default for OcrLimits {
    fn default() -> Self {
        OcrLimits {
            dpi: 300,
            max_pages: 1000,
            page_timeout: Duration::from_secs(180),
            budget: Duration::from_secs(1800),
            language: "eng".to_string(),
        }
    }
}

/// Why a scanned document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    /// Tesseract or pdftoppm is not installed.
    #[error("{0} is not installed ({INSTALL_HINT})")]
    Missing(&'static str),
    /// A program failed or could not be run.
    #[error("{0}")]
    Failed(String),
    /// Nothing was recognised on any page.
    #[error("OCR found no text")]
    NoText,
}

/// Whether the programs OCR needs are installed: checked once per process.
pub fn available() -> Result<(), OcrError> {
    static FOUND: OnceLock<Result<(), &'static str>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        for (program, flag) in [
            ("tesseract", "--version"),
            ("pdftoppm", "-v"),
            ("pdfinfo", "-v"),
        ] {
            let ran = Command::new(program)
                .arg(flag)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if ran.is_err() {
                return Err(program);
            }
        }
        Ok(())
    });
    found.map_err(OcrError::Missing)
}

/// Reads every page of a scanned PDF, in order; a page that gives nothing stays empty, so
/// page numbers keep matching the PDF's.
pub fn ocr_pdf(pdf: &Path, limits: &OcrLimits) -> Result<Extracted, OcrError> {
    ocr_pdf_with(pdf, limits, &|_, _| {})
}

/// Reads a scanned PDF as [`ocr_pdf`] does, calling `on_page(done, total)` as each page is
/// read (or skipped for want of time), in the order they finish.
pub fn ocr_pdf_with(
    pdf: &Path,
    limits: &OcrLimits,
    on_page: &(dyn Fn(usize, usize) + Sync),
) -> Result<Extracted, OcrError> {
    available()?;
    let started = Instant::now();
    let pages = page_count(pdf, limits)?.min(limits.max_pages);
    if pages == 0 {
        return Err(OcrError::NoText);
    }
    let scratch = Scratch::new()?;
    let done = AtomicUsize::new(0);
    let texts: Vec<Result<String, OcrError>> = (1..=pages)
        .into_par_iter()
        .map(|page| {
            let text = if started.elapsed() > limits.budget {
                Ok(String::new())
            } else {
                read_page(pdf, page, &scratch.0, limits)
            };
            on_page(done.fetch_add(1, Ordering::SeqCst) + 1, pages);
            text
        })
        .collect();
    let mut out = Vec::with_capacity(pages);
    let mut failures = Vec::new();
    for (i, text) in texts.into_iter().enumerate() {
        match text {
            Ok(t) => out.push(t),
            Err(e) => {
                failures.push(format!("page {}: {e}", i + 1));
                out.push(String::new());
            }
        }
    }
    if out.iter().all(|p| p.trim().is_empty()) {
        return Err(match failures.into_iter().next() {
            Some(first) => OcrError::Failed(first),
            None => OcrError::NoText,
        });
    }
    Ok(Extracted { pages: out })
}

/// The number of pages `pdfinfo` reports.
fn page_count(pdf: &Path, limits: &OcrLimits) -> Result<usize, OcrError> {
    let mut cmd = Command::new("pdfinfo");
    cmd.arg(pdf);
    let out = run(cmd, limits.page_timeout, "pdfinfo")?;
    String::from_utf8_lossy(&out)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| {
            OcrError::Failed(format!(
                "pdfinfo reports no page count for {}",
                pdf.display()
            ))
        })
}

/// Renders one page and reads it.
fn read_page(pdf: &Path, page: usize, dir: &Path, limits: &OcrLimits) -> Result<String, OcrError> {
    let stem = dir.join(format!("p{page}"));
    let mut render = Command::new("pdftoppm");
    render
        .args([
            "-r",
            &limits.dpi.to_string(),
            "-gray",
            "-png",
            "-singlefile",
        ])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg(&stem);
    run(render, limits.page_timeout, "pdftoppm")?;
    let image = stem.with_extension("png");
    let mut read = Command::new("tesseract");
    read.arg(&image)
        .arg("stdout")
        .args(["-l", &limits.language])
        // Pages run in parallel already; Tesseract's own threads would only fight them.
        .env("OMP_THREAD_LIMIT", "1");
    let text = run(read, limits.page_timeout, "tesseract");
    let _ = std::fs::remove_file(&image);
    Ok(clean(&String::from_utf8_lossy(&text?)))
}

/// OCR text as page text: control characters (Tesseract ends a page with a form feed) and
/// blank lines dropped, lines trimmed, and a word hyphenated across a line end joined, as the
/// PDF extractor joins it.
fn clean(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            l.chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
                .trim()
                .to_string()
        })
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = String::new();
    for line in lines {
        let hyphenated = out.ends_with('-')
            && out[..out.len() - 1]
                .chars()
                .next_back()
                .is_some_and(char::is_alphabetic)
            && line.starts_with(|c: char| c.is_lowercase());
        if hyphenated {
            out.pop();
        } else if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line);
    }
    out
}

/// Runs a program to its end and returns its standard output; killed past `timeout`.
fn run(mut cmd: Command, timeout: Duration, name: &'static str) -> Result<Vec<u8>, OcrError> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => OcrError::Missing(name),
            _ => OcrError::Failed(format!("could not run {name}: {e}")),
        })?;
    // Output is read on threads of its own, so a chatty program never blocks on a full pipe.
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(OcrError::Failed(format!(
                    "{name} took longer than {} s",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(OcrError::Failed(format!("waiting for {name}: {e}"))),
        }
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    if !status.success() {
        let said = String::from_utf8_lossy(&err);
        let said = said
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(OcrError::Failed(format!(
            "{name} failed ({status}): {}",
            said.trim()
        )));
    }
    Ok(out)
}

/// A private folder for page images, removed with what is in it when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch, OcrError> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("paperdex-ocr-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| OcrError::Failed(format!("could not create {}: {e}", dir.display())))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_text_is_cleaned_into_page_text() {
        assert_eq!(
            clean("  Line one \n\n\x0cline two\x0c\n"),
            "Line one\nline two"
        );
        assert_eq!(
            clean("a proba-\nbly true claim, 1-\n2 and re-\nSearch"),
            "a probably true claim, 1-\n2 and re-\nSearch"
        );
    }

    #[test]
    fn a_program_that_runs_too_long_is_killed() {
        let mut cmd = Command::new("sleep");
        cmd.arg("5");
        let started = Instant::now();
        let err = run(cmd, Duration::from_millis(100), "sleep").unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(err.to_string().contains("took longer"), "{err}");
        let missing = run(
            Command::new("paperdex-no-such-program"),
            Duration::from_secs(1),
            "tesseract",
        )
        .unwrap_err();
        assert!(
            matches!(missing, OcrError::Missing("tesseract")),
            "{missing}"
        );
        assert!(missing.to_string().contains(INSTALL_HINT));
    }
}
