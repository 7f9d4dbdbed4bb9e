//! `paperdex update`: the whole pipeline (fetch, extract, cite, index, embed) over one lock,
//! and what it says of each stage when it ends.

use std::io;
use std::process::ExitCode;

use anyhow::Result;

use paperdex::cli::UpdateOpts;
use paperdex::library::{self, UpdateOptions, UpdateReport};
use paperdex::output;

use super::progress::Bar;
use super::{cite, embed_cmd, extract, faults, fetch_cmd, index, Context};

pub fn run(cx: &Context, u: &UpdateOpts) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let lock = cx.lock()?;
    let fetch = if u.offline {
        None
    } else {
        Some(fetch_cmd::fetch_options(&u.fetch)?)
    };
    let model = embed_cmd::find_model(cx, !u.offline)?;
    let opts = UpdateOptions {
        fetch,
        extract: true,
        ocr: !u.no_ocr,
        rebuild: u.rebuild,
        catalog_dir: cx.places.catalog.clone(),
        model: model.location,
    };
    let bar = Bar::new(cx.quiet);
    let report = library::update(&cx.store, &lock, &catalog, &opts, &bar)?;
    bar.finish();
    print(cx, &report, model.note.as_deref(), u.fetch.json)?;
    // Texts that could not be written, and documents that failed inside paperdex, are
    // errors: the library is not what it should be.
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints what each stage of a run did, then the documents that failed inside paperdex; with
/// `json`, one object on standard output instead of the stages' summaries. `model_note` says
/// why the run had no sentence model, when it had none.
pub fn print(
    cx: &Context,
    report: &UpdateReport,
    model_note: Option<&str>,
    json: bool,
) -> Result<()> {
    if json {
        if let Some(extracted) = &report.extract {
            extract::errors(extracted);
        }
        let value = output::reports::UpdateJson {
            fetch: report.fetch.as_ref().map(output::fetch_json),
            extract: report.extract.as_ref().map(extract::report_json),
            index: &report.index,
            embed: report.embed.as_ref(),
            faults: &report.faults,
        };
        output::json(io::stdout().lock(), &value)?;
    } else {
        if let Some(fetched) = &report.fetch {
            fetch_cmd::report(fetched, cx.quiet)?;
        }
        if let Some(extracted) = &report.extract {
            extract::report(extracted, cx.quiet);
        }
        cite::report(&report.cite, cx.quiet);
        index::report(&report.index, cx.quiet);
        if let Some(embedded) = &report.embed {
            embed_cmd::report(embedded, cx.quiet);
        }
    }
    if let Some(note) = model_note {
        if note.starts_with("warning:") || !cx.quiet {
            eprintln!("{note}");
        }
    }
    if let Some(e) = &report.embed_error {
        eprintln!(
            "warning: could not embed the catalog, so search is by words alone: {}",
            output::clean(e)
        );
    }
    faults::report(&report.faults, &[&report.faulted_before], cx.quiet || json);
    Ok(())
}
