//! Fuzzes the search stage's passages: an arbitrary query (the input's first line) over an
//! arbitrary text (the rest, its pages separated by form feeds as the index stores them),
//! picked and highlighted by the functions a search runs for every hit, then printed as the
//! terminal shows a hit. Highlights must slice their passage, and nothing may panic or hang.
//! Run from the repository root with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz passage tests/fuzz/corpus/passage tests/fuzz/seeds/passage`.
#![no_main]

use std::ops::Range;

use libfuzzer_sys::fuzz_target;
use paperdex::output::Printer;
use paperdex::search::{fuzzing, Facets, Hit, Matched, MeaningUse, Passage, Results};

/// Highlights lie on character boundaries of their text, in order and apart.
fn check(p: &Passage) {
    let mut at = 0;
    for h in &p.highlights {
        assert!(
            h.start < h.end && h.start >= at,
            "{:?} in {:?}",
            p.highlights,
            p.text
        );
        assert!(p.text.get(h.clone()).is_some(), "{h:?} in {:?}", p.text);
        at = h.end;
    }
}

fn hit(passages: Vec<Passage>, snippet: String, highlights: Vec<Range<usize>>) -> Hit {
    Hit {
        id: "fuzz".into(),
        title: "Fuzz".into(),
        aliases: Vec::new(),
        authors: vec!["A. Author".into()],
        year: Some(2001),
        kind: None,
        topics: Vec::new(),
        url: None,
        score: 1.0,
        page: passages.first().and_then(|p| p.page),
        section: passages.first().and_then(|p| p.section.clone()),
        snippet,
        highlights,
        passages,
        pdf: None,
        cited_by: 0,
        matched: Matched::Words,
    }
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let (query, body) = input.split_once('\n').unwrap_or((&input, ""));
    // Pages start after each form feed, as the index joins them.
    let mut starts = vec![0u64];
    starts.extend(body.match_indices('\x0c').map(|(i, _)| i as u64 + 1));
    let passages = fuzzing::passages(query, body, &starts);
    assert!(passages.len() <= 3);
    passages.iter().for_each(check);
    // A hit without passages shows its summary whole.
    let summary = fuzzing::whole(query, body);
    check(&summary);
    let results = Results {
        query: query.to_string(),
        total: 2,
        hits: vec![
            hit(passages, String::new(), Vec::new()),
            hit(Vec::new(), summary.text, summary.highlights),
        ],
        facets: Facets::default(),
        corrections: Vec::new(),
        showing_results_for: None,
        did_you_mean: None,
        meaning: MeaningUse::NotNeeded,
    };
    Printer::new(Vec::new(), true)
        .results(&results)
        .expect("printing to memory");
});
