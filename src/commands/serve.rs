//! `paperdex serve`: opens the library the way `search` does and hands it to the web front
//! end, with the files whose change means an `update` committed, so it is loaded again.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;

use paperdex::embed::Vectors;
use paperdex::serve::{self, Library, Options};

use super::{cite, search, Context};

pub fn run(cx: &Context, addr: SocketAddr, open: bool) -> Result<ExitCode> {
    // The loader outlives this call (it runs again on every reload), so it owns its context.
    let own = cx.clone();
    let load: serve::Loader = Arc::new(move || {
        let catalog = own.catalog()?;
        let engine = search::open_engine(&own, true)?;
        let links = cite::links(&own.store)?;
        Library::new(catalog, engine, links, &own.store)
    });
    let mut watch = vec![
        cx.store.index_dir().join("meta.json"),
        cx.store.citations_path(),
        cx.store.thesaurus_path(),
        // New vectors from `index` bring search by meaning to entries that lacked it.
        Vectors::path(cx.store.root()),
        paperdex::embed::passages::path(cx.store.root()),
    ];
    watch.extend(cx.places.catalog.clone());
    let options = Options {
        addr,
        open,
        quiet: cx.quiet,
        watch,
    };
    let root = paperdex::output::clean(&cx.store.root().display().to_string()).into_owned();
    let quiet = cx.quiet;
    serve::run(options, cx.store.clone(), load, |bound| {
        // The address goes to standard output, as the command's result: with port 0 it is the
        // only way to learn the port the system chose.
        println!("Serving {root} at http://{bound}/");
        let _ = std::io::stdout().flush();
        if !bound.ip().is_loopback() {
            eprintln!(
                "warning: {bound} is reachable from other machines; anyone who can reach it can read the library and its PDFs."
            );
        }
        if !quiet {
            eprintln!("Press Ctrl-C to stop.");
        }
    })?;
    if !quiet {
        eprintln!("Stopped.");
    }
    Ok(ExitCode::SUCCESS)
}
