//! `paperdex reading-order [--topic T]`: a topic's entries, cited works before the works that
//! build on them.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::Result;

use paperdex::biblio::Format;
use paperdex::output::{self, Printer};

use super::{cite, Context};

pub fn run(
    cx: &Context,
    topics: &[String],
    json: bool,
    format: Option<Format>,
) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let ids = cite::under_topics(&catalog, topics)?;
    let graph = cite::require_graph(&cx.store, &catalog)?;
    let order = graph.order(&ids);
    let mut steps = graph.steps(&order.ids);
    cite::mark_full_text(&cx.store, &catalog, &mut steps)?;
    if let Some(format) = format {
        super::export::ids(&catalog, steps.iter().map(|s| s.id.as_str()), format)?;
        return Ok(ExitCode::SUCCESS);
    }
    let stdout = io::stdout();
    if json {
        let value = output::reports::OrderReport {
            topics,
            order: &steps,
            cycles: &order.cycles,
        };
        output::json(stdout.lock(), &value)?;
        return Ok(ExitCode::SUCCESS);
    }
    let scope = if topics.is_empty() {
        "the library".to_string()
    } else {
        topics.join(", ")
    };
    let heading = format!(
        "Reading order for {scope}: {} entr{}, each after the entries it cites.",
        steps.len(),
        if steps.len() == 1 { "y" } else { "ies" }
    );
    let color = output::use_color(stdout.is_terminal());
    Printer::new(stdout.lock(), color).order(&heading, &steps, &order.cycles)?;
    Ok(ExitCode::SUCCESS)
}
