//! `paperdex attach ID FILE.pdf`: adopts a PDF obtained by hand as an entry's PDF, from a file
//! or from standard input (`-`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use paperdex::cli::BadInput;
use paperdex::extract::Limits;
use paperdex::fetch;

use super::Context;

pub fn run(cx: &Context, id: &str, file: &Path) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    if catalog.get(id).is_none() {
        return Err(BadInput(format!("No entry {id:?} in {}.", catalog.origin)).into());
    }
    // A PDF the extractor would refuse is no use in the library.
    let limit = Limits::default().max_file_bytes as u64;
    let stdin = file == Path::new("-");
    if !stdin {
        let meta = std::fs::metadata(file)
            .with_context(|| format!("Could not read {}", file.display()))?;
        if meta.len() > limit {
            return Err(BadInput(format!(
                "{} is {}, larger than the {} paperdex extracts text from.",
                file.display(),
                fetch::bytes_text(meta.len()),
                fetch::bytes_text(limit)
            ))
            .into());
        }
    }
    let _lock = cx.lock()?;
    let entry = if stdin {
        fetch::attach_reader(id, &mut std::io::stdin().lock(), "-", &cx.store, limit)
            .with_context(|| format!("Could not attach standard input to {id}"))?
    } else {
        fetch::attach(id, file, &cx.store, limit)
            .with_context(|| format!("Could not attach {} to {id}", file.display()))?
    };
    if !cx.quiet {
        let what = if stdin {
            "standard input".to_string()
        } else {
            paperdex::output::clean(&file.display().to_string()).into_owned()
        };
        eprintln!(
            "Attached {what} to {id} ({} KB); run `paperdex update --offline` to index it.",
            entry.bytes.div_ceil(1000)
        );
    }
    Ok(ExitCode::SUCCESS)
}
