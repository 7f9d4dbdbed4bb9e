//! The extract stage's run over a library (catalog -> fetch -> **extract** -> cite -> index
//! -> embed -> search): finds the documents the fetch stage stored (PDFs and web pages), reads
//! the ones whose text is missing, stale or damaged (in parallel, keyed by each document's
//! sha256 and its extractor's version), reads scanned PDFs by OCR when it can, and records the
//! outcome per entry in the stored text's records (see `text`).

use std::fs;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::html::{self, HtmlLimits, HTML_EXTRACTOR_VERSION};
use super::ocr::{self, OcrError, OCR_VERSION};
use super::pdf::{ExtractError, Limits, EXTRACTOR_VERSION};
use super::{read_pdf_with, PdfError};
use crate::catalog::Entry;
use crate::fault::{self, Fault, Faults};
use crate::fetch::{Format, Manifest};
use crate::stage::{Event, Progress, Stage};
use crate::store::{sha256_file, write_atomic, Store};
use crate::text::{self, Source, TextRecord, TextState, TextStatus};

/// How often the extract stage saves its records while it runs.
const SAVE_EVERY: Duration = Duration::from_secs(2);

/// The version of the extractor that makes text of this source: a change of it makes the
/// text stale.
fn version(source: Source) -> u32 {
    match source {
        Source::Pdf => EXTRACTOR_VERSION,
        Source::Web | Source::Hub => HTML_EXTRACTOR_VERSION,
        Source::Ocr => OCR_VERSION,
    }
}

/// What one run of the extract stage did.
#[derive(Debug, Clone, Default)]
pub struct ExtractReport {
    pub extracted: Vec<String>,
    pub cached: Vec<String>,
    /// Entries whose PDF gave no text in this run, with the reason ("encrypted", ...).
    pub failed: Vec<(String, String)>,
    /// Entries whose PDF gave no text in an earlier run and is unchanged since.
    pub failed_before: Vec<String>,
    /// Entries whose text could not be read or written here (a full disk, permissions): they are
    /// not recorded, so the next run tries them again.
    pub io_errors: Vec<(String, String)>,
    /// Entries whose text file was missing, cut short or changed, and was extracted again.
    pub repaired: Vec<String>,
    /// Entries whose text was read by OCR in this run.
    pub ocr: Vec<String>,
    /// Entries whose PDF has no text layer and that OCR did not read (in this run or before).
    pub scanned: Vec<String>,
    /// OCR was wanted but Tesseract or poppler is not installed: what is missing.
    pub ocr_missing: Option<String>,
    /// Documents whose extraction failed inside paperdex in this run: they have no text, the
    /// rest of the run went on.
    pub faults: Vec<Fault>,
    /// Documents that failed so in an earlier run and are unchanged: not tried again.
    pub faulted_before: Vec<String>,
}

impl ExtractReport {
    /// Tells whether every entry's text could be read and written.
    pub fn ok(&self) -> bool {
        self.io_errors.is_empty()
    }
}

/// How extracting one document went.
enum Outcome {
    /// The text was written: its page count, length, hash and time, where it came from and
    /// the heading of each page.
    Text {
        pages: usize,
        bytes: u64,
        sha256: String,
        modified: u64,
        source: Source,
        sections: Vec<String>,
    },
    /// The document itself gives no text: a reason worth remembering for it, and whether it
    /// is a scan that OCR did not read.
    NoText { reason: String, scanned: bool },
    /// Reading the document or writing the text failed here: tried again next run.
    Io(String),
    /// Extraction failed inside paperdex (a panic): a fault of this document.
    Fault(String),
}

/// How the extract stage runs.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Hash every text file against its record, not only those whose time changed.
    pub verify: bool,
    /// Read scanned PDFs by OCR when Tesseract is installed.
    pub ocr: bool,
}

/// An entry's stored document, as the extract stage reads it.
#[derive(Debug, Clone)]
enum Document {
    Pdf,
    /// A web page, with the Content-Type it was served with and the URL it came from.
    Page {
        content_type: Option<String>,
        url: Option<String>,
    },
}

/// Kinds whose web page is a gateway to the work (a course, a video, software), read as a
/// link hub whatever its text.
const HUB_KINDS: &[&str] = &["course", "video", "talk", "code", "list", "website"];

/// Fewest words a web page must have to stand for a paper or thesis; a shorter page is an
/// abstract, a landing page or a login wall.
const MIN_PAPER_WORDS: usize = 500;

/// Kinds whose link should give the work itself: a page with little text for them is a
/// landing page or a login wall, not the paper.
fn wants_the_work(entry: &Entry) -> bool {
    matches!(entry.kind.as_deref(), None | Some("paper" | "thesis"))
}

/// Extracts one entry's document and writes its text, telling a fault of the document from a
/// local one.
fn extract_one(
    store: &Store,
    entry: &Entry,
    document: &Document,
    limits: &Limits,
    opts: &ExtractOptions,
    progress: &dyn Progress,
) -> Outcome {
    let id = entry.id.as_str();
    fault::inject(Stage::Extract, id);
    match document {
        Document::Pdf => extract_pdf(store, id, limits, opts, progress),
        Document::Page { content_type, url } => {
            extract_page(store, entry, content_type.as_deref(), url.as_deref())
        }
    }
}

/// Extracts a PDF's text layer, or reads it by OCR when it has none, telling `progress` of
/// each page OCR reads.
fn extract_pdf(
    store: &Store,
    id: &str,
    limits: &Limits,
    opts: &ExtractOptions,
    progress: &dyn Progress,
) -> Outcome {
    let path = store.pdf_path(id);
    let on_page = |done, total| progress.event(Event::Ocr { id, done, total });
    let (text, source) = match read_pdf_with(&path, limits, opts.ocr, &on_page) {
        Ok(read) => read,
        Err(PdfError::Extract(ExtractError::Io(e))) => {
            return Outcome::Io(format!("could not read {}: {e}", path.display()))
        }
        Err(e @ PdfError::Unread { .. }) => {
            return Outcome::NoText {
                reason: e.to_string(),
                scanned: true,
            }
        }
        Err(e) => {
            return Outcome::NoText {
                reason: e.to_string(),
                scanned: false,
            }
        }
    };
    remove_links(store, id);
    write_text(store, id, &text.pages, source, Vec::new())
}

/// Extracts a web page's main content by section, and keeps the links it makes.
fn extract_page(
    store: &Store,
    entry: &Entry,
    content_type: Option<&str>,
    url: Option<&str>,
) -> Outcome {
    let id = entry.id.as_str();
    let path = store.html_path(id);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) => return Outcome::Io(format!("could not read {}: {e}", path.display())),
    };
    let hub_kind = entry
        .kind
        .as_deref()
        .is_some_and(|k| HUB_KINDS.contains(&k));
    let page = match html::extract_html(&bytes, content_type, url, hub_kind, &HtmlLimits::default())
    {
        Ok(page) => page,
        Err(e) => {
            return Outcome::NoText {
                reason: e.to_string(),
                scanned: false,
            }
        }
    };
    if (page.hub || page.words < MIN_PAPER_WORDS) && wants_the_work(entry) {
        return Outcome::NoText {
            reason: "the web page has little text of its own and declares no PDF (a landing page or a login wall?)".to_string(),
            scanned: false,
        };
    }
    let links = serde_json::to_vec_pretty(&page.links).unwrap_or_else(|_| b"[]".to_vec());
    if let Err(e) = write_atomic(&store.links_path(id), &links) {
        return Outcome::Io(format!("{e:#}"));
    }
    let source = if page.hub { Source::Hub } else { Source::Web };
    write_text(store, id, &page.pages(), source, page.headings())
}

/// Removes the links file of an entry whose text no longer comes from a web page.
fn remove_links(store: &Store, id: &str) {
    let _ = fs::remove_file(store.links_path(id));
}

/// Writes an entry's text, its pages separated by form feeds.
fn write_text(
    store: &Store,
    id: &str,
    pages: &[String],
    source: Source,
    sections: Vec<String>,
) -> Outcome {
    match text::write(store, id, pages) {
        Ok(w) => Outcome::Text {
            pages: w.pages,
            bytes: w.bytes,
            sha256: w.sha256,
            modified: w.modified,
            source,
            sections,
        },
        Err(e) => Outcome::Io(format!("{e:#}")),
    }
}

/// An entry's stored document and its sha256: the manifest's hash when it still describes
/// the file, otherwise computed from the file. A PDF wins over a page when both are there.
fn stored_document(
    store: &Store,
    manifest: &Manifest,
    id: &str,
) -> Result<Option<(Document, String)>> {
    let fetched = manifest.get(id).filter(|m| m.has_file());
    let page_first = fetched.is_some_and(|m| m.format == Format::Html);
    let order = if page_first {
        [Format::Html, Format::Pdf]
    } else {
        [Format::Pdf, Format::Html]
    };
    for format in order {
        let path = match format {
            Format::Pdf => store.pdf_path(id),
            Format::Html => store.html_path(id),
        };
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("Could not read {}", path.display())),
        };
        let described = fetched.filter(|m| m.format == format && m.bytes == meta.len());
        let sha = match described {
            Some(m) => m.sha256.clone(),
            None => sha256_file(&path)?.1,
        };
        let document = match format {
            Format::Pdf => Document::Pdf,
            Format::Html => Document::Page {
                content_type: described.and_then(|m| m.content_type.clone()),
                url: described.map(|m| m.final_url.clone()),
            },
        };
        return Ok(Some((document, sha)));
    }
    Ok(None)
}

/// Whether a record still describes the text of `document`, whose hash is `sha`.
fn record_matches(r: &TextRecord, document: &Document, sha: &str, ocr_now: bool) -> bool {
    let source_fits = match document {
        Document::Pdf => matches!(r.source, Source::Pdf | Source::Ocr),
        Document::Page { .. } => matches!(r.source, Source::Web | Source::Hub),
    };
    // A scan left unread is read as soon as OCR can do it.
    let unread_scan = r.scanned && ocr_now;
    r.sha256 == sha && source_fits && r.extractor == version(r.source) && !unread_scan
}

/// The input a fault of the extract stage is tied to: the document and the extractors that
/// read it, so a new document or a new extractor tries it again.
fn fault_key(document: &Document, sha: &str) -> String {
    match document {
        Document::Pdf => format!("{sha}:pdf{EXTRACTOR_VERSION}:ocr{OCR_VERSION}"),
        Document::Page { .. } => format!("{sha}:html{HTML_EXTRACTOR_VERSION}"),
    }
}

/// Extracts the text of every entry whose PDF or web page is present and whose text is
/// missing, stale or damaged, reading scanned PDFs by OCR when `opts` wants it and Tesseract
/// is installed. A document whose reading fails inside paperdex is recorded as a fault and
/// left without text; the others are read as usual.
pub fn run(
    store: &Store,
    entries: &[Entry],
    opts: &ExtractOptions,
    progress: &dyn Progress,
) -> Result<ExtractReport> {
    let manifest = Manifest::load(store).with_context(|| {
        format!(
            "Could not read the fetch manifest in {}",
            store.root().display()
        )
    })?;
    let mut status = TextStatus::load(store)?;
    let mut report = ExtractReport::default();
    let mut todo = Vec::new();
    let mut refreshed = false;
    let ocr_missing = match ocr::available() {
        Err(OcrError::Missing(what)) if opts.ocr => Some(what.to_string()),
        _ => None,
    };
    let ocr_now = opts.ocr && ocr_missing.is_none();
    let mut faults = Faults::load(store);
    let faults_before = faults.clone();
    if opts.verify {
        faults.clear_stage(Stage::Extract);
    }
    let mut present = std::collections::HashSet::new();
    for entry in entries {
        let Some((document, sha)) = stored_document(store, &manifest, &entry.id)? else {
            continue;
        };
        present.insert(entry.id.as_str());
        if faults
            .known(Stage::Extract, &entry.id, &fault_key(&document, &sha))
            .is_some()
        {
            report.faulted_before.push(entry.id.clone());
            continue;
        }
        let current = status
            .entries
            .get(&entry.id)
            .filter(|r| record_matches(r, &document, &sha, ocr_now))
            .cloned();
        match current {
            Some(r) if r.error.is_some() => {
                if r.scanned {
                    report.scanned.push(entry.id.clone());
                }
                report.failed_before.push(entry.id.clone())
            }
            Some(r) => match text::check(store, &entry.id, &r, opts.verify)? {
                TextState::Intact => report.cached.push(entry.id.clone()),
                TextState::Refreshed(r) => {
                    status.entries.insert(entry.id.clone(), r);
                    refreshed = true;
                    report.cached.push(entry.id.clone());
                }
                TextState::Damaged => {
                    report.repaired.push(entry.id.clone());
                    todo.push((entry, document, sha));
                }
            },
            None => todo.push((entry, document, sha)),
        }
    }
    fs::create_dir_all(store.text_dir())
        .with_context(|| format!("Could not create {}", store.text_dir().display()))?;
    let total = todo.len();
    progress.event(Event::Planned {
        stage: Stage::Extract,
        total,
    });
    let limits = Limits::default();
    // Records are saved every few seconds as well as at the end, so a run that is killed
    // keeps what it extracted and the next one goes on from there.
    struct Progress {
        status: TextStatus,
        report: ExtractReport,
        done: usize,
        saved: Instant,
        save_error: Option<anyhow::Error>,
    }
    let shared = Mutex::new(Progress {
        status,
        report,
        done: 0,
        saved: Instant::now(),
        save_error: None,
    });
    // Gone documents lose their faults; the ones tried now get a new verdict.
    faults.retain(Stage::Extract, |id| present.contains(id));
    for (entry, _, _) in &todo {
        faults.clear(Stage::Extract, &entry.id);
    }
    let new_faults = Mutex::new(Vec::new());
    todo.into_par_iter().for_each(|(entry, document, sha)| {
        let id = entry.id.clone();
        let outcome =
            fault::catch(|| extract_one(store, entry, &document, &limits, opts, progress))
                .unwrap_or_else(Outcome::Fault);
        if let Outcome::Fault(reason) = &outcome {
            let key = fault_key(&document, &sha);
            let mut list = new_faults.lock().unwrap_or_else(|e| e.into_inner());
            list.push((id.clone(), key, reason.clone()));
        }
        let mut p = shared.lock().unwrap_or_else(|e| e.into_inner());
        let failed_source = match document {
            Document::Pdf => Source::Pdf,
            Document::Page { .. } => Source::Web,
        };
        let record = match outcome {
            Outcome::Text {
                pages,
                bytes,
                sha256,
                modified,
                source,
                sections,
            } => {
                p.report.extracted.push(id.clone());
                if source == Source::Ocr {
                    p.report.ocr.push(id.clone());
                }
                Some(TextRecord {
                    sha256: sha,
                    extractor: version(source),
                    source,
                    sections,
                    scanned: false,
                    pages,
                    error: None,
                    text_bytes: bytes,
                    text_sha256: sha256,
                    text_modified: modified,
                })
            }
            Outcome::NoText { reason, scanned } => {
                text::remove(store, &id);
                p.report.failed.push((id.clone(), reason.clone()));
                if scanned {
                    p.report.scanned.push(id.clone());
                }
                Some(TextRecord {
                    sha256: sha,
                    extractor: version(failed_source),
                    source: failed_source,
                    sections: Vec::new(),
                    scanned,
                    pages: 0,
                    error: Some(reason),
                    text_bytes: 0,
                    text_sha256: String::new(),
                    text_modified: 0,
                })
            }
            Outcome::Io(err) => {
                p.report.io_errors.push((id.clone(), err));
                None
            }
            Outcome::Fault(reason) => {
                // Whatever the failed run left must not stand for the document's text.
                text::remove(store, &id);
                p.status.entries.remove(&id);
                p.report.faults.push(Fault {
                    id: id.clone(),
                    stage: Stage::Extract,
                    reason,
                });
                None
            }
        };
        // Without a record, the old one (if any) stays: it no longer matches the document or
        // the text, so the next run tries again.
        if let Some(record) = record {
            p.status.entries.insert(id.clone(), record);
        }
        p.done += 1;
        progress.event(Event::Done {
            stage: Stage::Extract,
            id: Some(&id),
            done: p.done,
            total,
        });
        if p.saved.elapsed() >= SAVE_EVERY && p.save_error.is_none() {
            if let Err(e) = p.status.save(store) {
                p.save_error = Some(e);
            }
            p.saved = Instant::now();
        }
    });
    let p = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(err) = p.save_error {
        return Err(err);
    }
    if total > 0 || refreshed {
        p.status.save(store)?;
    }
    let mut report = p.report;
    let new_faults = new_faults.into_inner().unwrap_or_else(|e| e.into_inner());
    for (id, key, reason) in &new_faults {
        faults.record(Stage::Extract, id, key, reason);
    }
    if faults != faults_before {
        faults.save(store)?;
    }
    report.faults.sort_by(|a, b| a.id.cmp(&b.id));
    report.faulted_before.sort();
    report.failed.sort();
    report.io_errors.sort();
    report.ocr.sort();
    report.scanned.sort();
    if !report.scanned.is_empty() {
        report.ocr_missing = ocr_missing;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF showing `text` in Helvetica, with a correct cross-reference table.
    fn tiny_pdf(text: &str) -> Vec<u8> {
        let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
            format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        ];
        let objects: Vec<&str> = objects.iter().map(String::as_str).collect();
        crate::extract::pdf::tests::raw_pdf("%PDF-1.4\n", &objects)
    }

    fn entry(id: &str) -> Entry {
        Entry {
            id: id.into(),
            title: id.into(),
            ..Entry::default()
        }
    }

    #[test]
    fn extraction_is_cached_by_pdf_hash_and_text_is_served_by_page() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        fs::create_dir_all(store.pdf_dir()).unwrap();
        fs::write(store.pdf_path("a"), tiny_pdf("hello paxos")).unwrap();
        let entries = vec![entry("a"), entry("b")];
        let none = crate::stage::Silent;
        let opts = ExtractOptions {
            verify: false,
            ocr: true,
        };
        let first = run(&store, &entries, &opts, &none).unwrap();
        assert_eq!((first.extracted.len(), first.cached.len()), (1, 0));
        let again = run(&store, &entries, &opts, &none).unwrap();
        assert_eq!((again.extracted.len(), again.cached.len()), (0, 1));
        fs::write(store.pdf_path("a"), tiny_pdf("hello raft")).unwrap();
        let changed = run(&store, &entries, &opts, &none).unwrap();
        assert_eq!(changed.extracted, vec!["a".to_string()]);
        let texts = crate::text::StoredText::load(&store).unwrap();
        use crate::text::TextSource;
        let pages = texts.pages("a").unwrap().unwrap();
        assert_eq!(pages.0.len(), 1);
        assert_eq!(pages.0[0].trim(), "hello raft");
        assert!(texts.key("a").is_some());
        assert!(texts.key("b").is_none());
    }

    #[test]
    fn records_are_saved_while_extraction_runs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        fs::create_dir_all(store.pdf_dir()).unwrap();
        for id in ["a", "b", "c"] {
            fs::write(store.pdf_path(id), tiny_pdf(id)).unwrap();
        }
        let entries = vec![entry("a"), entry("b"), entry("c")];
        let on_disk_at_last = Mutex::new(0usize);
        let progress = |event: Event| {
            let Event::Done { done, total, .. } = event else {
                return;
            };
            if done == 1 {
                // Let the save interval pass, so the first record is written before the rest.
                std::thread::sleep(SAVE_EVERY + Duration::from_millis(100));
            }
            if done == total {
                let saved = TextStatus::load(&store).unwrap();
                *on_disk_at_last.lock().unwrap() = saved.entries.len();
            }
        };
        let opts = ExtractOptions {
            verify: false,
            ocr: true,
        };
        run(&store, &entries, &opts, &progress).unwrap();
        let seen = *on_disk_at_last.lock().unwrap();
        assert!(seen >= 1, "records on disk before the stage ended: {seen}");
        assert_eq!(TextStatus::load(&store).unwrap().entries.len(), 3);
    }
}
