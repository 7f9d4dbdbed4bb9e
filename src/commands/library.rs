//! `paperdex catalog import` of a reference manager's library (`.bib`, `.json`, or either on
//! standard input), beside the markdown import it hands everything else to: the entries go
//! out as catalog TOML, and with `--attach` the PDFs the library names are adopted as
//! `paperdex attach` adopts one.

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use paperdex::biblio::import::{self, Library, LibraryFormat};
use paperdex::catalog;
use paperdex::cli::BadInput;
use paperdex::extract::Limits;
use paperdex::fetch;
use paperdex::output;

use super::{catalog_cmd, Context};

/// Items listed in a warning before the rest are counted.
const SHOWN: usize = 5;

/// Imports `list`: a BibTeX or CSL-JSON library by its extension (or, on standard input, by
/// its first characters), anything else as a markdown list.
pub fn import(
    cx: &Context,
    list: &Path,
    source: &str,
    out: Option<&Path>,
    force: bool,
    attach: bool,
    base_url: Option<&reqwest::Url>,
) -> Result<ExitCode> {
    let stdin = list == Path::new("-");
    let by_name = import::format_of(list);
    if by_name.is_none() && !stdin {
        if attach {
            return Err(not_bibtex(&output::clean(&list.display().to_string())));
        }
        return catalog_cmd::import(cx, list, source, out, force, base_url);
    }
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
    let (text, name) = if stdin {
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("Could not read the library from standard input")?;
        let text = String::from_utf8(bytes).map_err(|_| {
            BadInput("Standard input is not UTF-8 text; save the library as UTF-8.".into())
        })?;
        (text, "standard input".to_string())
    } else {
        let bytes =
            std::fs::read(list).with_context(|| format!("Could not read {}", list.display()))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            BadInput(format!(
                "{} is not UTF-8 text; export the library as UTF-8.",
                list.display()
            ))
        })?;
        (
            text,
            output::clean(&list.display().to_string()).into_owned(),
        )
    };
    let Some(format) = by_name.or_else(|| import::sniff(&text)) else {
        if attach {
            return Err(not_bibtex(&name));
        }
        return catalog_cmd::import_text(cx, &text, &name, source, out, base_url);
    };
    if base_url.is_some() {
        return Err(BadInput(format!(
            "--base-url resolves the links of a markdown list, and {name} is a {} library.",
            format.label()
        ))
        .into());
    }
    if attach && format != LibraryFormat::Bibtex {
        return Err(not_bibtex(&name));
    }
    let library = import::import(&text, format, source, &taken_ids(cx, source)).map_err(|e| {
        BadInput(format!(
            "Could not read {name} as {}: {e:#}",
            format.label()
        ))
    })?;
    warn(&library, &name);
    let toml = import::to_toml(&library.entries, source);
    match out {
        Some(path) => {
            paperdex::store::write_atomic(path, toml.as_bytes())?;
            if !cx.quiet {
                eprintln!(
                    "Wrote {} entries to {}.",
                    library.entries.len(),
                    output::clean(&path.display().to_string())
                );
            }
        }
        None => io::stdout().lock().write_all(toml.as_bytes())?,
    }
    let named = library.files.len();
    if attach {
        // Paths in the library are relative to its folder; on standard input, to this one.
        let base = if stdin {
            PathBuf::from(".")
        } else {
            list.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        attach_files(cx, &library, &base)?;
    } else if named > 0 && !cx.quiet {
        eprintln!(
            "note: {named} {} of {name} {} a PDF; pass --attach to copy {} into the data directory.",
            if named == 1 { "entry" } else { "entries" },
            if named == 1 { "names" } else { "name" },
            if named == 1 { "it" } else { "them" }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn not_bibtex(name: &str) -> anyhow::Error {
    BadInput(format!(
        "--attach takes the PDFs a BibTeX library names, and {name} is not one."
    ))
    .into()
}

/// The ids of catalog entries from other lists, which the library's entries must not take;
/// none when the catalog cannot be loaded (the import does not need it).
fn taken_ids(cx: &Context, source: &str) -> HashSet<String> {
    cx.catalog()
        .map(|c| {
            c.entries
                .into_iter()
                .filter(|e| !e.sources.iter().any(|s| s == source))
                .map(|e| e.id)
                .collect()
        })
        .unwrap_or_default()
}

/// Says which records became no entry and which entries got another id than their title's.
fn warn(library: &Library, name: &str) {
    if !library.untitled.is_empty() {
        let n = library.untitled.len();
        eprintln!(
            "warning: {n} record{} of {name} without a title became no entry: {}.",
            output::plural(n),
            few(&library.untitled)
        );
    }
    for (key, reason) in &library.unreadable {
        eprintln!(
            "warning: record {} of {name} could not be read: {}.",
            output::clean(key),
            output::clean(reason)
        );
    }
    if !library.renamed.is_empty() {
        let pairs: Vec<String> = library
            .renamed
            .iter()
            .map(|(taken, given)| format!("{given} (not {taken})"))
            .collect();
        eprintln!(
            "warning: {} entr{} share{} a title with an entry of the catalog from another list and got another id: {}.",
            pairs.len(),
            if pairs.len() == 1 { "y" } else { "ies" },
            if pairs.len() == 1 { "s" } else { "" },
            few(&pairs)
        );
    }
}

/// Adopts the first PDF each entry names that exists, and reports what was attached, what is
/// missing and what was refused.
fn attach_files(cx: &Context, library: &Library, base: &Path) -> Result<()> {
    if library.files.is_empty() {
        if !cx.quiet {
            eprintln!("No record of the library names a PDF; nothing to attach.");
        }
        return Ok(());
    }
    let limit = Limits::default().max_file_bytes as u64;
    let _lock = cx.lock()?;
    let mut attached = 0;
    let mut missing: Vec<String> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    for (id, paths) in &library.files {
        let mut found = None;
        for written in paths {
            let path = base.join(written);
            if path.is_file() {
                found = Some(path);
                break;
            }
            missing.push(format!("{written} ({id})"));
        }
        let Some(path) = found else { continue };
        // A PDF the extractor would refuse is no use in the library, as for `attach`.
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > limit) {
            refused.push(format!(
                "{} ({id}) is larger than the {} paperdex extracts text from",
                path.display(),
                fetch::bytes_text(limit)
            ));
            continue;
        }
        match fetch::attach(id, &path, &cx.store, limit) {
            Ok(_) => attached += 1,
            Err(e) => refused.push(format!("{id}: {e:#}")),
        }
    }
    if !cx.quiet {
        eprintln!(
            "Attached {attached} PDF{} to {}; run `paperdex update --offline` to index {} once the catalog holds the entries.",
            output::plural(attached),
            if attached == 1 { "its entry" } else { "their entries" },
            if attached == 1 { "it" } else { "them" }
        );
    }
    if !missing.is_empty() {
        let n = missing.len();
        eprintln!(
            "warning: {n} file{} named by the library {} missing: {}.",
            output::plural(n),
            if n == 1 { "is" } else { "are" },
            few(&missing)
        );
    }
    for line in &refused {
        eprintln!("warning: not attached: {}.", output::clean(line));
    }
    Ok(())
}

/// The first few items, cleaned for the terminal, and a count of the rest.
fn few(items: &[String]) -> String {
    let shown: Vec<String> = items
        .iter()
        .take(SHOWN)
        .map(|s| output::clean(s).into_owned())
        .collect();
    let more = items.len().saturating_sub(SHOWN);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}
