//! Download manifest of the fetch stage (catalog -> **fetch** -> extract -> index -> search).
//!
//! `<data-dir>/manifest.json` records, per paper id, where its PDF came from and
//! what it hashed to, so later runs can skip unchanged files, revalidate with
//! conditional requests, and retry only what failed. It is rewritten atomically
//! after every finished paper so an interrupted run keeps its progress.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::error::FailReason;
use super::store;

/// URL prefix that marks an entry as attached by hand rather than downloaded.
pub(super) const ATTACHED_SCHEME: &str = "file://";

/// Manifest format version, bumped when a field changes meaning.
const MANIFEST_VERSION: u32 = 1;

/// What is known about one paper's PDF and its last download attempt.
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

/// All manifest entries of a data directory, keyed by paper id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    version: u32,
    entries: BTreeMap<String, ManifestEntry>,
}

impl Manifest {
    /// Returns the manifest location, `<data-dir>/manifest.json`.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("manifest.json")
    }

    /// Loads the manifest of `data_dir`, or an empty one if there is none yet.
    pub fn load(data_dir: &Path) -> Result<Self> {
        let path = Self::path(data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Manifest {
                    version: MANIFEST_VERSION,
                    entries: BTreeMap::new(),
                })
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let manifest: Manifest =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        if manifest.version > MANIFEST_VERSION {
            bail!(
                "{} has version {}, newer than the supported {}",
                path.display(),
                manifest.version,
                MANIFEST_VERSION
            );
        }
        Ok(manifest)
    }

    /// Writes the manifest atomically to `<data-dir>/manifest.json`.
    pub fn save(&self, data_dir: &Path) -> Result<()> {
        let path = Self::path(data_dir);
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        let mut json = serde_json::to_vec_pretty(self).context("serializing the manifest")?;
        json.push(b'\n');
        store::write_atomic(&path, &json)
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
        let mut m = Manifest::load(dir.path()).unwrap();
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
        m.save(dir.path()).unwrap();
        let back = Manifest::load(dir.path()).unwrap();
        assert_eq!(back, m);
        assert!(back.get("raft").unwrap().has_file());
        assert!(back.get("raft").unwrap().failed());
    }

    #[test]
    fn corrupt_manifest_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(Manifest::path(dir.path()), "{not json").unwrap();
        let err = Manifest::load(dir.path()).unwrap_err();
        assert!(format!("{err:#}").contains("manifest.json"));
    }
}
