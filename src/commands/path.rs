//! `paperdex path ID [--depth N]`: what to read before an entry, foundations first.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;

use paperdex::biblio::Format;
use paperdex::cli::BadInput;
use paperdex::output::{self, Printer};

use super::{cite, Context};

pub fn run(
    cx: &Context,
    id: &str,
    depth: Option<usize>,
    json: bool,
    format: Option<Format>,
) -> Result<ExitCode> {
    if depth == Some(0) {
        return Err(BadInput("--depth must be at least 1.".into()).into());
    }
    let catalog = cx.catalog()?;
    let entry = cite::known(&catalog, id)?;
    let graph = cite::require_graph(&cx.store, &catalog)?;
    let before = match depth {
        Some(d) => graph.ancestors_within(id, d),
        None => graph.ancestors(id),
    };
    let order = graph.order(&before);
    let steps = graph.steps(&order.ids);
    if let Some(format) = format {
        let ids = steps
            .iter()
            .map(|s| s.id.as_str())
            .chain([entry.id.as_str()]);
        super::export::ids(&catalog, ids, format)?;
        return Ok(ExitCode::SUCCESS);
    }
    let stdout = io::stdout();
    if json {
        let value = json!({
            "id": entry.id,
            "title": entry.title,
            "year": entry.year,
            "before": steps,
            "cycles": order.cycles,
        });
        output::json(stdout.lock(), &value)?;
        return Ok(ExitCode::SUCCESS);
    }
    let year = entry.year.map(|y| format!(" ({y})")).unwrap_or_default();
    let color = output::use_color(stdout.is_terminal());
    let mut printer = Printer::new(stdout.lock(), color);
    if steps.is_empty() {
        printer.order(
            &format!("{}{year} cites no other entry of the library.", entry.title),
            &[],
            &[],
        )?;
    } else {
        let what = match steps.len() {
            1 => "this entry".to_string(),
            n => format!("these {n} entries, in this order"),
        };
        printer.order(
            &format!("Before {}{year}, read {what}:", entry.title),
            &steps,
            &order.cycles,
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
