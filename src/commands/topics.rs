//! `paperdex topics`: the catalog's topic tree with the number of entries under each topic.

use std::io;
use std::process::ExitCode;

use anyhow::Result;

use paperdex::catalog;
use paperdex::output::{self, Printer};

use super::Context;

pub fn run(cx: &Context, json: bool) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let counts = catalog::topic_counts(&catalog.entries);
    let stdout = io::stdout();
    if json {
        output::json(stdout.lock(), &counts)?;
    } else {
        Printer::new(stdout.lock(), cx.color).topics(&counts)?;
    }
    Ok(ExitCode::SUCCESS)
}
