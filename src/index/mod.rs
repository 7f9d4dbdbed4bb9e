//! The index: the fourth stage of the pipeline. It turns catalog entries and the text the
//! extractor pulled from their PDFs and web pages (with each section's heading) into one
//! tantivy document per entry, and keeps the index
//! in step with the catalog incrementally: only new or changed entries are rewritten, and every
//! update is a single tantivy commit, so an interrupted run leaves the last good index.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle, WritePtr,
};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing,
    TextOptions, FAST, STORED, STRING,
};
use tantivy::{
    doc, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument,
    TantivyError, Term,
};

use crate::catalog::{vocabulary, Entry};
use crate::fault::{self, Fault, Faults};
use crate::stage::{Event, Progress, Stage};
use crate::store::{write_atomic, Store};
use crate::text::{Pages, StoredText, TextInfo, TextSource};

pub mod analysis;
pub mod thesaurus;

pub use thesaurus::Thesaurus;

/// Memory the index writer may use before it flushes a segment.
const WRITER_HEAP: usize = 128 * 1024 * 1024;

/// The fields of the index, built in one place.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub title: Field,
    pub aliases: Field,
    pub author: Field,
    pub summary: Field,
    /// The ideas the work teaches, one value each, from the catalog.
    pub concepts: Field,
    pub body: Field,
    /// The text of a page that is mostly links (a course index, a video page), searched at a
    /// lower weight than a body.
    pub hub: Field,
    /// Every word of the other text fields, unstemmed: where typos and prefixes are looked up.
    pub words: Field,
    pub year: Field,
    pub kind: Field,
    pub kinds: Field,
    /// The decade of the year (`/1970s`), for counting results by period.
    pub decade: Field,
    pub topic: Field,
    pub source: Field,
    pub url: Field,
    pub page_start: Field,
    /// The heading of each page, aligned with `page_start`, for texts whose pages are the
    /// sections of a web page.
    pub page_title: Field,
    pub fingerprint: Field,
    /// How many entries of the library cite this one, for ranking the classics.
    pub cited: Field,
}

impl Fields {
    /// Looks every field up in a schema, failing if the index was built by another version.
    pub fn from_schema(schema: &Schema) -> Result<Fields> {
        let f = |name: &str| {
            schema.get_field(name).with_context(|| {
                format!(
                    "The index has no field {name:?}; rebuild it with `paperdex index --rebuild`."
                )
            })
        };
        Ok(Fields {
            id: f("id")?,
            title: f("title")?,
            aliases: f("aliases")?,
            author: f("author")?,
            summary: f("summary")?,
            concepts: f("concepts")?,
            body: f("body")?,
            hub: f("hub")?,
            words: f("words")?,
            year: f("year")?,
            kind: f("kind")?,
            kinds: f("kinds")?,
            decade: f("decade")?,
            topic: f("topic")?,
            source: f("source")?,
            url: f("url")?,
            page_start: f("page_start")?,
            page_title: f("page_title")?,
            fingerprint: f("fingerprint")?,
            cited: f("cited")?,
        })
    }
}

/// The index schema: stemmed text with positions for phrases, facets for topics and sources.
pub fn schema() -> Schema {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(analysis::STEMMED)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    b.add_text_field("id", STRING | STORED | FAST);
    b.add_text_field("title", text(true));
    b.add_text_field("aliases", text(true));
    b.add_text_field("author", text(true));
    b.add_text_field("summary", text(true));
    b.add_text_field("concepts", text(true));
    b.add_text_field("body", text(true));
    b.add_text_field("hub", text(true));
    // Only which documents hold a word is kept: enough to tell a typo from a rare word.
    b.add_text_field(
        "words",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analysis::WORDS)
                .set_index_option(IndexRecordOption::Basic),
        ),
    );
    b.add_i64_field(
        "year",
        NumericOptions::default()
            .set_indexed()
            .set_stored()
            .set_fast(),
    );
    b.add_text_field("kind", STRING | STORED);
    b.add_facet_field("kinds", FacetOptions::default());
    b.add_facet_field("decade", FacetOptions::default());
    b.add_facet_field("topic", FacetOptions::default().set_stored());
    b.add_facet_field("source", FacetOptions::default().set_stored());
    b.add_text_field("url", STORED);
    b.add_u64_field("page_start", STORED);
    b.add_text_field("page_title", STORED);
    b.add_u64_field("fingerprint", FAST | STORED);
    b.add_u64_field("cited", FAST);
    b.build()
}

/// What one index update did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IndexReport {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    /// Entries whose text could not be read, by id, with the reason; they are indexed without it.
    pub text_errors: Vec<(String, String)>,
    /// Entries whose text made indexing fail inside paperdex in this run: they are indexed
    /// by their catalog metadata alone, the others as usual.
    pub faults: Vec<Fault>,
    /// Entries indexed so because of such a failure in an earlier run, on the same text.
    pub faulted_before: Vec<String>,
}

/// Hashes everything an entry's document is built from, so a change anywhere rewrites it.
fn fingerprint(entry: &Entry, text_key: Option<&str>, cited: u64) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(schema_version().to_le_bytes());
    hasher.update(serde_json::to_vec(entry).unwrap_or_default());
    hasher.update([0]);
    hasher.update(text_key.unwrap_or("").as_bytes());
    hasher.update(cited.to_le_bytes());
    let digest = hasher.finalize();
    u64::from_le_bytes(
        digest[..8]
            .try_into()
            .expect("a sha256 digest has 32 bytes"),
    )
}

/// Bumped whenever the way documents are built changes, so old documents get rewritten.
fn schema_version() -> u32 {
    4
}

/// The index folder as tantivy sees it: the files of a memory-mapped directory, written
/// through our own atomic writes so that they follow the umask like every other file of the
/// data directory (tantivy's own temporary files are private to the owner). Opened for
/// searching, it takes no lock file and refuses every write, so a read-only copy of the data
/// directory, or one owned by another user, can be searched.
#[derive(Debug, Clone)]
struct IndexDir {
    files: MmapDirectory,
    root: PathBuf,
    read_only: bool,
}

impl IndexDir {
    fn open(root: &Path, read_only: bool) -> Result<IndexDir> {
        let files = MmapDirectory::open(root).map_err(|e| {
            let why = match e {
                OpenDirectoryError::NotADirectory(_) => "it is not a folder".to_string(),
                OpenDirectoryError::DoesNotExist(_) => "it does not exist".to_string(),
                OpenDirectoryError::IoError { io_error, .. } => io_error.to_string(),
                other => other.to_string(),
            };
            anyhow::anyhow!("Could not open the index folder {}: {why}", root.display())
        })?;
        Ok(IndexDir {
            files,
            root: root.to_path_buf(),
            read_only,
        })
    }

    fn refuse(&self, path: &Path) -> io::Error {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} is opened for reading only",
                self.root.join(path).display()
            ),
        )
    }
}

impl Directory for IndexDir {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.files.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        if self.read_only {
            return Err(DeleteError::IoError {
                io_error: Arc::new(self.refuse(path)),
                filepath: path.to_path_buf(),
            });
        }
        self.files.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.files.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        if self.read_only {
            return Err(OpenWriteError::wrap_io_error(
                self.refuse(path),
                path.to_path_buf(),
            ));
        }
        self.files.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.files.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        if self.read_only {
            return Err(self.refuse(path));
        }
        crate::store::write_atomic(&self.root.join(path), data)
            .map_err(|e| io::Error::other(format!("{e:#}")))
    }

    fn sync_directory(&self) -> io::Result<()> {
        if self.read_only {
            return Ok(());
        }
        self.files.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        if self.read_only {
            // A reader locks only to keep a writer's clean-up from deleting files it is about
            // to open; the data directory's own lock already keeps writers of this program
            // away, and a read-only folder has no writer at all.
            return Ok(DirectoryLock::from(Box::new(())));
        }
        self.files.acquire_lock(lock)
    }

    fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.files.watch(callback)
    }
}

/// Says in plain words what went wrong inside tantivy, whose own messages show internal
/// structures.
fn describe(err: &TantivyError) -> String {
    match err {
        TantivyError::OpenReadError(OpenReadError::FileDoesNotExist(p)) => {
            format!("{} is missing", p.display())
        }
        TantivyError::OpenReadError(OpenReadError::IoError { io_error, filepath }) => {
            format!("{}: {io_error}", filepath.display())
        }
        TantivyError::OpenReadError(OpenReadError::IncompatibleIndex(_)) => {
            "it was written by an incompatible version".to_string()
        }
        TantivyError::OpenWriteError(OpenWriteError::FileAlreadyExists(p)) => {
            format!("{} exists already", p.display())
        }
        TantivyError::OpenWriteError(OpenWriteError::IoError { io_error, filepath }) => {
            format!("{}: {io_error}", filepath.display())
        }
        TantivyError::OpenDirectoryError(_) => "its folder cannot be opened".to_string(),
        TantivyError::LockFailure(LockError::LockBusy, _) => {
            "another process holds its lock".to_string()
        }
        TantivyError::LockFailure(LockError::IoError(io_error), _) => {
            format!("its lock file cannot be taken: {io_error}")
        }
        TantivyError::IoError(io_error) => io_error.to_string(),
        TantivyError::DataCorruption(_) => "its files are damaged".to_string(),
        other => other.to_string(),
    }
}

/// Tells whether an open failed because the index's files are damaged rather than unreadable.
fn is_damage(err: &TantivyError) -> bool {
    matches!(
        err,
        TantivyError::DataCorruption(_)
            | TantivyError::OpenReadError(OpenReadError::FileDoesNotExist(_))
            | TantivyError::OpenReadError(OpenReadError::IncompatibleIndex(_))
            | TantivyError::SchemaError(_)
            | TantivyError::InvalidArgument(_)
    )
}

/// Why an existing index could not be opened, with what the user can do about it.
fn open_error(dir: &Path, err: &TantivyError) -> anyhow::Error {
    if is_damage(err) {
        anyhow::anyhow!(
            "The index in {} is damaged ({}); `paperdex index --rebuild` builds it again from the text on disk",
            dir.display(),
            describe(err)
        )
    } else {
        anyhow::anyhow!(
            "Could not open the index in {}: {}",
            dir.display(),
            describe(err)
        )
    }
}

/// Opens the index in `dir` for writing, or creates an empty one there. With `fresh`, an index
/// that cannot be opened is removed and created again, since it is about to be rebuilt anyway.
fn open_or_create(dir: &Path, fresh: bool) -> Result<Index> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("Could not create the index folder {}", dir.display()))?;
    if dir.join("meta.json").exists() {
        match Index::open(IndexDir::open(dir, false)?) {
            // An index of another schema was built by an older paperdex: it is built anew,
            // which the update that follows fills.
            Ok(index) if index.schema() == schema() => {
                analysis::register(&index);
                return Ok(index);
            }
            Ok(_) => {}
            Err(e) if !fresh => return Err(open_error(dir, &e)),
            Err(_) => {}
        }
        clear_folder(dir)?;
    }
    let index = Index::create(
        IndexDir::open(dir, false)?,
        schema(),
        IndexSettings::default(),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "Could not create an index in {}: {}",
            dir.display(),
            describe(&e)
        )
    })?;
    analysis::register(&index);
    Ok(index)
}

/// Removes every file of a folder that holds a damaged index.
fn clear_folder(dir: &Path) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("Could not list {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("Could not list {}", dir.display()))?
            .path();
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.with_context(|| format!("Could not remove {}", path.display()))?;
    }
    Ok(())
}

/// Opens an existing index for searching, with a clear message when there is none. Nothing in
/// the index folder is created or changed, so it may be read-only.
pub fn open(dir: &Path) -> Result<(Index, Fields)> {
    if !dir.join("meta.json").exists() {
        let data_dir = dir.parent().unwrap_or(dir);
        if data_dir.exists() && !data_dir.is_dir() {
            anyhow::bail!(
                "The data directory {} is a file, not a folder; point --data-dir (or PAPERDEX_DATA) at a folder",
                data_dir.display()
            );
        }
        anyhow::bail!(
            "No index found in {}; run `paperdex index` (or `paperdex update`) first.",
            dir.display()
        );
    }
    let index = Index::open(IndexDir::open(dir, true)?).map_err(|e| open_error(dir, &e))?;
    if index.schema() != schema() {
        anyhow::bail!(
            "The index in {} was built by another version of paperdex; run `paperdex index` to rebuild it.",
            dir.display()
        );
    }
    analysis::register(&index);
    let fields = Fields::from_schema(&index.schema())?;
    Ok((index, fields))
}

/// A reader of the index as it is now.
pub fn reader(index: &Index) -> Result<IndexReader> {
    // A one-shot command never needs the reader to follow later commits, and the default
    // policy starts a thread that watches the index folder for them.
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e| anyhow::anyhow!("Could not read the index: {}", describe(&e)))
}

/// Reads the id and fingerprint of every live document from the fast fields.
fn existing_fingerprints(index: &Index) -> Result<HashMap<String, u64>> {
    let reader = reader(index)?;
    let searcher = reader.searcher();
    let mut out = HashMap::new();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let unreadable =
            |e: TantivyError| anyhow::anyhow!("Could not read the index: {}", describe(&e));
        let Some(ids) = fast.str("id").map_err(unreadable)? else {
            continue;
        };
        let prints = fast.u64("fingerprint").map_err(unreadable)?;
        // One pass over the sorted dictionary: looking each ordinal up on its own decompresses
        // a dictionary block per document.
        let mut names = Vec::with_capacity(ids.num_terms());
        let mut stream = ids
            .dictionary()
            .stream()
            .context("Could not read the index's ids")?;
        while stream.advance() {
            names.push(String::from_utf8_lossy(stream.key()).into_owned());
        }
        let alive = segment.alive_bitset();
        for doc in 0..segment.max_doc() {
            if alive.is_some_and(|a| !a.is_alive(doc)) {
                continue;
            }
            let Some(name) = ids
                .term_ords(doc)
                .next()
                .and_then(|o| names.get(o as usize))
            else {
                continue;
            };
            out.insert(name.clone(), prints.first(doc).unwrap_or(0));
        }
    }
    Ok(out)
}

/// Builds the tantivy document of one entry.
fn document(
    f: &Fields,
    entry: &Entry,
    pages: Option<&Pages>,
    info: &TextInfo,
    print: u64,
    cited: u64,
) -> TantivyDocument {
    let mut d = doc!(
        f.id => entry.id.as_str(),
        f.title => entry.title.as_str(),
        f.summary => entry.summary.as_str(),
        f.fingerprint => print,
        f.cited => cited,
    );
    d.add_text(f.words, &entry.title);
    d.add_text(f.words, &entry.summary);
    for concept in &entry.concepts {
        d.add_text(f.concepts, concept);
        d.add_text(f.words, concept);
    }
    for alias in &entry.aliases {
        d.add_text(f.aliases, alias);
        d.add_text(f.words, alias);
    }
    for author in &entry.authors {
        d.add_text(f.author, author);
        d.add_text(f.words, author);
    }
    if let Some(year) = entry.year {
        d.add_i64(f.year, year);
        d.add_facet(f.decade, Facet::from_path([decade(year)]));
    }
    if let Some(kind) = &entry.kind {
        d.add_text(f.kind, kind);
        d.add_facet(f.kinds, Facet::from_path([kind.as_str()]));
    }
    for topic in &entry.topics {
        d.add_facet(f.topic, Facet::from_path(topic.split('/')));
    }
    for source in &entry.sources {
        d.add_facet(f.source, Facet::from_path([source.as_str()]));
    }
    if let Some(url) = entry.urls.first() {
        d.add_text(f.url, url);
    }
    if let Some(pages) = pages {
        let (body, starts) = pages.join();
        d.add_text(f.words, &body);
        d.add_text(if info.hub { f.hub } else { f.body }, &body);
        for start in starts {
            d.add_u64(f.page_start, start);
        }
        // Headings only when there is one per page, so they stay aligned with the starts.
        if info.titles.len() == pages.0.len() {
            for title in &info.titles {
                d.add_text(f.page_title, title);
            }
        }
    }
    d
}

/// The decade a year falls in, as results are counted by: `1978` is in `1970s`.
pub fn decade(year: i64) -> String {
    format!("{}s", year.div_euclid(10) * 10)
}

/// How the index stage runs.
#[derive(Debug, Clone, Default)]
pub struct IndexOptions {
    /// Build the index anew, and index again the documents that failed inside paperdex.
    pub rebuild: bool,
    /// The catalog folder in use, whose vocabulary files (if any) replace or add to the
    /// built-in vocabulary.
    pub catalog_dir: Option<PathBuf>,
}

/// Brings the index in step with the catalog and the extracted text, rewriting only what
/// changed, and keeps the vocabulary, analyzed, beside it for searches. An entry whose text
/// makes indexing fail inside paperdex is recorded as a fault and indexed by its catalog
/// metadata alone.
pub fn run(
    store: &Store,
    entries: &[Entry],
    opts: &IndexOptions,
    progress: &dyn Progress,
) -> Result<IndexReport> {
    let texts = StoredText::load(store)?;
    let mut faults = Faults::load(store);
    let before = faults.clone();
    let cited: HashMap<String, u64> = crate::cite::Links::load(&store.citations_path())
        .ok()
        .flatten()
        .map(|links| {
            links
                .cited_by_counts()
                .into_iter()
                .map(|(id, n)| (id.to_string(), n as u64))
                .collect()
        })
        .unwrap_or_default();
    let report = update(
        &store.index_dir(),
        entries,
        &texts,
        &cited,
        opts.rebuild,
        &mut faults,
        progress,
    )?;
    if faults != before {
        faults.save(store)?;
    }
    store_thesaurus(store, opts.catalog_dir.as_deref())?;
    Ok(report)
}

/// Keeps the vocabulary, analyzed, in the data directory, so a search need not redo it.
fn store_thesaurus(store: &Store, catalog_dir: Option<&Path>) -> Result<()> {
    let files = vocabulary::files(catalog_dir)?;
    let thesaurus = Thesaurus::new(&vocabulary::from_files(&files)?);
    write_atomic(
        &store.thesaurus_path(),
        &thesaurus.to_bytes(&vocabulary::key(&files)),
    )
}

/// Brings the index in `dir` in step with `entries`, rewriting only what changed; `cited`
/// says how many entries of the library cite each one (none for those it lacks). An entry
/// whose text makes indexing fail inside paperdex is recorded in `faults` and indexed by its
/// catalog metadata alone; the others are indexed as usual.
#[allow(clippy::too_many_arguments)]
pub fn update(
    dir: &Path,
    entries: &[Entry],
    texts: &dyn TextSource,
    cited: &HashMap<String, u64>,
    rebuild: bool,
    faults: &mut Faults,
    progress: &dyn Progress,
) -> Result<IndexReport> {
    let index = open_or_create(dir, rebuild)?;
    let fields = Fields::from_schema(&index.schema())?;
    let existing = if rebuild {
        HashMap::new()
    } else {
        existing_fingerprints(&index)?
    };
    if rebuild {
        faults.clear_stage(Stage::Index);
    }
    let mut stats = IndexReport::default();
    let wanted: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    faults.retain(Stage::Index, |id| wanted.contains(id));
    let mut todo: Vec<Todo> = Vec::new();
    for entry in entries {
        let key = texts.key(&entry.id);
        let times = cited.get(&entry.id).copied().unwrap_or(0);
        let print = fingerprint(entry, key.as_deref(), times);
        // A failure on this very text is not tried again; one of an older version of
        // paperdex is.
        let known = faults
            .known(Stage::Index, &entry.id, &print.to_string())
            .is_some();
        let retry = faults.has(Stage::Index, &entry.id) && !known;
        if known {
            stats.faulted_before.push(entry.id.clone());
        }
        match existing.get(&entry.id) {
            Some(old) if *old == print && !retry => stats.unchanged += 1,
            Some(_) => {
                stats.updated += 1;
                todo.push(Todo::new(entry, print, key, times, known));
            }
            None => {
                stats.added += 1;
                todo.push(Todo::new(entry, print, key, times, known));
            }
        }
    }
    let stale: Vec<&String> = existing
        .keys()
        .filter(|id| !wanted.contains(id.as_str()))
        .collect();
    stats.removed = stale.len();
    if todo.is_empty() && stale.is_empty() && !rebuild {
        return Ok(stats);
    }
    let job = Job {
        dir,
        index: &index,
        fields: &fields,
        existing: &existing,
        stale: &stale,
        texts,
        rebuild,
        progress,
    };
    let mut failed: HashMap<String, String> = HashMap::new();
    match job.write(&todo, &mut failed, &mut stats.text_errors) {
        Err(Written::Died(_)) => {
            // A worker of the index writer failed on some document: find which by running
            // each one's text through the analyzers here, and write them all again with the
            // culprits' text left out.
            failed.extend(job.culprits(&todo));
            stats.text_errors.clear();
            job.write(&todo, &mut failed, &mut stats.text_errors)
                .map_err(Written::into_error)?;
        }
        other => other.map_err(Written::into_error)?,
    }
    // Entries that failed before on this text keep their record as it was; the others get
    // this run's verdict.
    for t in todo.iter().filter(|t| !t.known) {
        faults.clear(Stage::Index, &t.entry.id);
        if let Some(reason) = failed.get(&t.entry.id) {
            faults.record(Stage::Index, &t.entry.id, &t.print.to_string(), reason);
            stats.faults.push(Fault {
                id: t.entry.id.clone(),
                stage: Stage::Index,
                reason: reason.clone(),
            });
        }
    }
    stats.faults.sort_by(|a, b| a.id.cmp(&b.id));
    stats.faulted_before.sort();
    Ok(stats)
}

/// One entry to write, with its fingerprint, text key and citations.
struct Todo<'a> {
    entry: &'a Entry,
    print: u64,
    key: Option<String>,
    cited: u64,
    /// Its text failed before, as recorded: it is written without trying the text again.
    known: bool,
}

impl<'a> Todo<'a> {
    fn new(entry: &'a Entry, print: u64, key: Option<String>, cited: u64, known: bool) -> Todo<'a> {
        Todo {
            entry,
            print,
            key,
            cited,
            known,
        }
    }
}

/// Why writing the index failed.
enum Written {
    /// A worker thread of the index writer died: some document made it fail.
    Died(String),
    /// Anything else: an error of the run.
    Error(anyhow::Error),
}

impl Written {
    fn into_error(self) -> anyhow::Error {
        match self {
            Written::Died(e) => anyhow::anyhow!("{e}"),
            Written::Error(e) => e,
        }
    }
}

/// One write of the index: everything an update needs to add, replace and remove documents.
struct Job<'a> {
    dir: &'a Path,
    index: &'a Index,
    fields: &'a Fields,
    existing: &'a HashMap<String, u64>,
    stale: &'a [&'a String],
    texts: &'a dyn TextSource,
    rebuild: bool,
    progress: &'a dyn Progress,
}

impl Job<'_> {
    /// Writes every entry of `todo` and commits. Entries in `failed` are written by their
    /// metadata alone; an entry whose document cannot be built here joins `failed`.
    fn write(
        &self,
        todo: &[Todo],
        failed: &mut HashMap<String, String>,
        text_errors: &mut Vec<(String, String)>,
    ) -> std::result::Result<(), Written> {
        let dir = self.dir;
        let mut writer: IndexWriter = self.index.writer(WRITER_HEAP).map_err(|e| {
            Written::Error(match e {
                tantivy::TantivyError::LockFailure(..) => anyhow::anyhow!(
                    "Another paperdex process is writing the index in {}; wait for it to finish.",
                    dir.display()
                ),
                other => anyhow::anyhow!(
                    "Could not open the index in {} for writing: {}",
                    dir.display(),
                    describe(&other)
                ),
            })
        })?;
        let died = |e: TantivyError| match e {
            TantivyError::ErrorInThread(m) => Written::Died(m),
            other => Written::Error(anyhow::anyhow!(
                "Could not write the index in {}: {}",
                dir.display(),
                describe(&other)
            )),
        };
        if self.rebuild {
            writer.delete_all_documents().map_err(died)?;
        }
        for id in self.stale {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        let total = todo.len();
        for (done, t) in todo.iter().enumerate() {
            let id = &t.entry.id;
            let doc = match failed.get(id) {
                Some(_) => self.bare(t),
                None if t.known => {
                    failed.insert(id.clone(), "its text failed before".to_string());
                    self.bare(t)
                }
                None => match fault::catch(|| self.full(t)) {
                    Ok((doc, text_error)) => {
                        text_errors.extend(text_error.map(|e| (id.clone(), e)));
                        Some(doc)
                    }
                    Err(reason) => {
                        failed.insert(id.clone(), reason);
                        self.bare(t)
                    }
                },
            };
            if self.existing.contains_key(id) {
                writer.delete_term(Term::from_field_text(self.fields.id, id));
            }
            if let Some(doc) = doc {
                writer.add_document(doc).map_err(died)?;
            }
            self.progress.event(Event::Done {
                stage: Stage::Index,
                id: Some(id),
                done: done + 1,
                total,
            });
        }
        writer.commit().map_err(|e| match e {
            TantivyError::ErrorInThread(m) => Written::Died(m),
            other => Written::Error(anyhow::anyhow!(
                "Could not commit the index in {}: {}",
                dir.display(),
                describe(&other)
            )),
        })?;
        // Merging can run after the commit: a crash during it still leaves the committed index.
        writer.wait_merging_threads().ok();
        Ok(())
    }

    /// The entry's document with its text; a text that cannot be read is reported and left
    /// out.
    fn full(&self, t: &Todo) -> (TantivyDocument, Option<String>) {
        let id = &t.entry.id;
        fault::inject(Stage::Index, id);
        let info = match t.key {
            Some(_) => self.texts.info(id),
            None => TextInfo::default(),
        };
        let (pages, error) = match t.key {
            Some(_) => match self.texts.pages(id) {
                Ok(pages) => (pages, None),
                Err(err) => (None, Some(format!("{err:#}"))),
            },
            None => (None, None),
        };
        let doc = document(
            self.fields,
            t.entry,
            pages.as_ref(),
            &info,
            t.print,
            t.cited,
        );
        (doc, error)
    }

    /// The entry's document from its catalog metadata alone, or `None` when even that fails.
    fn bare(&self, t: &Todo) -> Option<TantivyDocument> {
        let info = TextInfo::default();
        fault::catch(|| document(self.fields, t.entry, None, &info, t.print, t.cited)).ok()
    }

    /// The entries of `todo` whose documents make an analyzer fail, with the reason.
    fn culprits(&self, todo: &[Todo]) -> Vec<(String, String)> {
        todo.iter()
            .filter(|t| !t.known)
            .filter_map(|t| {
                let checked = fault::catch(|| {
                    let (doc, _) = self.full(t);
                    analyze(self.index, &doc);
                });
                checked.err().map(|reason| (t.entry.id.clone(), reason))
            })
            .collect()
    }
}

/// Runs every text of `doc` through the analyzer its field is indexed with, as the index
/// writer's threads do, so that a document that makes an analyzer fail shows itself here.
fn analyze(index: &Index, doc: &TantivyDocument) {
    use tantivy::schema::{FieldType, Value};
    use tantivy::tokenizer::TokenStream;
    let schema = index.schema();
    for (field, value) in doc.field_values() {
        let Some(text) = value.as_str() else {
            continue;
        };
        let FieldType::Str(options) = schema.get_field_entry(field).field_type() else {
            continue;
        };
        let Some(indexing) = options.get_indexing_options() else {
            continue;
        };
        if let Some(mut analyzer) = index.tokenizers().get(indexing.tokenizer()) {
            let mut stream = analyzer.token_stream(text);
            while stream.advance() {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, title: &str) -> Entry {
        Entry {
            id: id.into(),
            title: title.into(),
            authors: vec!["Ada Lovelace".into()],
            year: Some(1990),
            kind: Some("paper".into()),
            topics: vec!["papers/consensus".into()],
            urls: vec![],
            access: None,
            summary: "A summary.".into(),
            sources: vec!["test".into()],
            ..Entry::default()
        }
    }

    struct OneText;
    impl TextSource for OneText {
        fn key(&self, id: &str) -> Option<String> {
            (id == "a").then(|| "k1".to_string())
        }
        fn pages(&self, _id: &str) -> Result<Option<Pages>> {
            Ok(Some(Pages(vec!["one".into(), "two".into()])))
        }
    }

    #[test]
    fn pages_join_with_form_feeds_and_offsets() {
        let (body, starts) = Pages(vec!["ab".into(), "".into(), "cde".into()]).join();
        assert_eq!(body, "ab\x0c\x0ccde");
        assert_eq!(starts, vec![0, 3, 4]);
    }

    #[test]
    fn update_is_incremental() {
        let dir = tempfile::tempdir().unwrap();
        let none = crate::stage::Silent;
        let mut entries = vec![entry("a", "Alpha"), entry("b", "Beta")];
        let s = update(
            dir.path(),
            &entries,
            &OneText,
            &HashMap::new(),
            false,
            &mut Faults::default(),
            &none,
        )
        .unwrap();
        assert_eq!((s.added, s.updated, s.removed, s.unchanged), (2, 0, 0, 0));
        let s = update(
            dir.path(),
            &entries,
            &OneText,
            &HashMap::new(),
            false,
            &mut Faults::default(),
            &none,
        )
        .unwrap();
        assert_eq!((s.added, s.updated, s.removed, s.unchanged), (0, 0, 0, 2));
        entries[1].title = "Beta changed".into();
        entries.remove(0);
        entries.push(entry("c", "Gamma"));
        let s = update(
            dir.path(),
            &entries,
            &OneText,
            &HashMap::new(),
            false,
            &mut Faults::default(),
            &none,
        )
        .unwrap();
        assert_eq!((s.added, s.updated, s.removed, s.unchanged), (1, 1, 1, 0));
        let (index, _) = open(dir.path()).unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.num_docs(), 2);
        let s = update(
            dir.path(),
            &entries,
            &OneText,
            &HashMap::new(),
            true,
            &mut Faults::default(),
            &none,
        )
        .unwrap();
        assert_eq!((s.added, s.unchanged), (2, 0));
    }

    #[test]
    fn open_reports_a_missing_index() {
        let dir = tempfile::tempdir().unwrap();
        let err = open(&dir.path().join("nothing")).unwrap_err().to_string();
        assert!(err.starts_with("No index found in"), "{err}");
    }
}
