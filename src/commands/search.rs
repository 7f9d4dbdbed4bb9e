//! `paperdex search`: turns the search options into a request, runs it and prints the hits.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::Result;

use paperdex::cli::{parse_years, BadInput, SearchOpts};
use paperdex::output::{self, Printer};
use paperdex::search::{Engine, Request};

use super::Context;

pub fn run(cx: &Context, s: SearchOpts) -> Result<ExitCode> {
    let years = s.year.as_deref().map(parse_years).transpose()?;
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
        let color = output::use_color(stdout.is_terminal());
        Printer::new(stdout.lock(), color).results(&results)?;
    }
    Ok(ExitCode::SUCCESS)
}
