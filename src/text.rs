//! The extracted text, between the extract stage that writes it and the stages that read it
//! (cite, index, embed, and `show` and `status`). Each entry's text is one file,
//! `text/<id>.txt`, its pages (a web page's sections) separated by [`PAGE_BREAK`], and one
//! record per entry in `text/status.json` says what it was made from (the document's
//! sha256, the extractor and its version, the source), the text file's length, hash and time,
//! or why there is none. This module owns that format: the records ([`TextRecord`],
//! [`TextStatus`]), writing a text ([`write`]), checking one against its record
//! ([`check`]), and reading texts for the later stages ([`TextSource`], [`StoredText`]).

use std::collections::BTreeMap;
use std::fs;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{hex, sha256_file, write_atomic, Store};

/// What separates the pages of a text (and the sections of a web page's): a form feed, as
/// pdftotext writes them.
pub const PAGE_BREAK: char = '\x0c';

/// Where an entry's text came from.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The PDF's text layer.
    #[default]
    Pdf,
    /// A web page's main content, by section.
    Web,
    /// A page that is mostly links, indexed at a lower weight.
    Hub,
    /// Optical character recognition of a scanned PDF.
    Ocr,
}

impl Source {
    fn is_pdf(&self) -> bool {
        *self == Source::Pdf
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What the extract stage last did with one entry's document (a PDF or a web page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextRecord {
    /// The sha256 of the document the text came from.
    pub sha256: String,
    /// The version of the extractor that produced it (of the PDF, web page or OCR reader).
    pub extractor: u32,
    /// Where the text came from.
    #[serde(default, skip_serializing_if = "Source::is_pdf")]
    pub source: Source,
    /// The heading of each page of the text, for web pages, whose pages are sections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<String>,
    /// The PDF has no text layer and was not read by OCR (not installed, or turned off).
    #[serde(default, skip_serializing_if = "is_false")]
    pub scanned: bool,
    /// Number of pages with text; 0 when extraction failed.
    pub pages: usize,
    /// Why there is no text, when extraction failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Length of the text file in bytes, to notice a file cut short.
    #[serde(default)]
    pub text_bytes: u64,
    /// sha256 of the text file; empty in records written before it was kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text_sha256: String,
    /// Modification time of the text file in nanoseconds since the epoch: the file is hashed
    /// again only when this changes (or on a rebuild).
    #[serde(default)]
    pub text_modified: u64,
}

/// Modification time of a file in nanoseconds since the epoch, or 0 when unknown.
pub fn modified_nanos(meta: &fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos().min(u64::MAX as u128) as u64)
        .unwrap_or(0)
}

/// What the text file of a record is found to be.
pub enum TextState {
    /// Present and as recorded.
    Intact,
    /// Present and as recorded, but the record lacked (or had an old) hash or time, now filled in.
    Refreshed(TextRecord),
    /// Missing, cut short or changed since it was written.
    Damaged,
}

/// Checks a text file against its record: the size always, the hash when the file's time
/// changed, when the record has no hash yet, or when `verify` asks for it.
pub fn check(store: &Store, id: &str, record: &TextRecord, verify: bool) -> Result<TextState> {
    let path = store.text_path(id);
    let meta = match fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TextState::Damaged),
        Err(e) => return Err(e).with_context(|| format!("Could not read {}", path.display())),
    };
    let legacy = record.text_sha256.is_empty();
    if !legacy && meta.len() != record.text_bytes {
        return Ok(TextState::Damaged);
    }
    let modified = modified_nanos(&meta);
    if !legacy && !verify && modified == record.text_modified {
        return Ok(TextState::Intact);
    }
    let (len, sha) = sha256_file(&path)?;
    if legacy {
        // Written before lengths and hashes were kept: trust it once and remember what it is.
        return Ok(TextState::Refreshed(TextRecord {
            text_bytes: len,
            text_sha256: sha,
            text_modified: modified,
            ..record.clone()
        }));
    }
    if len != record.text_bytes || sha != record.text_sha256 {
        return Ok(TextState::Damaged);
    }
    if modified == record.text_modified {
        return Ok(TextState::Intact);
    }
    Ok(TextState::Refreshed(TextRecord {
        text_modified: modified,
        ..record.clone()
    }))
}

/// The extract stage's records for a whole data directory, kept in `text/status.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TextStatus {
    pub entries: BTreeMap<String, TextRecord>,
}

impl TextStatus {
    fn path(store: &Store) -> std::path::PathBuf {
        store.text_status_path()
    }

    /// Loads the records, or none when the stage has not run yet.
    pub fn load(store: &Store) -> Result<TextStatus> {
        let path = Self::path(store);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "Could not parse {}; delete it to extract everything again",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TextStatus::default()),
            Err(e) => Err(e).with_context(|| format!("Could not read {}", path.display())),
        }
    }

    /// Writes the records atomically.
    pub fn save(&self, store: &Store) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self)?;
        write_atomic(&Self::path(store), &bytes)
    }
}

/// The text of an entry's document: its pages, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pages(pub Vec<String>);

impl Pages {
    /// Joins the pages with form feeds and returns the byte offset where each page starts.
    pub fn join(&self) -> (String, Vec<u64>) {
        let mut body = String::new();
        let mut starts = Vec::with_capacity(self.0.len());
        for (i, page) in self.0.iter().enumerate() {
            if i > 0 {
                body.push(PAGE_BREAK);
            }
            starts.push(body.len() as u64);
            body.push_str(page);
        }
        (body, starts)
    }
}

/// Where the indexer gets each entry's extracted text from.
pub trait TextSource: Sync {
    /// A cheap key that changes whenever the entry's text changes; `None` when it has none.
    fn key(&self, id: &str) -> Option<String>;
    /// The entry's pages; called only for entries whose document is being rewritten.
    fn pages(&self, id: &str) -> Result<Option<Pages>>;
    /// The headings of the entry's pages and whether it is a link hub; a PDF's text has
    /// neither.
    fn info(&self, _id: &str) -> TextInfo {
        TextInfo::default()
    }
    /// The absolute URLs the entry's text links to (a web page's); none for a PDF.
    fn links(&self, _id: &str) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// How an entry's text is laid out beyond its pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInfo {
    /// The heading of each page, when the pages are the sections of a web page.
    pub titles: Vec<String>,
    /// The text is a page of links, indexed at a lower weight.
    pub hub: bool,
}

/// A source with no text at all, for indexing the catalog alone.
pub struct NoText;

impl TextSource for NoText {
    fn key(&self, _id: &str) -> Option<String> {
        None
    }
    fn pages(&self, _id: &str) -> Result<Option<Pages>> {
        Ok(None)
    }
}

/// The stored text of a data directory, as the index stage reads it.
pub struct StoredText {
    store: Store,
    status: TextStatus,
}

impl StoredText {
    /// Reads the extract stage's records of `store`.
    pub fn load(store: &Store) -> Result<StoredText> {
        Ok(StoredText {
            store: store.clone(),
            status: TextStatus::load(store)?,
        })
    }
}

impl TextSource for StoredText {
    fn links(&self, id: &str) -> Result<Vec<String>> {
        let path = self.store.links_path(id);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("Could not parse {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e).with_context(|| format!("Could not read {}", path.display())),
        }
    }

    fn key(&self, id: &str) -> Option<String> {
        let r = self.status.entries.get(id)?;
        if r.error.is_some() {
            return None;
        }
        Some(format!(
            "{}:{}:{}:{:?}:{}",
            r.sha256,
            r.extractor,
            r.text_sha256,
            r.source,
            r.sections.len()
        ))
    }

    fn info(&self, id: &str) -> TextInfo {
        match self.status.entries.get(id) {
            Some(r) => TextInfo {
                titles: r.sections.clone(),
                hub: r.source == Source::Hub,
            },
            None => TextInfo::default(),
        }
    }

    fn pages(&self, id: &str) -> Result<Option<Pages>> {
        let path = self.store.text_path(id);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("Could not read {}", path.display())),
        };
        if let Some(r) = self.status.entries.get(id) {
            let damaged = !r.text_sha256.is_empty()
                && (text.len() as u64 != r.text_bytes
                    || hex(&Sha256::digest(text.as_bytes())) != r.text_sha256);
            if damaged {
                anyhow::bail!(
                    "{} changed since it was extracted; `paperdex update` extracts it again",
                    path.display()
                );
            }
        }
        Ok(Some(Pages(
            text.split(PAGE_BREAK).map(str::to_string).collect(),
        )))
    }
}

/// How a text was written: its page count, length, hash and modification time.
pub struct Written {
    pub pages: usize,
    pub bytes: u64,
    pub sha256: String,
    pub modified: u64,
}

/// Writes an entry's text atomically, its pages separated by [`PAGE_BREAK`].
pub fn write(store: &Store, id: &str, pages: &[String]) -> Result<Written> {
    let body = pages.join(&PAGE_BREAK.to_string());
    let path = store.text_path(id);
    write_atomic(&path, body.as_bytes())?;
    let modified = fs::metadata(&path).map(|m| modified_nanos(&m)).unwrap_or(0);
    Ok(Written {
        pages: pages.len(),
        bytes: body.len() as u64,
        sha256: hex(&Sha256::digest(body.as_bytes())),
        modified,
    })
}

/// Removes what an entry's text was: its text file and a web page's links.
pub fn remove(store: &Store, id: &str) {
    let _ = fs::remove_file(store.text_path(id));
    let _ = fs::remove_file(store.links_path(id));
}
