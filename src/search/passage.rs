//! The passage picker: the last step of the search stage. Given a hit's text and the index
//! terms of the query, it finds up to three passages where the matches cluster, preferring
//! the body of a paper over its acknowledgements and bibliography, and returns each with its
//! page and the byte ranges to highlight. Only short windows of the text are analyzed: a whole
//! paper is hundreds of times longer than a passage.

use std::collections::HashSet;
use std::ops::Range;

use memchr::memmem::{self, Finder};
use serde::Serialize;
use tantivy::tokenizer::TextAnalyzer;

use crate::boundary;
use crate::index::analysis;

/// Most passages shown for one hit.
pub const MAX_PASSAGES: usize = 3;

/// Longest passage, in characters.
pub const PASSAGE_CHARS: usize = 180;

/// Bytes of text around a cluster of matches that are analyzed for a passage.
const WINDOW: usize = 480;

/// Most occurrences of one probe looked at: enough to find the best clusters.
const MAX_OCCURRENCES: usize = 4096;

/// A stretch of a document that matched, for showing with a hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Passage {
    /// The 1-based page it is on, for text that has pages.
    pub page: Option<usize>,
    /// The heading of the section it is in, for a web page, whose sections stand for pages.
    pub section: Option<String>,
    pub text: String,
    /// Byte ranges of `text` that matched the query.
    pub highlights: Vec<Range<usize>>,
}

/// What to look for: index terms to highlight, and cheap lowercase word beginnings that find
/// the places where they may be, ready to search many texts.
pub struct Needles<'a> {
    terms: &'a HashSet<String>,
    /// One fast substring search per word beginning.
    finders: Vec<Finder<'static>>,
}

impl<'a> Needles<'a> {
    /// Prepares the search for `probes`, each a lowercase word beginning, and highlights
    /// `terms`.
    pub fn new(terms: &'a HashSet<String>, probes: &[String]) -> Needles<'a> {
        let mut kept: Vec<&str> = probes
            .iter()
            .map(String::as_str)
            .filter(|p| !p.is_empty())
            .collect();
        kept.sort_unstable();
        kept.dedup();
        // A beginning that begins another finds all it does: the longer one adds nothing.
        let kept: Vec<&str> = kept
            .iter()
            .enumerate()
            .filter(|(i, p)| !kept[..*i].iter().any(|shorter| p.starts_with(shorter)))
            .map(|(_, p)| *p)
            .collect();
        let finders = kept
            .iter()
            .map(|p| Finder::new(p.as_bytes()).into_owned())
            .collect();
        Needles { terms, finders }
    }
}

/// Up to `MAX_PASSAGES` passages of `body`, best first; `page_starts` are the byte offsets
/// where its pages begin.
pub fn passages(
    body: &str,
    page_starts: &[u64],
    needles: &Needles,
    analyzer: &mut TextAnalyzer,
) -> Vec<Passage> {
    if needles.finders.is_empty() {
        return Vec::new();
    }
    // ASCII lowercasing keeps byte offsets; one copy, then a vectorized search per probe, is
    // several times faster than one case-blind search for all of them.
    let lower = body.as_bytes().to_ascii_lowercase();
    let hits = occurrences(&lower, &needles.finders);
    if hits.is_empty() {
        return Vec::new();
    }
    let back = back_matter(body, &lower);
    let (front, rear): (Vec<_>, Vec<_>) = hits.into_iter().partition(|(at, _)| *at < back);
    // Passages come from the body when it matched at all; the references only otherwise.
    let pool = if front.is_empty() { rear } else { front };
    let mut out: Vec<Passage> = Vec::new();
    let mut taken: Vec<Range<usize>> = Vec::new();
    for window in best_windows(&pool, needles.finders.len()) {
        if out.len() == MAX_PASSAGES {
            break;
        }
        if taken
            .iter()
            .any(|t| t.start < window.end && window.start < t.end)
        {
            continue;
        }
        let bounds = enclosing(body.len(), page_starts, back, window.start);
        let range = widen(body, window.clone(), bounds);
        if let Some(p) = passage(body, range, page_starts, needles.terms, analyzer) {
            taken.push(window);
            out.push(p);
        }
    }
    out
}

/// A passage of short text shown whole (a summary), highlighted.
pub fn whole(text: &str, terms: &HashSet<String>, analyzer: &mut TextAnalyzer) -> Passage {
    let highlights: Vec<Range<usize>> = analysis::tokens(analyzer, text)
        .into_iter()
        .filter(|t| terms.contains(&t.text))
        .map(|t| t.offset_from..t.offset_to)
        .collect();
    let (text, highlights) = clean(text, &highlights);
    Passage {
        page: None,
        section: None,
        text,
        highlights: merge(highlights),
    }
}

/// The passage to show from `range` of `body`, a stretch found by meaning: its densest run of
/// the query's words when it has any, else its opening; `None` when the range does not fit
/// the body (a text changed since it was embedded).
pub fn within(
    body: &str,
    range: Range<usize>,
    page_starts: &[u64],
    terms: &HashSet<String>,
    analyzer: &mut TextAnalyzer,
) -> Option<Passage> {
    let text = body.get(range.clone())?;
    if let Some(found) = passage(body, range.clone(), page_starts, terms, analyzer) {
        return Some(found);
    }
    let end = word_end_after(text, 0, PASSAGE_CHARS);
    let (text, _) = clean(&text[..end], &[]);
    let page = (!page_starts.is_empty()).then(|| {
        page_starts
            .partition_point(|&p| p as usize <= range.start)
            .max(1)
    });
    Some(Passage {
        page,
        section: None,
        text,
        highlights: Vec::new(),
    })
}

/// Where each probe occurs at the start of a word in the lowercased text: (byte offset, probe
/// index), in order.
fn occurrences(lower: &[u8], finders: &[Finder]) -> Vec<(usize, usize)> {
    let mut hits = Vec::new();
    for (p, finder) in finders.iter().enumerate() {
        let at_word_start = |&at: &usize| at == 0 || !lower[at - 1].is_ascii_alphanumeric();
        let found = finder.find_iter(lower).filter(at_word_start);
        hits.extend(found.take(MAX_OCCURRENCES).map(|at| (at, p)));
    }
    hits.sort_unstable();
    hits
}

/// Windows over the occurrences, best first: the most distinct probes, then the most
/// occurrences, within half a window. Only as many as can be needed are ranked.
fn best_windows(hits: &[(usize, usize)], probes: usize) -> Vec<Range<usize>> {
    let mut scored: Vec<(usize, usize, usize, usize)> = Vec::new(); // (distinct, count, lo, hi)
    let mut counts = vec![0usize; probes.max(1)];
    let mut distinct = 0;
    let mut lo = 0;
    for hi in 0..hits.len() {
        if counts[hits[hi].1] == 0 {
            distinct += 1;
        }
        counts[hits[hi].1] += 1;
        while hits[hi].0 - hits[lo].0 > WINDOW / 2 {
            counts[hits[lo].1] -= 1;
            if counts[hits[lo].1] == 0 {
                distinct -= 1;
            }
            lo += 1;
        }
        scored.push((distinct, hi - lo + 1, lo, hi));
    }
    let better = |a: &(usize, usize, usize, usize), b: &(usize, usize, usize, usize)| {
        b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2))
    };
    // A few windows overlap the ones taken or hold no whole word; ranking more is wasted work.
    let wanted = (MAX_PASSAGES * 8).min(scored.len());
    if wanted > 0 && wanted < scored.len() {
        scored.select_nth_unstable_by(wanted - 1, better);
        scored.truncate(wanted);
    }
    scored.sort_by(better);
    scored
        .into_iter()
        .map(|(_, _, lo, hi)| hits[lo].0..hits[hi].0 + 1)
        .collect()
}

/// The stretch a passage starting at `at` must stay in: its page, and the body or the back
/// matter, whichever it is in.
fn enclosing(len: usize, page_starts: &[u64], back: usize, at: usize) -> Range<usize> {
    let page = page_starts.partition_point(|&p| p as usize <= at);
    let mut start = page.checked_sub(1).map_or(0, |i| page_starts[i] as usize);
    let mut end = page_starts.get(page).map_or(len, |&p| p as usize);
    if at < back {
        end = end.min(back);
    } else {
        start = start.max(back);
    }
    start..end.max(start)
}

/// A window of about `WINDOW` bytes around a cluster, within `bounds`, on character boundaries.
fn widen(body: &str, cluster: Range<usize>, bounds: Range<usize>) -> Range<usize> {
    let start = boundary::floor(
        body,
        cluster.start.saturating_sub(WINDOW / 4).max(bounds.start),
    );
    let end = (start + WINDOW).max(cluster.end).min(bounds.end).max(start);
    start..boundary::ceil(body, end)
}

/// The passage in `range`: the densest run of highlighted words, cut to `PASSAGE_CHARS`.
fn passage(
    body: &str,
    range: Range<usize>,
    page_starts: &[u64],
    terms: &HashSet<String>,
    analyzer: &mut TextAnalyzer,
) -> Option<Passage> {
    let text = &body[range.clone()];
    let tokens = analysis::tokens(analyzer, text);
    let marks: Vec<Range<usize>> = tokens
        .iter()
        .filter(|t| terms.contains(&t.text))
        .map(|t| t.offset_from..t.offset_to)
        .collect();
    if marks.is_empty() {
        return None;
    }
    // The run of marks that fits in a passage and holds the most of them. Bytes stand in for
    // characters here: close enough to choose a run, and a passage is cut by characters later.
    let limit = PASSAGE_CHARS * 3 / 4;
    let (mut best, mut best_count) = (0, 0);
    let mut end = 0;
    for i in 0..marks.len() {
        end = end.max(i);
        while end + 1 < marks.len() && marks[end + 1].end - marks[i].start <= limit {
            end += 1;
        }
        if end + 1 - i > best_count {
            (best, best_count) = (i, end + 1 - i);
        }
    }
    let first = marks[best].start;
    let start = word_start_before(text, first, PASSAGE_CHARS / 6);
    let end = word_end_after(text, start, PASSAGE_CHARS);
    let inside: Vec<Range<usize>> = marks
        .iter()
        .filter(|m| m.start >= start && m.end <= end)
        .map(|m| m.start - start..m.end - start)
        .collect();
    let (clean_text, highlights) = clean(&text[start..end], &inside);
    let at = range.start + first;
    let page = (!page_starts.is_empty())
        .then(|| page_starts.partition_point(|&p| p as usize <= at).max(1));
    Some(Passage {
        page,
        section: None,
        text: clean_text,
        highlights: merge(highlights),
    })
}

/// A word boundary about `chars` characters before `at`.
fn word_start_before(text: &str, at: usize, chars: usize) -> usize {
    let before = &text[..at];
    let back = before.char_indices().rev().nth(chars).map_or(0, |(i, _)| i);
    if back == 0 {
        return 0;
    }
    // After the space, however many bytes it has: a no-break or ideographic space has two or
    // three.
    match before[back..]
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
    {
        Some((space, c)) => back + space + c.len_utf8(),
        None => at,
    }
}

/// A word boundary at most `chars` characters after `start`.
fn word_end_after(text: &str, start: usize, chars: usize) -> usize {
    let rest = &text[start..];
    let Some((cut, _)) = rest.char_indices().nth(chars) else {
        return text.len();
    };
    match rest[..cut].rfind(char::is_whitespace) {
        Some(space) if space > 0 => start + space,
        _ => start + cut,
    }
}

/// Where the back matter (acknowledgements, references) begins: a heading line in the second
/// half of the text (`lower` is the text in ASCII lowercase); the text's length when there is
/// none.
pub fn back_matter(body: &str, lower: &[u8]) -> usize {
    let half = boundary::ceil(body, body.len() / 2);
    // Looking for the heading words first spares splitting the whole text into lines.
    let mut starts: Vec<usize> = [
        "referenc",
        "bibliograph",
        "acknowledg",
        "literature cited",
        "works cited",
    ]
    .iter()
    .flat_map(|w| memmem::find_iter(&lower[half..], w.as_bytes()).map(move |i| half + i))
    .collect();
    starts.sort_unstable();
    for at in starts {
        let start = body[..at].rfind(['\n', '\x0c']).map_or(0, |i| i + 1);
        let end = body[at..]
            .find(['\n', '\x0c'])
            .map_or(body.len(), |i| at + i);
        if is_back_heading(&body[start..end]) {
            return start;
        }
    }
    body.len()
}

fn is_back_heading(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() || t.len() > 40 {
        return false;
    }
    // Section numbers (`7 References`, `VIII. REFERENCES`) and a trailing colon are dropped.
    let words: Vec<&str> = t
        .split_whitespace()
        .skip_while(|w| {
            w.trim_end_matches('.')
                .chars()
                .all(|c| c.is_ascii_digit() || "IVXLC".contains(c))
        })
        .collect();
    let heading = words.join(" ").trim_end_matches(':').to_lowercase();
    matches!(
        heading.as_str(),
        "references"
            | "reference"
            | "bibliography"
            | "references and notes"
            | "literature cited"
            | "works cited"
            | "acknowledgments"
            | "acknowledgements"
            | "acknowledgment"
            | "acknowledgement"
    )
}

/// Folds runs of white space and control characters into single spaces, moving the ranges
/// along with the text.
fn clean(raw: &str, ranges: &[Range<usize>]) -> (String, Vec<Range<usize>>) {
    let mut out = String::with_capacity(raw.len());
    let mut map = vec![0usize; raw.len() + 1];
    let mut last_space = true;
    for (i, ch) in raw.char_indices() {
        map[i] = out.len();
        if ch.is_whitespace() || ch.is_control() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            out.push(ch);
            last_space = false;
        }
    }
    map[raw.len()] = out.len();
    // Bytes inside a multi-byte character map to where the character starts.
    for i in 1..map.len() {
        if !raw.is_char_boundary(i.min(raw.len())) {
            map[i] = map[i - 1];
        }
    }
    let trimmed_end = out.trim_end().len();
    out.truncate(trimmed_end);
    let highlights = ranges
        .iter()
        .map(|r| map[r.start].min(out.len())..map[r.end].min(out.len()))
        .filter(|r| r.start < r.end)
        .collect();
    (out, highlights)
}

/// Sorts ranges and joins those that overlap (a compound and its parts).
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(terms: &[&str], probes: &[&str]) -> (HashSet<String>, Vec<String>) {
        (
            terms.iter().map(|s| s.to_string()).collect(),
            probes.iter().map(|s| s.to_string()).collect(),
        )
    }

    #[test]
    fn passages_prefer_the_body_and_name_their_pages() {
        let filler = "lorem ipsum dolor sit amet ".repeat(60);
        let body = format!(
            "Intro {filler}\x0cVector clocks order events. {filler} more on vector clocks here.\x0c{filler}{filler}\nReferences\n[1] Vector clocks, vector clocks, vector clocks."
        );
        let starts: Vec<u64> = {
            let mut s = vec![0u64];
            for (i, c) in body.char_indices() {
                if c == '\x0c' {
                    s.push(i as u64 + 1);
                }
            }
            s
        };
        let (terms, probes) = needles(&["vector", "clock"], &["vector", "clock"]);
        let n = Needles::new(&terms, &probes);
        let found = passages(&body, &starts, &n, &mut analysis::stemmed());
        assert!(!found.is_empty() && found.len() <= MAX_PASSAGES);
        for p in &found {
            assert_eq!(p.page, Some(2), "{p:?}");
            assert!(!p.text.contains("References"));
            assert!(p.text.chars().count() <= PASSAGE_CHARS + 1);
            for h in &p.highlights {
                let word = p.text[h.clone()].to_lowercase();
                assert!(
                    word.starts_with("vector") || word.starts_with("clock"),
                    "{word}"
                );
            }
        }
    }

    #[test]
    fn references_are_used_when_nothing_else_matched() {
        let filler = "lorem ipsum ".repeat(100);
        let body = format!("{filler}\nREFERENCES\n[1] L. Lamport. Paxos made simple.");
        let (terms, probes) = needles(&["paxo"], &["paxo"]);
        let n = Needles::new(&terms, &probes);
        let found = passages(&body, &[0], &n, &mut analysis::stemmed());
        assert_eq!(found.len(), 1);
        assert!(found[0].text.contains("Paxos"));
    }

    #[test]
    fn back_matter_headings() {
        assert!(is_back_heading("7 References\n"));
        assert!(is_back_heading("VIII. REFERENCES"));
        assert!(is_back_heading("Acknowledgements:"));
        assert!(!is_back_heading("References to the log are cheap"));
    }

    #[test]
    fn whole_text_is_highlighted_and_folded() {
        let terms: HashSet<String> = ["clock".to_string()].into();
        let p = whole(
            "Logical\nclocks  order events.",
            &terms,
            &mut analysis::stemmed(),
        );
        assert_eq!(p.text, "Logical clocks order events.");
        assert_eq!(&p.text[p.highlights[0].clone()], "clocks");
    }

    #[test]
    fn a_passage_may_start_after_a_wide_space() {
        // The passage starts after the last space some way before the first match; a no-break
        // space has two bytes, an ideographic space three, and a CJK run holds no other.
        for space in ['\u{a0}', '\u{3000}', '\u{2003}'] {
            let text = format!("{}{space}{} clock tick", "中".repeat(40), "中".repeat(20));
            let terms: HashSet<String> = ["clock".to_string()].into();
            let probes = vec!["clock".to_string()];
            let n = Needles::new(&terms, &probes);
            let found = passages(&text, &[0], &n, &mut analysis::stemmed());
            assert_eq!(found.len(), 1, "{space:?}");
            assert!(found[0].text.starts_with(&"中".repeat(20)), "{space:?}");
            let at = text.find("clock").unwrap();
            let start = word_start_before(&text, at, PASSAGE_CHARS / 6);
            assert_eq!(&text[start..at], format!("{} ", "中".repeat(20)));
        }
    }

    #[test]
    fn passage_windows_cut_in_a_cjk_run_or_an_emoji_stay_whole() {
        // Every alignment of 2-, 3- and 4-byte characters around the window's edges: the
        // window reaches a quarter of `WINDOW` back, and `WINDOW` on.
        for filler in ["é", "—", "中", "𝔸", "😀"] {
            for shift in 0..4 {
                let text = format!(
                    "{}{} clock {} clock {}",
                    "x".repeat(shift),
                    filler.repeat(WINDOW / 2),
                    filler.repeat(PASSAGE_CHARS),
                    filler.repeat(WINDOW / 2)
                );
                let terms: HashSet<String> = ["clock".to_string()].into();
                let probes = vec!["clock".to_string()];
                let n = Needles::new(&terms, &probes);
                for p in passages(&text, &[0], &n, &mut analysis::stemmed()) {
                    assert!(p.text.chars().count() <= PASSAGE_CHARS + 1);
                    for h in &p.highlights {
                        assert_eq!(p.text.get(h.clone()), Some("clock"), "{filler} {shift}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_passage_cut_short_ends_on_a_whole_character() {
        // No space to cut at: the passage is cut after `PASSAGE_CHARS` characters, never
        // inside one.
        for filler in ["é", "”", "中", "𝔸", "😀"] {
            let text = format!("clock{}", filler.repeat(PASSAGE_CHARS * 2));
            let end = word_end_after(&text, 0, PASSAGE_CHARS);
            assert!(text.is_char_boundary(end));
            assert_eq!(text[..end].chars().count(), PASSAGE_CHARS);
        }
    }

    #[test]
    fn highlights_that_end_at_a_multi_byte_character_survive_cleaning() {
        // A match right before a quote, an ideograph or an emoji, and control characters of
        // one and two bytes (U+0085) before it, which clean() turns into one space.
        let raw = "a\u{85}\u{85} clock”中😀 x";
        let at = raw.find("clock").unwrap();
        let (text, ranges) = clean(raw, &[at..at + 5, at + 5..at + 8]);
        assert_eq!(text, "a clock”中😀 x");
        assert_eq!(&text[ranges[0].clone()], "clock");
        assert_eq!(&text[ranges[1].clone()], "”");
        // A range that ends inside a character is cut back to its start.
        let (text, ranges) = clean(raw, std::slice::from_ref(&(at + 5..at + 9)));
        assert_eq!(&text[ranges[0].clone()], "”");
    }

    #[test]
    fn multi_byte_text_never_splits_a_character() {
        let text = format!("{} clock {}", "é".repeat(500), "中".repeat(500));
        let terms: HashSet<String> = ["clock".to_string()].into();
        let probes = vec!["clock".to_string()];
        let n = Needles::new(&terms, &probes);
        let found = passages(&text, &[0], &n, &mut analysis::stemmed());
        assert_eq!(found.len(), 1);
        assert_eq!(&found[0].text[found[0].highlights[0].clone()], "clock");
    }
}
