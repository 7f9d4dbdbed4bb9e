//! The data directory: where each pipeline stage keeps what it produced (fetched PDFs and web
//! pages, the fetch manifest, extracted text, the tantivy index), and the one way files are written there:
//! atomically, so an interrupted run never leaves a half-written file under its real name.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::shard::Shard;

/// Longest id accepted; keeps file names well below file-system limits.
const MAX_ID_LEN: usize = 200;

/// Checks that an id is `[a-z0-9-]+`, the only thing a file name is built from.
pub fn validate_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        anyhow::bail!("invalid paper id {id:?}: expected [a-z0-9-]+");
    }
    Ok(())
}

/// The layout of a data directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    /// The shard whose copies of the shared files this store reads and writes, if any (see
    /// `shard`).
    shard: Option<Shard>,
}

impl Store {
    /// A store rooted at `root`; nothing is created until a stage writes.
    pub fn new(root: &Path) -> Store {
        Store {
            root: root.to_path_buf(),
            shard: None,
        }
    }

    /// The same data directory as one shard sees it: per-entry files where they always are,
    /// the files every entry shares (manifest, text records, faults) in the shard's folder.
    pub fn for_shard(&self, shard: Shard) -> Store {
        Store {
            root: self.root.clone(),
            shard: Some(shard),
        }
    }

    /// The shard this store works for, if any.
    pub fn shard(&self) -> Option<Shard> {
        self.shard
    }

    /// Where shards keep their copies of the shared files until they are merged.
    pub fn shards_dir(&self) -> PathBuf {
        self.root.join("shards")
    }

    /// The folder of one shard, `shards/I-of-N`.
    pub fn shard_dir(&self, shard: Shard) -> PathBuf {
        self.shards_dir().join(shard.name())
    }

    /// Where a file every entry shares lives: in the data directory, or in the shard's folder
    /// for a store working for a shard.
    fn shared(&self, name: &str) -> PathBuf {
        match self.shard {
            Some(shard) => self.shard_dir(shard).join(name),
            None => self.root.join(name),
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
    ///
    /// # Panics
    /// Panics if `id` is not `[a-z0-9-]+`: callers validate ids first (see
    /// [`validate_id`]), and a path must never be built from anything else.
    pub fn pdf_path(&self, id: &str) -> PathBuf {
        assert!(validate_id(id).is_ok(), "invalid paper id {id:?}");
        self.pdf_dir().join(format!("{id}.pdf"))
    }

    /// Fetched web pages, one `<id>.html` each.
    pub fn html_dir(&self) -> PathBuf {
        self.root.join("html")
    }

    /// The web page of an entry.
    ///
    /// # Panics
    /// Panics if `id` is not `[a-z0-9-]+`, as [`Store::pdf_path`] does.
    pub fn html_path(&self, id: &str) -> PathBuf {
        assert!(validate_id(id).is_ok(), "invalid paper id {id:?}");
        self.html_dir().join(format!("{id}.html"))
    }

    /// Where the document of an entry in `format` is stored.
    pub fn document_path(&self, id: &str, format: crate::fetch::Format) -> PathBuf {
        match format {
            crate::fetch::Format::Pdf => self.pdf_path(id),
            crate::fetch::Format::Html => self.html_path(id),
        }
    }

    /// The temporary file a download of an entry's PDF streams into.
    pub fn pdf_part_path(&self, id: &str) -> PathBuf {
        self.pdf_dir().join(format!(".{id}.pdf.part"))
    }

    /// The temporary file a download of an entry's web page streams into.
    pub fn html_part_path(&self, id: &str) -> PathBuf {
        self.html_dir().join(format!(".{id}.html.part"))
    }

    /// The fetch stage's manifest: per entry, where its document came from and how.
    pub fn manifest_path(&self) -> PathBuf {
        self.shared("manifest.json")
    }

    /// Where a damaged manifest is set aside: `manifest.json.damaged`, numbered when taken.
    pub fn damaged_manifest_path(&self, n: usize) -> PathBuf {
        match n {
            0 => self.root.join("manifest.json.damaged"),
            n => self.root.join(format!("manifest.json.damaged-{n}")),
        }
    }

    /// The entries' vectors for search by meaning, `embed/vectors.bin` (a shard's, for the
    /// entries of its slice, `shards/I-of-N/vectors.bin`).
    pub fn vectors_path(&self) -> PathBuf {
        self.embedded("vectors.bin")
    }

    /// The vectors of the passages of the entries' full text, `embed/passages.bin` (a
    /// shard's, `shards/I-of-N/passages.bin`).
    pub fn passages_path(&self) -> PathBuf {
        self.embedded("passages.bin")
    }

    /// The stamp of the model folder the vectors were made with, `embed/model.json` (a
    /// shard's, `shards/I-of-N/model.json`).
    pub fn model_stamp_path(&self) -> PathBuf {
        self.embedded("model.json")
    }

    /// Where a file of the embed stage lives: in `embed/`, or in the shard's folder for a
    /// store working for a shard.
    fn embedded(&self, name: &str) -> PathBuf {
        match self.shard {
            Some(_) => self.shared(name),
            None => self.root.join("embed").join(name),
        }
    }

    /// The same data directory as a command holding it alone sees it: every file in its
    /// main place.
    pub fn main(&self) -> Store {
        Store::new(&self.root)
    }

    /// Where `model fetch` puts the sentence model when no other folder is named.
    pub fn model_dir(&self) -> PathBuf {
        self.root.join("model")
    }

    /// The links a web page's text makes, as a JSON array of absolute URLs.
    pub fn links_path(&self, id: &str) -> PathBuf {
        self.text_dir().join(format!("{id}.links.json"))
    }

    /// Extracted text, one `<id>.txt` each (pages separated by form feeds).
    pub fn text_dir(&self) -> PathBuf {
        self.root.join("text")
    }

    /// The extract stage's record of each entry's text, `text/status.json` (a shard's copy is
    /// `shards/I-of-N/text-status.json`).
    pub fn text_status_path(&self) -> PathBuf {
        match self.shard {
            Some(_) => self.shared("text-status.json"),
            None => self.text_dir().join("status.json"),
        }
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
        self.shared("faults.json")
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
        self.create_root()?;
        let file = self.take_lock(&self.root.join(".lock"), Hold::Alone, wait, waiting)?;
        self.clean_temporaries();
        Ok(DataLock { _files: vec![file] })
    }

    /// Takes the data directory's lock for the work of one shard: shared with the other
    /// shards, so they run side by side, but not with a command that holds it alone; and the
    /// shard's own lock alone, so the same shard never runs twice at once. With `wait`, a lock
    /// held elsewhere is waited for (after calling `waiting` once). Temporary files are left
    /// alone: other shards may be writing them.
    pub fn lock_shard(&self, shard: Shard, wait: bool, waiting: &dyn Fn()) -> Result<DataLock> {
        self.lock_with_shared(wait, waiting).and_then(|mut lock| {
            let dir = self.shard_dir(shard);
            fs::create_dir_all(&dir)
                .with_context(|| format!("Could not create {}", dir.display()))?;
            let own = self.take_lock(&dir.join(".lock"), Hold::Alone, wait, waiting)?;
            lock._files.push(own);
            Ok(lock)
        })
    }

    /// Makes the data directory, unless a file stands where it should be.
    fn create_root(&self) -> Result<()> {
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
        })
    }

    /// Takes the data directory's lock shared with other shards.
    fn lock_with_shared(&self, wait: bool, waiting: &dyn Fn()) -> Result<DataLock> {
        self.create_root()?;
        let file = self.take_lock(&self.root.join(".lock"), Hold::Shared, wait, waiting)?;
        Ok(DataLock { _files: vec![file] })
    }

    /// Opens the lock file `path` and locks it, alone or shared.
    fn take_lock(&self, path: &Path, hold: Hold, wait: bool, waiting: &dyn Fn()) -> Result<File> {
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .with_context(|| format!("Could not open {}", path.display()))?;
        let tried = match hold {
            Hold::Alone => file.try_lock(),
            Hold::Shared => file.try_lock_shared(),
        };
        match tried {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) if wait => {
                waiting();
                match hold {
                    Hold::Alone => file.lock(),
                    Hold::Shared => file.lock_shared(),
                }
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
        Ok(file)
    }

    /// Removes what runs killed midway left: `.<name>.<pid>.tmp` files of [`write_atomic`] and
    /// `.part` downloads. Only called under the lock, so no live run is writing them; what
    /// cannot be removed now is tried again by the next run.
    fn clean_temporaries(&self) {
        for dir in [self.root.clone(), self.text_dir()] {
            let _ = remove_temporaries(&dir, ".tmp");
        }
        let _ = self.clean_parts();
    }

    /// Removes the `.part` files that a killed run left of the downloads of `ids`, and returns
    /// their paths. A fetch cleans only its own: a shard fetching beside it may be writing
    /// the others' at this moment.
    pub fn clean_parts_of<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<PathBuf>> {
        let mut removed = Vec::new();
        for id in ids {
            for path in [self.pdf_part_path(id), self.html_part_path(id)] {
                match fs::remove_file(&path) {
                    Ok(()) => removed.push(path),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e)
                            .with_context(|| format!("Could not remove {}", path.display()))
                    }
                }
            }
        }
        Ok(removed)
    }

    /// Removes the `.part` files of downloads that a killed run left, and returns their
    /// paths.
    pub fn clean_parts(&self) -> Result<Vec<PathBuf>> {
        let mut removed = remove_temporaries(&self.pdf_dir(), ".part")?;
        removed.extend(remove_temporaries(&self.html_dir(), ".part")?);
        Ok(removed)
    }
}

/// Fsyncs a directory so that a rename inside it survives a power loss.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("Could not sync the folder {}", dir.display()))?;
    }
    // Other platforms cannot open a directory as a file; the rename is the best they get.
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Renames a finished, already fsynced temporary file into place durably.
pub fn commit(tmp: &Path, dest: &Path) -> Result<()> {
    fs::rename(tmp, dest)
        .with_context(|| format!("Could not move {} to {}", tmp.display(), dest.display()))?;
    if let Some(parent) = dest.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// Holds the data directory's write lock until dropped.
pub struct DataLock {
    _files: Vec<File>,
}

/// How a lock file is held.
#[derive(Clone, Copy)]
enum Hold {
    /// By one process only.
    Alone,
    /// By any number of processes that all hold it so.
    Shared,
}

/// Removes the hidden files of `dir` whose names end in `ending`, returning their paths.
fn remove_temporaries(dir: &Path, ending: &str) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(e).with_context(|| format!("Could not list {}", dir.display())),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("Could not list {}", dir.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(ending) && entry.file_type()?.is_file() {
            let path = entry.path();
            fs::remove_file(&path)
                .with_context(|| format!("Could not remove {}", path.display()))?;
            removed.push(path);
        }
    }
    Ok(removed)
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
        let _ = sync_dir(dir);
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

    #[test]
    fn ids_are_checked() {
        assert!(validate_id("lamport-1978-time").is_ok());
        for bad in ["", "../etc", "A", "a/b", "a.pdf", "a b", "é"] {
            assert!(validate_id(bad).is_err(), "{bad:?} accepted");
        }
        assert!(validate_id(&"a".repeat(MAX_ID_LEN + 1)).is_err());
    }

    #[test]
    #[should_panic(expected = "invalid paper id")]
    fn pdf_path_refuses_traversal() {
        let _ = Store::new(Path::new("/data")).pdf_path("../x");
    }

    #[test]
    fn paths_of_the_data_directory() {
        let store = Store::new(Path::new("/data"));
        assert_eq!(store.pdf_path("raft"), PathBuf::from("/data/pdf/raft.pdf"));
        assert_eq!(
            store.pdf_part_path("raft"),
            PathBuf::from("/data/pdf/.raft.pdf.part")
        );
        assert_eq!(
            store.damaged_manifest_path(2),
            PathBuf::from("/data/manifest.json.damaged-2")
        );
        let part = store.for_shard(Shard { index: 2, count: 3 });
        assert_eq!(
            part.vectors_path(),
            PathBuf::from("/data/shards/2-of-3/vectors.bin")
        );
        assert_eq!(
            part.passages_path(),
            PathBuf::from("/data/shards/2-of-3/passages.bin")
        );
        assert_eq!(part.main().vectors_path(), store.vectors_path());
        assert_eq!(
            store.vectors_path(),
            PathBuf::from("/data/embed/vectors.bin")
        );
    }
}
