//! The library: one data directory, as the front ends see it. In: a data directory (`Store`),
//! the catalog in use, and the sentence model, if any. Out, for reading, a [`Library`]: the
//! search engine opened with the stored vocabulary and the sentence model's neighbours, the
//! catalog, the citation graph and where each entry's text came from, answering
//! [`Library::search`] with finished hits (each hit's local PDF and how often the library
//! cites it filled in). For writing, [`update`] runs the whole pipeline (fetch, extract, cite,
//! index, embed) under the data directory's lock. `cli` and `serve` call both; neither opens
//! an engine or sequences stages itself.

mod update;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Result;

pub use update::{update, UpdateOptions, UpdateReport};

use crate::catalog::{self, vocabulary, Catalog, Entry};
use crate::cite::{Graph, Links};
use crate::coverage;
use crate::embed::{ModelLocation, Semantic};
use crate::index::Thesaurus;
use crate::search::{Backend, EmptiedBy, Engine, Request, Results, Sort, MAX_LIMIT};

/// How many of a query's best matches another order than relevance sorts.
pub const SORT_POOL: usize = 200;
use crate::store::Store;

/// How a library is opened.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// The catalog folder in use, whose vocabulary files (if any) the search expands with;
    /// `None` for the built-in catalog.
    pub catalog_dir: Option<PathBuf>,
    /// Folders whose entries `--add-catalog` adds to that catalog.
    pub add_catalogs: Vec<PathBuf>,
    /// The sentence model for search by meaning, if any.
    pub model: Option<ModelLocation>,
    /// Keep the whole model loaded for many queries (a server), rather than loading what one
    /// query needs.
    pub resident: bool,
}

/// A data directory opened for reading: everything a search or a page of an entry reads,
/// loaded together, so an answer never mixes two versions of the library.
pub struct Library {
    pub catalog: Catalog,
    /// What answers searches: the local index, or another standing in for it.
    backend: Box<dyn Backend>,
    pub graph: Graph,
    /// The stored citations, when the cite stage has run.
    links: Option<Links>,
    /// How many entries cite each entry.
    cited_by: HashMap<String, usize>,
    /// Where each entry's full text came from, or why it has none, as people read it.
    sources: HashMap<String, String>,
    /// The topic tree with the number of entries under each topic.
    pub topics: BTreeMap<String, usize>,
    store: Store,
    /// The catalog folder in use, whose change means the library must be opened again.
    catalog_dir: Option<PathBuf>,
}

impl Library {
    /// Opens the library of `store` for `catalog`.
    pub fn open(store: &Store, catalog: Catalog, opts: &OpenOptions) -> Result<Library> {
        let mut engine = Engine::open(&store.index_dir())?;
        engine.set_thesaurus(thesaurus(store, opts.catalog_dir.as_deref())?);
        let semantic = Semantic::new(store, opts.model.as_ref());
        let semantic = if opts.resident {
            semantic.resident()
        } else {
            semantic
        };
        engine.set_neighbours(Box::new(semantic));
        let mut library = Library::with_backend(store, catalog, Box::new(engine))?;
        library.catalog_dir = opts.catalog_dir.clone();
        Ok(library)
    }

    /// The library of `store` for `catalog`, answering searches with `backend`.
    pub fn with_backend(
        store: &Store,
        catalog: Catalog,
        backend: Box<dyn Backend>,
    ) -> Result<Library> {
        let links = citations(store)?;
        let graph = Graph::new(&catalog.entries, links.iter().flat_map(Links::edges));
        let cited_by = links
            .as_ref()
            .map(|l| {
                l.cited_by_counts()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect()
            })
            .unwrap_or_default();
        let sources = coverage::entries(store, &catalog.entries)?
            .into_iter()
            .map(|c| {
                let label = c.source_label();
                (c.id, label)
            })
            .collect();
        let topics = catalog::topic_counts(&catalog.entries);
        Ok(Library {
            catalog,
            backend,
            graph,
            links,
            cited_by,
            sources,
            topics,
            store: store.clone(),
            catalog_dir: None,
        })
    }

    /// The files and folders whose change means this library must be opened again.
    pub fn watched(&self) -> Vec<PathBuf> {
        watched(&self.store, self.catalog_dir.as_deref())
    }

    /// Whether entries can be found by meaning as well as by words.
    pub fn has_meaning(&self) -> bool {
        self.backend.has_meaning()
    }

    /// How many documents the index holds.
    pub fn num_docs(&self) -> u64 {
        self.backend.num_docs()
    }

    /// Runs a request, and fills in what the data directory knows of each hit.
    pub fn search(&self, request: &Request) -> Result<Results> {
        let browsing = request.query.trim().is_empty() && request.like.is_none();
        let sort = match request.sort {
            // A browse has no best match: its stated order is the library's citations.
            Sort::Relevance if browsing => Sort::Cited,
            sort => sort,
        };
        let mut results = if sort == Sort::Relevance {
            let mut results = self.backend.search(request)?;
            self.annotate(&mut results);
            results
        } else {
            self.sorted(request, sort, browsing)?
        };
        let filters = request.filters();
        if results.hits.is_empty() && !filters.is_empty() && request.like.is_none() {
            // The filters may be what emptied it: say which, and what the query finds without.
            let without = self.backend.search(&request.unfiltered())?.total;
            if without > 0 {
                results.emptied_by = Some(EmptiedBy { filters, without });
            }
        }
        Ok(results)
    }

    /// The entries most like entry `id`, finished like a search's hits.
    pub fn related(&self, id: &str, limit: usize) -> Result<Results> {
        let mut results = self.backend.related(id, limit)?;
        self.annotate(&mut results);
        Ok(results)
    }

    /// The hits of `request` in the order `sort`: a browse sorts every entry it selects (up
    /// to the most a request may ask for); a query sorts its [`SORT_POOL`] best matches, so
    /// that a year's order does not bring up entries that barely match.
    fn sorted(&self, request: &Request, sort: Sort, browsing: bool) -> Result<Results> {
        let pool = if browsing { MAX_LIMIT } else { SORT_POOL };
        let wide = Request {
            limit: request.limit.max(pool),
            ..request.clone()
        };
        let mut results = self.backend.search(&wide)?;
        self.annotate(&mut results);
        let title = |h: &crate::search::Hit| h.title.to_lowercase();
        // Stable sorts: ties keep the order of relevance.
        match sort {
            Sort::Relevance => {}
            Sort::Year => results
                .hits
                .sort_by_cached_key(|h| (h.year.is_none(), h.year, title(h))),
            Sort::Newest => results
                .hits
                .sort_by_cached_key(|h| (h.year.is_none(), std::cmp::Reverse(h.year), title(h))),
            Sort::Cited if browsing => results.hits.sort_by_cached_key(|h| {
                (
                    std::cmp::Reverse(h.cited_by),
                    h.year.is_none(),
                    h.year,
                    title(h),
                )
            }),
            Sort::Cited => results.hits.sort_by_key(|h| std::cmp::Reverse(h.cited_by)),
        }
        results.hits.truncate(request.limit);
        results.sorted = Some(sort);
        Ok(results)
    }

    /// Adds each hit's local PDF, whether its full text is here, and how many entries of the
    /// library cite it.
    fn annotate(&self, results: &mut Results) {
        for hit in &mut results.hits {
            let path = self.store.pdf_path(&hit.id);
            if path.is_file() {
                hit.pdf = Some(path.display().to_string());
            }
            hit.cited_by = self.cited_by.get(&hit.id).copied().unwrap_or(0);
            hit.full_text = !self.source(&hit.id).starts_with("none");
        }
    }

    /// The entry `id` of the catalog.
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.catalog.get(id)
    }

    /// Whether the entry has a PDF in the data directory.
    pub fn has_pdf(&self, id: &str) -> bool {
        self.store.pdf_path(id).is_file()
    }

    /// Whether the cite stage has run at all.
    pub fn has_citations(&self) -> bool {
        self.links.is_some()
    }

    /// Whether the cite stage read the entry's text, so that "cites nothing" can be told
    /// from "unknown".
    pub fn was_read(&self, id: &str) -> bool {
        self.links
            .as_ref()
            .is_some_and(|l| l.documents.contains_key(id))
    }

    /// The stored citations, when the cite stage has run.
    pub fn links(&self) -> Option<&Links> {
        self.links.as_ref()
    }

    /// Where the entry's full text came from, or why it has none.
    pub fn source(&self, id: &str) -> &str {
        self.sources.get(id).map(String::as_str).unwrap_or("none")
    }

    /// How many entries have full text.
    pub fn with_text(&self) -> usize {
        self.sources
            .values()
            .filter(|s| !s.starts_with("none"))
            .count()
    }

    /// The data directory.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// The files and folders whose change means a library must be opened again: what an
/// `update` or `index` commits (the index, the citations, the vocabulary, the vectors), and
/// the catalog folder.
pub fn watched(store: &Store, catalog_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut paths = vec![
        store.index_dir().join("meta.json"),
        store.citations_path(),
        store.thesaurus_path(),
        store.vectors_path(),
        store.passages_path(),
    ];
    paths.extend(catalog_dir.map(Path::to_path_buf));
    paths
}

/// The stored citations, or `None` when the cite stage has not run on this data directory.
pub fn citations(store: &Store) -> Result<Option<Links>> {
    Links::load(&store.citations_path())
        .map_err(|e| anyhow::anyhow!("{e:#}. Run `paperdex index` to find the citations again"))
}

/// The vocabulary of the catalog in use as the search expands with it: the thesaurus `index`
/// stored, when it was made from the vocabulary files as they are now, or else made afresh.
fn thesaurus(store: &Store, catalog_dir: Option<&Path>) -> Result<Thesaurus> {
    let files = vocabulary::files(catalog_dir)?;
    let key = vocabulary::key(&files);
    let stored = std::fs::read(store.thesaurus_path())
        .ok()
        .and_then(|bytes| Thesaurus::from_bytes(&bytes, &key));
    match stored {
        Some(thesaurus) => Ok(thesaurus),
        None => Ok(Thesaurus::new(&vocabulary::from_files(&files)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{Facets, Hit, Matched, MeaningUse};

    /// A backend that is not the local index: it answers every request with the same hit, as
    /// a remote index standing in for tantivy would answer with its own.
    struct StandIn;

    impl Backend for StandIn {
        fn search(&self, request: &Request) -> Result<Results> {
            Ok(Results {
                query: request.query.clone(),
                total: 1,
                hits: vec![Hit {
                    id: "raft".into(),
                    title: "In Search of an Understandable Consensus Algorithm".into(),
                    aliases: Vec::new(),
                    authors: Vec::new(),
                    year: Some(2014),
                    kind: Some("paper".into()),
                    topics: Vec::new(),
                    url: None,
                    score: 1.0,
                    page: Some(3),
                    section: None,
                    snippet: "leader election".into(),
                    highlights: Vec::new(),
                    passages: Vec::new(),
                    pdf: None,
                    cited_by: 0,
                    full_text: false,
                    matched: Matched::Words,
                    fault: None,
                }],
                facets: Facets::default(),
                corrections: Vec::new(),
                showing_results_for: None,
                did_you_mean: None,
                meaning: MeaningUse::Unavailable,
                intent: None,
                emptied_by: None,
                sorted: None,
            })
        }

        fn related(&self, _id: &str, _limit: usize) -> Result<Results> {
            self.search(&Request::default())
        }

        fn has_meaning(&self) -> bool {
            false
        }

        fn num_docs(&self) -> u64 {
            1
        }
    }

    #[test]
    fn another_backend_answers_and_the_library_finishes_its_hits() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        std::fs::create_dir_all(store.pdf_dir()).unwrap();
        std::fs::write(store.pdf_path("raft"), b"%PDF-1.4").unwrap();
        let catalog = Catalog {
            entries: vec![Entry {
                id: "raft".into(),
                title: "In Search of an Understandable Consensus Algorithm".into(),
                ..Entry::default()
            }],
            origin: "test".into(),
        };
        let library = Library::with_backend(&store, catalog, Box::new(StandIn)).unwrap();
        let results = library
            .search(&Request {
                query: "leader election".into(),
                limit: 10,
                ..Request::default()
            })
            .unwrap();
        assert_eq!(results.hits.len(), 1);
        let pdf = results.hits[0]
            .pdf
            .as_deref()
            .expect("the local PDF is filled in");
        assert!(pdf.ends_with("raft.pdf"), "{pdf}");
        assert_eq!(library.num_docs(), 1);
        assert!(!library.has_meaning());
        assert_eq!(library.related("raft", 5).unwrap().hits[0].id, "raft");
    }
}
