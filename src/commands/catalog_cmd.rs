//! `paperdex catalog check` and `paperdex catalog import`: validating and extending the catalog.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use paperdex::catalog;
use paperdex::cli::BadInput;

use super::Context;

/// Prints every problem of the catalog's files as `file:line: message`.
pub fn check(cx: &Context) -> Result<ExitCode> {
    let (files, origin) = match &cx.places.catalog {
        Some(dir) => (catalog::read_dir_files(dir)?, dir.display().to_string()),
        None => (catalog::builtin_files(), "the built-in catalog".to_string()),
    };
    let (entries, mut problems) = catalog::parse_files(&files);
    let vocabulary_files = catalog::vocabulary::files(cx.places.catalog.as_deref())?;
    let (vocabulary, found) = catalog::vocabulary::parse_files(&vocabulary_files);
    problems.extend(found);
    let mut stdout = io::stdout().lock();
    for p in &problems {
        writeln!(stdout, "{p}")?;
    }
    if problems.is_empty() {
        eprintln!(
            "{} entries in {} files and {} vocabulary groups of {origin}: no problems.",
            entries.len(),
            files.len(),
            vocabulary.groups.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} problem(s) in {origin}.", problems.len());
        Ok(ExitCode::from(1))
    }
}

/// Turns a markdown reading list into catalog TOML, on standard output or into a file.
pub fn import(cx: &Context, list: &Path, source: &str, out: Option<&Path>) -> Result<ExitCode> {
    let text = std::fs::read_to_string(list)
        .with_context(|| format!("Could not read {}", list.display()))?;
    if !catalog::valid_id(source) {
        return Err(BadInput(format!(
            "Invalid source name {source:?}: use lowercase letters, digits and dashes."
        ))
        .into());
    }
    let entries = catalog::import::from_markdown(&text, source);
    let toml = catalog::import::to_toml(&entries, source);
    match out {
        Some(path) => {
            paperdex::store::write_atomic(path, toml.as_bytes())?;
            if !cx.quiet {
                eprintln!("Wrote {} entries to {}.", entries.len(), path.display());
            }
        }
        None => io::stdout().lock().write_all(toml.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
