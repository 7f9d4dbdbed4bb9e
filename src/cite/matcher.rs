//! Matching references to catalog entries. Every entry's title is folded (see `fold`) and
//! searched for in a document's folded bibliography, all titles at once with an Aho-Corasick
//! automaton. A title found there counts only when it stands alone, from a punctuation mark
//! (or an article after one) to a punctuation mark, so `Paxos Made Simple` is not found in
//! `Fast Paxos Made Simple` nor `The Byzantine Generals Problem` in `The Weak Byzantine
//! Generals Problem`, and only when the reference around it names one of the entry's authors
//! or its year. Short titles (`Sparse Partitions`, `Distributed Algorithms`) need an author.
//!
//! Two looser forms catch what references get slightly wrong, and need both an author and the
//! year (give or take one): the title without its subtitle (`Paxos made live`), and a long
//! title with one word changed, dropped or moved (`Chord: A Peer-to-Peer Lookup Service...`,
//! `Bigtable: A Distributed Structured Data Storage System`), found from its first two words.
//! A link to one of the entry's URLs, in a reference or among a web page's links, is a
//! citation without further proof.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::AhoCorasick;

use crate::catalog::Entry;

use super::bibliography::Bibliography;
use super::fold::{Folded, Gap};

/// How far around a title to look for its reference when the bibliography has no labels.
const REACH: usize = 400;

/// A long title matches loosely when this share of its words and the reference's agree.
const SIMILAR: f64 = 0.85;

/// Titles with at least this many words may match loosely.
const LOOSE_WORDS: usize = 6;

/// A title shorter than this (in words or folded characters) needs an author to match.
const SHORT_WORDS: usize = 4;
const SHORT_CHARS: usize = 20;

/// Words dropped from the start of titles: references add or drop them freely.
const ARTICLES: &[&str] = &["the", "a", "an"];

/// Name suffixes that are not surnames.
const SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv"];

/// One catalog entry as the matcher sees it.
#[derive(Debug, Clone)]
struct Target {
    id: String,
    words: Vec<String>,
    surnames: Vec<String>,
    year: Option<i64>,
    short: bool,
}

/// Which form of a title a search key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// The whole title.
    Title,
    /// The title up to its first colon or dash.
    Main,
    /// The first two words of a long title, for a loose match.
    Opening,
}

/// One catalog entry found in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The entry's id.
    pub id: String,
    /// The byte range of the reference (or link) that names it.
    pub reference: Range<usize>,
    /// Whether a URL, not a title, named it.
    pub by_url: bool,
}

/// The catalog, prepared for finding its entries in bibliographies.
pub struct Matcher {
    targets: Vec<Target>,
    automaton: Option<AhoCorasick>,
    /// For each pattern of the automaton: the entries and forms it stands for.
    keys: Vec<Vec<(usize, Form)>>,
    urls: HashMap<String, Vec<usize>>,
}

impl Matcher {
    /// Prepares `entries` for matching.
    pub fn new(entries: &[Entry]) -> Matcher {
        let mut targets = Vec::with_capacity(entries.len());
        let mut patterns: Vec<String> = Vec::new();
        let mut keys: Vec<Vec<(usize, Form)>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut urls: HashMap<String, Vec<usize>> = HashMap::new();
        let mut add = |key: String, target: usize, form: Form| {
            let at = *index.entry(key.clone()).or_insert_with(|| {
                patterns.push(key);
                keys.push(Vec::new());
                patterns.len() - 1
            });
            keys[at].push((target, form));
        };
        for entry in entries {
            let t = targets.len();
            let words = title_words(&entry.title);
            let full: String = words.concat();
            let short = words.len() < SHORT_WORDS || full.chars().count() < SHORT_CHARS;
            if full.chars().count() >= 4 {
                add(full.clone(), t, Form::Title);
            }
            if let Some(main) = main_title(&entry.title) {
                let main_words = title_words(main);
                let key: String = main_words.concat();
                if main_words.len() >= 2 && key.chars().count() >= 12 && key != full {
                    add(key, t, Form::Main);
                }
            }
            if words.len() >= LOOSE_WORDS {
                add(words[..2].concat(), t, Form::Opening);
            }
            for url in &entry.urls {
                if let Some(u) = normalize_url(url) {
                    urls.entry(u).or_default().push(t);
                }
            }
            targets.push(Target {
                id: entry.id.clone(),
                words,
                surnames: entry.authors.iter().filter_map(|a| surname(a)).collect(),
                year: entry.year,
                short,
            });
        }
        let automaton = (!patterns.is_empty())
            .then(|| AhoCorasick::new(&patterns).ok())
            .flatten();
        Matcher {
            targets,
            automaton,
            keys,
            urls,
        }
    }

    /// The entries that the references of `text` (located by `bib`) name, except `own_id`.
    pub fn find(&self, own_id: &str, text: &str, bib: &Bibliography) -> Vec<Found> {
        let mut found: Vec<Found> = Vec::new();
        let mut seen = vec![false; self.targets.len()];
        let mut push = |t: usize, reference: Range<usize>, by_url: bool, seen: &mut Vec<bool>| {
            let id = &self.targets[t].id;
            if id != own_id && !seen[t] {
                seen[t] = true;
                found.push(Found {
                    id: id.clone(),
                    reference,
                    by_url,
                });
            }
        };
        for span in &bib.spans {
            let part = &text[span.clone()];
            for (t, at) in self.find_urls(part) {
                let offset = span.start + at;
                push(t, bib.reference_at(text, offset, REACH), true, &mut seen);
            }
            let Some(automaton) = &self.automaton else {
                continue;
            };
            let folded = Folded::new(part);
            let string = folded.string();
            let char_at = char_indices(&string);
            for m in automaton.find_overlapping_iter(&string) {
                let (start, end) = (char_at[m.start()], char_at[m.end()]);
                if !folded.word_starts(start)
                    || !folded.word_ends(end)
                    || !starts_title(&folded, start)
                {
                    continue;
                }
                // A whole title must end where the reference's title does, at punctuation.
                let ends = end >= folded.len() || folded.gaps[end] == Gap::Punct;
                for &(t, form) in &self.keys[m.pattern().as_usize()] {
                    if seen[t] || (form != Form::Opening && !ends) {
                        continue;
                    }
                    let offset = span.start + folded.origins[start];
                    let reference = bib.reference_at(text, offset, REACH);
                    let around = &text[reference.clone()];
                    if self.confirms(t, form, around, offset - reference.start) {
                        push(t, reference, false, &mut seen);
                    }
                }
            }
        }
        found
    }

    /// The entries whose URLs are among `links`, each with the index of the first such link.
    pub fn find_links(&self, own_id: &str, links: &[String]) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for (i, link) in links.iter().enumerate() {
            let Some(u) = normalize_url(link) else {
                continue;
            };
            for &t in self.urls.get(&u).into_iter().flatten() {
                let id = &self.targets[t].id;
                if id != own_id && !out.iter().any(|(o, _)| o == id) {
                    out.push((id.clone(), i));
                }
            }
        }
        out
    }

    /// Entries whose URLs appear in `text`, with the byte offset of each URL.
    fn find_urls(&self, text: &str) -> Vec<(usize, usize)> {
        if self.urls.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (at, url) in urls_in(text) {
            if let Some(u) = normalize_url(&url) {
                for &t in self.urls.get(&u).into_iter().flatten() {
                    out.push((t, at));
                }
            }
        }
        out
    }

    /// Whether the reference `around`, in which a form of target `t`'s title starts at byte
    /// `at`, confirms that it names the target: by an author, the year, or both, as `form`
    /// requires.
    fn confirms(&self, t: usize, form: Form, around: &str, at: usize) -> bool {
        let target = &self.targets[t];
        let near = Folded::new(around);
        let author = target.surnames.iter().any(|s| names(&near, s));
        let year = target
            .year
            .is_some_and(|y| years_in(around).iter().any(|&r| (r - y).abs() <= 1));
        match form {
            Form::Title if target.short => author,
            Form::Title => author || year,
            Form::Main => author && year,
            Form::Opening => {
                let words = near.words(near.at_byte(at), near.len());
                author && year && similarity(&target.words, &words) >= SIMILAR
            }
        }
    }
}

/// A title's folded words without a leading article.
fn title_words(title: &str) -> Vec<String> {
    let folded = Folded::new(title);
    let mut words = folded.words(0, folded.len());
    if words.len() > 1 && ARTICLES.contains(&words[0].as_str()) {
        words.remove(0);
    }
    words
}

/// A title's main part, before its first colon or dash, when it has one.
fn main_title(title: &str) -> Option<&str> {
    [":", " - ", " – ", " — ", "—"]
        .iter()
        .filter_map(|sep| title.find(sep))
        .min()
        .map(|at| &title[..at])
}

/// The folded surname of an author's name as the catalog writes it (`Robbert van Renesse`).
fn surname(name: &str) -> Option<String> {
    let folded = Folded::new(name);
    folded
        .words(0, folded.len())
        .into_iter()
        .rev()
        .find(|w| w.chars().count() >= 2 && !SUFFIXES.contains(&w.as_str()))
}

/// Whether a folded reference names `surname`: as a word, or, for longer names, spelled
/// across a split the extraction made (`L AMPORT` for small capitals).
fn names(near: &Folded, surname: &str) -> bool {
    let words = near.words(0, near.len());
    if words.iter().any(|w| w == surname) {
        return true;
    }
    if surname.chars().count() < 5 {
        return false;
    }
    let string = near.string();
    let char_at = char_indices(&string);
    string
        .match_indices(surname)
        .any(|(at, _)| near.word_starts(char_at[at]))
}

/// Whether a title may start at `start`: right after punctuation (or the start), or after an
/// article that follows punctuation.
fn starts_title(folded: &Folded, start: usize) -> bool {
    match folded.gaps.get(start) {
        None => false,
        Some(Gap::Punct) => true,
        Some(Gap::Space) => folded.word_before(start).is_some_and(|w| {
            let word: String = folded.chars[w..start].iter().collect();
            ARTICLES.contains(&word.as_str()) && folded.gaps[w] == Gap::Punct
        }),
        Some(_) => false,
    }
}

/// How alike a title's words and the words that open a reference's title are: the best
/// overlap of their word sets (shared over all) for openings about as long as the title.
fn similarity(title: &[String], words: &[String]) -> f64 {
    let mut distinct: Vec<&String> = Vec::new();
    for w in title {
        if !distinct.contains(&w) {
            distinct.push(w);
        }
    }
    let n = title.len();
    let mut best = 0.0f64;
    for len in n.saturating_sub(2).max(1)..=(n + 2).min(words.len()) {
        let mut window: Vec<&String> = Vec::new();
        for w in &words[..len] {
            if !window.contains(&w) {
                window.push(w);
            }
        }
        let shared = distinct
            .iter()
            .filter(|t| window.iter().any(|w| same_word(t, w)))
            .count();
        let extra = window
            .iter()
            .filter(|w| !distinct.iter().any(|t| same_word(t, w)))
            .count();
        best = best.max(shared as f64 / (distinct.len() + extra) as f64);
    }
    best
}

/// Two words are the same when equal, or when long and one letter apart (an OCR slip).
fn same_word(a: &str, b: &str) -> bool {
    a == b || (a.len() >= 5 && b.len() >= 5 && crate::catalog::edit_distance(a, b) <= 1)
}

/// Maps each byte offset of `s` that starts a character (and its end) to the character's index.
fn char_indices(s: &str) -> Vec<usize> {
    let mut map = vec![0; s.len() + 1];
    let mut n = 0;
    for (i, c) in s.char_indices() {
        for slot in &mut map[i..i + c.len_utf8()] {
            *slot = n;
        }
        n += 1;
    }
    map[s.len()] = n;
    map
}

/// The years a reference mentions: four-digit numbers from 1900 to 2099, and `'07` forms.
pub fn years_in(text: &str) -> Vec<i64> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &text[start..i];
        if digits.len() == 4 {
            if let Ok(y) = digits.parse::<i64>() {
                if (1900..2100).contains(&y) {
                    out.push(y);
                }
            }
        } else if digits.len() == 2
            && (text[..start].ends_with('\'') || text[..start].ends_with('’'))
        {
            if let Ok(y) = digits.parse::<i64>() {
                out.push(if y >= 50 { 1900 + y } else { 2000 + y });
            }
        }
    }
    out
}

/// The URLs written in a text, with their byte offsets. Typesetting sometimes breaks a URL
/// after the scheme's colon (`http:` at the end of a line, `//redis.io/` on the next); such a
/// URL is returned whole.
fn urls_in(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    // Every place a URL may start, found in one pass each: searching again from each one
    // would read a text with many of one prefix and none of the other to its end every time.
    let mut starts: Vec<usize> = ["http", "www."]
        .iter()
        .flat_map(|p| text.match_indices(p).map(|(at, _)| at))
        .collect();
    starts.sort_unstable();
    let mut from = 0;
    for found in starts {
        if found < from {
            continue;
        }
        from = found + 1;
        let (scheme, body) = if text[found..].starts_with("www.") {
            ("", found)
        } else {
            let rest = &text[found + 4..];
            let (scheme, rest) = match rest.strip_prefix("s:") {
                Some(r) => ("https://", r),
                None => match rest.strip_prefix(':') {
                    Some(r) => ("http://", r),
                    None => continue,
                },
            };
            let slashes = rest.trim_start();
            if !slashes.starts_with("//") {
                continue;
            }
            (scheme, text.len() - slashes.len() + 2)
        };
        let end = text[body..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '“' | '”'))
            .map_or(text.len(), |e| body + e);
        let rest = text[body..end].trim_end_matches(['.', ',', ';', ')', ']', '\'']);
        if rest.len() > 3 {
            out.push((found, format!("{scheme}{rest}")));
        }
        from = end.max(from);
    }
    out
}

/// A URL reduced to what identifies the page: no scheme, no `www.`, no fragment, no default
/// port, no trailing slash, the host in lowercase. `None` for what is not a web address.
pub fn normalize_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &url[7..]
    } else if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("www.") {
        url
    } else {
        return None;
    };
    let rest = rest.split('#').next().unwrap_or(rest);
    let (host, path) = match rest.find(['/', '?']) {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    };
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let host = host
        .strip_suffix(":80")
        .or_else(|| host.strip_suffix(":443"))
        .unwrap_or(host);
    if host.is_empty() || !host.contains('.') {
        return None;
    }
    let path = path.trim_end_matches('/');
    Some(format!("{host}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cite::bibliography;

    fn entry(id: &str, title: &str, authors: &[&str], year: i64) -> Entry {
        Entry {
            id: id.into(),
            title: title.into(),
            authors: authors.iter().map(|a| a.to_string()).collect(),
            year: Some(year),
            ..Entry::default()
        }
    }

    fn catalog() -> Vec<Entry> {
        vec![
            entry("simple", "Paxos Made Simple", &["Leslie Lamport"], 2001),
            entry(
                "live",
                "Paxos Made Live - An Engineering Perspective",
                &["Tushar Chandra", "Robert Griesemer", "Joshua Redstone"],
                2007,
            ),
            entry(
                "complex",
                "Paxos Made Moderately Complex",
                &["Robbert van Renesse"],
                2011,
            ),
            entry(
                "generals",
                "The Byzantine Generals Problem",
                &["Leslie Lamport", "Robert Shostak", "Marshall Pease"],
                1982,
            ),
            entry(
                "pbft",
                "Practical Byzantine Fault Tolerance",
                &["Miguel Castro", "Barbara Liskov"],
                1999,
            ),
            entry(
                "pbft-pr",
                "Practical Byzantine Fault Tolerance and Proactive Recovery",
                &["Miguel Castro", "Barbara Liskov"],
                2002,
            ),
            entry(
                "chord",
                "Chord: A Scalable Peer-to-peer Lookup Service for Internet Applications",
                &["Ion Stoica", "Robert Morris"],
                2001,
            ),
            entry("lynch", "Distributed Algorithms", &["Nancy A. Lynch"], 1996),
            Entry {
                urls: vec!["https://redis.io/".into()],
                ..entry("redis", "Redis", &[], 2009)
            },
        ]
    }

    fn found(text: &str) -> Vec<String> {
        let text = format!("{}\nReferences\n{text}", "Body text.\n".repeat(200));
        let bib = bibliography::locate(&text);
        let mut ids: Vec<String> = Matcher::new(&catalog())
            .find("self", &text, &bib)
            .into_iter()
            .map(|f| f.id)
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn near_miss_titles_do_not_match() {
        let refs = "[1] L. Lamport. Paxos made simple. ACM SIGACT News 32(4), 2001.\n\
                    [2] T. Chandra, R. Griesemer, J. Redstone. Paxos made live: an engineering perspective. PODC 2007.\n\
                    [3] R. van Renesse. Paxos Made Moderately Complex. Tech. rep., 2011.\n";
        assert_eq!(found(refs), vec!["complex", "live", "simple"]);
        assert_eq!(
            found("[1] T. Chandra. Paxos made live. PODC 2007.\n"),
            vec!["live"]
        );
        assert!(found("[1] L. Lamport. Fast Paxos made simple. 2001.\n").is_empty());
        assert!(found("[1] L. Lamport. Paxos made simpler. 2001.\n").is_empty());
        assert!(found("[1] L. Lamport. The weak Byzantine generals problem. 1983.\n").is_empty());
        assert!(found(
            "[1] R. Reischuk. A new solution for the Byzantine generals problem. 1985.\n"
        )
        .is_empty());
        assert_eq!(
            found("[1] L. Lamport, R. Shostak, M. Pease. The Byzantine Generals Problem. TOPLAS 1982.\n"),
            vec!["generals"]
        );
    }

    #[test]
    fn the_longer_title_by_the_same_authors_is_a_different_paper() {
        assert_eq!(
            found("[5] M. Castro and B. Liskov. Practical Byzantine fault tolerance and proactive recovery. ACM TOCS 20(4), 2002.\n"),
            vec!["pbft-pr"]
        );
        assert_eq!(
            found("[5] M. Castro and B. Liskov. Practical Byzantine Fault Tolerance. In OSDI, 1999.\n"),
            vec!["pbft"]
        );
    }

    #[test]
    fn a_title_needs_an_author_or_its_year_in_its_own_reference() {
        assert!(found("[1] Someone Else. Paxos made simple. Somewhere, 1990.\n[2] L. Lamport. Other work. 2001.\n").is_empty());
        assert_eq!(
            found("[1] Paxos made simple. SIGACT News, 2001.\n"),
            Vec::<String>::new()
        );
        // A short title needs an author, whatever the year says.
        assert!(found("[15] B. Lampson. How to build a highly available system. In O. Babaoglu, editors, Distributed Algorithms, volume 115 of LNCS, 1996.\n").is_empty());
        assert_eq!(
            found(
                "[6] Nancy Lynch. Distributed Algorithms, pages 397-350. Morgan Kaufman, 1996.\n"
            ),
            vec!["lynch"]
        );
    }

    #[test]
    fn folded_spellings_match() {
        assert_eq!(
            found("[3] L AMPORT, L. P AXOS MADE SIM-\nPLE. ACM SIGACT News, 2001.\n"),
            vec!["simple"]
        );
        assert_eq!(
            found("[3] L. Lamport, “Paxos made simple,” ACM SIGACT News, 2001.\n"),
            vec!["simple"]
        );
    }

    #[test]
    fn multi_byte_characters_around_an_unlabelled_reference_are_never_split() {
        // Without labels a reference is a window of `REACH` bytes either side of the title,
        // which must not end inside an em dash, a bullet, a quote, an ideograph or an emoji
        // before or after it, whatever the alignment.
        for filler in ["é", "—", "•", "”", "中", "𝔸", "😀"] {
            for shift in 0..4 {
                let refs = format!(
                    "{}{} L. Lamport. “Paxos made simple.” 2001. {}\n",
                    filler.repeat(REACH / 2),
                    " ".repeat(shift),
                    filler.repeat(REACH / 2)
                );
                assert_eq!(found(&refs), vec!["simple"], "{filler} {shift}");
            }
        }
    }

    #[test]
    fn a_long_title_with_one_word_off_matches_with_author_and_year() {
        assert_eq!(
            found("18. I. Stoica, R. Morris. Chord: A Peer-to-Peer Lookup Service for Internet Applications. SIGCOMM, 2001.\n"),
            vec!["chord"]
        );
        // Without the year the loose form is not enough.
        assert!(found("18. I. Stoica, R. Morris. Chord: A Peer-to-Peer Lookup Service for Internet Applications. SIGCOMM.\n").is_empty());
        assert!(found("[3] F. Dabek, D. Karger. Building peer-to-peer systems with Chord, a distributed lookup service. HotOS, 2001.\n").is_empty());
    }

    #[test]
    fn urls_name_entries() {
        assert_eq!(
            found("[48] Redis. http://redis.io/, 2012.\n"),
            vec!["redis"]
        );
        assert!(found("[48] Redis. An open source key-value store, 2012.\n").is_empty());
        let m = Matcher::new(&catalog());
        let links = vec![
            "https://example.org/".to_string(),
            "http://www.redis.io#top".to_string(),
        ];
        assert_eq!(m.find_links("self", &links), vec![("redis".to_string(), 1)]);
        assert!(m.find_links("redis", &links).is_empty());
    }

    #[test]
    fn urls_are_found_in_text_even_with_a_space_after_the_colon() {
        let urls: Vec<String> = urls_in(
            "See https://a.org/x, http: //redis.io/. Or http:\n//c.org/y and www.b.org. No http here.",
        )
        .into_iter()
        .map(|(_, u)| u)
        .collect();
        assert_eq!(
            urls,
            vec![
                "https://a.org/x",
                "http://redis.io/",
                "http://c.org/y",
                "www.b.org"
            ]
        );
    }

    #[test]
    fn url_normalization() {
        assert_eq!(
            normalize_url("https://www.Redis.io/").as_deref(),
            Some("redis.io")
        );
        assert_eq!(
            normalize_url("http://redis.io:80/docs/#x").as_deref(),
            Some("redis.io/docs")
        );
        assert_eq!(
            normalize_url("https://a.org/p?id=3").as_deref(),
            Some("a.org/p?id=3")
        );
        assert_eq!(normalize_url("mailto:x@y.z"), None);
        assert_eq!(normalize_url("https://localhost/"), None);
    }

    #[test]
    fn years_and_surnames() {
        assert_eq!(
            years_in("SOSP '07, pp. 12-1999, vol 20125"),
            vec![2007, 1999]
        );
        assert_eq!(surname("Robbert van Renesse").as_deref(), Some("renesse"));
        assert_eq!(
            surname("Philip A. Bernstein Jr.").as_deref(),
            Some("bernstein")
        );
        assert!(similarity(
            &title_words("Pastry: Scalable, decentralized object location and routing for large-scale peer-to-peer systems"),
            &title_words("Pastry: Scalable, distributed object location and routing for large-scale peer-to-peer systems. In Middleware")
        ) >= SIMILAR);
        assert!(similarity(
            &title_words("A Versatile Scheme for Routing Highly Variable Traffic in Service Overlays and IP Backbones"),
            &title_words("Oblivious Routing of Highly Variable Traffic in Service Overlays and IP Backbones")
        ) < SIMILAR);
    }
}
