//! Serve: the library in a browser, a front end beside `cli` and `output`. In: a data
//! directory and how to open its `Library` (the catalog folder, the sentence model), handed
//! over by the `serve` command; the library is opened here, and opened again whenever what it
//! watches changes. Out: HTTP on one address, answering
//! with server-rendered HTML pages (search with facets, an entry, the topic tree), the PDFs of
//! the data directory with byte ranges, and JSON shaped as the CLI's `--json`. The stages it
//! calls never learn about HTTP; this module never searches or ranks by itself.
//!
//! `server` holds the routes, the reload of the library when an `update` commits, and the
//! safety defaults (loopback, host check, headers); `params` reads and writes the URL's
//! search parameters; `pages` renders HTML with compiled templates that escape every value;
//! `svg` draws an entry's citation neighbourhood; `pdf` answers byte ranges of a file.

use std::net::SocketAddr;

use crate::library::OpenOptions;

mod pages;
mod params;
mod pdf;
mod server;
mod svg;

pub use server::run;

/// How `paperdex serve` was asked to run.
pub struct Options {
    pub addr: SocketAddr,
    /// Open the page in the desktop's browser once listening.
    pub open: bool,
    pub quiet: bool,
    /// How the library is opened, at start and on every reload.
    pub library: OpenOptions,
}
