//! `paperdex search`: turns the search options into a request, runs it and prints the hits.

use std::collections::BTreeSet;
use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::Result;

use paperdex::cli::{parse_years, BadInput, SearchOpts};
use paperdex::output::{self, Printer};
use paperdex::search::{Engine, Request};

use super::{cite, Context};

pub fn run(cx: &Context, s: SearchOpts) -> Result<ExitCode> {
    let years = s.year.as_deref().map(parse_years).transpose()?;
    if s.limit == 0 {
        return Err(BadInput("--limit must be at least 1.".into()).into());
    }
    let ids = citation_filter(cx, s.cites.as_deref(), s.cited_by.as_deref())?;
    let engine = Engine::open(&cx.store.index_dir())?;
    let mut request = Request {
        query: s.query.join(" "),
        topics: s.topic,
        kind: s.kind.map(|k| k.to_lowercase()),
        years,
        limit: s.limit,
        ..Request::default()
    };
    request.ids = ids;
    let mut results = engine.search(&request)?;
    // How often the library cites each hit; without citation data the counts stay at zero.
    if let Some(links) = cite::links(&cx.store)? {
        let counts = links.cited_by_counts();
        for hit in &mut results.hits {
            hit.cited_by = counts.get(hit.id.as_str()).copied().unwrap_or(0);
        }
    }
    let stdout = io::stdout();
    if s.json {
        output::json(stdout.lock(), &results)?;
    } else {
        let color = output::use_color(stdout.is_terminal());
        Printer::new(stdout.lock(), color).results(&results)?;
    }
    Ok(ExitCode::SUCCESS)
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
