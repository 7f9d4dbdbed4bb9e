//! Download manifest of the fetch stage (catalog -> **fetch** -> extract -> cite -> index -> embed
//! -> search).
//!
//! `<data-dir>/manifest.json` records, per paper id, where its PDF came from and
//! what it hashed to, so later runs can skip unchanged files, revalidate with
//! conditional requests, and retry only what failed. It is rewritten atomically
//! every few seconds during a run, so an interrupted run keeps most of its
//! progress; a damaged manifest is set aside and rebuilt from the PDFs present.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::error::FailReason;
use crate::store::{sha256_file, validate_id, write_atomic, Store};

/// URL prefix that marks an entry as attached by hand rather than downloaded.
pub(super) const ATTACHED_SCHEME: &str = "file://";

/// Manifest format version, bumped when a field changes meaning.
const MANIFEST_VERSION: u32 = 1;

/// What a stored document is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A PDF, in `pdf/<id>.pdf`; what manifests written before web pages hold.
    #[default]
    Pdf,
    /// A web page, in `html/<id>.html`.
    Html,
}

impl Format {
    fn is_pdf(&self) -> bool {
        *self == Format::Pdf
    }
}

/// What is known about one paper's document (a PDF or a web page) and its last download
/// attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// URL from the catalog that produced the stored file (empty if none ever did).
    pub url: String,
    /// URL the file was finally served from, after redirects.
    pub final_url: String,
    /// HTTP status of the response that produced the file; 0 for an attached file.
    pub status: u16,
    /// Size of the stored file in bytes.
    pub bytes: u64,
    /// Lowercase hex SHA-256 of the stored file (empty if there is none).
    pub sha256: String,
    /// `ETag` of that response, used for `If-None-Match` on refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// `Last-Modified` of that response, used for `If-Modified-Since` on refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// `Content-Type` the server claimed, kept for diagnosing odd hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Whether the stored file is a PDF or a web page.
    #[serde(default, skip_serializing_if = "Format::is_pdf")]
    pub format: Format,
    /// The character set a web page's Content-Type declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    /// The web page whose `citation_pdf_url` (or PDF alternate link) led to the PDF, when the
    /// catalog's URL answered with a landing page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landing_url: Option<String>,
    /// When the stored file was written, in unix seconds.
    pub fetched_at: u64,
    /// When the paper was last attempted or revalidated, in unix seconds.
    #[serde(default)]
    pub checked_at: u64,
    /// Message of the last attempt if it failed; `None` once an attempt succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Reason of the last failed attempt, alongside `last_error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reason: Option<FailReason>,
}

impl ManifestEntry {
    /// Tells whether this entry describes a stored file, as opposed to failures only.
    pub fn has_file(&self) -> bool {
        !self.sha256.is_empty()
    }

    /// Tells whether the stored file was attached by hand rather than downloaded.
    pub fn is_attached(&self) -> bool {
        self.url.starts_with(ATTACHED_SCHEME)
    }

    /// Tells whether the last attempt for this paper failed.
    pub fn failed(&self) -> bool {
        self.last_error.is_some()
    }
}

/// The cause of a manifest that cannot be parsed.
#[derive(Debug, thiserror::Error)]
#[error("the manifest is damaged")]
pub struct Damaged;

/// What [`recover_manifest`] did with a damaged manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Where the damaged file was moved.
    pub backup: PathBuf,
    /// How many PDFs the rebuilt manifest records.
    pub files: usize,
}

/// Sets a damaged manifest aside (renamed, never deleted) and writes a new one that records
/// the PDFs and web pages present, so the next run neither downloads them again nor is stuck on
/// the damage.
/// Returns `None` when the manifest is missing or sound.
pub fn recover_manifest(store: &Store) -> Result<Option<Recovered>> {
    match Manifest::load(store) {
        Ok(_) => return Ok(None),
        Err(e) if e.downcast_ref::<Damaged>().is_none() => return Err(e),
        Err(_) => {}
    }
    let path = store.manifest_path();
    let mut backup = store.damaged_manifest_path(0);
    let mut n = 2;
    while backup.exists() {
        backup = store.damaged_manifest_path(n);
        n += 1;
    }
    std::fs::rename(&path, &backup).with_context(|| {
        format!(
            "Could not move the damaged {} aside to {}",
            path.display(),
            backup.display()
        )
    })?;
    let mut manifest = Manifest {
        version: MANIFEST_VERSION,
        entries: BTreeMap::new(),
    };
    let folders = [
        (store.pdf_dir(), ".pdf", Format::Pdf),
        (store.html_dir(), ".html", Format::Html),
    ];
    for (dir, suffix, format) in folders {
        let listing = match std::fs::read_dir(&dir) {
            Ok(listing) => Some(listing),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("Could not list {}", dir.display())),
        };
        for file in listing.into_iter().flatten() {
            let path = file
                .with_context(|| format!("Could not list {}", dir.display()))?
                .path();
            let Some(id) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(suffix))
            else {
                continue;
            };
            // A PDF and a page of one id: the PDF, met first, is the one kept.
            if manifest.get(id).is_some() {
                continue;
            }
            if validate_id(id).is_err() {
                continue;
            }
            let (bytes, sha256) = sha256_file(&path)?;
            let written = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs())
                .unwrap_or_default();
            manifest.insert(
                id,
                ManifestEntry {
                    bytes,
                    sha256,
                    fetched_at: written,
                    format,
                    ..ManifestEntry::default()
                },
            );
        }
    }
    manifest.save(store)?;
    Ok(Some(Recovered {
        backup,
        files: manifest.len(),
    }))
}

/// All manifest entries of a data directory, keyed by paper id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    version: u32,
    entries: BTreeMap<String, ManifestEntry>,
}

impl Manifest {
    /// Loads the manifest of a data directory, or an empty one if there is none yet.
    pub fn load(store: &Store) -> Result<Self> {
        let path = store.manifest_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Manifest {
                    version: MANIFEST_VERSION,
                    entries: BTreeMap::new(),
                })
            }
            Err(e) => return Err(e).with_context(|| format!("Could not read {}", path.display())),
        };
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            anyhow::Error::new(Damaged).context(format!(
                "{} is damaged ({e}); the next `paperdex fetch` or `update` sets it aside and rebuilds it",
                path.display()
            ))
        })?;
        if manifest.version > MANIFEST_VERSION {
            bail!(
                "{} has version {}, newer than the {} this paperdex reads; use a newer paperdex",
                path.display(),
                manifest.version,
                MANIFEST_VERSION
            );
        }
        Ok(manifest)
    }

    /// Writes the manifest atomically into the data directory.
    pub fn save(&self, store: &Store) -> Result<()> {
        let path = store.manifest_path();
        let mut json =
            serde_json::to_vec_pretty(self).context("Could not serialize the manifest")?;
        json.push(b'\n');
        write_atomic(&path, &json)
    }

    /// Returns the entry of `id`, if any.
    pub fn get(&self, id: &str) -> Option<&ManifestEntry> {
        self.entries.get(id)
    }

    /// Inserts or replaces the entry of `id`.
    pub fn insert(&mut self, id: impl Into<String>, entry: ManifestEntry) {
        self.entries.insert(id.into(), entry);
    }

    /// Removes and returns the entry of `id`.
    pub fn remove(&mut self, id: &str) -> Option<ManifestEntry> {
        self.entries.remove(id)
    }

    /// Iterates over all entries in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ManifestEntry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Returns the number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Tells whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_manifest_is_empty_and_roundtrips() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Manifest::load(&Store::new(dir.path())).unwrap();
        assert!(m.is_empty());
        m.insert(
            "raft",
            ManifestEntry {
                url: "https://example.org/raft.pdf".into(),
                sha256: "ab".into(),
                last_reason: Some(FailReason::Http(503)),
                last_error: Some("boom".into()),
                ..Default::default()
            },
        );
        m.save(&Store::new(dir.path())).unwrap();
        let back = Manifest::load(&Store::new(dir.path())).unwrap();
        assert_eq!(back, m);
        assert!(back.get("raft").unwrap().has_file());
        assert!(back.get("raft").unwrap().failed());
    }

    #[test]
    fn damaged_manifest_is_set_aside_and_rebuilt_from_the_pdfs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(Store::new(dir.path()).pdf_dir()).unwrap();
        std::fs::write(Store::new(dir.path()).pdf_path("raft"), b"%PDF-1.4 raft").unwrap();
        std::fs::write(Store::new(dir.path()).pdf_dir().join("Not An Id.pdf"), b"x").unwrap();
        std::fs::create_dir_all(Store::new(dir.path()).html_dir()).unwrap();
        std::fs::write(Store::new(dir.path()).html_path("the-log"), b"<html>").unwrap();
        std::fs::write(
            Store::new(dir.path()).manifest_path(),
            "{\"version\": 1, \"entr",
        )
        .unwrap();
        assert_eq!(
            recover_manifest(&Store::new(dir.path()))
                .unwrap()
                .map(|r| r.files),
            Some(2)
        );
        let m = Manifest::load(&Store::new(dir.path())).unwrap();
        let page = m.get("the-log").unwrap();
        assert_eq!((page.format, page.bytes), (Format::Html, 6));
        let raft = m.get("raft").unwrap();
        assert!(raft.has_file() && raft.bytes == 13 && !raft.failed());
        let backup = dir.path().join("manifest.json.damaged");
        assert_eq!(
            std::fs::read_to_string(backup).unwrap(),
            "{\"version\": 1, \"entr"
        );
        assert_eq!(recover_manifest(&Store::new(dir.path())).unwrap(), None);
    }

    #[test]
    fn corrupt_manifest_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(Store::new(dir.path()).manifest_path(), "{not json").unwrap();
        let err = Manifest::load(&Store::new(dir.path())).unwrap_err();
        assert!(format!("{err:#}").contains("manifest.json"));
    }
}
