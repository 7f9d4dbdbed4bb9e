//! The pipeline runner: what `update` does between the stages. It finds the PDFs the fetch
//! stage stored, runs the extract stage on the ones whose text is missing or stale (in
//! parallel, keyed by each PDF's sha256 and the extractor's version), records the outcome per
//! entry, and serves the stored text to the index stage.

use std::collections::BTreeMap;
use std::fs;
use std::sync::Mutex;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::catalog::Entry;
use crate::extract::{self, Limits, EXTRACTOR_VERSION};
use crate::fetch::Manifest;
use crate::index::{Pages, TextSource};
use crate::store::{sha256_file, write_atomic, Store};

/// What the extract stage last did with one entry's PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextRecord {
    /// The sha256 of the PDF the text came from.
    pub sha256: String,
    /// The extractor version that produced it.
    pub extractor: u32,
    /// Number of pages with text; 0 when extraction failed.
    pub pages: usize,
    /// Why there is no text, when extraction failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The extract stage's records for a whole data directory, kept in `text/status.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TextStatus {
    pub entries: BTreeMap<String, TextRecord>,
}

impl TextStatus {
    fn path(store: &Store) -> std::path::PathBuf {
        store.text_dir().join("status.json")
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

    fn save(&self, store: &Store) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self)?;
        write_atomic(&Self::path(store), &bytes)
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
}

/// The sha256 of an entry's stored PDF: the manifest's when it still describes the file,
/// otherwise computed from the file.
fn pdf_sha(store: &Store, manifest: &Manifest, id: &str) -> Result<Option<String>> {
    let path = store.pdf_path(id);
    let meta = match fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("Could not read {}", path.display())),
    };
    if let Some(m) = manifest.get(id) {
        if m.has_file() && m.bytes == meta.len() {
            return Ok(Some(m.sha256.clone()));
        }
    }
    Ok(Some(sha256_file(&path)?.1))
}

/// Extracts the text of every entry whose PDF is present and whose text is missing or stale.
pub fn extract_stage(
    store: &Store,
    entries: &[Entry],
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<ExtractReport> {
    let manifest = Manifest::load(store.root()).with_context(|| {
        format!(
            "Could not read the fetch manifest in {}",
            store.root().display()
        )
    })?;
    let mut status = TextStatus::load(store)?;
    let mut report = ExtractReport::default();
    let mut todo = Vec::new();
    for entry in entries {
        let Some(sha) = pdf_sha(store, &manifest, &entry.id)? else {
            continue;
        };
        let fresh = status.entries.get(&entry.id).is_some_and(|r| {
            r.sha256 == sha
                && r.extractor == EXTRACTOR_VERSION
                && (r.error.is_some() || store.text_path(&entry.id).exists())
        });
        if fresh {
            let r = &status.entries[&entry.id];
            match &r.error {
                Some(_) => report.failed_before.push(entry.id.clone()),
                None => report.cached.push(entry.id.clone()),
            }
        } else {
            todo.push((entry.id.clone(), sha));
        }
    }
    fs::create_dir_all(store.text_dir())
        .with_context(|| format!("Could not create {}", store.text_dir().display()))?;
    let total = todo.len();
    let done = Mutex::new(0usize);
    let limits = Limits::default();
    let results: Vec<(String, String, Result<usize, String>)> = todo
        .into_par_iter()
        .map(|(id, sha)| {
            let outcome = match extract::extract_file(&store.pdf_path(&id), &limits) {
                Ok(text) => {
                    let pages = text.pages.len();
                    write_atomic(&store.text_path(&id), text.text().as_bytes())
                        .map(|_| pages)
                        .map_err(|e| format!("{e:#}"))
                }
                Err(e) => Err(e.to_string()),
            };
            let mut n = done.lock().unwrap_or_else(|p| p.into_inner());
            *n += 1;
            progress(*n, total, &id);
            (id, sha, outcome)
        })
        .collect();
    for (id, sha, outcome) in results {
        let record = match outcome {
            Ok(pages) => {
                report.extracted.push(id.clone());
                TextRecord {
                    sha256: sha,
                    extractor: EXTRACTOR_VERSION,
                    pages,
                    error: None,
                }
            }
            Err(err) => {
                let _ = fs::remove_file(store.text_path(&id));
                report.failed.push((id.clone(), err.clone()));
                TextRecord {
                    sha256: sha,
                    extractor: EXTRACTOR_VERSION,
                    pages: 0,
                    error: Some(err),
                }
            }
        };
        status.entries.insert(id, record);
    }
    if total > 0 {
        status.save(store)?;
    }
    report.failed.sort();
    Ok(report)
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
    fn key(&self, id: &str) -> Option<String> {
        let r = self.status.entries.get(id)?;
        if r.error.is_some() {
            return None;
        }
        Some(format!("{}:{}", r.sha256, r.extractor))
    }

    fn pages(&self, id: &str) -> Result<Option<Pages>> {
        let path = self.store.text_path(id);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("Could not read {}", path.display())),
        };
        Ok(Some(Pages(
            text.split('\x0c').map(str::to_string).collect(),
        )))
    }
}

/// What is known locally about an entry, as label/value rows for `show`.
pub fn entry_status(store: &Store, entry: &Entry) -> Result<Vec<(String, String)>> {
    let manifest = Manifest::load(store.root())?;
    let texts = TextStatus::load(store)?;
    let mut rows = Vec::new();
    let pdf = store.pdf_path(&entry.id);
    let fetched = manifest.get(&entry.id);
    let pdf_state = match fs::metadata(&pdf) {
        Ok(m) => format!("{} ({} KB)", pdf.display(), m.len().div_ceil(1000)),
        Err(_) if !entry.open_access() => {
            "none: not open access (`paperdex attach` adopts a copy)".to_string()
        }
        Err(_) if entry.urls.is_empty() => "none: no URL in the catalog".to_string(),
        Err(_) => match fetched.and_then(|m| m.last_error.as_ref()) {
            Some(err) => format!("none: the last download failed: {err}"),
            None => "not fetched yet (run `paperdex update`)".to_string(),
        },
    };
    rows.push(("pdf".to_string(), pdf_state));
    if let Some(m) = fetched.filter(|m| m.has_file()) {
        rows.push(("from".to_string(), m.final_url.clone()));
        rows.push(("sha256".to_string(), m.sha256.clone()));
    }
    if let Some(t) = texts.entries.get(&entry.id) {
        let state = match &t.error {
            Some(err) => format!("none: {err}"),
            None => format!(
                "{} ({} page{})",
                store.text_path(&entry.id).display(),
                t.pages,
                if t.pages == 1 { "" } else { "s" }
            ),
        };
        rows.push(("text".to_string(), state));
    }
    Ok(rows)
}
