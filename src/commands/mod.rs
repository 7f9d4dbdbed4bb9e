//! The binary's glue: one file per command, each resolving its configuration, calling the
//! pipeline stages in order and handing what they return to `output`. Progress goes to
//! standard error, results to standard output. This file is only the dispatch table and the
//! context every command shares.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::Result;

use paperdex::catalog::{self, Catalog};
use paperdex::cli::{CatalogCommand, Command, ModelCommand, Opts, Places};
use paperdex::embed::{self, ModelLocation};
use paperdex::fetch;
use paperdex::shard::{self, Shard};
use paperdex::store::{DataLock, Store};

mod attach;
mod catalog_cmd;
mod cite;
mod embed_cmd;
mod export;
mod extract;
mod faults;
mod fetch_cmd;
mod graph;
mod index;
mod library;
mod manual;
mod model;
mod path;
mod progress;
mod reading_order;
mod related;
mod search;
mod serve;
mod show;
mod status;
mod topics;
mod update;

/// What every command may need: where to read and write, how loud and colourful to be, and
/// whether to wait for the data directory's lock.
#[derive(Clone)]
pub struct Context {
    pub places: Places,
    pub store: Store,
    pub quiet: bool,
    /// Whether standard output is coloured, decided once from `--color`, `NO_COLOR` and
    /// whether it is a terminal.
    pub color: bool,
    /// Wait for the data directory's lock instead of failing when another run holds it.
    pub wait: bool,
}

impl Context {
    /// The sentence model to use: `--model`, else `PAPERDEX_MODEL`, else the data directory's
    /// own; `None` when there is none.
    pub fn model(&self) -> Result<Option<ModelLocation>> {
        let env = std::env::var_os(embed::MODEL_ENV);
        embed::locate(
            self.places.model.as_deref(),
            env.as_deref(),
            self.store.root(),
        )
    }

    /// Loads the catalog the options name (a folder, or the built-in one), with the folders
    /// `--add-catalog` adds.
    pub fn catalog(&self) -> Result<Catalog> {
        catalog::load_with(self.places.catalog.as_deref(), &self.places.add_catalogs)
    }

    /// Takes the data directory's write lock, waiting for it with `--wait`, and sets aside a
    /// damaged fetch manifest (rebuilding it from the PDFs present) with one line saying so.
    pub fn lock(&self) -> Result<DataLock> {
        let root = paperdex::output::clean(&self.store.root().display().to_string()).into_owned();
        let quiet = self.quiet;
        let waiting = move || {
            if !quiet {
                eprintln!("Waiting for another paperdex to finish with {root}...");
            }
        };
        let lock = self.store.lock_with(self.wait, &waiting)?;
        if let Some(r) = fetch::recover_manifest(&self.store)? {
            eprintln!(
                "warning: {} was damaged: kept it as {} and rebuilt it from the {} document{} present.",
                self.store.manifest_path().display(),
                r.backup.display(),
                r.files,
                paperdex::output::plural(r.files)
            );
        }
        let merged = shard::merge(&self.store)?;
        if !merged.shards.is_empty() && !self.quiet {
            let names: Vec<String> = merged.shards.iter().map(|s| s.to_string()).collect();
            eprintln!(
                "Merged the work of shard{} {}.",
                paperdex::output::plural(merged.shards.len()),
                names.join(", ")
            );
        }
        for (shard, why) in &merged.discarded {
            eprintln!(
                "warning: the vectors of shard {shard} were not merged: {}; its entries are embedded again by the next `paperdex index`.",
                paperdex::output::clean(why)
            );
        }
        Ok(lock)
    }

    /// Takes the data directory's lock for the work of one shard (shared with the other
    /// shards, waiting with `--wait` for a command that holds it alone), and returns the
    /// store the shard's stages write through.
    pub fn lock_shard(&self, shard: Shard) -> Result<(Store, DataLock)> {
        let root = paperdex::output::clean(&self.store.root().display().to_string()).into_owned();
        let quiet = self.quiet;
        let waiting = move || {
            if !quiet {
                eprintln!("Waiting for another paperdex to finish with {root}...");
            }
        };
        shard::open(&self.store, shard, self.wait, &waiting)
    }
}

/// Runs the command `opts` names and returns the exit code on success.
pub fn run(opts: Opts) -> Result<ExitCode> {
    let places = Places::resolve(&opts);
    let cx = Context {
        store: Store::new(&places.data_dir),
        places,
        quiet: opts.quiet,
        color: opts.color.resolve(io::stdout().is_terminal()),
        wait: opts.wait,
    };
    match opts.command {
        Command::Search(s) => search::run(&cx, s),
        Command::Related { id, limit, json } => related::run(&cx, &id, limit, json),
        Command::Topics { json } => topics::run(&cx, json),
        Command::Show { id, json } => show::run(&cx, &id, json),
        Command::Cite { ids, format } => export::cite(&cx, &ids, format),
        Command::Status { json } => status::run(&cx, json),
        Command::Index { rebuild } => index::run(&cx, rebuild),
        Command::Embed { shard } => embed_cmd::run(&cx, shard.as_deref()),
        Command::Update(u) => update::run(&cx, &u),
        Command::Fetch(f) => fetch_cmd::run(&cx, &f),
        Command::Model(ModelCommand::Fetch) => model::fetch(&cx),
        Command::Model(ModelCommand::Install { dir }) => model::install(&cx, &dir),
        Command::Model(ModelCommand::Status { json }) => model::status(&cx, json),
        Command::Attach { dir: Some(dir), .. } => attach::folder(&cx, &dir),
        Command::Attach {
            id: Some(id),
            file: Some(file),
            ..
        } => attach::run(&cx, &id, &file),
        Command::Attach { .. } => Err(paperdex::cli::BadInput(
            "attach needs an ID and a FILE.pdf, or --dir DIR.".into(),
        )
        .into()),
        Command::Extract(e) => extract::run(&cx, e),
        Command::Catalog(CatalogCommand::Check { json }) => catalog_cmd::check(&cx, json),
        Command::Catalog(CatalogCommand::Import {
            list,
            source,
            out,
            force,
            attach,
            base_url,
        }) => library::import(
            &cx,
            &list,
            &source,
            out.as_deref(),
            force,
            attach,
            base_url.as_ref(),
        ),
        Command::Completions { shell } => manual::completions(shell),
        Command::Complete { what } => manual::values(&cx, what),
        Command::Man { dir } => manual::man(&cx, dir.as_deref()),
        Command::Path {
            id,
            depth,
            wide,
            json,
            format,
        } => path::run(&cx, &id, path::Reach { depth, wide }, json, format),
        Command::ReadingOrder {
            topic,
            json,
            format,
        } => reading_order::run(&cx, &topic, json, format),
        Command::Graph { topic, format } => graph::run(&cx, &topic, format),
        Command::Serve { addr, open } => serve::run(&cx, addr, open),
    }
}
