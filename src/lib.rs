//! paperdex: full-text search over the distributed-systems reading list and the papers it
//! links. The pipeline runs catalog -> fetch -> extract -> cite -> index -> embed, one module
//! a stage, each run the same way over the data directory (`stage` is the contract, `store`
//! the map of the directory, `text` the extracted text every stage after extraction reads).
//! `library` is the doorway: it runs the pipeline under the lock and opens a data directory
//! for `search`. `fault` keeps one bad document from stopping a run, `boundary` keeps byte
//! offsets on character boundaries, `coverage` tells how much of the catalog has full text,
//! `biblio` writes citations and reads reference managers' libraries, `shard` splits fetch
//! and extract over several processes sharing one data directory. The front ends sit on
//! top: `cli` turns the command line into a validated configuration, `output` renders what
//! the library returns, and `serve` shows it as web pages.

pub mod biblio;
pub mod boundary;
pub mod catalog;
pub mod cite;
pub mod cli;
pub mod coverage;
pub mod embed;
pub mod extract;
pub mod fault;
pub mod fetch;
pub mod index;
pub mod library;
pub mod output;
pub mod search;
pub mod serve;
pub mod shard;
pub mod stage;
pub mod store;
/// A scripted loopback HTTP server for the unit and integration tests (standard library only).
#[doc(hidden)]
pub mod testing;
pub mod text;
