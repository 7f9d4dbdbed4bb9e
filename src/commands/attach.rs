//! `paperdex attach ID FILE.pdf`: adopts a PDF obtained by hand as an entry's PDF.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use paperdex::cli::BadInput;
use paperdex::fetch;

use super::Context;

pub fn run(cx: &Context, id: &str, file: &Path) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    if catalog.get(id).is_none() {
        return Err(BadInput(format!("No entry {id:?} in {}.", catalog.origin)).into());
    }
    let _lock = cx.store.lock()?;
    let entry = fetch::attach(id, file, cx.store.root())
        .with_context(|| format!("Could not attach {} to {id}", file.display()))?;
    if !cx.quiet {
        eprintln!(
            "Attached {} to {id} ({} KB); run `paperdex update --offline` to index it.",
            file.display(),
            entry.bytes.div_ceil(1000)
        );
    }
    Ok(ExitCode::SUCCESS)
}
