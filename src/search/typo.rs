//! Typo tolerance, part of the query planner: for a word the index does not hold, or holds far
//! less often than a near spelling, it finds the index's words within a small edit distance
//! (one edit from five letters, two from seven; a swap of two letters is one edit; a farther
//! spelling must be far more common to be preferred), looked up
//! in the unstemmed `words` field so a correction can be shown as a real word.

use std::collections::HashMap;

use anyhow::Result;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::stopwords::is_stopword;

/// How many times more documents a near spelling must have than the typed word for the typed
/// word to be taken as a misspelling although it occurs.
const FAR_MORE_COMMON: u64 = 20;

/// Most documents a word may occur in and still be taken for a misspelling of another.
const MAX_DOUBTED: u64 = 3;

/// Most corrections tried for one word.
const MAX_CORRECTIONS: usize = 2;

/// Spellings of a typed word that the index holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spelling {
    /// The word as the index has it, best first.
    pub words: Vec<(String, u64)>,
    /// Whether the typed word occurs nowhere, so the corrections stand in for it.
    pub replaces: bool,
}

/// Number of documents whose `field` holds `word`.
pub fn doc_freq(searcher: &Searcher, field: Field, word: &str) -> Result<u64> {
    Ok(searcher.doc_freq(&Term::from_field_text(field, word))?)
}

/// The edits allowed for a word of this many characters.
fn max_distance(chars: usize, occurs: bool) -> u8 {
    match chars {
        // Two edits only where the word is long enough that its near spellings are few.
        n if n >= 7 => 2,
        n if n >= 5 => 1,
        // Short words have many neighbours: only a word that occurs nowhere is corrected.
        4 if !occurs => 1,
        _ => 0,
    }
}

/// How many times more documents a spelling one edit further away must have to be preferred:
/// a second slip is that much less likely than the first.
const PER_EDIT: f64 = 10.0;

/// The index's words within `distance` edits of `word`, with how many documents hold each.
pub fn near_words(
    searcher: &Searcher,
    field: Field,
    word: &str,
    distance: u8,
) -> Result<Vec<(String, u64)>> {
    let query = FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true);
    let mut found: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let automaton = query.automaton()?;
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted.terms().search(automaton).into_stream()?;
        while stream.advance() {
            let Ok(text) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if text != word {
                *found.entry(text.to_string()).or_insert(0) += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut found: Vec<(String, u64)> = found.into_iter().collect();
    found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(found)
}

/// Most spellings weighed against the query's other words.
const MAX_IN_CONTEXT: usize = 6;

/// Corrections for `word` (normalized as the `words` field is), which `occurs` documents hold;
/// `None` when it needs none. `context` tells in how many documents a spelling stands next to
/// the query's neighbouring word (`partion tolerance` is `partition`, not `portion`). A
/// `real` word (an English word, however rare here) is never replaced: a spelling is only
/// offered beside it, and only one that stands next to the neighbouring word where the typed
/// word never does (`dinning cryptographers`).
pub fn correct(
    searcher: &Searcher,
    field: Field,
    word: &str,
    occurs: u64,
    real: bool,
    context: &dyn Fn(&str) -> u64,
) -> Result<Option<Spelling>> {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    if real {
        return offer(searcher, field, word, context);
    }
    // A word in several documents is a real word, and one in many cannot have a spelling far
    // more common than itself: neither needs the dictionary walked.
    if occurs > MAX_DOUBTED || occurs.saturating_mul(FAR_MORE_COMMON) > searcher.num_docs() {
        return Ok(None);
    }
    let max = max_distance(word.chars().count(), occurs > 0);
    let mut near: Vec<(String, u64, f64)> = Vec::new();
    for distance in 1..=max {
        let cost = PER_EDIT.powi(i32::from(distance));
        for (w, n) in near_words(searcher, field, word, distance)? {
            if near.iter().any(|(seen, _, _)| *seen == w) {
                continue;
            }
            let keep =
                (occurs == 0 || n >= occurs.saturating_mul(FAR_MORE_COMMON)) && !is_stopword(&w);
            if keep {
                near.push((w, n, n as f64 / cost));
            }
        }
    }
    if near.is_empty() {
        return Ok(None);
    }
    near.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    near.truncate(MAX_IN_CONTEXT);
    for (w, _, score) in &mut near {
        *score *= 1.0 + context(w) as f64;
    }
    near.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    // A second spelling is kept only when it is nearly as likely as the first.
    let best = near[0].2;
    near.truncate(MAX_CORRECTIONS);
    near.retain(|(_, _, score)| score * 4.0 >= best);
    Ok(Some(Spelling {
        words: near.into_iter().map(|(w, n, _)| (w, n)).collect(),
        replaces: occurs == 0,
    }))
}

/// The spelling to offer beside a real word: the nearest one that the query's neighbouring
/// word stands beside in the library while the typed word does not.
fn offer(
    searcher: &Searcher,
    field: Field,
    word: &str,
    context: &dyn Fn(&str) -> u64,
) -> Result<Option<Spelling>> {
    let max = max_distance(word.chars().count(), true).min(1);
    if max == 0 || context(word) > 0 {
        return Ok(None);
    }
    let mut best: Option<(String, u64, u64)> = None;
    for (w, n) in near_words(searcher, field, word, max)?
        .into_iter()
        .take(MAX_IN_CONTEXT)
    {
        if is_stopword(&w) {
            continue;
        }
        let beside = context(&w);
        if beside > 0 && best.as_ref().is_none_or(|(_, _, b)| beside > *b) {
            best = Some((w, n, beside));
        }
    }
    Ok(best.map(|(w, n, _)| Spelling {
        words: vec![(w, n)],
        replaces: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{Schema, STRING};
    use tantivy::{doc, Index, IndexWriter};

    fn searcher(words: &[(&str, usize)]) -> (Searcher, Field) {
        let mut b = Schema::builder();
        let f = b.add_text_field("w", STRING);
        let index = Index::create_in_ram(b.build());
        let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
        for (word, docs) in words {
            for _ in 0..*docs {
                writer.add_document(doc!(f => *word)).unwrap();
            }
        }
        writer.commit().unwrap();
        (index.reader().unwrap().searcher(), f)
    }

    #[test]
    fn an_absent_word_is_replaced_by_its_nearest_common_spelling() {
        let (s, f) = searcher(&[("paxos", 5), ("pagos", 1), ("linearizability", 3)]);
        let fix = correct(&s, f, "paxso", 0, false, &|_| 0).unwrap().unwrap();
        assert_eq!(fix.words[0].0, "paxos");
        assert!(fix.replaces);
        let fix = correct(&s, f, "linearizabilty", 0, false, &|_| 0)
            .unwrap()
            .unwrap();
        assert_eq!(fix.words[0].0, "linearizability");
        assert_eq!(correct(&s, f, "pxsoa", 0, false, &|_| 0).unwrap(), None);
    }

    #[test]
    fn a_spelling_two_edits_away_wins_only_when_far_more_common() {
        let (s, f) = searcher(&[
            ("partition", 60),
            ("portion", 2),
            ("parton", 5),
            ("porter", 1),
        ]);
        // Two letters dropped from `partition`; `portion` is one edit away but rare.
        let fix = correct(&s, f, "partion", 0, false, &|_| 0)
            .unwrap()
            .unwrap();
        assert_eq!(fix.words[0].0, "partition");
        // With the neighbouring word in mind, the nearer spelling can win.
        let beside_parton = |w: &str| if w == "parton" { 50 } else { 0 };
        let fix = correct(&s, f, "partion", 0, false, &beside_parton)
            .unwrap()
            .unwrap();
        assert_eq!(fix.words[0].0, "parton");
        // Six letters: one edit only.
        let fix = correct(&s, f, "portar", 0, false, &|_| 0).unwrap().unwrap();
        assert_eq!(fix.words[0].0, "porter");
    }

    #[test]
    fn a_rare_word_is_corrected_only_toward_a_far_more_common_one() {
        let (s, f) = searcher(&[("paxos", 40), ("paxso", 1), ("raft", 3), ("rafts", 2)]);
        let fix = correct(&s, f, "paxso", 1, false, &|_| 0).unwrap().unwrap();
        assert_eq!(fix.words[0].0, "paxos");
        assert!(!fix.replaces);
        assert_eq!(correct(&s, f, "rafts", 2, false, &|_| 0).unwrap(), None);
        // Short words and words with digits are left alone.
        assert_eq!(correct(&s, f, "raf", 0, false, &|_| 0).unwrap(), None);
        assert_eq!(correct(&s, f, "2pc", 0, false, &|_| 0).unwrap(), None);
    }

    #[test]
    fn a_real_word_is_never_replaced_and_gets_an_offer_only_from_its_context() {
        let (s, f) = searcher(&[("dining", 4), ("brian", 3), ("pagos", 1)]);
        // `brain` is not in this library; `brian` is, one edit away: no correction.
        assert_eq!(correct(&s, f, "brain", 0, true, &|_| 0).unwrap(), None);
        // Beside its neighbour, `dining` stands where `dinning` never does: offered, not
        // replacing.
        let beside = |w: &str| u64::from(w == "dining") * 3;
        let offer = correct(&s, f, "dinning", 0, true, &beside)
            .unwrap()
            .unwrap();
        assert_eq!(offer.words[0].0, "dining");
        assert!(!offer.replaces);
    }
}
