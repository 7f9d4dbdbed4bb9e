//! `paperdex fetch`: downloads the catalog's open-access PDFs and web pages. The same step
//! opens `update`.

use std::collections::HashMap;
use std::io::{self, IsTerminal};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Result;

use paperdex::catalog::Catalog;
use paperdex::cli::{parse_size, BadInput, FetchOpts};
use paperdex::fetch::{
    self, bytes_text, rate_text, seconds, FetchEvent, FetchItem, FetchOptions, FetchReport, Outcome,
};
use paperdex::output;
use paperdex::store::Store;

use super::{progress, Context};

/// How long a download runs before its progress is shown, and how often after that, on a
/// standard error that is not a terminal.
const SLOW_AFTER: Duration = Duration::from_secs(10);

pub fn run(cx: &Context, f: &FetchOpts) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let _lock = cx.lock()?;
    let report = fetch_catalog(&cx.store, &catalog, f, cx.quiet)?;
    if f.json {
        output::json(io::stdout().lock(), &output::fetch_json(&report))?;
    }
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

/// Runs the fetch stage over the catalog's entries and prints its summary (as text, unless
/// `--json` asks for it on standard output); returns the report.
pub fn fetch_catalog(
    store: &Store,
    catalog: &Catalog,
    f: &FetchOpts,
    quiet: bool,
) -> Result<FetchReport> {
    let opts = fetch_options(f)?;
    // Every entry is fetched: a PDF where its link gives one, otherwise its web page.
    let items: Vec<FetchItem> = catalog
        .entries
        .iter()
        .map(|e| FetchItem {
            id: e.id.clone(),
            urls: e.urls.clone(),
            open_access: e.open_access(),
            web: true,
        })
        .collect();
    let terminal = io::stderr().is_terminal();
    let bar = progress::bar(0, "Fetching", quiet);
    // When each slow download last said how far it got, on a log rather than a terminal.
    let shown: Mutex<HashMap<String, Instant>> = Mutex::new(HashMap::new());
    let on_event = |event: FetchEvent| match event {
        FetchEvent::Planned { total } => bar.set_length(total as u64),
        FetchEvent::Started { id, .. } => bar.set_message(id.to_string()),
        FetchEvent::Progress {
            id,
            bytes,
            total,
            elapsed,
        } => {
            if quiet || elapsed < SLOW_AFTER {
                return;
            }
            let of = total
                .map(|t| format!(" of {}", bytes_text(t)))
                .unwrap_or_default();
            let pace = format!("{}{of}, {}", bytes_text(bytes), rate_text(bytes, elapsed));
            if terminal {
                bar.set_message(format!("{id}: {pace}"));
                return;
            }
            let mut shown = shown.lock().unwrap_or_else(|p| p.into_inner());
            let due = shown.get(id).is_none_or(|at| at.elapsed() >= SLOW_AFTER);
            if due {
                shown.insert(id.to_string(), Instant::now());
                eprintln!("downloading {id}: {pace} after {}", seconds(elapsed));
            }
        }
        FetchEvent::Retrying {
            id,
            wait,
            reason,
            asked,
            ..
        } => {
            if quiet || (!asked && wait < Duration::from_secs(5)) {
                return;
            }
            let why = if asked {
                format!("the server asked for it ({reason})")
            } else {
                reason.to_string()
            };
            let line = format!("{id}: waiting {} before retrying: {why}", seconds(wait));
            if terminal {
                bar.set_message(line);
            } else {
                eprintln!("{line}");
            }
        }
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
    };
    let report = fetch::fetch_all(&items, store.root(), &opts, &on_event)?;
    bar.finish_and_clear();
    if !f.json {
        let mut stderr = io::stderr().lock();
        output::fetch_report(&mut stderr, &report, quiet)?;
    }
    Ok(report)
}
