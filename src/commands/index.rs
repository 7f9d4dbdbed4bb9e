//! `paperdex index`: finds the citations in the extracted text, brings the index and its
//! vocabulary in step with the catalog and the text, and embeds for search by meaning: the
//! pipeline after extraction, as `update` ends.

use std::process::ExitCode;

use anyhow::Result;

use paperdex::index::IndexReport;
use paperdex::library::{self, UpdateOptions};

use super::{embed_cmd, update, Context};

pub fn run(cx: &Context, rebuild: bool) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let lock = cx.lock()?;
    let model = embed_cmd::find_model(cx, false)?;
    let opts = UpdateOptions {
        fetch: None,
        extract: false,
        ocr: false,
        rebuild,
        catalog_dir: cx.places.catalog.clone(),
        model: model.location,
    };
    let bar = super::progress::Bar::new(cx.quiet);
    let report = library::update(&cx.store, &lock, &catalog, &opts, &bar)?;
    bar.finish();
    update::print(cx, &report, model.note.as_deref(), false)?;
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints what the index stage did: a warning per entry indexed without its text, then counts.
pub fn report(stats: &IndexReport, quiet: bool) {
    for (id, err) in &stats.text_errors {
        eprintln!("warning: {id}: indexed without its text: {err}");
    }
    if !quiet {
        eprintln!(
            "Index: {} added, {} updated, {} removed, {} unchanged.",
            stats.added, stats.updated, stats.removed, stats.unchanged
        );
    }
}
