//! `paperdex fetch`: downloads the catalog's open-access PDFs and web pages. The same step
//! opens `update`.

use std::io;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use paperdex::cli::{parse_shard, parse_size, BadInput, FetchArgs, FetchOpts};
use paperdex::fetch::{self, FetchOptions, FetchReport};
use paperdex::output;

use super::progress::Bar;
use super::Context;

pub fn run(cx: &Context, args: &FetchArgs) -> Result<ExitCode> {
    let f = &args.fetch;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let opts = fetch_options(f)?;
    let catalog = cx.catalog()?;
    // A shard fetches its slice beside the other shards; its manifest waits in the shard's
    // folder for `index` to merge it.
    let (store, _lock, entries) = match shard {
        Some(shard) => {
            let (store, lock) = cx.lock_shard(shard)?;
            (store, lock, shard.select(&catalog.entries))
        }
        None => (cx.store.clone(), cx.lock()?, catalog.entries),
    };
    let bar = Bar::new(cx.quiet);
    let report = fetch::run(&store, &entries, &opts, &bar)?;
    bar.finish();
    if f.json {
        output::json(io::stdout().lock(), &output::fetch_json(&report))?;
    } else {
        self::report(&report, cx.quiet)?;
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The fetch stage's options from the command line's.
pub fn fetch_options(f: &FetchOpts) -> Result<FetchOptions> {
    if f.jobs == 0 {
        return Err(BadInput("--jobs must be at least 1.".into()).into());
    }
    if f.timeout == 0 {
        return Err(BadInput("--timeout must be at least 1 second.".into()).into());
    }
    Ok(FetchOptions {
        jobs: f.jobs,
        max_size: parse_size(&f.max_size)?,
        refresh: f.refresh,
        retry_failed: f.retry_failed,
        only: (!f.only.is_empty()).then(|| f.only.clone()),
        deadline: Duration::from_secs(f.timeout),
        ..FetchOptions::default()
    })
}

/// Prints what the fetch stage did, as text on standard error.
pub fn report(report: &FetchReport, quiet: bool) -> Result<()> {
    let mut stderr = io::stderr().lock();
    output::fetch_report(&mut stderr, report, quiet)?;
    Ok(())
}
