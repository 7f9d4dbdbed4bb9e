//! Recognizing which catalog entry a PDF is, for `paperdex attach --dir`: by its file name
//! (an id, an alias, or a name whose slug is an id), else by a title it carries (its Info
//! title, or the words at the top of its first page) compared word by word with the
//! catalog's titles. A title match must be close and unrivalled, since attaching the wrong
//! paper is worse than attaching none.

use std::collections::HashSet;

use super::{slug, Catalog, Entry};

/// Share of a catalog title's words that must be found in order for a title match.
const THRESHOLD: f64 = 0.85;

/// Fewest words a catalog title needs to be recognized on a first page: shorter titles
/// (`Dynamo`, `Paxos Made Simple`) are words any page on the subject may hold.
const FIRST_PAGE_MIN_WORDS: usize = 4;

/// How far into a first page a title is looked for, in words: past the title, author names
/// and an abstract, words no longer say what the paper is.
const FIRST_PAGE_WORDS: usize = 120;

/// The entry a file stem names: an id or alias in any case, or a stem whose slug is an id.
pub fn by_name<'a>(catalog: &'a Catalog, stem: &str) -> Option<&'a Entry> {
    catalog.find(stem).or_else(|| catalog.get(&slug(stem)))
}

/// What a title match found.
#[derive(Debug, Clone, PartialEq)]
pub enum TitleMatch<'a> {
    /// One entry, clearly.
    Found(&'a Entry),
    /// Two or more entries match equally well: the ids of the first two.
    Ambiguous(String, String),
    /// None is close enough.
    None,
}

/// The entry whose title a PDF's Info title gives: nearly all of the catalog title's words in
/// order, and not many words besides.
pub fn by_metadata<'a>(catalog: &'a Catalog, title: &str) -> TitleMatch<'a> {
    let given = words(title);
    best(catalog, |wanted| {
        // A title padded with much more (a file name, a series) is not this title.
        if given.len() > wanted.len() + wanted.len() / 2 + 2 {
            return 0.0;
        }
        in_order(wanted, &given)
    })
}

/// The entry whose title stands at the top of a first page: nearly all of its words in order
/// within a stretch of the page not much longer than the title. Titles of fewer than
/// [`FIRST_PAGE_MIN_WORDS`] words are not looked for.
pub fn by_first_page<'a>(catalog: &'a Catalog, page: &str) -> TitleMatch<'a> {
    let mut page = words(page);
    page.truncate(FIRST_PAGE_WORDS);
    let present: HashSet<&str> = page.iter().map(String::as_str).collect();
    best(catalog, |wanted| {
        if wanted.len() < FIRST_PAGE_MIN_WORDS {
            return 0.0;
        }
        // Most titles share few words with the page; only those worth a closer look get one.
        let found = wanted
            .iter()
            .filter(|w| present.contains(w.as_str()))
            .count();
        if (found as f64) < THRESHOLD * wanted.len() as f64 {
            return 0.0;
        }
        let span = wanted.len() + 2;
        (0..page.len())
            .map(|start| in_order(wanted, &page[start..(start + span).min(page.len())]))
            .fold(0.0, f64::max)
    })
}

/// The entry whose title scores best, when it reaches the threshold and no other entry's
/// title scores as well (a longer title winning a tie, as it says more).
fn best<'a>(catalog: &'a Catalog, score: impl Fn(&[String]) -> f64) -> TitleMatch<'a> {
    let mut scored: Vec<(f64, usize, &Entry)> = catalog
        .entries
        .iter()
        .filter_map(|e| {
            let wanted = words(&e.title);
            if wanted.is_empty() {
                return None;
            }
            let s = score(&wanted);
            (s >= THRESHOLD).then_some((s, wanted.len(), e))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    match scored.as_slice() {
        [] => TitleMatch::None,
        [(s1, n1, first), (s2, n2, second), ..] if s1 == s2 && n1 == n2 => {
            TitleMatch::Ambiguous(first.id.clone(), second.id.clone())
        }
        [(_, _, first), ..] => TitleMatch::Found(first),
    }
}

/// A text's words, lowercased, letters and digits only: `Time, Clocks, and the Ordering`
/// is `time clocks and the ordering`.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The share of `wanted`'s words found in `text` in the same order (their longest common
/// subsequence over the length of `wanted`).
fn in_order(wanted: &[String], text: &[String]) -> f64 {
    let mut row = vec![0usize; text.len() + 1];
    for w in wanted {
        let mut diagonal = 0;
        for (j, t) in text.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if w == t {
                diagonal + 1
            } else {
                above.max(row[j])
            };
            diagonal = above;
        }
    }
    row[text.len()] as f64 / wanted.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(entries: &[(&str, &str)]) -> Catalog {
        Catalog {
            entries: entries
                .iter()
                .map(|(id, title)| Entry {
                    id: id.to_string(),
                    title: title.to_string(),
                    aliases: if *id == "raft" {
                        vec!["Raft".into()]
                    } else {
                        vec![]
                    },
                    ..Entry::default()
                })
                .collect(),
            origin: "test".into(),
        }
    }

    fn found(m: TitleMatch<'_>) -> Option<&str> {
        match m {
            TitleMatch::Found(e) => Some(e.id.as_str()),
            _ => None,
        }
    }

    const TITLES: &[(&str, &str)] = &[
        (
            "time-clocks",
            "Time, Clocks, and the Ordering of Events in a Distributed System",
        ),
        ("paxos-made-simple", "Paxos Made Simple"),
        (
            "paxos-made-live",
            "Paxos Made Live: An Engineering Perspective",
        ),
        ("raft", "In Search of an Understandable Consensus Algorithm"),
    ];

    #[test]
    fn names_match_ids_aliases_and_slugs() {
        let c = catalog(TITLES);
        assert_eq!(
            by_name(&c, "time-clocks").map(|e| e.id.as_str()),
            Some("time-clocks")
        );
        assert_eq!(by_name(&c, "RAFT").map(|e| e.id.as_str()), Some("raft"));
        assert_eq!(
            by_name(&c, "Paxos Made Simple").map(|e| e.id.as_str()),
            Some("paxos-made-simple")
        );
        assert!(by_name(&c, "paxos").is_none());
    }

    #[test]
    fn a_metadata_title_matches_when_nearly_equal_and_not_padded() {
        let c = catalog(TITLES);
        let m = by_metadata(
            &c,
            "Time, clocks and the ordering of events in a distributed system",
        );
        assert_eq!(found(m), Some("time-clocks"));
        assert_eq!(
            found(by_metadata(&c, "paxos made simple")),
            Some("paxos-made-simple")
        );
        assert_eq!(
            by_metadata(&c, "Microsoft Word - draft7.doc"),
            TitleMatch::None
        );
        assert_eq!(by_metadata(&c, "Paxos"), TitleMatch::None);
        let padded = "Paxos Made Simple and other stories of the twentieth century told again";
        assert_eq!(by_metadata(&c, padded), TitleMatch::None);
    }

    #[test]
    fn a_first_page_matches_a_long_title_near_its_top_only() {
        let c = catalog(TITLES);
        let page = "Operating Systems R. Stockton Gaines Editor\nTime, Clocks, and the\nOrdering of Events in\na Distributed System\nLeslie Lamport";
        assert_eq!(found(by_first_page(&c, page)), Some("time-clocks"));
        // A short title is not looked for, however plainly it stands.
        assert_eq!(
            by_first_page(&c, "Paxos Made Simple\nLeslie Lamport"),
            TitleMatch::None
        );
        // The words scattered over a page are not the title.
        let scattered = "We search for time in every event; the clocks of a system are \
            ordered, and distributed algorithms of consensus are understandable.";
        assert_eq!(by_first_page(&c, scattered), TitleMatch::None);
    }

    #[test]
    fn two_entries_with_one_title_are_ambiguous() {
        let c = catalog(&[
            ("a", "Consensus in the Presence of Partial Synchrony"),
            ("b", "Consensus in the Presence of Partial Synchrony"),
        ]);
        let m = by_metadata(&c, "Consensus in the presence of partial synchrony");
        assert_eq!(m, TitleMatch::Ambiguous("a".into(), "b".into()));
    }
}
