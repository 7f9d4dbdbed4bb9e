//! Query intent, the first step of the query planner: what a reader asks for besides a topic.
//! `a beginner's book on replication` asks for learning material, `seminal papers on consensus`
//! for the classics, `paxos vs raft` for a comparison, `how does chain replication survive a
//! failed tail` for an explanation. The words that say so (`beginner's book`, `seminal`, `vs`,
//! `how does`) are taken out of the words searched for, so a rare one (`intro`) never becomes
//! the strongest term of the query, and the engine favours what the intent asks for.
//! Queries with search syntax (quotes, fields, `+`/`-`, `AND`/`OR`) are read as they are.

use serde::Serialize;

/// What a reader asks for besides a topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "name")]
pub enum Intent {
    /// Something to learn from: books, courses, tutorials, overviews. `kinds` narrows the
    /// catalog kinds asked for by name (`book`, `course`, `video`); empty for any.
    Learning { kinds: Vec<String> },
    /// The classic, foundational papers of a topic.
    Classics,
    /// A comparison of two things: entries that treat both come first.
    Compare { sides: Vec<String> },
    /// How something works or behaves: the entry about it first, and the passage that says.
    Explain,
}

impl Intent {
    /// How the intent reads to a person, for the line above the results.
    pub fn describe(&self) -> String {
        match self {
            Intent::Learning { kinds } if kinds.is_empty() => {
                "looking for something to learn from: books, courses, tutorials and overviews first"
                    .to_string()
            }
            Intent::Learning { kinds } => {
                let names: Vec<String> = kinds.iter().map(|k| plural_kind(k)).collect();
                format!("looking for {} first", join_or(&names))
            }
            Intent::Classics => {
                "looking for the classics: foundational papers the library cites most first"
                    .to_string()
            }
            Intent::Compare { sides } => format!(
                "a comparison of {}: entries that treat both first",
                join_and(sides)
            ),
            Intent::Explain => "a question of how it works: the entry about it first".to_string(),
        }
    }

    /// The catalog kinds this intent favours; empty when it favours none.
    pub fn favoured_kinds(&self) -> Vec<&str> {
        match self {
            Intent::Learning { kinds } if kinds.is_empty() => LEARNING_KINDS.to_vec(),
            // `the spanner paper` asks for the paper, not for something to learn from.
            Intent::Learning { kinds } if kinds == &["paper"] => vec!["paper"],
            Intent::Learning { kinds } => {
                let mut out: Vec<&str> = kinds.iter().map(String::as_str).collect();
                // A recorded lecture is catalogued as a video or as a talk.
                for (one, other) in [("video", "talk"), ("talk", "video")] {
                    if out.contains(&one) && !out.contains(&other) {
                        out.push(other);
                    }
                }
                out
            }
            Intent::Classics => vec!["paper"],
            _ => Vec::new(),
        }
    }
}

/// Kinds that a person learning a subject reads: not the research paper.
const LEARNING_KINDS: &[&str] = &[
    "book", "course", "video", "talk", "blog", "article", "website", "list",
];

fn plural_kind(kind: &str) -> String {
    match kind {
        "video" => "videos and talks".to_string(),
        other => format!("{other}s"),
    }
}

fn join_or(items: &[String]) -> String {
    join(items, "or")
}

fn join_and(items: &[String]) -> String {
    join(items, "and")
}

fn join(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    }
}

/// A query read for its intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub intent: Option<Intent>,
    /// The query less the words that said the intent: what is searched for.
    pub text: String,
}

/// Phrases that ask for something to learn from, with the kind they name, if any. Longer
/// phrases come first, so `lecture notes` is taken whole.
const LEARNING: &[(&str, Option<&str>)] = &[
    ("where should i start", None),
    ("where do i start", None),
    ("where to start", None),
    ("where to begin", None),
    ("what should i read first", None),
    ("what should i read", None),
    ("what to read first", None),
    ("what to read", None),
    ("getting started with", None),
    ("getting started", None),
    ("get started with", None),
    ("an introduction to", None),
    ("introduction to", None),
    ("intro to", None),
    ("for beginners", None),
    ("for a beginner", None),
    ("for newcomers", None),
    ("gentle introduction", None),
    ("the basics of", None),
    ("basics of", None),
    ("reading list", Some("list")),
    ("lecture notes", Some("course")),
    ("lecture videos", Some("video")),
    ("video lectures", Some("video")),
    ("online course", Some("course")),
    ("university course", Some("course")),
    ("learn about", None),
    ("beginner's", None),
    ("beginners", None),
    ("beginner", None),
    ("newbie", None),
    ("introductory", None),
    ("introduction", None),
    ("intro", None),
    ("tutorial", None),
    ("tutorials", None),
    ("primer", None),
    ("overview", None),
    ("textbook", Some("book")),
    ("textbooks", Some("book")),
    ("book", Some("book")),
    ("books", Some("book")),
    ("course", Some("course")),
    ("courses", Some("course")),
    ("lectures", Some("course")),
    ("lecture", Some("course")),
    ("labs", Some("course")),
    ("mooc", Some("course")),
    ("videos", Some("video")),
    ("video", Some("video")),
    ("talks", Some("talk")),
    ("talk", Some("talk")),
    ("from scratch", None),
    ("crash course", None),
    ("study guide", None),
    ("explained", None),
    ("paper", Some("paper")),
    ("papers", Some("paper")),
    ("learn", None),
    ("learning", None),
    ("resources", None),
    ("resource", None),
];

/// Phrases that ask for the classics of a topic.
const CLASSICS: &[&str] = &[
    "the paper that introduced",
    "paper that introduced",
    "the paper that started",
    "papers that started",
    "the first paper on",
    "the first paper",
    "original paper on",
    "original papers on",
    "original paper",
    "original papers",
    "key papers on",
    "key papers",
    "key paper",
    "must read papers",
    "must-read papers",
    "must read",
    "must-read",
    "most cited",
    "most influential",
    "foundational papers",
    "foundational paper",
    "foundational",
    "foundations of",
    "classic papers",
    "classic paper",
    "classic work",
    "seminal work",
    "classics",
    "classic",
    "seminal papers",
    "seminal paper",
    "seminal",
    "landmark",
    "influential",
    "canonical",
    "pioneering",
    "the original",
    "original",
];

/// Phrases that open a question of how something works; they stay in the query (they are
/// stopwords or question fillers) and only mark it.
const EXPLAIN: &[&str] = &[
    "how does",
    "how do",
    "how is",
    "how are",
    "how can",
    "how would",
    "how should",
    "how to",
    "what happens",
    "why does",
    "why do",
    "why is",
    "why are",
    "explain",
    "what is",
    "what are",
    "what does",
];

/// Words never taken as intent when they stand after these (`machine learning`, `of course`).
const KEPT_AFTER: &[(&str, &str)] = &[
    ("machine", "learning"),
    ("deep", "learning"),
    ("federated", "learning"),
    ("reinforcement", "learning"),
    ("online", "learning"),
    ("of", "course"),
    ("original", "value"),
];

/// Reads the intent of `query`; a query with search syntax keeps its words and has none.
pub fn read(query: &str) -> Reading {
    let unchanged = || Reading {
        intent: None,
        text: query.to_string(),
    };
    if has_syntax(query) {
        return unchanged();
    }
    let words: Vec<Word> = words(query);
    if words.is_empty() {
        return unchanged();
    }
    if let Some(reading) = compare(&words) {
        return reading;
    }
    let mut taken = vec![false; words.len()];
    let mut kinds: Vec<String> = Vec::new();
    // Classics first, so `original paper on` is taken whole, not as a paper wanted.
    let classics = take_phrases(&words, CLASSICS.iter().copied(), &mut taken, |_| {});
    let learning = take_phrases(
        &words,
        LEARNING.iter().map(|(p, _)| *p),
        &mut taken,
        |phrase| {
            if let Some((_, Some(kind))) = LEARNING.iter().find(|(p, _)| *p == phrase) {
                if !kinds.iter().any(|k| k == kind) {
                    kinds.push(kind.to_string());
                }
            }
        },
    );
    let rest: Vec<&str> = words
        .iter()
        .zip(&taken)
        .filter(|(_, t)| !**t)
        .map(|(w, _)| w.raw.as_str())
        .collect();
    // A query that is nothing but intent (`textbooks`) searches for what it names.
    if rest
        .iter()
        .all(|w| super::stopwords::is_stopword(&lower(w)))
    {
        return unchanged();
    }
    let text = rest.join(" ");
    let intent = if classics {
        Some(Intent::Classics)
    } else if learning {
        Some(Intent::Learning { kinds })
    } else if starts_with_any(&words, EXPLAIN) {
        Some(Intent::Explain)
    } else {
        None
    };
    Reading { intent, text }
}

/// One word of the query: as typed, and lowercase without surrounding punctuation.
struct Word {
    raw: String,
    norm: String,
}

fn lower(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .to_lowercase()
        .replace('\u{2019}', "'")
}

fn words(query: &str) -> Vec<Word> {
    query
        .split_whitespace()
        .map(|raw| Word {
            raw: raw.to_string(),
            norm: lower(raw),
        })
        .filter(|w| !w.norm.is_empty())
        .collect()
}

/// Whether the query uses search syntax, which says exactly what to match.
fn has_syntax(query: &str) -> bool {
    query.contains(['"', '(', ')', ':', '*', '~'])
        || query
            .split_whitespace()
            .any(|w| matches!(w, "AND" | "OR" | "NOT") || w.starts_with(['+', '-']))
}

/// Marks every occurrence of any of `phrases` not yet taken, longest phrases first as
/// listed; calls `found` with each phrase taken. Returns whether any was.
fn take_phrases<'a>(
    words: &[Word],
    phrases: impl Iterator<Item = &'a str>,
    taken: &mut [bool],
    mut found: impl FnMut(&str),
) -> bool {
    let mut any = false;
    for phrase in phrases {
        let parts: Vec<&str> = phrase.split(' ').collect();
        let n = parts.len();
        if n > words.len() {
            continue;
        }
        for start in 0..=words.len() - n {
            let fits = (0..n).all(|i| !taken[start + i] && words[start + i].norm == parts[i]);
            if !fits {
                continue;
            }
            let before = start.checked_sub(1).map(|i| words[i].norm.as_str());
            let after = words.get(start + n).map(|w| w.norm.as_str());
            let kept = KEPT_AFTER.iter().any(|(b, w)| {
                (n == 1 && before == Some(*b) && parts[0] == *w)
                    || (n == 1 && parts[0] == *b && after == Some(*w))
            });
            if kept {
                continue;
            }
            taken[start..start + n].iter_mut().for_each(|t| *t = true);
            found(phrase);
            any = true;
        }
    }
    any
}

fn starts_with_any(words: &[Word], phrases: &[&str]) -> bool {
    phrases.iter().any(|phrase| {
        let parts: Vec<&str> = phrase.split(' ').collect();
        parts.len() <= words.len() && parts.iter().zip(words).all(|(p, w)| *p == w.norm)
    })
}

/// Words that open a comparison and are not part of either side.
const COMPARE_OPENERS: &[&str] = &[
    "what is the difference between",
    "what's the difference between",
    "whats the difference between",
    "what are the differences between",
    "difference between",
    "differences between",
    "the difference between",
    "compare",
    "comparing",
    "comparison of",
    "comparison between",
    "contrast",
    "when to use",
    "should i use",
    "which is better",
];

/// Words between the two sides of a comparison.
const COMPARE_JOINS: &[&str] = &[
    "vs", "vs.", "versus", "v.", "and", "with", "to", "or", "against",
];

/// Reads `X vs Y`, `difference between X and Y`, `compare X with Y`, `X compared to Y`.
fn compare(words: &[Word]) -> Option<Reading> {
    let norm: Vec<&str> = words.iter().map(|w| w.norm.as_str()).collect();
    // The opener, if any, and where the sides begin.
    let mut from = 0;
    for opener in COMPARE_OPENERS {
        let parts: Vec<&str> = opener.split(' ').collect();
        if let Some(at) = (0..norm.len()).find(|&i| norm[i..].starts_with(&parts)) {
            if at == 0 || at <= 2 {
                from = at + parts.len();
                break;
            }
        }
    }
    let strong = |w: &str| matches!(w, "vs" | "vs." | "versus" | "v.");
    let split = match (
        from,
        norm[from.min(norm.len())..].iter().position(|w| strong(w)),
    ) {
        (_, Some(i)) => from + i,
        (0, None) => {
            // Without an opener only `X compared to/with Y` reads as a comparison.
            let i = norm.iter().position(|w| *w == "compared")?;
            let after = norm.get(i + 1)?;
            if !matches!(*after, "to" | "with") || i == 0 {
                return None;
            }
            return Some(sides(words, 0, i, i + 2));
        }
        (_, None) => {
            let i = norm[from..]
                .iter()
                .position(|w| COMPARE_JOINS.contains(w) && !strong(w))?;
            from + i
        }
    };
    if split <= from || split + 1 >= norm.len() {
        return None;
    }
    Some(sides(words, from, split, split + 1))
}

/// Words that say a comparison is wanted rather than what is compared (`tradeoffs`, `pros and
/// cons`): not searched for.
const COMPARE_NOISE: &[&str] = &[
    "tradeoffs",
    "tradeoff",
    "trade-offs",
    "trade-off",
    "pros",
    "cons",
    "advantages",
    "disadvantages",
    "differences",
    "difference",
    "similarities",
    "comparison",
    "compared",
    "better",
    "worse",
    "which",
];

/// The reading of a comparison whose sides are `words[a..b]` and `words[c..]`.
fn sides(words: &[Word], a: usize, b: usize, c: usize) -> Reading {
    let side = |range: &[Word]| -> String {
        range
            .iter()
            .filter(|w| !COMPARE_NOISE.contains(&w.norm.as_str()))
            .map(|w| w.raw.trim_end_matches(['?', '.', ',', '!']))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let first = side(&words[a..b]);
    let second = side(&words[c..]);
    let text = format!("{first} {second}");
    Reading {
        intent: Some(Intent::Compare {
            sides: vec![first, second],
        }),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(q: &str) -> Option<Intent> {
        read(q).intent
    }

    #[test]
    fn learning_words_are_read_and_taken_out() {
        let r = read("a beginner's book on distributed databases");
        assert_eq!(
            r.intent,
            Some(Intent::Learning {
                kinds: vec!["book".into()]
            })
        );
        assert_eq!(r.text, "a on distributed databases");
        let r = read("where to start with consensus");
        assert_eq!(r.intent, Some(Intent::Learning { kinds: vec![] }));
        assert_eq!(r.text, "with consensus");
        let r = read("intro to raft");
        assert_eq!(r.text, "raft");
        assert!(matches!(
            intent("lecture videos on distributed systems"),
            Some(Intent::Learning { kinds }) if kinds == ["video"]
        ));
        // Content words that look like intent stay content.
        assert_eq!(intent("machine learning systems"), None);
        assert_eq!(
            read("machine learning systems").text,
            "machine learning systems"
        );
        // A query of intent alone searches for what it says.
        assert_eq!(read("textbooks").text, "textbooks");
        assert_eq!(read("textbooks").intent, None);
    }

    #[test]
    fn classics_are_read_and_taken_out() {
        let r = read("the original paper on byzantine agreement");
        assert_eq!(r.intent, Some(Intent::Classics));
        assert_eq!(r.text, "the byzantine agreement");
        assert_eq!(
            intent("seminal work on logical time"),
            Some(Intent::Classics)
        );
        assert_eq!(
            read("classic papers on peer-to-peer lookup").text,
            "on peer-to-peer lookup"
        );
        assert_eq!(read("seminal work on logical time").text, "on logical time");
    }

    #[test]
    fn comparisons_name_their_two_sides() {
        let sides = |q: &str| match read(q).intent {
            Some(Intent::Compare { sides }) => sides,
            other => panic!("{q}: {other:?}"),
        };
        assert_eq!(sides("paxos vs raft"), ["paxos", "raft"]);
        assert_eq!(sides("Paxos versus Raft?"), ["Paxos", "Raft"]);
        assert_eq!(
            sides("difference between eventual and causal consistency"),
            ["eventual", "causal consistency"]
        );
        assert_eq!(
            sides("what is the difference between linearizability and serializability"),
            ["linearizability", "serializability"]
        );
        assert_eq!(sides("compare 2pc with 3pc"), ["2pc", "3pc"]);
        assert_eq!(sides("leases compared to locks"), ["leases", "locks"]);
        assert_eq!(
            sides("strong vs eventual consistency tradeoffs"),
            ["strong", "eventual consistency"]
        );
        assert_eq!(
            read("difference between eventual and causal consistency").text,
            "eventual causal consistency"
        );
        // `and` alone is no comparison.
        assert_eq!(intent("consensus and replication"), None);
    }

    #[test]
    fn questions_of_how_things_work_are_marked_but_keep_their_words() {
        let r = read("how does chain replication survive a failed tail");
        assert_eq!(r.intent, Some(Intent::Explain));
        assert_eq!(r.text, "how does chain replication survive a failed tail");
        assert_eq!(intent("chain replication"), None);
    }

    #[test]
    fn syntax_is_left_alone() {
        for q in [
            "\"intro to\" raft",
            "title:book",
            "+classic paxos",
            "paxos AND book",
        ] {
            assert_eq!(read(q).intent, None, "{q}");
            assert_eq!(read(q).text, q);
        }
    }

    #[test]
    fn descriptions_read_as_people_say_them() {
        let learning = Intent::Learning { kinds: vec![] };
        assert_eq!(
            intent("what should I read first about replication"),
            Some(learning)
        );
        assert_eq!(
            intent("the classics of a topic")
                .map(|i| i.describe().starts_with("looking for the classics")),
            Some(true)
        );
    }
}
