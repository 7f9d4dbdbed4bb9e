//! Coverage: how much of the catalog can be searched in full, read from what the fetch stage
//! recorded (the manifest) and what the extract stage recorded (`text/status.json`). For each
//! entry it says where its text came from (a PDF, a PDF behind a landing page, a web page, a
//! link page, OCR of a scan) or why it has none; `status` counts them by kind and `show`
//! names one entry's. It only reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::catalog::Entry;
use crate::fetch::Manifest;
use crate::store::Store;
use crate::text::{Source, TextStatus};

/// Where an entry's full text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The text layer of a PDF its link gave.
    Pdf,
    /// The text layer of the PDF a landing page declared.
    LandingPage,
    /// The main content of a web page.
    WebPage,
    /// The visible text of a page of links, indexed at a lower weight.
    LinkPage,
    /// OCR of a scanned PDF.
    Ocr,
}

impl Origin {
    /// How people read it.
    pub fn label(self) -> &'static str {
        match self {
            Origin::Pdf => "PDF",
            Origin::LandingPage => "PDF via landing page",
            Origin::WebPage => "web page",
            Origin::LinkPage => "link page (lower weight)",
            Origin::Ocr => "OCR of a scan",
        }
    }
}

/// One entry's coverage: the origin of its text, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryCoverage {
    pub id: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// Why there is no text, in a few words that group entries (`download failed: not found`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}

impl EntryCoverage {
    /// Where the entry's text came from, or why it has none, as people read it: `PDF`,
    /// `none: not open access`.
    pub fn source_label(&self) -> String {
        match (self.origin, &self.missing) {
            (Some(origin), _) => origin.label().to_string(),
            (None, Some(why)) => format!("none: {why}"),
            (None, None) => "none".to_string(),
        }
    }
}

/// The kind an entry without one is counted under.
const NO_KIND: &str = "unspecified";

/// The coverage of each entry, in catalog order.
pub fn entries(store: &Store, entries: &[Entry]) -> Result<Vec<EntryCoverage>> {
    // A damaged manifest is only read around here: what the texts say still counts.
    let manifest = Manifest::load(store).unwrap_or_default();
    let texts = TextStatus::load(store)?;
    Ok(entries
        .iter()
        .map(|entry| {
            let fetched = manifest.get(&entry.id);
            let record = texts.entries.get(&entry.id);
            let document =
                store.pdf_path(&entry.id).exists() || store.html_path(&entry.id).exists();
            let (origin, missing) = match record {
                Some(r) if r.error.is_none() && document => {
                    let origin = match r.source {
                        Source::Pdf if fetched.is_some_and(|m| m.landing_url.is_some()) => {
                            Origin::LandingPage
                        }
                        Source::Pdf => Origin::Pdf,
                        Source::Web => Origin::WebPage,
                        Source::Hub => Origin::LinkPage,
                        Source::Ocr => Origin::Ocr,
                    };
                    (Some(origin), None)
                }
                Some(r) if document => {
                    let why = if r.scanned {
                        "scanned, not read by OCR".to_string()
                    } else {
                        let error = r.error.as_deref().unwrap_or_default();
                        format!("no text: {}", short(error))
                    };
                    (None, Some(why))
                }
                _ => (None, Some(why_no_document(entry, document, fetched))),
            };
            EntryCoverage {
                id: entry.id.clone(),
                kind: entry.kind.clone().unwrap_or_else(|| NO_KIND.to_string()),
                origin,
                missing,
            }
        })
        .collect())
}

/// Why an entry has no text when its document was never extracted.
fn why_no_document(
    entry: &Entry,
    document: bool,
    fetched: Option<&crate::fetch::ManifestEntry>,
) -> String {
    if document {
        return "not extracted yet".to_string();
    }
    if !entry.open_access() {
        return "not open access".to_string();
    }
    if entry.urls.is_empty() {
        return "no URL".to_string();
    }
    match fetched.and_then(|m| m.last_reason) {
        Some(reason) => format!("download failed: {reason}"),
        None => "not fetched yet".to_string(),
    }
}

/// The part of an extractor's message before its details: `malformed pdf: xref` groups as
/// `malformed pdf`.
fn short(error: &str) -> &str {
    let cut = error.find([':', '(']).unwrap_or(error.len());
    let head = error[..cut].trim();
    if head.is_empty() {
        error.trim()
    } else {
        head
    }
}

/// What the data directory holds of one entry, for `show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Local {
    /// The entry's document: its PDF, or its web page when it has no PDF.
    pub document: Option<Document>,
    /// Why there is no document, when there is none.
    pub missing: Option<Missing>,
    /// The fetch manifest cannot be read (it is set aside and rebuilt by the next fetch).
    pub manifest_damaged: bool,
    /// The landing page that declared the PDF, the URL the document came from and its sha256,
    /// when it was fetched.
    pub landing: Option<String>,
    pub from: Option<String>,
    pub sha256: Option<String>,
    /// The extracted text, when the extract stage has seen the document.
    pub text: Option<LocalText>,
}

/// A document in the data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    /// Whether it is a web page rather than a PDF.
    pub page: bool,
    pub path: PathBuf,
    pub bytes: u64,
}

/// Why an entry has no document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    NotOpenAccess,
    NoUrl,
    /// The last download failed, and why.
    DownloadFailed(String),
    NotFetchedYet,
}

/// An entry's extracted text, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalText {
    Written {
        path: PathBuf,
        pages: usize,
        /// Whether the pages are a web page's sections.
        sections: bool,
    },
    Failed(String),
}

/// The absolute form of a path that exists, so it can be opened from any folder; others as
/// they are.
pub fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// What the data directory holds of `entry`. Reading never repairs: a damaged manifest is
/// only said to be damaged.
pub fn local(store: &Store, entry: &Entry) -> Result<Local> {
    let (manifest, manifest_damaged) = match Manifest::load(store) {
        Ok(m) => (m, false),
        Err(e) if e.downcast_ref::<crate::fetch::Damaged>().is_some() => {
            (Manifest::default(), true)
        }
        Err(e) => return Err(e),
    };
    let texts = TextStatus::load(store)?;
    let fetched = manifest.get(&entry.id);
    let pdf = store.pdf_path(&entry.id);
    let page = store.html_path(&entry.id);
    let found = |path: &Path, page: bool| {
        std::fs::metadata(path).ok().map(|m| Document {
            page,
            path: absolute(path),
            bytes: m.len(),
        })
    };
    let document = found(&pdf, false).or_else(|| found(&page, true));
    let missing = document.is_none().then(|| {
        if !entry.open_access() {
            Missing::NotOpenAccess
        } else if entry.urls.is_empty() {
            Missing::NoUrl
        } else {
            match fetched.and_then(|m| m.last_error.as_ref()) {
                Some(err) => Missing::DownloadFailed(err.clone()),
                None => Missing::NotFetchedYet,
            }
        }
    });
    let kept = fetched.filter(|m| m.has_file());
    let text = texts.entries.get(&entry.id).map(|t| match &t.error {
        Some(err) => LocalText::Failed(err.clone()),
        None => LocalText::Written {
            path: absolute(&store.text_path(&entry.id)),
            pages: t.pages,
            sections: !t.sections.is_empty(),
        },
    });
    Ok(Local {
        document,
        missing,
        manifest_damaged,
        landing: kept.and_then(|m| m.landing_url.clone()),
        from: kept.map(|m| m.final_url.clone()),
        sha256: kept.map(|m| m.sha256.clone()),
        text,
    })
}

/// Counts over a set of entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub entries: usize,
    pub with_text: usize,
    /// Entries with text, by origin label.
    pub by_source: BTreeMap<String, usize>,
    /// Entries without text, by reason, with their ids.
    pub without: BTreeMap<String, Vec<String>>,
}

impl Counts {
    fn add(&mut self, e: &EntryCoverage) {
        self.entries += 1;
        match (e.origin, &e.missing) {
            (Some(origin), _) => {
                self.with_text += 1;
                *self
                    .by_source
                    .entry(origin.label().to_string())
                    .or_default() += 1;
            }
            (None, Some(why)) => self
                .without
                .entry(why.clone())
                .or_default()
                .push(e.id.clone()),
            (None, None) => {}
        }
    }
}

/// Coverage over the whole catalog and by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub overall: Counts,
    pub kinds: BTreeMap<String, Counts>,
    /// Documents that failed inside paperdex in some stage, and what they lack for it.
    pub faults: Vec<crate::fault::Fault>,
}

/// Counts coverage overall and by kind.
pub fn summarize(entries: &[EntryCoverage]) -> Summary {
    let mut summary = Summary::default();
    for e in entries {
        summary.overall.add(e);
        summary.kinds.entry(e.kind.clone()).or_default().add(e);
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cov(id: &str, kind: &str, origin: Option<Origin>, missing: Option<&str>) -> EntryCoverage {
        EntryCoverage {
            id: id.into(),
            kind: kind.into(),
            origin,
            missing: missing.map(str::to_string),
        }
    }

    #[test]
    fn counts_group_by_kind_origin_and_reason() {
        let all = [
            cov("a", "paper", Some(Origin::Pdf), None),
            cov("b", "paper", Some(Origin::Ocr), None),
            cov("c", "paper", None, Some("not open access")),
            cov("d", "blog", Some(Origin::WebPage), None),
            cov("e", "blog", None, Some("not open access")),
        ];
        let s = summarize(&all);
        assert_eq!((s.overall.entries, s.overall.with_text), (5, 3));
        assert_eq!(s.overall.without["not open access"], vec!["c", "e"]);
        assert_eq!(s.kinds["paper"].by_source["OCR of a scan"], 1);
        assert_eq!(s.kinds["blog"].with_text, 1);
        assert_eq!(short("malformed pdf: bad xref"), "malformed pdf");
        assert_eq!(short("no text layer (scanned pages?)"), "no text layer");
    }
}
