//! Fuzzes the cite stage: arbitrary text, as it is and with a `References` heading put in
//! front of it or inside it, matched against the built-in catalog. Citations or none come
//! out, each with a reference range that slices the text, and never a panic or a hang. Run
//! from the repository root with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz cite tests/fuzz/corpus/cite tests/fuzz/seeds/cite`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use paperdex::catalog;
use paperdex::cite::{bibliography, find_citations, Document, Matcher};

/// The built-in catalog, prepared once: building the automaton is the slow part.
fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let catalog = catalog::load(None).expect("the built-in catalog loads");
        Matcher::new(&catalog.entries)
    })
}

/// Enough body before a heading that it counts as the references, not a table of contents.
const BODY: &str = "Consensus in asynchronous systems with crash failures and partial synchrony.\n";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let raw = String::from_utf8_lossy(rest);
    let text = match mode % 3 {
        // The text as it is: a heading or a run of labels may be in it already.
        0 => raw.into_owned(),
        // After a body and a heading: every line of it is in the references.
        1 => format!("{}References\n{raw}", BODY.repeat(8)),
        // A heading at a character boundary inside it, chosen by the mode byte.
        _ => {
            let mut at = (usize::from(mode) * raw.len()) / 256;
            while !raw.is_char_boundary(at) {
                at -= 1;
            }
            format!("{}\n\nREFERENCES\n\n{}", &raw[..at], &raw[at..])
        }
    };
    // Lines that are web addresses stand for a web page's links.
    let links: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("http") || l.starts_with("www."))
        .map(str::to_string)
        .collect();
    let matcher = matcher();
    let bib = bibliography::locate(&text);
    for span in &bib.spans {
        assert!(text.get(span.clone()).is_some(), "span {span:?}");
    }
    for found in matcher.find("fuzz", &text, &bib) {
        assert!(
            text.get(found.reference.clone()).is_some(),
            "reference {:?} of {}",
            found.reference,
            found.id
        );
    }
    let doc = Document {
        id: "fuzz".to_string(),
        text,
        links,
    };
    let found = find_citations(&doc, matcher);
    assert!(found.citations.iter().all(|c| c.id != "fuzz"));
});
