//! The embed step that closes `index` and `update`: finds the sentence model (downloading it
//! first when `update` is online and there is none), embeds what changed, and says in one
//! line what it did, or that search stays by words alone and how to change that.

use anyhow::Result;

use paperdex::catalog::Catalog;
use paperdex::embed::{self, DownloadError, EmbedStats, ModelLocation};
use paperdex::fault::{Faults, Stage};
use paperdex::pipeline::StoredText;

use super::{model, progress, Context};

/// Runs the embed stage over `catalog`. `online`: whether a missing model may be downloaded;
/// `retry`: whether entries that failed before are tried again.
/// A model that cannot be had or used is reported and the run goes on: the index is complete
/// without vectors.
pub fn embed_catalog(
    cx: &Context,
    catalog: &Catalog,
    online: bool,
    retry: bool,
) -> Result<Option<EmbedStats>> {
    let Some(location) = find_model(cx, online)? else {
        return Ok(None);
    };
    let bar = progress::bar(0, "Embedding", cx.quiet);
    let on_progress = progress::counter(&bar);
    let mut faults = Faults::load(&cx.store);
    let before = faults.clone();
    if retry {
        faults.clear_stage(Stage::Embed);
    }
    let texts = StoredText::load(&cx.store)?;
    let result = embed::run(
        cx.store.root(),
        &catalog.entries,
        &texts,
        &location,
        &mut faults,
        &on_progress,
    );
    bar.finish_and_clear();
    if faults != before {
        faults.save(&cx.store)?;
    }
    match result {
        Ok(stats) => Ok(Some(stats)),
        Err(e) => {
            eprintln!("warning: could not embed the catalog, so search is by words alone: {e:#}");
            Ok(None)
        }
    }
}

/// The model to embed with: the one configured, or one downloaded now when `online`.
fn find_model(cx: &Context, online: bool) -> Result<Option<ModelLocation>> {
    if let Some(location) = cx.model()? {
        return Ok(Some(location));
    }
    if !online {
        eprintln!(
            "Embed: no sentence model, so search is by words alone; `paperdex model fetch` \
             downloads one (90 MB)."
        );
        return Ok(None);
    }
    match model::download(cx) {
        Ok(_) => cx.model(),
        Err(DownloadError::Unreachable { .. }) => {
            eprintln!(
                "Embed: no sentence model and no network to download it, so search is by words \
                 alone; `paperdex model fetch` downloads it later."
            );
            Ok(None)
        }
        Err(e) => {
            eprintln!("warning: {e}; search is by words alone.");
            Ok(None)
        }
    }
}

/// Prints what the embed stage did.
pub fn report(stats: &EmbedStats, quiet: bool) {
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
