//! What `update` and `index` say at the end about documents that failed inside paperdex:
//! the first few by id with the reason, and where to read the rest.

use std::collections::BTreeSet;

use paperdex::fault::Fault;
use paperdex::output;

/// Documents named one by one before the rest are counted.
const FEW: usize = 5;

/// Prints the documents that failed in this run (as errors: the run exits 1) and a one-line
/// reminder of those that failed before and were left alone.
pub fn report(new: &[Fault], before: &[&[String]], quiet: bool) {
    let before: BTreeSet<&String> = before.iter().flat_map(|ids| ids.iter()).collect();
    if !new.is_empty() {
        let documents: BTreeSet<&str> = new.iter().map(|f| f.id.as_str()).collect();
        let n = documents.len();
        eprintln!(
            "paperdex: error: {n} document{} failed inside paperdex; the rest of the library was built without {}:",
            output::plural(n),
            if n == 1 { "it" } else { "them" }
        );
        for f in new.iter().take(FEW) {
            eprintln!(
                "  {}: no {}: {}",
                f.id,
                f.stage.what(),
                output::clean(&f.reason)
            );
        }
        if new.len() > FEW {
            eprintln!("  and {} more.", new.len() - FEW);
        }
        eprintln!(
            "  `paperdex status` lists them, `paperdex show ID` tells what each lacks; they are \
             tried again when their document or paperdex changes. Please report the error."
        );
    }
    let old: Vec<&String> = before
        .iter()
        .copied()
        .filter(|id| !new.iter().any(|f| &&f.id == id))
        .collect();
    if !old.is_empty() && !quiet {
        eprintln!(
            "note: {} document{} failed inside paperdex in an earlier run and {} unchanged, so {} not tried again: {} (`paperdex status`).",
            old.len(),
            output::plural(old.len()),
            if old.len() == 1 { "is" } else { "are" },
            if old.len() == 1 { "it was" } else { "they were" },
            output::first_few(&old, FEW)
        );
    }
}
