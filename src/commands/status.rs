//! `paperdex status`: how much of the catalog has full text, from which source, by kind, and
//! why the rest has none.

use std::io;
use std::process::ExitCode;

use anyhow::Result;

use paperdex::coverage;
use paperdex::fault::Faults;
use paperdex::output::{self, Printer};

use super::Context;

pub fn run(cx: &Context, json: bool) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let entries = coverage::entries(&cx.store, &catalog.entries)?;
    let mut summary = coverage::summarize(&entries);
    summary.faults = Faults::load(&cx.store)
        .all()
        .into_iter()
        .filter(|f| catalog.get(&f.id).is_some())
        .collect();
    let stdout = io::stdout();
    if json {
        output::json(stdout.lock(), &summary)?;
    } else {
        Printer::new(stdout.lock(), cx.color).coverage(&summary)?;
    }
    Ok(ExitCode::SUCCESS)
}
