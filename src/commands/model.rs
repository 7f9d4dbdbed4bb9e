//! `paperdex model fetch`, `install` and `status`: getting the sentence model that search by
//! meaning uses (downloaded, or copied from a folder one has), and telling which one is in use.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use paperdex::embed::{
    self, DownloadError, DownloadOptions, DownloadReport, ModelOrigin, Vectors, MINILM_FILES,
};
use paperdex::output;

use super::{progress, Context};

/// The environment variable naming another place to download the model's files from.
const URL_ENV: &str = "PAPERDEX_MODEL_URL";

pub fn fetch(cx: &Context) -> Result<ExitCode> {
    let report = download(cx)?;
    if !cx.quiet {
        eprintln!(
            "Model: all-MiniLM-L6-v2 in {} ({} downloaded, {} already there); `paperdex index` \
             embeds the catalog with it.",
            output::clean(&report.dir.display().to_string()),
            report.downloaded.len(),
            report.present.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn install(cx: &Context, from: &Path) -> Result<ExitCode> {
    let report = embed::install(from, &embed::model_dir(cx.store.root()), &MINILM_FILES)?;
    if !cx.quiet {
        eprintln!(
            "Model: all-MiniLM-L6-v2 copied from {} into {} ({} files checked); `paperdex \
             index` embeds the catalog with it.",
            output::clean(&from.display().to_string()),
            output::clean(&report.dir.display().to_string()),
            report.downloaded.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Downloads all-MiniLM-L6-v2 into the data directory, with a progress bar.
pub fn download(cx: &Context) -> Result<DownloadReport, DownloadError> {
    let mut options = DownloadOptions::default();
    if let Some(url) = std::env::var_os(URL_ENV).filter(|v| !v.is_empty()) {
        options.base_url = url.to_string_lossy().into_owned();
    }
    let total: u64 = options.files.iter().map(|f| f.size).sum();
    let bar = progress::bytes_bar(total, "Downloading the sentence model", cx.quiet);
    let done = std::sync::Mutex::new(std::collections::HashMap::<String, u64>::new());
    let on_progress = |name: &str, bytes: u64, _: u64| {
        let mut done = done.lock().unwrap_or_else(|p| p.into_inner());
        done.insert(name.to_string(), bytes);
        bar.set_position(done.values().sum());
    };
    let result = embed::download(&embed::model_dir(cx.store.root()), &options, &on_progress);
    bar.finish_and_clear();
    result
}

pub fn status(cx: &Context, json: bool) -> Result<ExitCode> {
    let location = cx.model()?;
    let vectors = Vectors::load(&cx.store.vectors_path()).ok().flatten();
    let entries = vectors.as_ref().map_or(0, |v| v.len());
    if json {
        let value = output::reports::ModelReport {
            model: location.as_ref().map(|l| l.dir.display().to_string()),
            origin: location.as_ref().map(|l| origin(l.origin)),
            embedded_entries: entries,
        };
        output::json(io::stdout().lock(), &value)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = io::stdout().lock();
    match &location {
        Some(l) => writeln!(
            out,
            "Model: {} ({})",
            output::clean(&l.dir.display().to_string()),
            origin(l.origin)
        )?,
        None => writeln!(
            out,
            "Model: none, so search is by words alone; `paperdex model fetch` downloads \
             all-MiniLM-L6-v2, or name a folder with --model or {}.",
            embed::MODEL_ENV
        )?,
    }
    writeln!(out, "Vectors: {entries} entries embedded")?;
    Ok(ExitCode::SUCCESS)
}

/// Where a model folder was named, in words.
fn origin(origin: ModelOrigin) -> &'static str {
    match origin {
        ModelOrigin::Explicit => "named by --model",
        ModelOrigin::Environment => "named by PAPERDEX_MODEL",
        ModelOrigin::DataDir => "in the data folder",
    }
}
