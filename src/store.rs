//! The data directory: where each pipeline stage keeps what it produced (fetched PDFs, the
//! fetch manifest, extracted text, the tantivy index), and the one way files are written there:
//! atomically, so an interrupted run never leaves a half-written file under its real name.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

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

    /// The citations the cite stage found between entries.
    pub fn links_path(&self) -> PathBuf {
        self.root.join("cite").join("links.json")
    }

    /// Takes the data directory's write lock for as long as the returned guard lives, so two
    /// runs never fetch, extract or index into the same folder at once. The operating system
    /// releases it when the process ends, however it ends.
    pub fn lock(&self) -> Result<DataLock> {
        fs::create_dir_all(&self.root).with_context(|| {
            format!(
                "Could not create the data directory {}",
                self.root.display()
            )
        })?;
        let path = self.root.join(".lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("Could not open {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(DataLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => anyhow::bail!(
                "Another paperdex is updating {}; wait for it to finish.",
                self.root.display()
            ),
            Err(fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("Could not lock {}", path.display()))
            }
        }
    }
}

/// Holds the data directory's write lock until dropped.
pub struct DataLock {
    _file: File,
}

/// Hashes a file, returning its length and lowercase hex sha256.
pub fn sha256_file(path: &Path) -> Result<(u64, String)> {
    let mut file =
        File::open(path).with_context(|| format!("Could not open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("Could not read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((len, hex(&hasher.finalize())))
}

/// Formats bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
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
    fn second_lock_on_a_data_dir_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let first = store.lock().unwrap();
        let err = store.lock().err().expect("a second lock fails").to_string();
        assert!(err.starts_with("Another paperdex is updating"), "{err}");
        drop(first);
        store.lock().unwrap();
    }

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
        let (len, sum) = sha256_file(&path).unwrap();
        assert_eq!(len, 3);
        assert_eq!(
            sum,
            "3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3"
        );
    }
}
