//! `paperdex show ID`: one entry's metadata and what the data directory holds for it.

use std::io;
use std::process::ExitCode;

use anyhow::Result;

use paperdex::cli::BadInput;
use paperdex::coverage;
use paperdex::output::{self, Printer};
use paperdex::pipeline;

use super::Context;

pub fn run(cx: &Context, id: &str, json: bool) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let entry = catalog.get(id).ok_or_else(|| {
        BadInput(format!(
            "No entry {id:?} in {}; `paperdex search` prints entry ids.",
            catalog.origin
        ))
    })?;
    let mut status = pipeline::entry_status(&cx.store, entry)?;
    let covered = coverage::entries(&cx.store, std::slice::from_ref(entry))?;
    let source = covered.first().map(|c| match (c.origin, &c.missing) {
        (Some(origin), _) => origin.label().to_string(),
        (None, Some(why)) => format!("none: {why}"),
        (None, None) => "none".to_string(),
    });
    if let Some(source) = source {
        status.push(("source".to_string(), source));
    }
    let stdout = io::stdout();
    if json {
        let mut value = serde_json::to_value(entry)?;
        for (k, v) in &status {
            value[k] = serde_json::Value::String(v.clone());
        }
        // The files themselves, as paths a script can open, or null.
        let path = |p: std::path::PathBuf| {
            p.exists()
                .then(|| pipeline::absolute(&p).display().to_string())
        };
        value["pdf_path"] = path(cx.store.pdf_path(id)).into();
        value["text_path"] = path(cx.store.text_path(id)).into();
        value["page_path"] = path(cx.store.html_path(id)).into();
        value["links_path"] = path(cx.store.links_path(id)).into();
        output::json(stdout.lock(), &value)?;
    } else {
        Printer::new(stdout.lock(), cx.color).entry(entry, &status)?;
    }
    Ok(ExitCode::SUCCESS)
}
