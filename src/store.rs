//! The data directory: where each pipeline stage keeps what it produced (fetched PDFs, the
//! fetch manifest, extracted text, the tantivy index), and the one way files are written there:
//! atomically, so an interrupted run never leaves a half-written file under its real name.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::catalog::Entry;

/// The layout of a data directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// A store rooted at `root`; nothing is created until a stage writes.
    pub fn new(root: &Path) -> Store {
        Store {
            root: root.to_path_buf(),
        }
    }

    /// The data directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The tantivy index.
    pub fn index_dir(&self) -> PathBuf {
        self.root.join("tantivy")
    }

    /// Fetched and attached PDFs, one `<id>.pdf` each.
    pub fn pdf_dir(&self) -> PathBuf {
        self.root.join("pdf")
    }

    /// The PDF of an entry.
    pub fn pdf_path(&self, id: &str) -> PathBuf {
        self.pdf_dir().join(format!("{id}.pdf"))
    }

    /// Extracted text, one `<id>.txt` each (pages separated by form feeds).
    pub fn text_dir(&self) -> PathBuf {
        self.root.join("text")
    }

    /// The extracted text of an entry.
    pub fn text_path(&self, id: &str) -> PathBuf {
        self.text_dir().join(format!("{id}.txt"))
    }

    /// What is known locally about an entry, as label/value rows for `show`.
    pub fn status(&self, entry: &Entry) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        let pdf = self.pdf_path(&entry.id);
        let pdf_state = match fs::metadata(&pdf) {
            Ok(m) => format!("{} ({} KB)", pdf.display(), m.len().div_ceil(1000)),
            Err(_) if !entry.open_access() => "none (not open access)".to_string(),
            Err(_) if entry.urls.is_empty() => "none (no URL in the catalog)".to_string(),
            Err(_) => "not fetched yet (run `paperdex update`)".to_string(),
        };
        rows.push(("pdf".to_string(), pdf_state));
        let text = self.text_path(&entry.id);
        if let Ok(m) = fs::metadata(&text) {
            rows.push((
                "text".to_string(),
                format!("{} ({} KB)", text.display(), m.len().div_ceil(1000)),
            ));
        }
        rows
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder, fsynced and renamed,
/// so readers see either the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("Could not create {}", dir.display()))?;
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> Result<()> {
        let mut file =
            File::create(&tmp).with_context(|| format!("Could not create {}", tmp.display()))?;
        file.write_all(bytes)
            .and_then(|_| file.sync_all())
            .with_context(|| format!("Could not write {}", tmp.display()))?;
        fs::rename(&tmp, path)
            .with_context(|| format!("Could not move {} into place", path.display()))?;
        // The rename itself is durable only once the folder is synced.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/a.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.json")]);
    }
}
