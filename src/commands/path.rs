//! `paperdex path ID [--depth N] [--wide]`: what to read before an entry, foundations first,
//! staying on the entry's topics unless asked to go wider.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::Result;

use paperdex::biblio::Format;
use paperdex::cli::BadInput;
use paperdex::output::{self, Printer};

use super::{cite, Context};

/// How far a path reaches back from its entry.
pub struct Reach {
    /// Steps of citation at most.
    pub depth: Option<usize>,
    /// Whether to follow citations off the entry's topics.
    pub wide: bool,
}

pub fn run(
    cx: &Context,
    id: &str,
    reach: Reach,
    json: bool,
    format: Option<Format>,
) -> Result<ExitCode> {
    if reach.depth == Some(0) {
        return Err(BadInput("--depth must be at least 1.".into()).into());
    }
    let catalog = cx.catalog()?;
    let entry = cite::known(&catalog, id)?;
    let id = entry.id.as_str();
    let graph = cite::require_graph(&cx.store, &catalog)?;
    let read = cite::links(&cx.store)?.is_some_and(|l| l.documents.contains_key(id));
    let before = match (reach.wide, reach.depth) {
        (true, Some(d)) => graph.ancestors_within(id, d),
        (true, None) => graph.ancestors(id),
        // The entry's first topic is its subject (Raft's is consensus, though it is filed
        // under replication too): the path follows that one.
        (false, depth) => graph.ancestors_keeping(id, depth, |other| {
            let subject = entry.topics.first();
            catalog
                .get(other)
                .is_some_and(|o| subject.is_none_or(|s| o.topics.contains(s)))
        }),
    };
    let order = graph.order(&before);
    let mut steps = graph.steps(&order.ids);
    cite::mark_full_text(&cx.store, &catalog, &mut steps)?;
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
        let value = output::reports::PathReport {
            id,
            title: &entry.title,
            year: entry.year,
            read,
            wide: reach.wide,
            before: &steps,
            cycles: &order.cycles,
        };
        output::json(stdout.lock(), &value)?;
        return Ok(ExitCode::SUCCESS);
    }
    let year = entry.year.map(|y| format!(" ({y})")).unwrap_or_default();
    let color = output::use_color(stdout.is_terminal());
    let mut printer = Printer::new(stdout.lock(), color);
    if steps.is_empty() && !read {
        // Not read is not "cites nothing": say which it is.
        printer.order(
            &format!(
                "The text of {}{year} is not in the library, so what it cites is not known; \
                 `paperdex attach {id} FILE` adds it.",
                entry.title
            ),
            &[],
            &[],
        )?;
    } else if steps.is_empty() {
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
        let off_topic = if reach.wide {
            0
        } else {
            match reach.depth {
                Some(d) => graph.ancestors_within(id, d),
                None => graph.ancestors(id),
            }
            .len()
            .saturating_sub(before.len())
        };
        let scope = match off_topic {
            0 => String::new(),
            n => format!(" (on its subject; `--wide` adds {n} more)"),
        };
        printer.order(
            &format!("Before {}{year}, read {what}{scope}:", entry.title),
            &steps,
            &order.cycles,
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
