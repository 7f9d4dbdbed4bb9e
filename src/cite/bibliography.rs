//! Finding a document's bibliography: the cite stage looks for titles only where a document
//! lists its references, not in its prose. The references start after a heading such as
//! `References` or `VII. BIBLIOGRAPHY` (the first one past the opening pages, since running
//! heads repeat it), or, without a heading, where a run of labelled entries (`[1]`, `[Lam78]`)
//! begins near the end. Two-column layouts sometimes put the first references before the
//! heading, so labelled entries anywhere in the second half count as well. Each reference's
//! start (its label) is noted, so a title can be confirmed within its own reference.

use std::ops::Range;

use crate::boundary;

/// Headings that open a list of references.
const HEADINGS: &[&str] = &[
    "references",
    "bibliography",
    "literaturecited",
    "citedliterature",
    "workscited",
    "referencesandnotes",
    "notesandreferences",
    "bibliographicreferences",
    "literature",
];

/// Headings that open a reading list in an article without a references section.
const LIST_HEADINGS: &[&str] = &[
    "furtherreading",
    "recommendedreading",
    "suggestedreading",
    "readinglist",
    "sources",
];

/// A heading before this fraction of the text is a table of contents or an abstract.
const HEADING_FROM: f64 = 0.15;

/// Labelled entries before the heading count only past this fraction of the text.
const LABELS_FROM: f64 = 0.4;

/// Longest stretch taken for one labelled entry found outside the references section.
const ENTRY_BYTES: usize = 700;

/// Where a document lists its references.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bibliography {
    /// Byte ranges of the text holding references, in order and not overlapping.
    pub spans: Vec<Range<usize>>,
    /// Byte offsets where a reference starts (at its label), sorted.
    pub starts: Vec<usize>,
    /// Whether a heading introduced the references.
    pub heading: bool,
}

impl Bibliography {
    /// Whether any references were found.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The byte range of the reference around `offset` in `text` (the text this bibliography
    /// was located in): from the label before it to the next label, or a window of about
    /// `reach` bytes either side where there are no labels, kept inside the span holding
    /// `offset` and on character boundaries, so that it can always be sliced.
    pub fn reference_at(&self, text: &str, offset: usize, reach: usize) -> Range<usize> {
        let span = self
            .spans
            .iter()
            .find(|s| s.contains(&offset))
            .cloned()
            .unwrap_or(offset..offset);
        let i = self.starts.partition_point(|&s| s <= offset);
        let before = i
            .checked_sub(1)
            .map(|j| self.starts[j])
            .filter(|&s| offset - s <= 3 * reach);
        let after = self
            .starts
            .get(i)
            .copied()
            .filter(|&s| s - offset <= 3 * reach);
        let start = before
            .unwrap_or(offset.saturating_sub(reach))
            .max(span.start);
        let end = after.unwrap_or(offset + reach).min(span.end.max(offset));
        // A window of `reach` bytes may end inside a multi-byte character (an em dash, a
        // quote, an ideograph); it is narrowed to whole ones.
        boundary::inside(text, start..end)
    }
}

/// One line of the text with its byte offset.
struct Line<'a> {
    at: usize,
    text: &'a str,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    // Splitting on one byte is much faster than on a set of characters, and every line of
    // every document passes here; a form feed ends a page, and pages end with a newline.
    for piece in text.split_inclusive('\n') {
        out.push(Line {
            at,
            text: piece.trim_end_matches(['\n', '\x0c', '\r']),
        });
        at += piece.len();
    }
    out
}

/// Finds the references of `text`.
pub fn locate(text: &str) -> Bibliography {
    let lines = lines(text);
    let len = text.len().max(1) as f64;
    let after = |at: usize, fraction: f64| at as f64 >= fraction * len;
    let heading = lines
        .iter()
        .position(|l| after(l.at, HEADING_FROM) && is_heading(l.text, HEADINGS))
        .or_else(|| {
            lines
                .iter()
                .position(|l| after(l.at, HEADING_FROM) && is_heading(l.text, LIST_HEADINGS))
        });
    let labelled: Vec<usize> = (0..lines.len())
        .filter(|&i| bracket_label(lines[i].text).is_some())
        .collect();
    let mut bib = Bibliography::default();
    let region_start = match heading {
        Some(h) => {
            bib.heading = true;
            lines.get(h + 1).map_or(text.len(), |l| l.at)
        }
        None => {
            // Without a heading, a run of labelled entries near the end is the list.
            let late: Vec<usize> = labelled
                .iter()
                .copied()
                .filter(|&i| after(lines[i].at, 0.5))
                .collect();
            match late.first() {
                Some(&first) if late.len() >= 3 => lines[first].at,
                _ => match numbered_run(&lines, |at| after(at, 0.5)) {
                    Some(at) => at,
                    None => return bib,
                },
            }
        }
    };
    // Labelled entries that the layout put before the heading.
    for &i in &labelled {
        let line = &lines[i];
        if line.at >= region_start || !after(line.at, LABELS_FROM) {
            continue;
        }
        let mut end = line.at + line.text.len();
        for next in &lines[i + 1..] {
            if next.text.trim().is_empty()
                || bracket_label(next.text).is_some()
                || next.at >= region_start
                || next.at - line.at > ENTRY_BYTES
            {
                break;
            }
            end = next.at + next.text.len();
        }
        bib.spans.push(line.at..end);
        bib.starts.push(line.at);
    }
    if region_start < text.len() {
        bib.spans.push(region_start..text.len());
        for line in lines.iter().filter(|l| l.at >= region_start) {
            if bracket_label(line.text).is_some() || number_label(line.text).is_some() {
                bib.starts.push(line.at);
            }
        }
    }
    bib.starts.sort_unstable();
    bib.starts.dedup();
    bib
}

/// Whether a line is one of `names` as a heading: alone on its line, perhaps numbered
/// (`7`, `7.`, `VII.`, `A`), letter-spaced or followed by a colon.
fn is_heading(line: &str, names: &[&str]) -> bool {
    let t = line.trim();
    if t.is_empty() || t.len() > 60 {
        return false;
    }
    let t = t.trim_end_matches(':');
    if letters_are(t, names) {
        return true;
    }
    let Some((first, rest)) = t.split_once(char::is_whitespace) else {
        return false;
    };
    let label = first.trim_end_matches('.');
    let numbered = !label.is_empty()
        && (label.chars().all(|c| c.is_ascii_digit())
            || label.chars().all(|c| "IVXLCivxlc".contains(c))
            || (label.len() == 1 && label.chars().all(|c| c.is_ascii_uppercase())));
    numbered && letters_are(rest, names)
}

/// Whether the letters of `text`, lowercased and without anything between them, spell one of
/// `names`. Every line of a document goes through this, so it allocates nothing.
fn letters_are(text: &str, names: &[&str]) -> bool {
    let mut letters = [0u8; 32];
    let mut n = 0;
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            if n == letters.len() {
                return false;
            }
            letters[n] = c.to_ascii_lowercase() as u8;
            n += 1;
        } else if c.is_alphabetic() {
            return false;
        }
    }
    names.iter().any(|name| name.as_bytes() == &letters[..n])
}

/// The label of a line that starts with one in brackets, such as `[12]`, `[Lam78]` or
/// `[AGK+90]`.
pub fn bracket_label(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let rest = t.strip_prefix('[')?;
    let close = rest.find(']')?;
    let label = &rest[..close];
    let ok = !label.is_empty()
        && label.len() <= 12
        && label
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '+' | '-' | '.' | ' ' | '\''))
        && label.chars().any(|c| c.is_alphanumeric());
    ok.then_some(label)
}

/// The number of a line that starts like a numbered reference: `12.` or `12 ` followed by a
/// capital letter.
fn number_label(line: &str) -> Option<u32> {
    let t = line.trim_start();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let rest = &t[digits..];
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let first = rest.trim_start().chars().next()?;
    if first.is_uppercase() {
        t[..digits].parse().ok()
    } else {
        None
    }
}

/// The offset of a `1.`, `2.`, `3.` run of numbered lines, when the text has one where `late`
/// allows.
fn numbered_run(lines: &[Line], late: impl Fn(usize) -> bool) -> Option<usize> {
    let mut start = None;
    let mut expect = 1;
    for line in lines.iter().filter(|l| late(l.at)) {
        match number_label(line.text) {
            Some(1) => {
                start = Some(line.at);
                expect = 2;
            }
            Some(n) if start.is_some() && n == expect => {
                expect += 1;
                if expect > 3 {
                    return start;
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(words: usize) -> String {
        "Lorem ipsum dolor sit amet consensus.\n".repeat(words / 6)
    }

    #[test]
    fn headings_in_their_many_forms() {
        for h in [
            "References",
            "REFERENCES",
            "7 References",
            "7. References",
            "VII. REFERENCES",
            "R EFERENCES",
            "Bibliography:",
            "Literature Cited",
        ] {
            assert!(is_heading(h, HEADINGS), "{h}");
        }
        for h in ["References are listed below", "Cross references", "", "7"] {
            assert!(!is_heading(h, HEADINGS), "{h}");
        }
    }

    #[test]
    fn labels() {
        assert_eq!(bracket_label("[12] L. Lamport"), Some("12"));
        assert_eq!(bracket_label("  [Lam78] L. Lamport"), Some("Lam78"));
        assert_eq!(bracket_label("[AGK+90] A. B"), Some("AGK+90"));
        assert_eq!(bracket_label("[a very long label here] x"), None);
        assert_eq!(bracket_label("see [12]"), None);
        assert_eq!(number_label("12. Lamport, L."), Some(12));
        assert_eq!(number_label("3 LAMPORT, L."), Some(3));
        assert_eq!(number_label("3 the rest"), None);
        assert_eq!(number_label("1998. A year"), None);
    }

    #[test]
    fn the_references_follow_the_first_heading_past_the_opening() {
        let text = format!(
            "Contents\nReferences\n{}References\n[1] A. B. First.\n[2] C. D. Second.\nREFERENCES\n[3] E. F. Third.\n",
            body(600)
        );
        let bib = locate(&text);
        assert!(bib.heading);
        assert_eq!(bib.spans.len(), 1);
        let refs = &text[bib.spans[0].clone()];
        assert!(refs.starts_with("[1] A. B. First."), "{refs}");
        assert!(refs.contains("[3] E. F. Third."));
        assert_eq!(bib.starts.len(), 3);
    }

    #[test]
    fn labelled_entries_before_the_heading_count() {
        let text = format!(
            "{}[5] G. H. Spanner entry.\nwrapped line\n\nAcknowledgments\nThanks.\nReferences\n[1] A. B. First.\n",
            body(600)
        );
        let bib = locate(&text);
        assert_eq!(bib.spans.len(), 2);
        assert_eq!(
            &text[bib.spans[0].clone()],
            "[5] G. H. Spanner entry.\nwrapped line"
        );
    }

    #[test]
    fn without_a_heading_a_late_run_of_labels_is_the_list() {
        let text = format!(
            "{}[1] A. First.\n[2] B. Second.\n[3] C. Third.\n",
            body(600)
        );
        let bib = locate(&text);
        assert!(!bib.heading);
        assert!(text[bib.spans[0].clone()].starts_with("[1] A. First."));
        let numbered = format!("{}1. A. First.\n2. B. Second.\n3. C. Third.\n", body(600));
        let bib = locate(&numbered);
        assert!(numbered[bib.spans[0].clone()].starts_with("1. A. First."));
        assert!(locate(&body(600)).is_empty());
    }

    #[test]
    fn a_reference_runs_from_its_label_to_the_next() {
        let text = format!("{}References\n[1] A. First.\n[2] B. Second.\n", body(600));
        let bib = locate(&text);
        let at = text.find("Second").unwrap();
        assert_eq!(&text[bib.reference_at(&text, at, 300)], "[2] B. Second.\n");
        let at = text.find("First").unwrap();
        assert_eq!(&text[bib.reference_at(&text, at, 300)], "[1] A. First.\n");
    }

    #[test]
    fn a_window_without_labels_stops_at_whole_characters() {
        // Characters of 2, 3 and 4 bytes on both sides of the title, shifted by up to three
        // bytes, so that a reach either side lands inside one of them in some run.
        for filler in ["é", "—", "•", "“", "中", "𝔸", "😀"] {
            for shift in 0..4 {
                let text = format!(
                    "{}References\n{}{}L. Lamport. Paxos made simple. 2001.{}\n",
                    body(600),
                    filler.repeat(120),
                    " ".repeat(shift),
                    filler.repeat(120)
                );
                let bib = locate(&text);
                let at = text.find("Paxos").unwrap();
                for reach in [7, 40, 100, 300] {
                    let r = bib.reference_at(&text, at, reach);
                    assert!(
                        r.start <= at && at <= r.end,
                        "{filler} {shift} {reach}: {r:?}"
                    );
                    assert!(
                        text.get(r.clone()).is_some(),
                        "{filler} {shift} {reach}: {r:?}"
                    );
                    assert!(r.end - r.start <= 2 * reach);
                }
            }
        }
    }

    #[test]
    fn an_offset_outside_the_references_gives_an_empty_range() {
        let text = format!("{}References\n[1] A. First — 中文.\n", body(600));
        let bib = locate(&text);
        assert_eq!(bib.reference_at(&text, 3, 300), 3..3);
        let past = text.len() + 5;
        let r = bib.reference_at(&text, past, 300);
        assert!(r.is_empty() && r.end <= text.len());
    }
}
