//! `paperdex update`: the whole pipeline in order (fetch, extract, cite, index, embed) over one
//! lock.

use std::io;
use std::process::ExitCode;

use anyhow::Result;

use paperdex::cli::UpdateOpts;
use paperdex::fault::Fault;
use paperdex::output;
use paperdex::pipeline::StageOptions;

use super::{cite, embed_cmd, extract, faults, fetch_cmd, index, Context};

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
    let cited = cite::cite_catalog(&cx.store, &catalog, u.rebuild, cx.quiet)?;
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
    let embedded = embed_cmd::embed_catalog(cx, &catalog, !u.offline, u.rebuild)?;
    let mut failed: Vec<Fault> = Vec::new();
    failed.extend(extracted.faults.iter().cloned());
    failed.extend(cited.faults.iter().cloned());
    failed.extend(stats.faults.iter().cloned());
    let empty = Vec::new();
    let embed_before = embedded.as_ref().map_or(&empty, |e| &e.faulted_before);
    if let Some(e) = &embedded {
        failed.extend(e.faults.iter().cloned());
    }
    if json {
        let value = serde_json::json!({
            "fetch": fetched.as_ref().map(output::fetch_json),
            "extract": extract::report_json(&extracted),
            "index": stats,
            "embed": embedded,
            "faults": failed,
        });
        output::json(io::stdout().lock(), &value)?;
    } else if let Some(embedded) = &embedded {
        embed_cmd::report(embedded, cx.quiet);
    }
    faults::report(
        &failed,
        &[
            &extracted.faulted_before,
            &cited.faulted_before,
            &stats.faulted_before,
            embed_before,
        ],
        cx.quiet || json,
    );
    // Texts that could not be written, and documents that failed inside paperdex, are
    // errors: the library is not what it should be.
    Ok(if extracted.ok() && failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
