//! `paperdex index`: finds the citations in the extracted text and brings the index in step
//! with the catalog and the text, then embeds the entries for search by meaning. The same
//! steps close `update`.

use std::process::ExitCode;

use anyhow::Result;

use std::collections::HashMap;
use std::path::Path;

use paperdex::catalog::{vocabulary, Catalog};
use paperdex::fault::Faults;
use paperdex::index::{self, UpdateStats};
use paperdex::pipeline::StoredText;
use paperdex::search::Thesaurus;
use paperdex::store::{write_atomic, Store};

use super::{cite, embed_cmd, faults, progress, Context};

pub fn run(cx: &Context, rebuild: bool) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let _lock = cx.lock()?;
    let cited = cite::cite_catalog(&cx.store, &catalog, rebuild, cx.quiet)?;
    cite::report(&cited, cx.quiet);
    let stats = index_catalog(
        &cx.store,
        &catalog,
        cx.places.catalog.as_deref(),
        rebuild,
        cx.quiet,
    )?;
    report(&stats, cx.quiet);
    let embedded = embed_cmd::embed_catalog(cx, &catalog, false, rebuild)?;
    if let Some(embedded) = &embedded {
        embed_cmd::report(embedded, cx.quiet);
    }
    let mut failed = cited.faults.clone();
    failed.extend(stats.faults.iter().cloned());
    failed.extend(embedded.iter().flat_map(|e| e.faults.iter().cloned()));
    let embed_before: &[String] = embedded.as_ref().map_or(&[], |e| &e.faulted_before);
    faults::report(
        &failed,
        &[&cited.faulted_before, &stats.faulted_before, embed_before],
        cx.quiet,
    );
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs the index stage over the whole catalog with a progress bar.
pub fn index_catalog(
    store: &Store,
    catalog: &Catalog,
    catalog_dir: Option<&Path>,
    rebuild: bool,
    quiet: bool,
) -> Result<UpdateStats> {
    let bar = progress::bar(0, "Indexing", quiet);
    let on_progress = progress::counter(&bar);
    let texts = StoredText::load(store)?;
    let mut faults = Faults::load(store);
    let before = faults.clone();
    let cited: HashMap<String, u64> = cite::links(store)?
        .map(|links| {
            links
                .cited_by_counts()
                .into_iter()
                .map(|(id, n)| (id.to_string(), n as u64))
                .collect()
        })
        .unwrap_or_default();
    let stats = index::update(
        &store.index_dir(),
        &catalog.entries,
        &texts,
        &cited,
        rebuild,
        &mut faults,
        &on_progress,
    )?;
    if faults != before {
        faults.save(store)?;
    }
    bar.finish_and_clear();
    store_thesaurus(store, catalog_dir)?;
    Ok(stats)
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

/// Prints what the index stage did: a warning per entry indexed without its text, then counts.
pub fn report(stats: &UpdateStats, quiet: bool) {
    for (id, err) in &stats.text_errors {
        eprintln!("warning: {id}: indexed without its text: {err}");
    }
    if !quiet {
        eprintln!(
            "Index: {} added, {} updated, {} removed, {} unchanged.",
            stats.added, stats.updated, stats.removed, stats.unchanged
        );
    }
}
