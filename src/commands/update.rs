//! `paperdex update`: the whole pipeline in order (fetch, extract, cite, index) over one lock.

use std::process::ExitCode;

use anyhow::Result;

use paperdex::cli::UpdateOpts;

use super::{cite, extract, fetch, index, Context};

pub fn run(cx: &Context, u: &UpdateOpts) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let _lock = cx.store.lock()?;
    if !u.offline {
        // Failed downloads are reported; the pipeline goes on with what there is.
        fetch::fetch_catalog(&cx.store, &catalog, &u.fetch, cx.quiet)?;
    }
    let extracted = extract::extract_catalog(&cx.store, &catalog, cx.quiet)?;
    extract::report(&extracted, cx.quiet);
    let cited = cite::cite_catalog(&cx.store, &catalog, cx.quiet)?;
    cite::report(&cited, cx.quiet);
    let stats = index::index_catalog(&cx.store, &catalog, u.rebuild, cx.quiet)?;
    index::report(&stats, cx.quiet);
    Ok(ExitCode::SUCCESS)
}
