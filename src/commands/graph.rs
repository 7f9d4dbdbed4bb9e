//! `paperdex graph [--topic T] --format dot|json`: the citation graph for other tools.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Result;

use paperdex::cli::GraphFormat;
use paperdex::output;

use super::{cite, Context};

pub fn run(cx: &Context, topics: &[String], format: GraphFormat) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let ids = cite::under_topics(&catalog, topics)?;
    let graph = cite::require_graph(&cx.store, &catalog)?;
    let sub = graph.subgraph(Some(&ids));
    let stdout = io::stdout();
    match format {
        GraphFormat::Json => output::json(stdout.lock(), &sub)?,
        GraphFormat::Dot => stdout
            .lock()
            .write_all(output::citations::dot(&sub).as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
