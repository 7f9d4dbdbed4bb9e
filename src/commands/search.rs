//! `paperdex search`: turns the search options into a request, runs it and prints the hits.

use std::collections::BTreeSet;
use std::io;
use std::process::ExitCode;

use anyhow::{bail, Result};

use paperdex::cli::{parse_years, SearchOpts};
use paperdex::library::{Library, OpenOptions};
use paperdex::output::{self, Printer};
use paperdex::search::{self, Meaning, Request, Results};

use super::{cite, Context};

pub fn run(cx: &Context, s: SearchOpts) -> Result<ExitCode> {
    let years = s.year.as_deref().map(parse_years).transpose()?;
    let kind = s.kind.map(|k| k.to_lowercase());
    if let Some(kind) = &kind {
        // Before the index is opened: a typo in an option is the first thing to hear about.
        search::check_kind(kind)?;
    }
    let ids = citation_filter(cx, s.cites.as_deref(), s.cited_by.as_deref())?;
    let meaning = if s.words_only {
        Meaning::Off
    } else if s.semantic_only {
        Meaning::Only
    } else {
        Meaning::Auto
    };
    let library = open_library(cx, false)?;
    if meaning == Meaning::Only && !library.has_meaning() {
        bail!(
            "--semantic-only needs a sentence model and the catalog embedded with it: run `paperdex model fetch`, then `paperdex index`."
        );
    }
    let request = Request {
        query: s.query.join(" "),
        topics: s.topic,
        kind,
        years,
        ids,
        like: s.like,
        limit: s.limit,
        meaning,
        sort: s.sort.unwrap_or_default(),
    };
    let results = library.search(&request)?;
    match s.format {
        Some(format) => super::export::hits(cx, &results, format)?,
        None => print(cx, &results, s.json)?,
    }
    Ok(if results.hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Opens the library of the data directory for the catalog in use, with the sentence model
/// if there is one; `resident` keeps the whole model loaded for many queries.
pub fn open_library(cx: &Context, resident: bool) -> Result<Library> {
    let opts = OpenOptions {
        catalog_dir: cx.places.catalog.clone(),
        add_catalogs: cx.places.add_catalogs.clone(),
        model: cx.model()?,
        resident,
    };
    Library::open(&cx.store, cx.catalog()?, &opts)
}

/// Prints results as JSON or for people.
pub fn print(cx: &Context, results: &Results, json: bool) -> Result<()> {
    let stdout = io::stdout();
    if json {
        output::json(stdout.lock(), results)?;
    } else {
        Printer::new(stdout.lock(), cx.color).results(results)?;
    }
    for hit in &results.hits {
        if let Some(reason) = &hit.fault {
            eprintln!(
                "warning: {}: its passages could not be picked: {}; please report it.",
                hit.id,
                output::clean(reason)
            );
        }
    }
    Ok(())
}

/// The entries `--cites` and `--cited-by` allow (both when both are given), or `None` when
/// neither is.
fn citation_filter(
    cx: &Context,
    cites: Option<&str>,
    cited_by: Option<&str>,
) -> Result<Option<Vec<String>>> {
    if cites.is_none() && cited_by.is_none() {
        return Ok(None);
    }
    let catalog = cx.catalog()?;
    let mut allowed: Option<BTreeSet<String>> = None;
    let mut narrow = |ids: BTreeSet<String>| {
        allowed = Some(match allowed.take() {
            Some(prev) => prev.intersection(&ids).cloned().collect(),
            None => ids,
        });
    };
    if let Some(id) = cites {
        cite::known(&catalog, id)?;
    }
    if let Some(id) = cited_by {
        cite::known(&catalog, id)?;
    }
    let graph = cite::require_graph(&cx.store, &catalog)?;
    if let Some(id) = cites {
        narrow(graph.cites(id).into_iter().map(|n| n.id.clone()).collect());
    }
    if let Some(id) = cited_by {
        narrow(
            graph
                .cited_by(id)
                .into_iter()
                .map(|n| n.id.clone())
                .collect(),
        );
    }
    Ok(allowed.map(|set| set.into_iter().collect()))
}
