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
        let Some(entry) = catalog.get(id) else {
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
fn unknown(catalog: &Catalog, id: &str) -> anyhow::Error {
    let hint = match nearest(catalog, id) {
        Some(near) => format!("did you mean {near}?"),
        None => "`paperdex search` prints entry ids.".to_string(),
    };
    BadInput(format!("No entry {id:?} in {}; {hint}", catalog.origin)).into()
}

/// The catalog id nearest to a mistyped one: within a few edits (one per six characters, at
/// least two), or the only id holding it whole.
fn nearest<'a>(catalog: &'a Catalog, id: &str) -> Option<&'a str> {
    let wanted = id.trim().to_lowercase();
    if wanted.is_empty() {
        return None;
    }
    let limit = (wanted.chars().count() / 6).max(2);
    let close = catalog
        .entries
        .iter()
        .map(|e| (edits(&wanted, &e.id), e.id.as_str()))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, id)| id);
    if close.is_some() {
        return close;
    }
    let mut holding = catalog
        .entries
        .iter()
        .filter(|e| wanted.len() >= 4 && e.id.contains(&wanted));
    match (holding.next(), holding.next()) {
        (Some(only), None) => Some(only.id.as_str()),
        _ => None,
    }
}

/// Levenshtein distance between two strings, in characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(ids: &[&str]) -> Catalog {
        Catalog {
            entries: ids
                .iter()
                .map(|id| Entry {
                    id: id.to_string(),
                    title: id.to_string(),
                    ..Entry::default()
                })
                .collect(),
            origin: "catalog".into(),
        }
    }

    #[test]
    fn a_mistyped_id_finds_the_nearest() {
        let c = catalog(&["paxos-made-simple", "time-clocks", "raft", "dynamo"]);
        assert_eq!(nearest(&c, "paxos-made-simpel"), Some("paxos-made-simple"));
        assert_eq!(nearest(&c, "Raft"), Some("raft"));
        assert_eq!(nearest(&c, "clocks"), Some("time-clocks"));
        assert_eq!(nearest(&c, "bigtable"), None);
        assert_eq!(edits("kitten", "sitting"), 3);
    }
}
