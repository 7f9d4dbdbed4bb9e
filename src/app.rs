//! Runs one command: resolves the configuration, calls the pipeline stages in order and hands
//! what they return to `output`. Progress goes to standard error, results to standard output.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use paperdex::catalog::{self, Catalog};
use paperdex::cli::{
    parse_size, parse_years, BadInput, CatalogCommand, Command, ExtractOpts, FetchOpts, Opts,
    Places, SearchOpts,
};
use paperdex::extract::{self, Limits};
use paperdex::fetch::{self, FetchEvent, FetchItem, FetchOptions, FetchReport, Outcome};
use paperdex::index::{self, UpdateStats};
use paperdex::output::{self, Printer};
use paperdex::pipeline::{self, ExtractReport, StoredText};
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
            let _lock = store.lock()?;
            let stats = index_catalog(&store, &catalog, rebuild, quiet)?;
            report_index(&stats, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Command::Update(u) => {
            let catalog = load_catalog(&places)?;
            let _lock = store.lock()?;
            if !u.offline {
                // Failed downloads are reported; the pipeline goes on with what there is.
                run_fetch(&store, &catalog, &u.fetch, quiet)?;
            }
            let extracted = run_extract(&store, &catalog, quiet)?;
            report_extract(&extracted, quiet);
            let stats = index_catalog(&store, &catalog, u.rebuild, quiet)?;
            report_index(&stats, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Command::Fetch(f) => {
            let catalog = load_catalog(&places)?;
            let _lock = store.lock()?;
            let report = run_fetch(&store, &catalog, &f, quiet)?;
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Attach { id, file } => {
            let catalog = load_catalog(&places)?;
            if catalog.get(&id).is_none() {
                return Err(BadInput(format!("No entry {id:?} in {}.", catalog.origin)).into());
            }
            let _lock = store.lock()?;
            let entry = fetch::attach(&id, &file, store.root())
                .with_context(|| format!("Could not attach {} to {id}", file.display()))?;
            if !quiet {
                eprintln!(
                    "Attached {} to {id} ({} KB); run `paperdex update --offline` to index it.",
                    file.display(),
                    entry.bytes.div_ceil(1000)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Extract(e) => extract_files(e, quiet),
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
    let status = pipeline::entry_status(store, entry)?;
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
    let texts = StoredText::load(store)?;
    let stats = index::update(
        &store.index_dir(),
        &catalog.entries,
        &texts,
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

fn fetch_options(f: &FetchOpts) -> Result<FetchOptions> {
    if f.jobs == 0 {
        return Err(BadInput("--jobs must be at least 1.".into()).into());
    }
    Ok(FetchOptions {
        jobs: f.jobs,
        max_size: parse_size(&f.max_size)?,
        refresh: f.refresh,
        retry_failed: f.retry_failed,
        only: (!f.only.is_empty()).then(|| f.only.clone()),
        ..FetchOptions::default()
    })
}

fn run_fetch(store: &Store, catalog: &Catalog, f: &FetchOpts, quiet: bool) -> Result<FetchReport> {
    let opts = fetch_options(f)?;
    let (documents, pages): (Vec<_>, Vec<_>) =
        catalog.entries.iter().partition(|e| e.expects_pdf());
    let items: Vec<FetchItem> = documents
        .into_iter()
        .map(|e| FetchItem {
            id: e.id.clone(),
            urls: e.urls.clone(),
            open_access: e.open_access(),
        })
        .collect();
    let terminal = io::stderr().is_terminal();
    let bar = progress_bar(0, "Fetching", quiet);
    let on_event = |event: FetchEvent| match event {
        FetchEvent::Planned { total } => bar.set_length(total as u64),
        FetchEvent::Started { id, .. } => bar.set_message(id.to_string()),
        FetchEvent::Finished { id, outcome } => {
            bar.inc(1);
            if quiet || terminal {
                return;
            }
            // Failures are listed once, grouped by reason, in the summary.
            if let Outcome::Fetched(m) = outcome {
                eprintln!("fetched {id} ({} KB)", m.bytes.div_ceil(1000));
            }
        }
        _ => {}
    };
    let report = fetch::fetch_all(&items, store.root(), &opts, &on_event)?;
    bar.finish_and_clear();
    let mut stderr = io::stderr().lock();
    output::fetch_report(&mut stderr, &report, pages.len(), quiet)?;
    Ok(report)
}

fn run_extract(store: &Store, catalog: &Catalog, quiet: bool) -> Result<ExtractReport> {
    let bar = progress_bar(0, "Extracting", quiet);
    let progress = |done: usize, total: usize, id: &str| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(id.to_string());
    };
    let report = pipeline::extract_stage(store, &catalog.entries, &progress)?;
    bar.finish_and_clear();
    Ok(report)
}

fn report_extract(report: &ExtractReport, quiet: bool) {
    for (id, reason) in &report.failed {
        eprintln!("warning: {id}: no text extracted: {reason}");
    }
    if !quiet {
        eprintln!(
            "Extract: {} extracted, {} unchanged, {} without text.",
            report.extracted.len(),
            report.cached.len(),
            report.failed.len() + report.failed_before.len()
        );
    }
}

fn extract_files(e: ExtractOpts, quiet: bool) -> Result<ExitCode> {
    if e.jobs == Some(0) {
        return Err(BadInput("--jobs must be at least 1.".into()).into());
    }
    let limits = Limits::default();
    if e.out.is_none() && e.files.len() == 1 {
        let text = extract::extract_file(&e.files[0], &limits)
            .with_context(|| format!("Could not extract {}", e.files[0].display()))?;
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.text().as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(out) = e.out else {
        return Err(BadInput("Several files need --out DIR for their text.".into()).into());
    };
    std::fs::create_dir_all(&out).with_context(|| format!("Could not create {}", out.display()))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(e.jobs.unwrap_or(0))
        .build()
        .context("Could not start the extraction threads")?;
    let bar = progress_bar(e.files.len() as u64, "Extracting", quiet);
    let failures: Vec<String> = pool.install(|| {
        use rayon::prelude::*;
        e.files
            .par_iter()
            .filter_map(|file| {
                let stem = file.file_stem().unwrap_or_default().to_string_lossy();
                let target = out.join(format!("{stem}.txt"));
                let result = extract::extract_file(file, &limits)
                    .map_err(anyhow::Error::from)
                    .and_then(|t| paperdex::store::write_atomic(&target, t.text().as_bytes()));
                bar.inc(1);
                result
                    .err()
                    .map(|err| format!("{}: {err:#}", file.display()))
            })
            .collect()
    });
    bar.finish_and_clear();
    for f in &failures {
        eprintln!("paperdex: {f}");
    }
    if !quiet {
        eprintln!(
            "Extracted {} of {} files into {}.",
            e.files.len() - failures.len(),
            e.files.len(),
            out.display()
        );
    }
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
