//! `paperdex update`: the whole pipeline in order (fetch, extract, cite, index, embed) over one
//! lock.

use std::io;
use std::process::ExitCode;

use anyhow::Result;

use paperdex::cli::UpdateOpts;
use paperdex::output;
use paperdex::pipeline::StageOptions;

use super::{cite, embed_cmd, extract, fetch_cmd, index, Context};

pub fn run(cx: &Context, u: &UpdateOpts) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let _lock = cx.lock()?;
    let json = u.fetch.json;
    // Failed downloads are reported; the pipeline goes on with what there is.
    let fetched = if u.offline {
        None
    } else {
        Some(fetch_cmd::fetch_catalog(
            &cx.store, &catalog, &u.fetch, cx.quiet,
        )?)
    };
    let stage = StageOptions {
        verify: u.rebuild,
        ocr: !u.no_ocr,
    };
    let extracted = extract::extract_catalog(&cx.store, &catalog, &stage, cx.quiet)?;
    if json {
        extract::errors(&extracted);
    } else {
        extract::report(&extracted, cx.quiet);
    }
    let cited = cite::cite_catalog(&cx.store, &catalog, cx.quiet)?;
    if !json {
        cite::report(&cited, cx.quiet);
    }
    let stats = index::index_catalog(
        &cx.store,
        &catalog,
        cx.places.catalog.as_deref(),
        u.rebuild,
        cx.quiet,
    )?;
    if !json {
        index::report(&stats, cx.quiet);
    }
    let embedded = embed_cmd::embed_catalog(cx, &catalog, !u.offline)?;
    if json {
        let value = serde_json::json!({
            "fetch": fetched.as_ref().map(output::fetch_json),
            "extract": extract::report_json(&extracted),
            "index": stats,
            "embed": embedded,
        });
        output::json(io::stdout().lock(), &value)?;
    } else if let Some(embedded) = &embedded {
        embed_cmd::report(embedded, cx.quiet);
    }
    // Texts that could not be written are errors: the library is not what it should be.
    Ok(if extracted.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
