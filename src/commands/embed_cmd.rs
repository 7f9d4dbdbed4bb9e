//! The sentence model for the embed step that closes `index` and `update`: found (downloaded
//! first when `update` is online and there is none), or a note saying why there is none and
//! what that means for search; and the step's summary.

use anyhow::Result;

use paperdex::embed::{DownloadError, EmbedReport, ModelLocation, Vectors};

use super::{model, Context};

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
