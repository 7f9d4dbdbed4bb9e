//! `paperdex embed` (the embed stage alone, over the library or one shard of it), and the
//! sentence model for the embed step that closes `index` and `update`: found (downloaded first
//! when `update` is online and there is none), or a note saying why there is none and what that
//! means for search; and the step's summary.

use std::process::ExitCode;

use anyhow::Result;

use paperdex::cli::parse_shard;
use paperdex::embed::{self, DownloadError, EmbedOptions, EmbedReport, ModelLocation, Vectors};

use super::{faults, model, progress, Context};

/// Embeds the entries and the passages of their text, as `index` ends: all of them, or with
/// `shard` (`I/N`) those of one shard of the catalog into the shard's own files, for the next
/// command holding the data directory alone to merge. Fails in one line when there is no
/// model; exits 1 when a text made the model fail inside paperdex, as `index` does.
pub fn run(cx: &Context, shard: Option<&str>) -> Result<ExitCode> {
    let shard = shard.map(parse_shard).transpose()?;
    let catalog = cx.catalog()?;
    let Some(model) = cx.model()? else {
        anyhow::bail!(
            "No sentence model to embed with: `paperdex model fetch` downloads one (90 MB), \
             `paperdex model install DIR` takes a copy you have, or name a folder with --model \
             or {}.",
            embed::MODEL_ENV
        );
    };
    let (store, _lock, entries) = match shard {
        Some(shard) => {
            let (store, lock) = cx.lock_shard(shard)?;
            (store, lock, shard.select(&catalog.entries))
        }
        None => (cx.store.clone(), cx.lock()?, catalog.entries.clone()),
    };
    let opts = EmbedOptions {
        model,
        retry: false,
    };
    let bar = progress::Bar::new(cx.quiet);
    let stats = embed::run(&store, &entries, &opts, &bar)?;
    bar.finish();
    report(&stats, cx.quiet);
    faults::report(&stats.faults, &[&stats.faulted_before], cx.quiet);
    Ok(if stats.faults.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The sentence model a run embeds with, or why it has none.
pub struct ModelChoice {
    pub location: Option<ModelLocation>,
    /// One line saying why search stays by words alone, for the run's summary.
    pub note: Option<String>,
}

/// The model to embed with: the one configured, or one downloaded now when `online`. It
/// prints nothing: a missing model is a note for the end of the run, which a run that fails
/// earlier, or a quiet one, never shows.
pub fn find_model(cx: &Context, online: bool) -> Result<ModelChoice> {
    if let Some(location) = cx.model()? {
        return Ok(ModelChoice {
            location: Some(location),
            note: None,
        });
    }
    let note = if !online {
        without_model(cx, "no sentence model")
    } else {
        match model::download(cx) {
            Ok(_) => {
                return Ok(ModelChoice {
                    location: cx.model()?,
                    note: None,
                })
            }
            Err(DownloadError::Unreachable { .. }) => {
                without_model(cx, "no sentence model and no network to download it")
            }
            Err(e) => format!("warning: {e}; search is by words alone."),
        }
    };
    Ok(ModelChoice {
        location: None,
        note: Some(note),
    })
}

/// The note for a run without a model: what happens to the vectors already stored, if any,
/// and how to get a model.
fn without_model(cx: &Context, why: &str) -> String {
    let stored = Vectors::load(&cx.store.vectors_path())
        .ok()
        .flatten()
        .map_or(0, |v| v.len());
    if stored > 0 {
        format!(
            "Embed: {why}, so the {stored} stored vectors are kept as they are and new or changed \
             entries go without one; give `--model DIR` (or set PAPERDEX_MODEL) to bring them up \
             to date."
        )
    } else {
        format!(
            "Embed: {why}, so search is by words alone; `paperdex model fetch` downloads one \
             (90 MB), `paperdex model install DIR` takes a copy you have."
        )
    }
}

/// Prints what the embed stage did.
pub fn report(stats: &EmbedReport, quiet: bool) {
    if let Some(why) = &stats.discarded {
        eprintln!("Embed: the stored vectors were made again: {why}.");
    }
    if !quiet {
        let p = &stats.passages;
        eprintln!(
            "Embed: {} embedded, {} unchanged, {} removed; passages of full text: {} embedded, {} unchanged.",
            stats.embedded, stats.reused, stats.removed, p.embedded, p.reused
        );
    }
}
