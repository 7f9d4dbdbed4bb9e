//! What the commands that tell of citations share: the cite stage's summary, loading the
//! citation graph, and choosing entries by topic.

use std::collections::BTreeSet;

use anyhow::Result;

use paperdex::catalog::{self, Catalog};
use paperdex::cite::{CiteReport, Graph, Links};
use paperdex::cli::BadInput;
use paperdex::output;
use paperdex::store::Store;

/// Prints what the cite stage did: a warning per document it could not read, then counts.
pub fn report(report: &CiteReport, quiet: bool) {
    if let Some(reason) = &report.reset {
        eprintln!("warning: {reason}; all citations were found again.");
    }
    for (id, reason) in &report.failed {
        eprintln!("warning: {id}: citations not read: {reason}");
    }
    if !quiet {
        eprintln!(
            "Cite: {} read, {} unchanged, {} without a list of references; {} citation{} between entries.",
            report.read.len(),
            report.unchanged,
            report.without_bibliography.len(),
            report.links,
            output::plural(report.links)
        );
    }
}

/// The stored citations, or `None` when the cite stage has not run on this data directory.
pub fn links(store: &Store) -> Result<Option<Links>> {
    paperdex::library::citations(store)
}

/// The library's citation graph; empty when the cite stage has not run.
pub fn graph(catalog: &Catalog, links: Option<&Links>) -> Graph {
    Graph::new(&catalog.entries, links.into_iter().flat_map(Links::edges))
}

/// The citation graph, or an error saying how to make one when the cite stage has not run.
pub fn require_graph(store: &Store, catalog: &Catalog) -> Result<Graph> {
    match links(store)? {
        Some(l) => Ok(graph(catalog, Some(&l))),
        None => anyhow::bail!(
            "No citations have been found in {} yet; run `paperdex update` (or `paperdex index`) first.",
            store.root().display()
        ),
    }
}

/// Marks each step of a reading order whose full text is in the library.
pub fn mark_full_text(
    store: &Store,
    catalog: &Catalog,
    steps: &mut [paperdex::cite::Step],
) -> Result<()> {
    // Only the order's own entries are looked up, not the whole catalog.
    let entries: Vec<catalog::Entry> = steps
        .iter()
        .filter_map(|s| catalog.get(&s.id).cloned())
        .collect();
    let with_text: std::collections::HashSet<String> =
        paperdex::coverage::entries(store, &entries)?
            .into_iter()
            .filter(|c| c.origin.is_some())
            .map(|c| c.id)
            .collect();
    for step in steps {
        step.full_text = with_text.contains(&step.id);
    }
    Ok(())
}

/// Checks that `id` names an entry of the catalog.
pub fn known<'a>(catalog: &'a Catalog, id: &str) -> Result<&'a catalog::Entry> {
    catalog
        .find(id)
        .ok_or_else(|| super::export::unknown(catalog, id))
}

/// The ids of the entries under any of `topics` (all entries when there are none). A topic
/// is a path such as `papers/consensus` or its last segments (`consensus`).
pub fn under_topics(catalog: &Catalog, topics: &[String]) -> Result<BTreeSet<String>> {
    if topics.is_empty() {
        return Ok(catalog.entries.iter().map(|e| e.id.clone()).collect());
    }
    let all: Vec<String> = catalog::topic_counts(&catalog.entries)
        .into_keys()
        .collect();
    let mut paths: Vec<String> = Vec::new();
    for topic in topics {
        let wanted = topic.trim().trim_matches('/').to_lowercase();
        let suffix = format!("/{wanted}");
        let found: Vec<&String> = all
            .iter()
            .filter(|t| **t == wanted || t.ends_with(&suffix))
            .collect();
        if found.is_empty() {
            return Err(BadInput(format!(
                "Unknown topic {topic:?}; run `paperdex topics` to list them."
            ))
            .into());
        }
        paths.extend(found.into_iter().cloned());
    }
    Ok(catalog
        .entries
        .iter()
        .filter(|e| {
            e.topics.iter().any(|t| {
                paths
                    .iter()
                    .any(|p| t == p || t.starts_with(&format!("{p}/")))
            })
        })
        .map(|e| e.id.clone())
        .collect())
}
