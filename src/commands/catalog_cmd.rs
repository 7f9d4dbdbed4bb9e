//! `paperdex catalog check` and `paperdex catalog import`: validating and extending the catalog.

use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use paperdex::catalog;
use paperdex::cli::BadInput;
use paperdex::output;

use super::Context;

/// Items without a link listed by line in the import's warning; the rest are counted.
const SKIPPED_SHOWN: usize = 5;

/// Prints every problem of the catalog's files as `file:line: message`, or with `json` one
/// object with the counts and the problems.
pub fn check(cx: &Context, json: bool) -> Result<ExitCode> {
    let (files, origin) =
        catalog::files_with(cx.places.catalog.as_deref(), &cx.places.add_catalogs)?;
    let origin = output::clean(&origin).into_owned();
    let (entries, mut problems) = catalog::parse_files(&files);
    let vocabulary_files = catalog::vocabulary::files(cx.places.catalog.as_deref())?;
    let (vocabulary, found) = catalog::vocabulary::parse_files(&vocabulary_files);
    problems.extend(found);
    let code = if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if json {
        let value = output::reports::CheckReport {
            catalog: &origin,
            files: files.len(),
            entries: entries.len(),
            vocabulary_groups: vocabulary.groups.len(),
            problems: problems.iter().map(Into::into).collect(),
        };
        output::json(io::stdout().lock(), &value)?;
        return Ok(code);
    }
    let mut stdout = io::stdout().lock();
    for p in &problems {
        writeln!(stdout, "{}", output::clean(&p.to_string()))?;
    }
    if problems.is_empty() {
        eprintln!(
            "{} entries in {} files and {} vocabulary groups of {origin}: no problems.",
            entries.len(),
            files.len(),
            vocabulary.groups.len()
        );
    } else {
        eprintln!(
            "{} problem{} in {origin}.",
            problems.len(),
            output::plural(problems.len())
        );
    }
    Ok(code)
}

/// Turns a markdown reading list (a file, or standard input for `-`) into catalog TOML, on
/// standard output or into a file that is replaced only with `force`.
pub fn import(
    cx: &Context,
    list: &Path,
    source: &str,
    out: Option<&Path>,
    force: bool,
    base_url: Option<&reqwest::Url>,
) -> Result<ExitCode> {
    if !catalog::valid_id(source) {
        return Err(BadInput(format!(
            "Invalid source name {source:?}: use lowercase letters, digits and dashes."
        ))
        .into());
    }
    if let Some(path) = out.filter(|p| p.exists() && !force) {
        return Err(BadInput(format!(
            "{} exists already; pass --force to replace it.",
            path.display()
        ))
        .into());
    }
    let (text, name) = if list == Path::new("-") {
        let mut text = String::new();
        io::stdin()
            .lock()
            .read_to_string(&mut text)
            .context("Could not read the list from standard input")?;
        (text, "standard input".to_string())
    } else {
        let text = std::fs::read_to_string(list)
            .with_context(|| format!("Could not read {}", list.display()))?;
        (
            text,
            output::clean(&list.display().to_string()).into_owned(),
        )
    };
    import_text(cx, &text, &name, source, out, base_url)
}

/// Turns the text of a markdown reading list, read from `name`, into catalog TOML on
/// standard output or in `out` (which the caller has checked may be written).
pub fn import_text(
    cx: &Context,
    text: &str,
    name: &str,
    source: &str,
    out: Option<&Path>,
    base_url: Option<&reqwest::Url>,
) -> Result<ExitCode> {
    let imported = catalog::import::import_from(text, source, base_url);
    if !imported.relative.is_empty() {
        let n = imported.relative.len();
        let lines: Vec<String> = imported
            .relative
            .iter()
            .take(SKIPPED_SHOWN)
            .map(|l| l.to_string())
            .collect();
        let more = n.saturating_sub(SKIPPED_SHOWN);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        eprintln!(
            "warning: {n} list item{} of {name} with a relative link became no entry ({} {}{more}); pass --base-url URL to resolve {} against the list's address.",
            if n == 1 { "" } else { "s" },
            if n == 1 { "line" } else { "lines" },
            lines.join(", "),
            if n == 1 { "it" } else { "them" }
        );
    }
    if !imported.skipped.is_empty() {
        let lines: Vec<String> = imported
            .skipped
            .iter()
            .take(SKIPPED_SHOWN)
            .map(|(line, _)| line.to_string())
            .collect();
        let more = imported.skipped.len().saturating_sub(SKIPPED_SHOWN);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        eprintln!(
            "warning: {} list item{} of {name} without a web link became no entry ({} {}{more}).",
            imported.skipped.len(),
            output::plural(imported.skipped.len()),
            if imported.skipped.len() == 1 {
                "line"
            } else {
                "lines"
            },
            lines.join(", ")
        );
    }
    let toml = catalog::import::to_toml(&imported.entries, source);
    match out {
        Some(path) => {
            paperdex::store::write_atomic(path, toml.as_bytes())?;
            if !cx.quiet {
                eprintln!(
                    "Wrote {} entries to {}.",
                    imported.entries.len(),
                    output::clean(&path.display().to_string())
                );
            }
        }
        None => io::stdout().lock().write_all(toml.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
