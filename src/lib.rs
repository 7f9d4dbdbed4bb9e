//! paperdex: full-text search over the distributed-systems reading list and the papers it
//! links. The pipeline runs catalog -> fetch -> extract -> cite -> index -> search, one module
//! a stage; `store` lays out the data directory, `fault` keeps one bad document from stopping a run, `coverage` tells how much of the catalog has
//! full text, `cli` turns the command line into a validated configuration, `output` renders
//! what the stages return and `serve` shows them as web pages. `boundary` keeps the byte offsets
//! that cite and search compute on character boundaries; `biblio` writes entries as
//! citations (BibTeX, RIS, CSL-JSON) and reads reference managers' libraries into entries.

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
pub mod output;
pub mod pipeline;
pub mod search;
pub mod serve;
pub mod store;
