//! `paperdex attach ID FILE.pdf`: adopts a PDF obtained by hand as an entry's PDF, from a file
//! or from standard input (`-`). `paperdex attach --dir DIR` adopts a folder of them, each
//! recognized by its file name or its title (`catalog::recognize`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use paperdex::catalog::recognize::{self, TitleMatch};
use paperdex::catalog::{Catalog, Entry};
use paperdex::cli::BadInput;
use paperdex::extract::{self, Limits};
use paperdex::fetch;
use paperdex::output::clean;

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

/// How a file of a folder was recognized.
#[derive(Clone, Copy)]
enum How {
    Name,
    Metadata,
    FirstPage,
}

impl How {
    fn text(self) -> &'static str {
        match self {
            How::Name => "by file name",
            How::Metadata => "by title metadata",
            How::FirstPage => "by first page",
        }
    }
}

/// Attaches every PDF of `dir` to the entry it is recognized as, one line per file on
/// standard output; exits 1 when some file could not be matched or attached.
pub fn folder(cx: &Context, dir: &Path) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let listing = std::fs::read_dir(dir).with_context(|| {
        format!(
            "Could not read the folder {} that --dir names",
            dir.display()
        )
    })?;
    let mut files: Vec<PathBuf> = listing
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(BadInput(format!("The folder {} holds no .pdf files.", dir.display())).into());
    }
    let limits = Limits::default();
    let _lock = cx.lock()?;
    // Entry id -> the file attached to it in this run.
    let mut taken: HashMap<String, String> = HashMap::new();
    for file in &files {
        let name = clean(&file.file_name().unwrap_or_default().to_string_lossy()).into_owned();
        let (entry, how) = match recognize_file(&catalog, file, &limits) {
            Ok(found) => found,
            Err(why) => {
                println!("not matched: {name} ({})", clean(&format!("{why:#}")));
                continue;
            }
        };
        if let Some(first) = taken.get(&entry.id) {
            println!(
                "not attached: {name} (it is {} {}, and {first} was attached to it first)",
                entry.id,
                how.text()
            );
            continue;
        }
        match attach_file(cx, &entry.id, file, limits.max_file_bytes as u64) {
            Ok(()) => {
                taken.insert(entry.id.clone(), name.clone());
                println!("attached {name} to {} ({})", entry.id, how.text());
            }
            Err(why) => println!(
                "not attached: {name} to {} ({})",
                entry.id,
                clean(&format!("{why:#}"))
            ),
        }
    }
    let attached = taken.len();
    if !cx.quiet {
        eprintln!(
            "Attached {attached} of {} PDF{} in {}; run `paperdex update --offline` to index {}.",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            clean(&dir.display().to_string()),
            if attached == 1 { "it" } else { "them" }
        );
    }
    Ok(if attached == files.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The entry a file is, and how that was told: its name, else its title metadata, else the
/// title on its first page; the error says why none would do.
fn recognize_file<'a>(
    catalog: &'a Catalog,
    file: &Path,
    limits: &Limits,
) -> Result<(&'a Entry, How)> {
    let stem = file.file_stem().unwrap_or_default().to_string_lossy();
    if let Some(entry) = recognize::by_name(catalog, &stem) {
        return Ok((entry, How::Name));
    }
    let front = extract::front_matter(file, limits)
        .map_err(|e| anyhow::anyhow!("its name is no entry's, and it could not be read: {e}"))?;
    let mut ambiguous = None;
    if let Some(title) = &front.title {
        match recognize::by_metadata(catalog, title) {
            TitleMatch::Found(entry) => return Ok((entry, How::Metadata)),
            TitleMatch::Ambiguous(a, b) => ambiguous = Some((a, b)),
            TitleMatch::None => {}
        }
    }
    if let Some(page) = &front.first_page {
        match recognize::by_first_page(catalog, page) {
            TitleMatch::Found(entry) => return Ok((entry, How::FirstPage)),
            TitleMatch::Ambiguous(a, b) => ambiguous = ambiguous.or(Some((a, b))),
            TitleMatch::None => {}
        }
    }
    match ambiguous {
        Some((a, b)) => anyhow::bail!("its title fits both {a} and {b}; attach it by id"),
        None if front.first_page.is_none() => anyhow::bail!(
            "no entry has its name or its title metadata, and it has no text to find a title in"
        ),
        None => {
            anyhow::bail!("no entry has its name, its title metadata or its first page's title")
        }
    }
}

/// Attaches one file as `paperdex attach ID FILE` does, refusing one larger than the
/// extractor reads.
fn attach_file(cx: &Context, id: &str, file: &Path, limit: u64) -> Result<()> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("Could not read {}", file.display()))?
        .len();
    if size > limit {
        anyhow::bail!(
            "it is {}, larger than the {} paperdex extracts text from",
            fetch::bytes_text(size),
            fetch::bytes_text(limit)
        );
    }
    fetch::attach(id, file, &cx.store, limit)?;
    Ok(())
}
