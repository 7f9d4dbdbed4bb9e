//! The extract stage of the pipeline: PDF bytes -> text per page.
//!
//! A document is loaded with lopdf, each page's content streams are run
//! through a small interpreter that places every glyph in device space with
//! its Unicode text, and a layout pass turns the glyphs into words, lines and
//! columns in reading order. Every input is bounded (stream sizes, operators
//! per page, XObject nesting, wall time), so hostile files end in an error
//! rather than a panic, a hang or an exhausted memory.

mod cmap;
mod encoding;
mod font;
mod fontfile;
pub mod html;
mod interp;
mod layout;
mod lexer;
pub mod ocr;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};
use rayon::prelude::*;

use interp::{decode_stream, FontCache, Interpreter};

/// Version of the extraction output; bump when output changes, as it keys caches.
pub const EXTRACTOR_VERSION: u32 = 1;

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
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(ExtractError::Malformed("no %PDF header".into()));
    }
    let doc = load(bytes, limits)?;
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

fn load(bytes: &[u8], limits: &Limits) -> Result<Document, ExtractError> {
    let doc = match load_with(bytes, limits, false) {
        Err(ExtractError::Malformed(first)) => {
            // A file cut short loses its trailer, which lopdf needs even to
            // rebuild the cross-reference table; give it one and retry.
            let repaired = with_trailer(bytes);
            load_with(&repaired, limits, true).map_err(|e| match e {
                ExtractError::Malformed(_) => ExtractError::Malformed(first),
                other => other,
            })?
        }
        other => other?,
    };
    // lopdf decrypts with the empty user password while loading and drops
    // /Encrypt; if it is still there, a real password is needed.
    if doc.is_encrypted() {
        return Err(ExtractError::Encrypted);
    }
    Ok(doc)
}

fn load_with(bytes: &[u8], limits: &Limits, reconstruct: bool) -> Result<Document, ExtractError> {
    let options = LoadOptions {
        max_decompressed_size: Some(limits.max_stream_bytes),
        force_reconstruct: reconstruct,
        ..LoadOptions::default()
    };
    // lopdf is hardened, but a parser bug on a hostile file must not take
    // the caller's thread down with it.
    let loaded = catch_unwind(AssertUnwindSafe(|| {
        Document::load_mem_with_options(bytes, options)
    }))
    .map_err(|_| ExtractError::Malformed("parser failure".into()))?;
    match loaded {
        Ok(doc) => Ok(doc),
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            Err(ExtractError::TooLarge(format!(
                "a stream decompresses to more than {} bytes",
                limits.max_stream_bytes
            )))
        }
        Err(lopdf::Error::InvalidPassword) | Err(lopdf::Error::Decryption(_)) => {
            Err(ExtractError::Encrypted)
        }
        Err(e) => Err(ExtractError::Malformed(e.to_string().to_lowercase())),
    }
}

/// The file with a trailer appended that points at its catalog, or at a
/// stand-in catalog when none survives (pages are then found by scanning).
fn with_trailer(bytes: &[u8]) -> Vec<u8> {
    let catalog = find_catalog(bytes);
    let mut out = Vec::with_capacity(bytes.len() + 128);
    out.extend_from_slice(bytes);
    let root = match catalog {
        Some((num, gen)) => format!("{num} {gen} R"),
        None => {
            out.extend_from_slice(b"\n999999 0 obj\n<< /Type /Catalog >>\nendobj\n");
            "999999 0 R".to_string()
        }
    };
    out.extend_from_slice(format!("\ntrailer\n<< /Root {root} >>\n%%EOF\n").as_bytes());
    out
}

/// Object number and generation of the first object declaring `/Type /Catalog`.
fn find_catalog(bytes: &[u8]) -> Option<(u32, u16)> {
    let mut from = 0;
    while let Some(pos) = find_from(bytes, b"/Catalog", from) {
        from = pos + 8;
        let head = &bytes[pos.saturating_sub(256)..pos];
        let Some(obj) = rfind(head, b" obj") else {
            continue;
        };
        let before = &head[..obj];
        let text = String::from_utf8_lossy(&before[before.len().saturating_sub(24)..]);
        let mut nums = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .rev();
        let gen = nums.next().and_then(|t| t.parse().ok());
        let num = nums.next().and_then(|t| t.parse().ok());
        if let (Some(num), Some(gen)) = (num, gen) {
            return Some((num, gen));
        }
    }
    None
}

fn find_from(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
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
    let glyphs = interp.finish();
    Ok(layout::layout(&glyphs))
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
