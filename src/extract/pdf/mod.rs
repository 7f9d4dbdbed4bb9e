//! The PDF reader of the extract stage: PDF bytes -> text per page.
//!
//! A document is loaded with lopdf, each page's content streams are run
//! through a small interpreter that places every glyph in device space with
//! its Unicode text, and a layout pass turns the glyphs into words, lines and
//! columns in reading order. Every input is bounded (stream sizes, operators
//! per page, XObject nesting, wall time), so hostile files end in an error
//! rather than a panic, a hang or an exhausted memory.

mod bidi;
mod cjk;
mod cmap;
mod encoding;
mod font;
mod fontfile;
mod interp;
mod layout;
mod lexer;
mod load;
mod salvage;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lopdf::{Dictionary, Document, Object, ObjectId};
use rayon::prelude::*;

use interp::{decode_stream, FontCache, Interpreter};

/// Version of the extraction output; bump when output changes, as it keys caches.
pub const EXTRACTOR_VERSION: u32 = 2;

/// Why a document yielded no text.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The document needs a password to open.
    #[error("encrypted with a password")]
    Encrypted,
    /// No page has any extractable text.
    #[error("no text layer (scanned pages?)")]
    NoTextLayer,
    /// The bytes are not a readable PDF.
    #[error("malformed pdf: {0}")]
    Malformed(String),
    /// The file or one of its streams exceeds a configured limit.
    #[error("too large: {0}")]
    TooLarge(String),
    /// Extraction ran past the per-document time budget.
    #[error("timed out")]
    Timeout,
    /// The file could not be read.
    #[error("cannot read file: {0}")]
    Io(String),
}

/// Text extracted from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// Text of each page, in page order.
    pub pages: Vec<String>,
}

impl Extracted {
    /// All pages joined by form feeds, as pdftotext writes them.
    pub fn text(&self) -> String {
        self.pages.join("\x0c")
    }
}

/// Bounds on the work done for one document.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted input file, in bytes.
    pub max_file_bytes: usize,
    /// Largest size any single stream may decompress to, in bytes.
    pub max_stream_bytes: usize,
    /// Operators interpreted per page (including its XObjects) before the rest is ignored.
    pub max_ops_per_page: usize,
    /// Glyphs kept per page before the rest is ignored.
    pub max_glyphs_per_page: usize,
    /// Pages extracted; later pages are ignored.
    pub max_pages: usize,
    /// Nesting depth of form XObjects that are followed.
    pub max_xobject_depth: usize,
    /// Wall-clock budget for one document.
    pub time_budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 512 << 20,
            max_stream_bytes: 64 << 20,
            max_ops_per_page: 2_000_000,
            max_glyphs_per_page: 1_000_000,
            max_pages: 10_000,
            max_xobject_depth: 12,
            time_budget: Duration::from_secs(60),
        }
    }
}

/// Extracts the text of each page of a PDF held in memory.
pub fn extract_bytes(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let start = Instant::now();
    if bytes.len() > limits.max_file_bytes {
        return Err(ExtractError::TooLarge(format!(
            "file of {} bytes exceeds {} bytes",
            bytes.len(),
            limits.max_file_bytes
        )));
    }
    let doc = load::load(bytes, limits)?;
    // A budget too large to represent means no budget, not a panic.
    let deadline = start
        .checked_add(limits.time_budget)
        .or_else(|| start.checked_add(Duration::from_secs(1 << 32)))
        .unwrap_or(start);
    extract_document(&doc, limits, deadline)
}

/// Extracts the text of each page of a PDF file.
pub fn extract_file(path: &Path, limits: &Limits) -> Result<Extracted, ExtractError> {
    let meta =
        std::fs::metadata(path).map_err(|e| ExtractError::Io(e.to_string().to_lowercase()))?;
    if meta.len() > limits.max_file_bytes as u64 {
        return Err(ExtractError::TooLarge(format!(
            "file of {} bytes exceeds {} bytes",
            meta.len(),
            limits.max_file_bytes
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| ExtractError::Io(e.to_string().to_lowercase()))?;
    extract_bytes(&bytes, limits)
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

/// The page's resources, inherited from the page tree when not on the page.
fn page_resources<'a>(doc: &'a Document, page: &'a Dictionary) -> Option<&'a Dictionary> {
    let mut node = page;
    for _ in 0..64 {
        if let Some(r) = node
            .get(b"Resources")
            .ok()
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok())
        {
            return Some(r);
        }
        node = node
            .get(b"Parent")
            .ok()
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok())?;
    }
    None
}

/// The interactive form's default resources, which field appearances
/// without resources of their own draw with.
fn form_resources(doc: &Document) -> Option<&Dictionary> {
    let catalog = doc.catalog().ok()?;
    let form = deref(doc, catalog.get(b"AcroForm").ok()?)?.as_dict().ok()?;
    deref(doc, form.get(b"DR").ok()?)?.as_dict().ok()
}

fn page_content(
    doc: &Document,
    page: &Dictionary,
    limits: &Limits,
) -> Result<Vec<u8>, ExtractError> {
    let mut streams: Vec<&lopdf::Stream> = Vec::new();
    match page.get(b"Contents").ok().and_then(|o| deref(doc, o)) {
        Some(Object::Stream(s)) => streams.push(s),
        Some(Object::Array(items)) => {
            for item in items {
                if let Some(Object::Stream(s)) = deref(doc, item) {
                    streams.push(s);
                }
            }
        }
        _ => {}
    }
    let mut content = Vec::new();
    for s in streams {
        let remaining = limits.max_stream_bytes.saturating_sub(content.len());
        let data = decode_stream(s, remaining)?;
        content.extend_from_slice(&data);
        // Keeps the last token of one stream from running into the next.
        content.push(b'\n');
    }
    Ok(content)
}

fn extract_page(
    doc: &Document,
    page_id: ObjectId,
    fonts: &FontCache,
    limits: &Limits,
    deadline: Instant,
) -> Result<String, ExtractError> {
    if Instant::now() > deadline {
        return Err(ExtractError::Timeout);
    }
    let Ok(page) = doc.get_dictionary(page_id) else {
        return Ok(String::new());
    };
    let content = page_content(doc, page, limits)?;
    let resources = page_resources(doc, page);
    let mut interp = Interpreter::new(doc, fonts, limits, deadline);
    interp.run(&content, resources)?;
    interp.draw_annotations(page, form_resources(doc))?;
    let glyphs = interp.finish();
    Ok(layout::layout(&glyphs))
}

/// What tells a document apart before its text is read whole: the title its Info dictionary
/// gives, and the text of its first page (`None` when the page has no text layer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontMatter {
    /// The Info dictionary's `/Title`, trimmed; `None` when absent or blank.
    pub title: Option<String>,
    /// The first page's text.
    pub first_page: Option<String>,
}

/// Reads a PDF file's Info title and first page, loading the document once.
pub fn front_matter(path: &Path, limits: &Limits) -> Result<FrontMatter, ExtractError> {
    let start = Instant::now();
    let meta =
        std::fs::metadata(path).map_err(|e| ExtractError::Io(e.to_string().to_lowercase()))?;
    if meta.len() > limits.max_file_bytes as u64 {
        return Err(ExtractError::TooLarge(format!(
            "file of {} bytes exceeds {} bytes",
            meta.len(),
            limits.max_file_bytes
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| ExtractError::Io(e.to_string().to_lowercase()))?;
    let doc = load::load(&bytes, limits)?;
    let title = info_title(&doc);
    let deadline = start
        .checked_add(limits.time_budget)
        .unwrap_or_else(|| start + Duration::from_secs(1 << 32));
    let one = Limits {
        max_pages: 1,
        ..limits.clone()
    };
    let first_page = match extract_document(&doc, &one, deadline) {
        Ok(text) => text.pages.into_iter().next(),
        Err(ExtractError::NoTextLayer) => None,
        Err(e) => return Err(e),
    };
    Ok(FrontMatter { title, first_page })
}

/// The Info dictionary's `/Title`, decoded, when it holds anything but blanks.
fn info_title(doc: &Document) -> Option<String> {
    let info = doc.trailer.get(b"Info").ok()?;
    let (_, info) = doc.dereference(info).ok()?;
    let title = info.as_dict().ok()?.get(b"Title").ok()?;
    let (_, title) = doc.dereference(title).ok()?;
    let bytes = match title {
        Object::String(bytes, _) => bytes,
        _ => return None,
    };
    let text = interp::decode_text_string(bytes);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

fn extract_document(
    doc: &Document,
    limits: &Limits,
    deadline: Instant,
) -> Result<Extracted, ExtractError> {
    let pages: Vec<ObjectId> = catch_unwind(AssertUnwindSafe(|| {
        doc.page_iter().take(limits.max_pages).collect()
    }))
    .map_err(|_| ExtractError::Malformed("broken page tree".into()))?;
    let pages = if pages.is_empty() {
        // A damaged or truncated page tree still leaves page objects behind;
        // object order is the best guess at page order.
        doc.objects
            .iter()
            .filter(|(_, o)| {
                o.as_dict()
                    .is_ok_and(|d| d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"Page"))
            })
            .map(|(id, _)| *id)
            .take(limits.max_pages)
            .collect()
    } else {
        pages
    };
    if pages.is_empty() {
        return Err(ExtractError::Malformed("no pages".into()));
    }
    let fonts: FontCache = Mutex::new(HashMap::new());
    let texts: Vec<Result<String, ExtractError>> = pages
        .par_iter()
        .map(|&id| {
            catch_unwind(AssertUnwindSafe(|| {
                extract_page(doc, id, &fonts, limits, deadline)
            }))
            .unwrap_or_else(|_| Err(ExtractError::Malformed("page failure".into())))
        })
        .collect();
    let mut out = Vec::with_capacity(texts.len());
    for t in texts {
        out.push(t?);
    }
    if out.iter().all(|p| p.trim().is_empty()) {
        return Err(ExtractError::NoTextLayer);
    }
    Ok(Extracted { pages: out })
}
