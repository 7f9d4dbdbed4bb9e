//! Typo tolerance, part of the query planner: for a word the index does not hold, or holds far
//! less often than a near spelling, it finds the index's words within a small edit distance
//! (one edit from five letters, two from nine; a swap of two letters is one edit), looked up
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
        n if n >= 9 => 2,
        n if n >= 5 => 1,
        // Short words have many neighbours: only a word that occurs nowhere is corrected.
        4 if !occurs => 1,
        _ => 0,
    }
}

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

/// Corrections for `word` (normalized as the `words` field is), which `occurs` documents hold;
/// `None` when it needs none.
pub fn correct(
    searcher: &Searcher,
    field: Field,
    word: &str,
    occurs: u64,
) -> Result<Option<Spelling>> {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let max = max_distance(word.chars().count(), occurs > 0);
    for distance in 1..=max {
        let mut near = near_words(searcher, field, word, distance)?;
        if occurs > 0 {
            near.retain(|(_, n)| *n >= occurs.saturating_mul(FAR_MORE_COMMON));
        }
        // A function word is never what a misspelt content word meant.
        near.retain(|(w, _)| !is_stopword(w));
        if near.is_empty() {
            continue;
        }
        // A second spelling is kept only when it is nearly as common as the first.
        let best = near[0].1;
        near.truncate(MAX_CORRECTIONS);
        near.retain(|(_, n)| n.saturating_mul(4) >= best);
        return Ok(Some(Spelling {
            words: near,
            replaces: occurs == 0,
        }));
    }
    Ok(None)
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
        let fix = correct(&s, f, "paxso", 0).unwrap().unwrap();
        assert_eq!(fix.words[0].0, "paxos");
        assert!(fix.replaces);
        // Two edits only from nine letters on.
        let fix = correct(&s, f, "linearizabilty", 0).unwrap().unwrap();
        assert_eq!(fix.words[0].0, "linearizability");
        assert_eq!(correct(&s, f, "pxsoa", 0).unwrap(), None);
    }

    #[test]
    fn a_rare_word_is_corrected_only_toward_a_far_more_common_one() {
        let (s, f) = searcher(&[("paxos", 40), ("paxso", 1), ("raft", 3), ("rafts", 2)]);
        let fix = correct(&s, f, "paxso", 1).unwrap().unwrap();
        assert_eq!(fix.words[0].0, "paxos");
        assert!(!fix.replaces);
        assert_eq!(correct(&s, f, "rafts", 2).unwrap(), None);
        // Short words and words with digits are left alone.
        assert_eq!(correct(&s, f, "raf", 0).unwrap(), None);
        assert_eq!(correct(&s, f, "2pc", 0).unwrap(), None);
    }
}
