//! The extract stage (catalog -> fetch -> **extract** -> cite -> index -> embed -> search).
//! In: the PDFs and web pages the fetch stage stored (or `paperdex attach` adopted). Out: each
//! entry's text, page by page (a web page's sections for pages), in the stored text the later
//! stages read (see `text`).
//!
//! Its three readers stand side by side: `pdf` is our own extractor of a PDF's text layer,
//! `html` takes a web page's main content apart at its headings, and `ocr` reads a scan with
//! Tesseract. One policy joins them for a PDF, used by `update` and by `paperdex extract`
//! alike ([`read_pdf`]): its text layer, else, for a scan, OCR when it is wanted and installed.
//! `stage` runs it all over a library, in parallel, with a cache keyed by each document's
//! sha256 and the readers' versions.

pub mod html;
pub mod ocr;
pub mod pdf;
mod stage;

use std::path::Path;

pub use pdf::{
    extract_bytes, extract_file, front_matter, ExtractError, Extracted, FrontMatter, Limits,
    EXTRACTOR_VERSION,
};
pub use stage::{run, ExtractOptions, ExtractReport};

use crate::text::Source;

/// Why a PDF gave no text.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// Its text layer could not be read (encrypted, malformed, too large, ...).
    #[error("{0}")]
    Extract(ExtractError),
    /// It is a scan without a text layer, and OCR was not wanted, or not installed (what is
    /// missing, then).
    #[error("no text layer (scanned pages?)")]
    Unread { missing: Option<&'static str> },
    /// It is a scan, and OCR failed on it.
    #[error("no text layer, and OCR failed: {0}")]
    Ocr(String),
}

/// A PDF's text: its text layer, or, for a scan without one, what OCR reads when `ocr` is
/// wanted and Tesseract and poppler are installed; with the source it came from.
pub fn read_pdf(
    path: &Path,
    limits: &Limits,
    ocr_wanted: bool,
) -> Result<(Extracted, Source), PdfError> {
    read_pdf_with(path, limits, ocr_wanted, &|_, _| {})
}

/// A PDF's text as [`read_pdf`] reads it, calling `on_page(done, total)` as OCR reads each
/// page of a scan.
pub fn read_pdf_with(
    path: &Path,
    limits: &Limits,
    ocr_wanted: bool,
    on_page: &(dyn Fn(usize, usize) + Sync),
) -> Result<(Extracted, Source), PdfError> {
    match extract_file(path, limits) {
        Ok(text) => Ok((text, Source::Pdf)),
        Err(ExtractError::NoTextLayer) if ocr_wanted => match ocr::available() {
            Ok(()) => ocr::ocr_pdf_with(path, &ocr::OcrLimits::default(), on_page)
                .map(|text| (text, Source::Ocr))
                .map_err(|e| PdfError::Ocr(e.to_string())),
            Err(ocr::OcrError::Missing(what)) => Err(PdfError::Unread {
                missing: Some(what),
            }),
            Err(e) => Err(PdfError::Ocr(e.to_string())),
        },
        Err(ExtractError::NoTextLayer) => Err(PdfError::Unread { missing: None }),
        Err(e) => Err(PdfError::Extract(e)),
    }
}
