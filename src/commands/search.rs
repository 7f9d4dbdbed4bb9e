//! `paperdex search`: turns the search options into a request, runs it and prints the hits.

use std::io;
use std::process::ExitCode;

use anyhow::Result;

use paperdex::catalog::KINDS;
use paperdex::cli::{parse_years, BadInput, SearchOpts};
use paperdex::output::{self, Printer};
use paperdex::search::{Engine, Request};

use super::Context;

pub fn run(cx: &Context, s: SearchOpts) -> Result<ExitCode> {
    let years = s.year.as_deref().map(parse_years).transpose()?;
    if let Some(kind) = s.kind.as_deref() {
        if !KINDS.contains(&kind.to_lowercase().as_str()) {
            let known = KINDS.join(", ");
            return Err(BadInput(format!("Unknown kind {kind:?}; kinds are {known}.")).into());
        }
    }
    if s.limit == 0 {
        return Err(BadInput("--limit must be at least 1.".into()).into());
    }
    let engine = Engine::open(&cx.store.index_dir())?;
    let request = Request {
        query: s.query.join(" "),
        topics: s.topic,
        kind: s.kind.map(|k| k.to_lowercase()),
        years,
        limit: s.limit,
        ..Request::default()
    };
    let results = engine.search(&request)?;
    let stdout = io::stdout();
    if s.json {
        output::json(stdout.lock(), &results)?;
    } else {
        Printer::new(stdout.lock(), cx.color).results(&results)?;
    }
    Ok(ExitCode::SUCCESS)
}
