//! `paperdex serve`: hands the data directory, and how its library is opened, to the web
//! front end, and says where it listens.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Result;

use paperdex::library::OpenOptions;
use paperdex::serve::{self, Options};

use super::Context;

pub fn run(cx: &Context, addr: SocketAddr, open: bool) -> Result<ExitCode> {
    let options = Options {
        addr,
        open,
        quiet: cx.quiet,
        library: OpenOptions {
            catalog_dir: cx.places.catalog.clone(),
            add_catalogs: cx.places.add_catalogs.clone(),
            model: cx.model()?,
            resident: true,
        },
    };
    let root = paperdex::output::clean(&cx.store.root().display().to_string()).into_owned();
    let quiet = cx.quiet;
    serve::run(options, cx.store.clone(), |bound| {
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
