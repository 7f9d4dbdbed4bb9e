//! Hybrid ranking, inside the search stage: when a query's words are not enough (a question,
//! a sentence, a query no entry matches in full, or one with few hits), the entries nearest to
//! it by meaning (from the embed stage, through [`Neighbours`]) join the entries its words
//! found. Entries the query names (every word in the title, names or authors) stay first, in
//! the order the words ranked them; the rest are merged by reciprocal rank. Plain keyword
//! queries never reach the model.

use anyhow::Result;
use serde::Serialize;
use tantivy::DocAddress;

/// Whether a search may use meaning, as the user asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Meaning {
    /// Words first; meaning where the words are not enough.
    #[default]
    Auto,
    /// Words only.
    Off,
    /// Meaning only: the nearest entries, whatever words they hold.
    Only,
}

/// Whether meaning took part in a search, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeaningUse {
    /// The entries nearest in meaning were merged with the words' hits.
    Used,
    /// The words' hits were enough (or the query uses exact syntax): the model was not asked.
    NotNeeded,
    /// The user asked for words only.
    Off,
    /// There is no model or no stored vectors, so the search was by words alone.
    Unavailable,
}

/// How a hit was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Matched {
    Words,
    Meaning,
    Both,
}

/// An entry near a query in meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct Near {
    pub id: String,
    /// Cosine similarity to the query: of the entry's title and summary, or of its nearest
    /// passage, whichever is nearer.
    pub similarity: f32,
    /// The passage of its full text that brought it near, when one did.
    pub passage: Option<NearPassage>,
}

/// Where a passage found by meaning lies: its 1-based page and its byte range in that page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NearPassage {
    pub page: usize,
    pub start: usize,
    pub end: usize,
}

/// Entries near in meaning, as the embed stage finds them; the search stage knows nothing
/// of models.
pub trait Neighbours: Send + Sync {
    /// Whether [`Neighbours::nearest`] can answer: vectors are stored and a model is there.
    fn available(&self) -> bool;

    /// The `k` entries nearest to a query's text, best first.
    fn nearest(&self, query: &str, k: usize) -> Result<Vec<Near>>;

    /// The `k` entries nearest to entry `id`, itself left out, from stored vectors alone.
    fn similar(&self, id: &str, k: usize) -> Vec<(String, f32)>;
}

/// A query with at least this many wanted parts reads as a sentence, not as keywords.
const SENTENCE_PARTS: usize = 4;

/// Fewer hits than this, none of them named by the query, and meaning fills the list.
const FEW_HITS: usize = 10;

/// How deep both rankings are taken before they are fused and cut to the limit asked for, so
/// that every limit up to it shows a prefix of the same order.
pub const DEPTH: usize = 50;

/// Least similarity of an entry to the query for meaning alone to make it a hit: below it, the
/// nearest entries of a query about nothing in the library (or about nothing at all) are
/// noise.
pub const FLOOR: f32 = 0.25;

/// The constant of reciprocal-rank fusion: the larger, the flatter the weight of rank.
const RRF_K: f32 = 10.0;

/// Weight of the words' list in the fusion.
const WORDS_WEIGHT: f32 = 1.0;

/// Weight of the meaning's list: less for a few keywords, whose words say it all, than for
/// a question, a sentence or a stated intent, whose words only describe what is wanted.
const MEANING_WEIGHT_KEYWORDS: f32 = 0.6;
const MEANING_WEIGHT_DESCRIBED: f32 = 1.0;

/// How much more an entry of a kind the query's intent asks for weighs in the fusion.
const FAVOURED: f32 = 1.5;

/// One hit of the words' ranking, as fusion needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ByWords {
    pub address: DocAddress,
    /// Whether the document holds every wanted part of the query.
    pub full: bool,
    /// Whether the query names the document (every word in its title, names or authors).
    pub named: bool,
    /// Whether the document's title, names, concepts or summary hold every wanted part: it
    /// is about the query, not only mentioning its words.
    pub about: bool,
    pub score: f32,
}

/// What the planner learnt of a query that decides whether meaning is asked, and how much
/// it is trusted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signals {
    pub explicit: bool,
    pub question: bool,
    /// The query states an intent (learning, classics, a comparison, an explanation).
    pub intent: bool,
    /// Wanted parts: content words.
    pub parts: usize,
}

impl Signals {
    /// Whether the query describes what it wants rather than naming it: a question, a
    /// sentence, or a stated intent.
    fn described(&self) -> bool {
        self.question || self.intent || self.parts >= SENTENCE_PARTS
    }
}

/// Whether the model should be asked, given how the words did: never for exact syntax or
/// when the user said no; for questions, sentences and stated intents, even when every word
/// matches; and when the words found no entry holding all of them, or few entries and none
/// the query names. The answer never depends on how many hits are asked for.
pub fn wanted(meaning: Meaning, signals: Signals, by_words: &[ByWords]) -> bool {
    match meaning {
        Meaning::Off => return false,
        Meaning::Only => return true,
        Meaning::Auto => {}
    }
    if signals.explicit || signals.parts == 0 {
        return false;
    }
    let weak = !by_words.iter().any(|h| h.full);
    let few = by_words.len() < FEW_HITS && !by_words.iter().any(|h| h.named);
    // Every word may match somewhere and still say little: when no top hit is about them,
    // they are generic words (`figuring out which machines have crashed`).
    let generic = !by_words.iter().take(FEW_HITS).any(|h| h.about || h.named);
    signals.described() || weak || few || generic
}

/// Merges the words' ranking with the nearest entries by meaning (best first, documents of
/// the index). Named hits come first in the words' order; the others are ranked by
/// reciprocal-rank fusion of both lists, the meaning's weighed by how much the query
/// describes rather than names.
pub fn fuse(
    by_words: &[ByWords],
    by_meaning: &[DocAddress],
    signals: Signals,
    favoured: &dyn Fn(DocAddress) -> bool,
) -> Vec<(DocAddress, Matched)> {
    let favour = |a: DocAddress, score: f32| {
        if favoured(a) {
            score * FAVOURED
        } else {
            score
        }
    };
    let meaning_weight = if signals.described() {
        MEANING_WEIGHT_DESCRIBED
    } else {
        MEANING_WEIGHT_KEYWORDS
    };
    let mut out: Vec<(DocAddress, Matched)> = Vec::new();
    let in_meaning = |a: &DocAddress| by_meaning.contains(a);
    for hit in by_words.iter().filter(|h| h.named) {
        let matched = if in_meaning(&hit.address) {
            Matched::Both
        } else {
            Matched::Words
        };
        out.push((hit.address, matched));
    }
    let pinned: Vec<DocAddress> = out.iter().map(|(a, _)| *a).collect();
    let mut scored: Vec<(f32, usize, DocAddress, Matched)> = Vec::new();
    let rest_words = by_words.iter().filter(|h| !h.named).map(|h| h.address);
    for (rank, address) in rest_words.enumerate() {
        let mut score = WORDS_WEIGHT / (RRF_K + rank as f32 + 1.0);
        let mut matched = Matched::Words;
        if let Some(r) = by_meaning
            .iter()
            .filter(|a| !pinned.contains(a))
            .position(|a| *a == address)
        {
            score += meaning_weight / (RRF_K + r as f32 + 1.0);
            matched = Matched::Both;
        }
        scored.push((favour(address, score), scored.len(), address, matched));
    }
    let rest_meaning = by_meaning.iter().filter(|a| !pinned.contains(a));
    for (rank, address) in rest_meaning.enumerate() {
        if scored.iter().any(|(_, _, a, _)| a == address) {
            continue;
        }
        let score = meaning_weight / (RRF_K + rank as f32 + 1.0);
        scored.push((
            favour(*address, score),
            scored.len(),
            *address,
            Matched::Meaning,
        ));
    }
    // Ties keep the words' order, then the model's.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    out.extend(scored.into_iter().map(|(_, _, a, m)| (a, m)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(n: u32) -> DocAddress {
        DocAddress::new(0, n)
    }

    fn words(list: &[(u32, bool, bool)]) -> Vec<ByWords> {
        list.iter()
            .map(|&(n, full, named)| ByWords {
                address: doc(n),
                full,
                named,
                about: true,
                score: 1.0,
            })
            .collect()
    }

    /// `n` hits that hold every word, none named.
    fn many(n: u32) -> Vec<ByWords> {
        let list: Vec<(u32, bool, bool)> = (0..n).map(|i| (i, true, false)).collect();
        words(&list)
    }

    #[test]
    fn keyword_queries_with_full_hits_do_not_ask_the_model() {
        let keywords = Signals {
            parts: 2,
            ..Signals::default()
        };
        assert!(!wanted(Meaning::Auto, keywords, &many(FEW_HITS as u32)));
        // Few hits, none named: meaning fills the list.
        let hits = words(&[(1, true, false), (2, true, false), (3, false, false)]);
        assert!(wanted(Meaning::Auto, keywords, &hits));
        // A lookup that names its entry is answered, however few its hits.
        let named = words(&[(1, true, true)]);
        assert!(!wanted(Meaning::Auto, keywords, &named));
        // Every word matches, but no top hit is about them: the words are generic.
        let mut mentions = many(20);
        mentions.iter_mut().for_each(|h| h.about = false);
        assert!(wanted(Meaning::Auto, keywords, &mentions));
        // No entry holds every word.
        let mut partial = many(20);
        partial.iter_mut().for_each(|h| h.full = false);
        assert!(wanted(Meaning::Auto, keywords, &partial));
    }

    #[test]
    fn questions_sentences_and_intents_ask_the_model_unless_syntax_or_the_user_says_no() {
        let hits = many(30);
        let question = Signals {
            question: true,
            parts: 3,
            ..Signals::default()
        };
        assert!(wanted(Meaning::Auto, question, &hits));
        assert!(!wanted(Meaning::Off, question, &hits));
        let sentence = Signals {
            parts: SENTENCE_PARTS,
            ..Signals::default()
        };
        assert!(wanted(Meaning::Auto, sentence, &hits));
        let intent = Signals {
            intent: true,
            parts: 1,
            ..Signals::default()
        };
        assert!(wanted(Meaning::Auto, intent, &hits));
        let exact = Signals {
            explicit: true,
            parts: 5,
            question: true,
            intent: false,
        };
        assert!(!wanted(Meaning::Auto, exact, &hits));
        assert!(wanted(Meaning::Only, exact, &hits));
    }

    #[test]
    fn named_hits_stay_first_and_the_rest_merge_by_rank() {
        let hits = words(&[(1, true, false), (2, true, true), (3, true, false)]);
        let meaning = [doc(9), doc(3), doc(2)];
        let described = Signals {
            question: true,
            ..Signals::default()
        };
        let fused = fuse(&hits, &meaning, described, &|_| false);
        assert_eq!(fused[0], (doc(2), Matched::Both));
        // Doc 3 is in both lists, so it passes doc 1 (words only) and doc 9 (meaning only).
        assert_eq!(fused[1], (doc(3), Matched::Both));
        let rest: Vec<_> = fused[2..].iter().map(|(a, _)| *a).collect();
        assert_eq!(rest, vec![doc(1), doc(9)]);
        assert_eq!(fused[3].1, Matched::Meaning);
    }
}
