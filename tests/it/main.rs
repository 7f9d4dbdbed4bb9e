//! The integration tests, as one binary: each module runs the real `paperdex` binary (or the
//! library through its public API) over one area, sharing the helpers in `common`. One binary
//! links tantivy, candle and axum once instead of once per area. `tests/embed_threads.rs`
//! stays a binary of its own, since it changes settings of the whole process.

mod common;

mod bibliography;
mod browser;
mod citations;
mod conventions;
mod dask;
mod embed_model;
mod faults;
mod first_hour;
mod meaning;
mod ocr;
mod pipeline;
mod query;
mod search;
mod serve;
mod shards;
mod students;
mod wear;
mod web;
