//! `paperdex related ID`: the entries most like one entry, by the terms that tell it apart.

use std::process::ExitCode;

use anyhow::Result;

use super::search::{open_library, print};
use super::Context;

pub fn run(cx: &Context, id: &str, limit: usize, json: bool) -> Result<ExitCode> {
    let results = open_library(cx, false)?.related(id, limit)?;
    print(cx, &results, json)?;
    Ok(if results.hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
