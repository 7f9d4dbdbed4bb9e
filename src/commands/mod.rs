//! The binary's glue: one file per command, each resolving its configuration, calling the
//! pipeline stages in order and handing what they return to `output`. Progress goes to
//! standard error, results to standard output. This file is only the dispatch table.

use std::process::ExitCode;

use anyhow::Result;

use paperdex::catalog::{self, Catalog};
use paperdex::cli::{CatalogCommand, Command, Opts, Places};
use paperdex::store::Store;

mod attach;
mod catalog_cmd;
mod cite;
mod extract;
mod fetch;
mod graph;
mod index;
mod path;
mod progress;
mod reading_order;
mod search;
mod show;
mod topics;
mod update;

/// What every command may need: where to read and write, and whether to stay quiet.
pub struct Context {
    pub places: Places,
    pub store: Store,
    pub quiet: bool,
}

impl Context {
    /// Loads the catalog the options name (a folder, or the built-in one).
    pub fn catalog(&self) -> Result<Catalog> {
        catalog::load(self.places.catalog.as_deref())
    }
}

/// Runs the command `opts` names and returns the exit code on success.
pub fn run(opts: Opts) -> Result<ExitCode> {
    let places = Places::resolve(&opts);
    let cx = Context {
        store: Store::new(&places.data_dir),
        places,
        quiet: opts.quiet,
    };
    match opts.command {
        Command::Search(s) => search::run(&cx, s),
        Command::Topics { json } => topics::run(&cx, json),
        Command::Show { id, json } => show::run(&cx, &id, json),
        Command::Index { rebuild } => index::run(&cx, rebuild),
        Command::Update(u) => update::run(&cx, &u),
        Command::Fetch(f) => fetch::run(&cx, &f),
        Command::Attach { id, file } => attach::run(&cx, &id, &file),
        Command::Extract(e) => extract::run(&cx, e),
        Command::Catalog(CatalogCommand::Check) => catalog_cmd::check(&cx),
        Command::Catalog(CatalogCommand::Import { list, source, out }) => {
            catalog_cmd::import(&cx, &list, &source, out.as_deref())
        }
        Command::Path { id, depth, json } => path::run(&cx, &id, depth, json),
        Command::ReadingOrder { topic, json } => reading_order::run(&cx, &topic, json),
        Command::Graph { topic, format } => graph::run(&cx, &topic, format),
    }
}
