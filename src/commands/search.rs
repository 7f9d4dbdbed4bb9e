//! `paperdex search`: turns the search options into a request, runs it and prints the hits.

use std::io;
use std::process::ExitCode;

use anyhow::Result;

use paperdex::catalog::vocabulary;
use paperdex::cli::{parse_years, BadInput, SearchOpts};
use paperdex::output::{self, Printer};
use paperdex::search::{self, Engine, Request, Results, Thesaurus};

use super::Context;

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
    let engine = open_engine(cx)?;
    let request = Request {
        query: s.query.join(" "),
        topics: s.topic,
        kind,
        years,
        like: s.like,
        limit: s.limit,
        ..Request::default()
    };
    let mut results = engine.search(&request)?;
    add_pdf_paths(cx, &mut results);
    print(cx, &results, s.json)?;
    Ok(if results.hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Opens the index with the vocabulary of the catalog in use: the thesaurus `index` stored,
/// when it was made from the vocabulary files as they are now, or else made afresh.
pub fn open_engine(cx: &Context) -> Result<Engine> {
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
    Ok(engine)
}

/// Names the local PDF of each hit that has one.
pub fn add_pdf_paths(cx: &Context, results: &mut Results) {
    for hit in &mut results.hits {
        let path = cx.store.pdf_path(&hit.id);
        if path.is_file() {
            hit.pdf = Some(path.display().to_string());
        }
    }
}

/// Prints results as JSON or for people.
pub fn print(cx: &Context, results: &Results, json: bool) -> Result<()> {
    let stdout = io::stdout();
    if json {
        output::json(stdout.lock(), results)?;
    } else {
        Printer::new(stdout.lock(), cx.color).results(results)?;
    }
    Ok(())
}
