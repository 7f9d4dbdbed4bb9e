//! The data directory: where each pipeline stage keeps what it produced (fetched PDFs and web
//! pages, the fetch manifest, extracted text, the tantivy index), and the one way files are written there:
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

    /// Fetched web pages, one `<id>.html` each.
    pub fn html_dir(&self) -> PathBuf {
        self.root.join("html")
    }

    /// The web page of an entry.
    pub fn html_path(&self, id: &str) -> PathBuf {
        self.html_dir().join(format!("{id}.html"))
    }

    /// The links a web page's text makes, as a JSON array of absolute URLs.
    pub fn links_path(&self, id: &str) -> PathBuf {
        self.text_dir().join(format!("{id}.links.json"))
    }

    /// Extracted text, one `<id>.txt` each (pages separated by form feeds).
    pub fn text_dir(&self) -> PathBuf {
        self.root.join("text")
    }

    /// The extracted text of an entry.
    pub fn text_path(&self, id: &str) -> PathBuf {
        self.text_dir().join(format!("{id}.txt"))
    }

    /// The vocabulary as the search stage uses it, made when the index is.
    pub fn thesaurus_path(&self) -> PathBuf {
        self.root.join("thesaurus.txt")
    }

    /// The documents that failed in a stage, and why (see `fault`).
    pub fn faults_path(&self) -> PathBuf {
        self.root.join("faults.json")
    }

    /// The citations the cite stage found between entries.
    pub fn citations_path(&self) -> PathBuf {
        self.root.join("cite").join("links.json")
    }

    /// Takes the data directory's write lock for as long as the returned guard lives, so two
    /// runs never fetch, extract or index into the same folder at once. The operating system
    /// releases it when the process ends, however it ends. Fails at once when another process
    /// holds it.
    pub fn lock(&self) -> Result<DataLock> {
        self.lock_with(false, &|| {})
    }

    /// Takes the write lock like [`Store::lock`]; with `wait`, a lock held by another process
    /// is waited for (after calling `waiting` once) instead of refused. Once held, temporary
    /// files that killed runs left behind are removed.
    pub fn lock_with(&self, wait: bool, waiting: &dyn Fn()) -> Result<DataLock> {
        if self.root.exists() && !self.root.is_dir() {
            anyhow::bail!(
                "The data directory {} is a file, not a folder; point --data-dir (or PAPERDEX_DATA) at a folder",
                self.root.display()
            );
        }
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
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) if wait => {
                waiting();
                file.lock()
                    .with_context(|| format!("Could not lock {}", path.display()))?;
            }
            Err(fs::TryLockError::WouldBlock) => anyhow::bail!(
                "Another paperdex is updating {}; wait for it to finish, or pass --wait",
                self.root.display()
            ),
            Err(fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("Could not lock {}", path.display()))
            }
        }
        self.clean_temporaries();
        Ok(DataLock { _file: file })
    }

    /// Removes what runs killed midway left: `.<name>.<pid>.tmp` files of [`write_atomic`] and
    /// `.part` downloads. Only called under the lock, so no live run is writing them.
    fn clean_temporaries(&self) {
        for dir in [
            self.root.clone(),
            self.text_dir(),
            self.pdf_dir(),
            self.html_dir(),
        ] {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let temporary =
                    name.starts_with('.') && (name.ends_with(".tmp") || name.ends_with(".part"));
                if temporary && entry.file_type().is_ok_and(|t| t.is_file()) {
                    // What cannot be removed now is tried again by the next run.
                    let _ = fs::remove_file(entry.path());
                }
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
        let waited = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                store
                    .lock_with(true, &|| {
                        waited.store(true, std::sync::atomic::Ordering::SeqCst)
                    })
                    .map(|_| ())
            });
            std::thread::sleep(std::time::Duration::from_millis(100));
            drop(first);
            waiter.join().unwrap().unwrap();
        });
        assert!(waited.load(std::sync::atomic::Ordering::SeqCst));
        store.lock().unwrap();
    }

    #[test]
    fn the_lock_clears_temporary_files_of_killed_runs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        fs::create_dir_all(store.text_dir()).unwrap();
        fs::create_dir_all(store.pdf_dir()).unwrap();
        let left = [
            dir.path().join(".manifest.json.4242.tmp"),
            store.text_dir().join(".raft.txt.4242.tmp"),
            store.pdf_dir().join(".raft.pdf.part"),
        ];
        for path in &left {
            fs::write(path, b"half").unwrap();
        }
        fs::write(store.text_dir().join("raft.txt"), b"kept").unwrap();
        let _lock = store.lock().unwrap();
        for path in &left {
            assert!(!path.exists(), "{} left", path.display());
        }
        assert!(store.text_dir().join("raft.txt").exists());
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
