//! The thesaurus: the vocabulary's groups of terms turned into sequences of index terms, as the
//! index stage analyzes them and keeps them in the data directory, so the query planner can
//! look a query's words up in it and expand them with the other terms of their group
//! (`malicious nodes` also finds `Byzantine`).

use std::collections::HashMap;

use tantivy::tokenizer::TextAnalyzer;

use super::analysis;
use crate::catalog::vocabulary::Vocabulary;

/// The vocabulary as index terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thesaurus {
    /// Each group's terms, each as the sequence of its index terms.
    groups: Vec<Vec<Vec<String>>>,
    /// Where each term sequence stands: (group, term).
    lookup: HashMap<Vec<String>, (usize, usize)>,
    /// The most words any term has.
    longest: usize,
}

/// A run of query words that is a term of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The first word of the run.
    pub start: usize,
    /// One past the last word.
    pub end: usize,
    group: usize,
    term: usize,
}

/// The index terms of `text`, one per word: a hyphenated compound counts as its parts.
pub fn term_sequence(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut last_position = usize::MAX;
    for token in analysis::tokens(analyzer, text) {
        // A compound's joined form shares its last part's position; the parts are enough.
        if token.position != last_position {
            out.push(token.text);
            last_position = token.position;
        }
    }
    out
}

impl Thesaurus {
    /// Analyzes every term of the vocabulary.
    pub fn new(vocabulary: &Vocabulary) -> Thesaurus {
        let mut analyzer = analysis::stemmed();
        let groups = vocabulary
            .groups
            .iter()
            .map(|group| {
                let mut terms: Vec<Vec<String>> = Vec::new();
                for term in &group.terms {
                    let seq = term_sequence(&mut analyzer, term);
                    if !seq.is_empty() && !terms.contains(&seq) {
                        terms.push(seq);
                    }
                }
                terms
            })
            .collect();
        Thesaurus::from_groups(groups)
    }

    fn from_groups(groups: Vec<Vec<Vec<String>>>) -> Thesaurus {
        let mut thesaurus = Thesaurus::default();
        for (g, terms) in groups.iter().enumerate() {
            for (t, seq) in terms.iter().enumerate() {
                thesaurus.longest = thesaurus.longest.max(seq.len());
                thesaurus.lookup.entry(seq.clone()).or_insert((g, t));
            }
        }
        thesaurus.groups = groups;
        thesaurus
    }

    /// The thesaurus as it is kept in the data directory, so a search need not read and analyze
    /// the vocabulary again: the `key` of the vocabulary it came from on the first line, then a
    /// group a line, its terms apart by tabs and a term's index terms by spaces (index terms
    /// hold neither).
    pub fn to_bytes(&self, key: &str) -> Vec<u8> {
        let mut out = format!("{key}\n");
        for group in &self.groups {
            let terms: Vec<String> = group.iter().map(|seq| seq.join(" ")).collect();
            out.push_str(&terms.join("\t"));
            out.push('\n');
        }
        out.into_bytes()
    }

    /// A thesaurus read back from `to_bytes`'s output, if it came from the vocabulary `key`
    /// names.
    pub fn from_bytes(bytes: &[u8], key: &str) -> Option<Thesaurus> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.lines();
        if lines.next()? != key {
            return None;
        }
        let groups = lines
            .map(|line| {
                line.split('\t')
                    .map(|term| term.split(' ').map(str::to_string).collect())
                    .collect()
            })
            .collect();
        Some(Thesaurus::from_groups(groups))
    }

    /// The runs of `words` (index terms, in query order) that are terms of a group, longest
    /// first and never overlapping.
    pub fn find(&self, words: &[String]) -> Vec<Match> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let longest = self.longest.min(words.len() - i);
            let hit = (1..=longest).rev().find_map(|len| {
                self.lookup
                    .get(&words[i..i + len])
                    .map(|&(group, term)| Match {
                        start: i,
                        end: i + len,
                        group,
                        term,
                    })
            });
            match hit {
                Some(m) => {
                    i = m.end;
                    found.push(m);
                }
                None => i += 1,
            }
        }
        found
    }

    /// The other terms of a match's group, each as its sequence of index terms.
    pub fn others<'a>(&'a self, m: &'a Match) -> impl Iterator<Item = &'a [String]> + 'a {
        self.groups[m.group]
            .iter()
            .enumerate()
            .filter(move |(t, _)| *t != m.term)
            .map(|(_, seq)| seq.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::vocabulary::Group;

    fn thesaurus(groups: &[&[&str]]) -> Thesaurus {
        Thesaurus::new(&Vocabulary {
            groups: groups
                .iter()
                .map(|terms| Group {
                    terms: terms.iter().map(|t| t.to_string()).collect(),
                })
                .collect(),
        })
    }

    fn seq(text: &str) -> Vec<String> {
        term_sequence(&mut analysis::stemmed(), text)
    }

    #[test]
    fn finds_the_longest_term_and_lists_the_others() {
        let t = thesaurus(&[
            &["split brain", "network partition"],
            &["partition", "shard"],
            &["CRDT", "conflict-free replicated data type"],
        ]);
        let words = seq("what happens in a network partition with CRDTs");
        let found = t.find(&words);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            &words[found[0].start..found[0].end],
            seq("network partitions").as_slice()
        );
        let others: Vec<Vec<String>> = t.others(&found[0]).map(|s| s.to_vec()).collect();
        assert_eq!(others, vec![seq("split brain")]);
        let others: Vec<Vec<String>> = t.others(&found[1]).map(|s| s.to_vec()).collect();
        assert_eq!(others, vec![seq("conflict free replicated data type")]);
    }

    #[test]
    fn a_stored_thesaurus_is_read_back_only_for_its_own_vocabulary() {
        let t = thesaurus(&[&["split brain", "network partition"]]);
        let bytes = t.to_bytes("k1");
        assert_eq!(Thesaurus::from_bytes(&bytes, "k1"), Some(t));
        assert_eq!(Thesaurus::from_bytes(&bytes, "k2"), None);
        assert_eq!(Thesaurus::from_bytes(b"\xff", "k1"), None);
    }

    #[test]
    fn a_word_alone_matches_its_own_group() {
        let t = thesaurus(&[
            &["split brain", "network partition"],
            &["partition", "shard"],
        ]);
        let words = seq("partition tolerance");
        let found = t.find(&words);
        assert_eq!(found.len(), 1);
        let others: Vec<Vec<String>> = t.others(&found[0]).map(|s| s.to_vec()).collect();
        assert_eq!(others, vec![seq("shard")]);
    }
}
