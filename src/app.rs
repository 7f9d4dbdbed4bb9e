//! Runs one command: resolves the configuration, calls the pipeline stages in order and hands
//! what they return to `output`. Progress goes to standard error, results to standard output.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use paperdex::catalog::{self, Catalog};
use paperdex::cli::{parse_years, BadInput, CatalogCommand, Command, Opts, Places, SearchOpts};
use paperdex::index::{self, NoText, UpdateStats};
use paperdex::output::{self, Printer};
use paperdex::search::{Engine, Request};
use paperdex::store::Store;

/// Runs the command `opts` names and returns the exit code on success.
pub fn run(opts: Opts) -> Result<ExitCode> {
    let places = Places::resolve(&opts);
    let quiet = opts.quiet;
    let store = Store::new(&places.data_dir);
    match opts.command {
        Command::Search(s) => search(&store, s),
        Command::Topics { json } => topics(&places, json),
        Command::Show { id, json } => show(&places, &store, &id, json),
        Command::Index { rebuild } => {
            let catalog = load_catalog(&places)?;
            let stats = index_catalog(&store, &catalog, rebuild, quiet)?;
            report_index(&stats, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Command::Update(u) => {
            let catalog = load_catalog(&places)?;
            let _ = u.fetch;
            let stats = index_catalog(&store, &catalog, u.rebuild, quiet)?;
            report_index(&stats, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Command::Fetch(_) | Command::Attach { .. } | Command::Extract(_) => {
            anyhow::bail!("This command is not available in this build.")
        }
        Command::Catalog(CatalogCommand::Check) => catalog_check(&places),
        Command::Catalog(CatalogCommand::Import { list, source, out }) => {
            let text = std::fs::read_to_string(&list)
                .with_context(|| format!("Could not read {}", list.display()))?;
            if !catalog::valid_id(&source) {
                return Err(BadInput(format!(
                    "Invalid source name {source:?}: use lowercase letters, digits and dashes."
                ))
                .into());
            }
            let entries = catalog::import::from_markdown(&text, &source);
            let toml = catalog::import::to_toml(&entries, &source);
            match out {
                Some(path) => {
                    paperdex::store::write_atomic(&path, toml.as_bytes())?;
                    if !quiet {
                        eprintln!("Wrote {} entries to {}.", entries.len(), path.display());
                    }
                }
                None => io::stdout().lock().write_all(toml.as_bytes())?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load_catalog(places: &Places) -> Result<Catalog> {
    catalog::load(places.catalog.as_deref())
}

fn search(store: &Store, s: SearchOpts) -> Result<ExitCode> {
    let years = s.year.as_deref().map(parse_years).transpose()?;
    if s.limit == 0 {
        return Err(BadInput("--limit must be at least 1.".into()).into());
    }
    let engine = Engine::open(&store.index_dir())?;
    let request = Request {
        query: s.query.join(" "),
        topics: s.topic,
        kind: s.kind.map(|k| k.to_lowercase()),
        years,
        limit: s.limit,
    };
    let results = engine.search(&request)?;
    let stdout = io::stdout();
    if s.json {
        output::json(stdout.lock(), &results)?;
    } else {
        let color = output::use_color(stdout.is_terminal());
        Printer::new(stdout.lock(), color).results(&results)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn topics(places: &Places, json: bool) -> Result<ExitCode> {
    let catalog = load_catalog(places)?;
    let counts = catalog::topic_counts(&catalog.entries);
    let stdout = io::stdout();
    if json {
        output::json(stdout.lock(), &counts)?;
    } else {
        let color = output::use_color(stdout.is_terminal());
        Printer::new(stdout.lock(), color).topics(&counts)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn show(places: &Places, store: &Store, id: &str, json: bool) -> Result<ExitCode> {
    let catalog = load_catalog(places)?;
    let entry = catalog.get(id).ok_or_else(|| {
        BadInput(format!(
            "No entry {id:?} in {}; `paperdex search` prints entry ids.",
            catalog.origin
        ))
    })?;
    let status = store.status(entry);
    let stdout = io::stdout();
    if json {
        let mut value = serde_json::to_value(entry)?;
        for (k, v) in &status {
            value[k] = serde_json::Value::String(v.clone());
        }
        output::json(stdout.lock(), &value)?;
    } else {
        let color = output::use_color(stdout.is_terminal());
        Printer::new(stdout.lock(), color).entry(entry, &status)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn catalog_check(places: &Places) -> Result<ExitCode> {
    let (files, origin) = match &places.catalog {
        Some(dir) => (catalog::read_dir_files(dir)?, dir.display().to_string()),
        None => (catalog::builtin_files(), "the built-in catalog".to_string()),
    };
    let (entries, problems) = catalog::parse_files(&files);
    let mut stdout = io::stdout().lock();
    for p in &problems {
        writeln!(stdout, "{p}")?;
    }
    if problems.is_empty() {
        eprintln!(
            "{} entries in {} files of {origin}: no problems.",
            entries.len(),
            files.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} problem(s) in {origin}.", problems.len());
        Ok(ExitCode::from(1))
    }
}

/// A progress bar on standard error, hidden when it is not a terminal or output is quiet.
pub fn progress_bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>9} [{bar:30}] {pos}/{len} {wide_msg}")
            .expect("the progress template is valid")
            .progress_chars("=> "),
    );
    bar.set_prefix(what.to_string());
    bar
}

fn index_catalog(
    store: &Store,
    catalog: &Catalog,
    rebuild: bool,
    quiet: bool,
) -> Result<UpdateStats> {
    let bar = progress_bar(0, "Indexing", quiet);
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let stats = index::update(
        &store.index_dir(),
        &catalog.entries,
        &NoText,
        rebuild,
        &progress,
    )?;
    bar.finish_and_clear();
    Ok(stats)
}

fn report_index(stats: &UpdateStats, quiet: bool) {
    for (id, err) in &stats.text_errors {
        eprintln!("warning: {id}: indexed without its text: {err}");
    }
    if !quiet {
        eprintln!(
            "Index: {} added, {} updated, {} removed, {} unchanged.",
            stats.added, stats.updated, stats.removed, stats.unchanged
        );
    }
}
