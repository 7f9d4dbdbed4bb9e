//! Serve: the library in a browser, a front end beside `cli` and `output`. In: a data
//! directory and a way to load a `Library` from it (the catalog, the opened search engine and
//! the citation graph), handed over by the `serve` command. Out: HTTP on one address, answering
//! with server-rendered HTML pages (search with facets, an entry, the topic tree), the PDFs of
//! the data directory with byte ranges, and JSON shaped as the CLI's `--json`. The stages it
//! calls never learn about HTTP; this module never searches or ranks by itself.
//!
//! `server` holds the routes, the reload of the library when an `update` commits, and the
//! safety defaults (loopback, host check, headers); `params` reads and writes the URL's
//! search parameters; `pages` renders HTML with compiled templates that escape every value;
//! `svg` draws an entry's citation neighbourhood; `pdf` answers byte ranges of a file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

use crate::catalog::{self, Catalog};
use crate::cite::{Graph, Links};
use crate::coverage;
use crate::search::{Engine, Results};
use crate::store::Store;

mod pages;
mod params;
mod pdf;
mod server;
mod svg;

pub use server::run;

/// Everything a request reads, loaded together so a page never mixes two versions of the
/// library.
pub struct Library {
    pub catalog: Catalog,
    pub engine: Engine,
    pub graph: Graph,
    /// How many entries cite each entry.
    cited_by: HashMap<String, usize>,
    /// The entries whose text the cite stage read, so "cites nothing" can be told from
    /// "unknown".
    read: HashSet<String>,
    /// Whether the cite stage has run at all.
    has_citations: bool,
    /// Where each entry's full text came from, or why it has none, as people read it.
    sources: HashMap<String, String>,
    /// The topic tree with the number of entries under each topic.
    topics: BTreeMap<String, usize>,
    store: Store,
}

impl Library {
    /// Gathers what the pages show from a catalog, its opened index and the stored citations.
    pub fn new(
        catalog: Catalog,
        engine: Engine,
        links: Option<Links>,
        store: &Store,
    ) -> Result<Library> {
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
        let read = links
            .as_ref()
            .map(|l| l.documents.keys().cloned().collect())
            .unwrap_or_default();
        let sources = coverage::entries(store, &catalog.entries)?
            .into_iter()
            .map(|c| {
                let label = match (c.origin, c.missing) {
                    (Some(origin), _) => origin.label().to_string(),
                    (None, Some(why)) => format!("none: {why}"),
                    (None, None) => "none".to_string(),
                };
                (c.id, label)
            })
            .collect();
        let topics = catalog::topic_counts(&catalog.entries);
        Ok(Library {
            catalog,
            engine,
            graph,
            cited_by,
            read,
            has_citations: links.is_some(),
            sources,
            topics,
            store: store.clone(),
        })
    }

    /// Adds what the data directory knows of each hit, as `paperdex search --json` does: its
    /// local PDF and how many entries of the library cite it.
    pub fn annotate(&self, results: &mut Results) {
        for hit in &mut results.hits {
            let path = self.store.pdf_path(&hit.id);
            if path.is_file() {
                hit.pdf = Some(path.display().to_string());
            }
            hit.cited_by = self.cited_by.get(&hit.id).copied().unwrap_or(0);
        }
    }

    /// Whether the entry has a PDF in the data directory.
    fn has_pdf(&self, id: &str) -> bool {
        self.store.pdf_path(id).is_file()
    }
}

/// Loads the library afresh: at start and whenever the data directory changes.
pub type Loader = Arc<dyn Fn() -> Result<Library> + Send + Sync>;

/// How `paperdex serve` was asked to run.
pub struct Options {
    pub addr: SocketAddr,
    /// Open the page in the desktop's browser once listening.
    pub open: bool,
    pub quiet: bool,
    /// Files and folders whose change means the library must be loaded again (the index's
    /// commit record, the citations, the thesaurus, the catalog folder).
    pub watch: Vec<PathBuf>,
}
