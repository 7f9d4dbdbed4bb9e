//! `paperdex fetch`: downloads the catalog's open-access PDFs. The same step opens `update`.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::Result;

use paperdex::catalog::Catalog;
use paperdex::cli::{parse_size, BadInput, FetchOpts};
use paperdex::fetch::{self, FetchEvent, FetchItem, FetchOptions, FetchReport, Outcome};
use paperdex::output;
use paperdex::store::Store;

use super::{progress, Context};

pub fn run(cx: &Context, f: &FetchOpts) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let _lock = cx.store.lock()?;
    let report = fetch_catalog(&cx.store, &catalog, f, cx.quiet)?;
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn fetch_options(f: &FetchOpts) -> Result<FetchOptions> {
    if f.jobs == 0 {
        return Err(BadInput("--jobs must be at least 1.".into()).into());
    }
    Ok(FetchOptions {
        jobs: f.jobs,
        max_size: parse_size(&f.max_size)?,
        refresh: f.refresh,
        retry_failed: f.retry_failed,
        only: (!f.only.is_empty()).then(|| f.only.clone()),
        ..FetchOptions::default()
    })
}

/// Runs the fetch stage over the catalog's documents and prints its summary.
pub fn fetch_catalog(
    store: &Store,
    catalog: &Catalog,
    f: &FetchOpts,
    quiet: bool,
) -> Result<FetchReport> {
    let opts = fetch_options(f)?;
    let (documents, pages): (Vec<_>, Vec<_>) =
        catalog.entries.iter().partition(|e| e.expects_pdf());
    let items: Vec<FetchItem> = documents
        .into_iter()
        .map(|e| FetchItem {
            id: e.id.clone(),
            urls: e.urls.clone(),
            open_access: e.open_access(),
        })
        .collect();
    let terminal = io::stderr().is_terminal();
    let bar = progress::bar(0, "Fetching", quiet);
    let on_event = |event: FetchEvent| match event {
        FetchEvent::Planned { total } => bar.set_length(total as u64),
        FetchEvent::Started { id, .. } => bar.set_message(id.to_string()),
        FetchEvent::Finished { id, outcome } => {
            bar.inc(1);
            if quiet || terminal {
                return;
            }
            // Failures are listed once, grouped by reason, in the summary.
            if let Outcome::Fetched(m) = outcome {
                eprintln!("fetched {id} ({} KB)", m.bytes.div_ceil(1000));
            }
        }
        _ => {}
    };
    let report = fetch::fetch_all(&items, store.root(), &opts, &on_event)?;
    bar.finish_and_clear();
    let mut stderr = io::stderr().lock();
    output::fetch_report(&mut stderr, &report, pages.len(), quiet)?;
    Ok(report)
}
