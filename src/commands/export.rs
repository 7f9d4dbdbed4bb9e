//! `paperdex cite ID...` and the `--format bibtex|ris|csl-json` of `search`, `path` and
//! `reading-order`: catalog entries written as citations on standard output, by `biblio`.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Result;

use paperdex::biblio::{self, Format};
use paperdex::catalog::{Catalog, Entry};
use paperdex::cli::BadInput;
use paperdex::search::Results;

use super::Context;

/// Prints the entries `ids` name, each once, in the order given.
pub fn cite(cx: &Context, ids: &[String], format: Format) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let mut entries: Vec<&Entry> = Vec::new();
    for id in ids {
        let Some(entry) = catalog.find(id) else {
            return Err(unknown(&catalog, id));
        };
        if !entries.iter().any(|e| e.id == entry.id) {
            entries.push(entry);
        }
    }
    write(&entries, format)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a search's hits, in rank order.
pub fn hits(cx: &Context, results: &Results, format: Format) -> Result<()> {
    let catalog = cx.catalog()?;
    ids(&catalog, results.hits.iter().map(|h| h.id.as_str()), format)
}

/// Prints the entries of these ids in order; an id the catalog no longer holds (an index
/// older than the catalog) is left out.
pub fn ids<'a>(
    catalog: &Catalog,
    ids: impl IntoIterator<Item = &'a str>,
    format: Format,
) -> Result<()> {
    let entries: Vec<&Entry> = ids.into_iter().filter_map(|id| catalog.get(id)).collect();
    write(&entries, format)
}

fn write(entries: &[&Entry], format: Format) -> Result<()> {
    let text = biblio::render(entries, format);
    io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// The error for an id the catalog lacks, with the nearest id when one is close.
pub fn unknown(catalog: &Catalog, id: &str) -> anyhow::Error {
    let hint = match catalog.nearest_id(id) {
        Some(near) => format!("did you mean {near}?"),
        None => "`paperdex search` prints entry ids.".to_string(),
    };
    BadInput(format!("No entry {id:?} in {}; {hint}", catalog.origin)).into()
}
