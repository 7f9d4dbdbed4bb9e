//! `paperdex search`: turns the search options into a request, runs it and prints the hits.

use std::collections::BTreeSet;
use std::io;
use std::process::ExitCode;

use anyhow::{bail, Result};

use paperdex::catalog::vocabulary;
use paperdex::cli::{parse_years, BadInput, SearchOpts};
use paperdex::embed::Semantic;
use paperdex::output::{self, Printer};
use paperdex::search::{self, Engine, Meaning, Request, Results, Thesaurus};

use super::{cite, Context};

pub fn run(cx: &Context, s: SearchOpts) -> Result<ExitCode> {
    let years = s.year.as_deref().map(parse_years).transpose()?;
    if s.limit == 0 {
        return Err(BadInput("--limit must be at least 1.".into()).into());
    }
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
    let engine = open_engine(cx, false)?;
    if meaning == Meaning::Only && !engine.has_meaning() {
        bail!(
            "--semantic-only needs a sentence model and the catalog embedded with it: run              `paperdex model fetch`, then `paperdex index`."
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
    };
    let mut results = engine.search(&request)?;
    annotate(cx, &mut results)?;
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

/// Opens the index with the vocabulary of the catalog in use (the thesaurus `index` stored,
/// when it was made from the vocabulary files as they are now, or else made afresh) and with
/// the stored vectors and sentence model, read only if a query needs them; `resident` keeps
/// the whole model loaded for many queries.
pub fn open_engine(cx: &Context, resident: bool) -> Result<Engine> {
    let mut engine = Engine::open(&cx.store.index_dir())?;
    let files = vocabulary::files(cx.places.catalog.as_deref())?;
    let key = vocabulary::key(&files);
    let stored = std::fs::read(cx.store.thesaurus_path())
        .ok()
        .and_then(|bytes| Thesaurus::from_bytes(&bytes, &key));
    match stored {
        Some(thesaurus) => engine.set_thesaurus(thesaurus),
        None => engine.set_vocabulary(&vocabulary::from_files(&files)?),
    }
    let model = cx.model()?;
    let semantic = Semantic::new(cx.store.root(), model.as_ref());
    let semantic = if resident {
        semantic.resident()
    } else {
        semantic
    };
    engine.set_neighbours(Box::new(semantic));
    Ok(engine)
}

/// Adds what the data directory knows of each hit: its local PDF, and how often the library
/// cites it (zero without citation data).
pub fn annotate(cx: &Context, results: &mut Results) -> Result<()> {
    for hit in &mut results.hits {
        let path = cx.store.pdf_path(&hit.id);
        if path.is_file() {
            hit.pdf = Some(path.display().to_string());
        }
    }
    if let Some(links) = cite::links(&cx.store)? {
        let counts = links.cited_by_counts();
        for hit in &mut results.hits {
            hit.cited_by = counts.get(hit.id.as_str()).copied().unwrap_or(0);
        }
    }
    Ok(())
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
