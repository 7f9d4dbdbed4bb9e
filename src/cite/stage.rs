//! Running the cite stage over a library and keeping its results: `<data>/cite/links.json`
//! holds, per document, the key of the text it was read from and the entries it cites. A run
//! reads again only the documents whose key changed, and every document when the catalog
//! changed (a new entry may be cited by papers read long ago). Documents are read in parallel;
//! the file is replaced atomically, so an interrupted run leaves the previous results.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::Entry;
use crate::fault::{self, Fault, Faults};
use crate::stage::Stage;
use crate::stage::{Event, Progress};
use crate::store::{write_atomic, Store};
use crate::text::{StoredText, TextSource};

use super::matcher::Matcher;
use super::{find_citations, Citation, Document};

/// Bumped whenever matching changes, so a new version reads every document again.
pub const CITE_VERSION: u32 = 1;

/// What a document brings to the cite stage, and a key that changes when that does.
pub trait DocumentSource: Sync {
    /// A cheap key that changes whenever the document's text or links change; `None` when
    /// the entry has no document.
    fn key(&self, id: &str) -> Option<String>;
    /// The document itself; called only for documents whose key changed.
    fn document(&self, id: &str) -> Result<Option<Document>>;
}

/// The extracted text of PDFs as documents without links.
pub struct TextDocuments<'a, T: TextSource>(pub &'a T);

impl<T: TextSource> DocumentSource for TextDocuments<'_, T> {
    fn key(&self, id: &str) -> Option<String> {
        self.0.key(id)
    }

    fn document(&self, id: &str) -> Result<Option<Document>> {
        let Some(pages) = self.0.pages(id)? else {
            return Ok(None);
        };
        Ok(Some(Document {
            id: id.to_string(),
            text: pages.0.join("\n"),
            links: self.0.links(id)?,
        }))
    }
}

/// The stage's results for one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentLinks {
    /// The source's key of the document these results came from.
    pub key: String,
    /// Whether a list of references was found at all.
    pub bibliography: bool,
    pub citations: Vec<Citation>,
}

/// The stage's results for a library, as stored in `cite/links.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Links {
    pub version: u32,
    /// The fingerprint of the catalog the results were computed against.
    pub catalog: String,
    pub documents: BTreeMap<String, DocumentLinks>,
}

impl Links {
    /// Loads the stored results, or `None` when the stage has not run yet.
    pub fn load(path: &Path) -> Result<Option<Links>> {
        match fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .with_context(|| format!("Could not parse {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("Could not read {}", path.display())),
        }
    }

    fn save(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self)?;
        write_atomic(path, &bytes)
    }

    /// For each cited entry, how many documents cite it.
    pub fn cited_by_counts(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for (citing, cited) in self.edges() {
            if citing != cited {
                *counts.entry(cited).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Every citation as (citing, cited) ids.
    pub fn edges(&self) -> impl Iterator<Item = (&str, &str)> {
        self.documents.iter().flat_map(|(citing, d)| {
            d.citations
                .iter()
                .map(move |c| (citing.as_str(), c.id.as_str()))
        })
    }
}

/// What one run of the cite stage did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiteReport {
    /// Documents read in this run.
    pub read: Vec<String>,
    /// Documents whose results were still current.
    pub unchanged: usize,
    /// Documents with text in which no list of references was found.
    pub without_bibliography: Vec<String>,
    /// Documents that could not be read, with the reason.
    pub failed: Vec<(String, String)>,
    /// Citations between entries after the run.
    pub links: usize,
    /// Why the stored results could not be used, when they were damaged.
    pub reset: Option<String>,
    /// Documents whose reading failed inside paperdex in this run; the others were read.
    pub faults: Vec<Fault>,
    /// Documents that failed so before and are unchanged: not read again.
    pub faulted_before: Vec<String>,
}

/// A fingerprint of what matching depends on in the catalog: ids, titles, authors, years and
/// URLs, and the matcher's version.
pub fn catalog_fingerprint(entries: &[Entry]) -> String {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut h = Sha256::new();
    h.update(CITE_VERSION.to_le_bytes());
    for e in sorted {
        for field in [&e.id, &e.title] {
            h.update(field.as_bytes());
            h.update([0]);
        }
        for a in &e.authors {
            h.update(a.as_bytes());
            h.update([1]);
        }
        h.update(e.year.unwrap_or(0).to_le_bytes());
        for u in &e.urls {
            h.update(u.as_bytes());
            h.update([2]);
        }
        h.update([3]);
    }
    crate::store::hex(&h.finalize())
}

/// How the cite stage runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct CiteOptions {
    /// Read again the documents that failed inside paperdex before.
    pub retry: bool,
}

/// Finds the citations of every entry whose extracted text changed since the last run (every
/// entry's when the catalog changed), and keeps them in the data directory. A document whose
/// reading fails inside paperdex is recorded as a fault and left without citations; the
/// others are read as usual.
pub fn run(
    store: &Store,
    entries: &[Entry],
    opts: &CiteOptions,
    progress: &dyn Progress,
) -> Result<CiteReport> {
    let texts = StoredText::load(store)?;
    let mut faults = Faults::load(store);
    let before = faults.clone();
    if opts.retry {
        faults.clear_stage(Stage::Cite);
    }
    let report = read_all(
        &store.citations_path(),
        entries,
        &TextDocuments(&texts),
        &mut faults,
        progress,
    )?;
    if faults != before {
        faults.save(store)?;
    }
    Ok(report)
}

/// Finds the citations of every entry's document that changed since the last run, and stores
/// the results in `path`. A document whose reading fails inside paperdex is recorded in
/// `faults` and left without citations; the others are read as usual.
fn read_all(
    path: &Path,
    entries: &[Entry],
    source: &dyn DocumentSource,
    faults: &mut Faults,
    progress: &dyn Progress,
) -> Result<CiteReport> {
    let fingerprint = catalog_fingerprint(entries);
    let mut report = CiteReport::default();
    // A damaged results file is not worth stopping an update for: everything is read again.
    let stored = Links::load(path).unwrap_or_else(|e| {
        report.reset = Some(format!("{e:#}"));
        None
    });
    let (mut links, mut changed) = match stored {
        Some(l) if l.version == CITE_VERSION && l.catalog == fingerprint => (l, false),
        _ => (
            Links {
                version: CITE_VERSION,
                catalog: fingerprint.clone(),
                documents: BTreeMap::new(),
            },
            true,
        ),
    };
    let mut todo: Vec<(&str, String)> = Vec::new();
    let mut keep: BTreeMap<String, DocumentLinks> = BTreeMap::new();
    let mut present = std::collections::HashSet::new();
    for entry in entries {
        let Some(key) = source.key(&entry.id) else {
            continue;
        };
        present.insert(entry.id.as_str());
        // A fault is tied to the text and to the catalog it was matched against.
        if faults
            .known(Stage::Cite, &entry.id, &fault_key(&key, &fingerprint))
            .is_some()
        {
            report.faulted_before.push(entry.id.clone());
            links.documents.remove(&entry.id);
            continue;
        }
        match links.documents.remove(&entry.id) {
            Some(d) if d.key == key => {
                report.unchanged += 1;
                if !d.bibliography {
                    report.without_bibliography.push(entry.id.clone());
                }
                keep.insert(entry.id.clone(), d);
            }
            _ => todo.push((&entry.id, key)),
        }
    }
    // Whatever is left belongs to entries that are gone or have no document any more.
    changed |= !links.documents.is_empty();
    changed |= !todo.is_empty();
    let matcher = if todo.is_empty() {
        None
    } else {
        Some(Matcher::new(entries))
    };
    faults.retain(Stage::Cite, |id| present.contains(id));
    for (id, _) in &todo {
        faults.clear(Stage::Cite, id);
    }
    let total = todo.len();
    progress.event(Event::Planned {
        stage: Stage::Cite,
        total,
    });
    let done = Mutex::new(0usize);
    let results: Vec<(String, String, Read)> = todo
        .into_par_iter()
        .map(|(id, key)| {
            let read = fault::catch(|| {
                fault::inject(Stage::Cite, id);
                source.document(id).map(|doc| {
                    doc.map(|doc| {
                        let found = find_citations(&doc, matcher.as_ref().expect("a matcher"));
                        DocumentLinks {
                            key: key.clone(),
                            bibliography: found.bibliography,
                            citations: found.citations,
                        }
                    })
                })
            });
            let result = match read {
                Ok(Ok(found)) => Read::Found(found),
                Ok(Err(e)) => Read::Failed(format!("{e:#}")),
                Err(reason) => Read::Fault(reason),
            };
            let mut n = done.lock().unwrap_or_else(|e| e.into_inner());
            *n += 1;
            progress.event(Event::Done {
                stage: Stage::Cite,
                id: Some(id),
                done: *n,
                total,
            });
            (id.to_string(), key, result)
        })
        .collect();
    for (id, key, result) in results {
        match result {
            Read::Found(Some(d)) => {
                if !d.bibliography {
                    report.without_bibliography.push(id.clone());
                }
                report.read.push(id.clone());
                keep.insert(id, d);
            }
            Read::Found(None) => {}
            Read::Failed(e) => report.failed.push((id, e)),
            Read::Fault(reason) => {
                faults.record(Stage::Cite, &id, &fault_key(&key, &links.catalog), &reason);
                report.faults.push(Fault {
                    id,
                    stage: Stage::Cite,
                    reason,
                });
            }
        }
    }
    links.documents = keep;
    if changed {
        links.save(path)?;
    }
    report.read.sort();
    report.without_bibliography.sort();
    report.failed.sort();
    report.faulted_before.sort();
    report.links = links.edges().count();
    Ok(report)
}

/// How reading one document went.
enum Read {
    /// Its citations, or `None` when it turned out to have no text.
    Found(Option<DocumentLinks>),
    /// Its text could not be read (tried again next run).
    Failed(String),
    /// Reading it failed inside paperdex: a fault of this document.
    Fault(String),
}

/// The input a cite fault is tied to: the document's text and the catalog it was read
/// against.
fn fault_key(text_key: &str, catalog: &str) -> String {
    format!("{text_key}:{catalog}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the stage over `entries` with no earlier faults and no progress shown.
    fn read(path: &Path, entries: &[Entry], source: &dyn DocumentSource) -> CiteReport {
        read_all(
            path,
            entries,
            source,
            &mut Faults::default(),
            &crate::stage::Silent,
        )
        .unwrap()
    }
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Fake {
        docs: BTreeMap<String, (String, String)>,
        links: Vec<String>,
        reads: AtomicUsize,
    }

    impl DocumentSource for Fake {
        fn key(&self, id: &str) -> Option<String> {
            self.docs.get(id).map(|(k, _)| k.clone())
        }
        fn document(&self, id: &str) -> Result<Option<Document>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            Ok(self.docs.get(id).map(|(_, text)| Document {
                id: id.into(),
                text: text.clone(),
                links: self.links.clone(),
            }))
        }
    }

    fn entry(id: &str, title: &str, author: &str, year: i64) -> Entry {
        Entry {
            id: id.into(),
            title: title.into(),
            authors: vec![author.into()],
            year: Some(year),
            ..Entry::default()
        }
    }

    fn paper(refs: &str) -> String {
        format!(
            "{}References\n{refs}",
            "A paragraph of the paper.\n".repeat(100)
        )
    }

    #[test]
    fn results_are_cached_by_key_and_recomputed_when_the_catalog_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cite/links.json");
        let mut entries = vec![
            entry("simple", "Paxos Made Simple", "Leslie Lamport", 2001),
            entry(
                "raft",
                "In Search of an Understandable Consensus Algorithm",
                "Diego Ongaro",
                2014,
            ),
        ];
        let mut source = Fake {
            docs: BTreeMap::from([(
                "raft".to_string(),
                (
                    "k1".to_string(),
                    paper("[1] L. Lamport. Paxos made simple. 2001.\n[2] J. Smith. Dynamo: a store. 2007.\n"),
                ),
            )]),
            links: Vec::new(),
            reads: AtomicUsize::new(0),
        };
        let first = read(&path, &entries, &source);
        assert_eq!(first.read, vec!["raft".to_string()]);
        assert_eq!(first.links, 1);
        let stored = Links::load(&path).unwrap().unwrap();
        assert_eq!(stored.edges().collect::<Vec<_>>(), vec![("raft", "simple")]);
        assert_eq!(stored.cited_by_counts().get("simple"), Some(&1));
        assert!(stored.documents["raft"].citations[0]
            .reference
            .contains("Paxos made simple"));

        let again = read(&path, &entries, &source);
        assert_eq!((again.read.len(), again.unchanged), (0, 1));
        assert_eq!(source.reads.load(Ordering::SeqCst), 1);

        // A new entry can be cited by a document read before: everything is read again.
        entries.push(entry("dynamo", "Dynamo: A Store", "John Smith", 2007));
        let after = read(&path, &entries, &source);
        assert_eq!(after.read, vec!["raft".to_string()]);
        assert_eq!(after.links, 2);

        // A changed text is read again; a document that disappears loses its links.
        source.docs.get_mut("raft").unwrap().0 = "k2".into();
        assert_eq!(read(&path, &entries, &source).read.len(), 1);
        source.docs.clear();
        let gone = read(&path, &entries, &source);
        assert_eq!(gone.links, 0);
        assert!(Links::load(&path).unwrap().unwrap().documents.is_empty());
    }

    #[test]
    fn damaged_results_are_rebuilt_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.json");
        fs::write(&path, b"{ not json").unwrap();
        let entries = vec![entry("simple", "Paxos Made Simple", "Leslie Lamport", 2001)];
        let source = Fake {
            docs: BTreeMap::from([("simple".to_string(), ("k".to_string(), paper("")))]),
            links: Vec::new(),
            reads: AtomicUsize::new(0),
        };
        let report = read(&path, &entries, &source);
        assert!(report.reset.unwrap().contains("Could not parse"));
        assert_eq!(report.read, vec!["simple".to_string()]);
        assert!(Links::load(&path).unwrap().is_some());
    }

    #[test]
    fn a_document_without_references_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.json");
        let entries = vec![entry(
            "a",
            "A Title Long Enough To Match",
            "Ann Author",
            2000,
        )];
        let source = Fake {
            docs: BTreeMap::from([(
                "a".to_string(),
                ("k".to_string(), "Just prose.".to_string()),
            )]),
            links: Vec::new(),
            reads: AtomicUsize::new(0),
        };
        let report = read(&path, &entries, &source);
        assert_eq!(report.without_bibliography, vec!["a".to_string()]);
        let again = read(&path, &entries, &source);
        assert_eq!(again.without_bibliography, vec!["a".to_string()]);
    }

    #[test]
    fn a_web_page_brings_its_links_and_they_are_stored_as_citations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.json");
        let mut paper = entry("simple", "Paxos Made Simple", "Leslie Lamport", 2001);
        paper.urls = vec!["https://lamport.azurewebsites.net/pubs/paxos-simple.pdf".into()];
        let entries = vec![
            paper,
            entry("post", "Notes on Consensus", "Ann Author", 2015),
        ];
        let source = Fake {
            docs: BTreeMap::from([(
                "post".to_string(),
                (
                    "k".to_string(),
                    "A post without a list of references.".to_string(),
                ),
            )]),
            links: vec![
                "https://example.org/elsewhere".into(),
                "http://www.lamport.azurewebsites.net/pubs/paxos-simple.pdf/#page=1".into(),
            ],
            reads: AtomicUsize::new(0),
        };
        let report = read(&path, &entries, &source);
        assert_eq!(report.links, 1);
        assert!(report.without_bibliography.is_empty());
        let stored = Links::load(&path).unwrap().unwrap();
        let c = &stored.documents["post"].citations[0];
        assert_eq!((c.id.as_str(), c.via), ("simple", crate::cite::Via::Link));
        assert!(
            c.reference.ends_with("paxos-simple.pdf/#page=1"),
            "{}",
            c.reference
        );
    }

    /// A source whose second document makes the reading panic, as a bug would.
    struct Panicky(Fake);

    impl DocumentSource for Panicky {
        fn key(&self, id: &str) -> Option<String> {
            self.0.key(id)
        }
        fn document(&self, id: &str) -> Result<Option<Document>> {
            if id == "bad" {
                let text = "—";
                let _ = &text[..1];
            }
            self.0.document(id)
        }
    }

    #[test]
    fn a_document_that_fails_costs_only_its_own_citations_and_is_not_retried() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.json");
        let entries = vec![
            entry("simple", "Paxos Made Simple", "Leslie Lamport", 2001),
            entry("good", "A Good Paper", "Ann Author", 2010),
            entry("bad", "A Bad Paper", "Bob Author", 2011),
        ];
        let refs = paper("[1] L. Lamport. Paxos made simple. 2001.\n");
        let source = Panicky(Fake {
            docs: BTreeMap::from([
                ("good".to_string(), ("k1".to_string(), refs.clone())),
                ("bad".to_string(), ("k2".to_string(), refs)),
            ]),
            links: Vec::new(),
            reads: AtomicUsize::new(0),
        });
        let mut faults = Faults::default();
        let report =
            read_all(&path, &entries, &source, &mut faults, &crate::stage::Silent).unwrap();
        assert_eq!(report.read, vec!["good".to_string()]);
        assert_eq!(report.faults.len(), 1);
        assert_eq!(report.faults[0].id, "bad");
        assert!(report.faults[0].reason.contains("char boundary"));
        assert_eq!(report.links, 1);
        assert!(faults.has(Stage::Cite, "bad"));

        let again = read_all(&path, &entries, &source, &mut faults, &crate::stage::Silent).unwrap();
        assert!(again.faults.is_empty());
        assert_eq!(again.faulted_before, vec!["bad".to_string()]);
        assert_eq!(again.unchanged, 1);
        assert_eq!(source.0.reads.load(Ordering::SeqCst), 1);
    }
}
