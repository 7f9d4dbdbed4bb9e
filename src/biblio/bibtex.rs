//! BibTeX out: one `@type{key, ...}` entry per work, readable by BibTeX, biber and reference
//! managers. Text is kept as UTF-8; the characters TeX reads as commands (`& % $ # _ { } ~ ^
//! \`) are escaped, and the capitals a style must not lowercase (acronyms, `MapReduce`, proper
//! names in a title written in sentence case) are protected with braces.

use std::fmt::Write;

use super::{one_line, Name, Work};

/// Writes works as BibTeX entries, separated by blank lines.
pub fn render(works: &[Work]) -> String {
    let mut out = String::new();
    for (i, work) in works.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        entry(&mut out, work);
    }
    out
}

fn entry(out: &mut String, work: &Work) {
    let e = work.entry;
    let mut fields: Vec<(&str, String)> = Vec::new();
    if !work.authors.is_empty() {
        let names: Vec<String> = work.authors.iter().map(name).collect();
        fields.push(("author", names.join(" and ")));
    }
    fields.push(("title", title(&e.title)));
    if let Some(year) = e.year {
        fields.push(("year", year.to_string()));
    }
    if let Some(url) = work.url.as_deref() {
        let url = url_text(url);
        // Classic BibTeX styles print no `url` field; `howpublished` is what @misc shows.
        if work.types.bibtex == "misc" {
            fields.push(("howpublished", format!("\\url{{{url}}}")));
        }
        fields.push(("url", url));
    }
    if let Some(doi) = &work.doi {
        fields.push(("doi", url_text(doi)));
    }
    if let Some(label) = work.types.label {
        fields.push(("note", label.to_string()));
    }
    if !e.summary.is_empty() {
        // `annote` is BibTeX's field for an annotated bibliography: the catalog's own words
        // about the work, which no standard style prints.
        fields.push(("annote", escape(&one_line(&e.summary))));
    }
    let _ = writeln!(out, "@{}{{{},", work.types.bibtex, work.key);
    let last = fields.len() - 1;
    for (i, (field, value)) in fields.iter().enumerate() {
        let comma = if i == last { "" } else { "," };
        let _ = writeln!(out, "  {field} = {{{value}}}{comma}");
    }
    out.push_str("}\n");
}

/// One author as BibTeX reads names: "von Last, Jr., First", an organisation in braces so
/// that it is never split.
pub fn name(name: &Name) -> String {
    match name {
        Name::Literal(text) => format!("{{{}}}", escape(text)),
        Name::Person {
            given,
            particle,
            family,
            suffix,
        } => {
            let mut last = escape(family);
            // A family name starting in lowercase would be read as a particle.
            if family.starts_with(|c: char| c.is_lowercase()) || family.contains(" and ") {
                last = format!("{{{last}}}");
            }
            let mut out = String::new();
            if !particle.is_empty() {
                out.push_str(&escape(particle));
                out.push(' ');
            }
            out.push_str(&last);
            if !suffix.is_empty() {
                out.push_str(", ");
                out.push_str(&escape(suffix));
            }
            if !given.is_empty() || !suffix.is_empty() {
                out.push_str(", ");
                out.push_str(&escape(given));
            }
            out
        }
    }
}

/// Text with the characters TeX treats as commands escaped, and hyphens kept from joining
/// into dashes; everything else, non-ASCII letters included, kept as written.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // TeX sets `--` and `---` as dashes: hyphens that follow each other stay apart.
            '-' if chars.peek() == Some(&'-') => out.push_str("-{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '{' | '}' | '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A title escaped, with braces around the words whose capitals a style must keep: in a
/// title written in title case, words with a capital after their first letter (`CAP`,
/// `MapReduce`, `CRDTs`); in a title written in sentence case, also every capitalised word
/// after the first of the title or of its subtitle, since there it is a name.
pub fn title(text: &str) -> String {
    let text = one_line(text);
    let words: Vec<&str> = text.split(' ').collect();
    let sentence_case = is_sentence_case(&words);
    let mut out = Vec::with_capacity(words.len());
    let mut starts_sentence = true;
    for word in &words {
        let core = core(word);
        let protect = match core {
            Some((start, end)) => {
                let core = &word[start..end];
                inner_capital(core) || (sentence_case && !starts_sentence && has_capital(core))
            }
            None => false,
        };
        let escaped = match (protect, core) {
            (true, Some((start, end))) => format!(
                "{}{{{}}}{}",
                escape(&word[..start]),
                escape(&word[start..end]),
                escape(&word[end..])
            ),
            _ => escape(word),
        };
        out.push(escaped);
        starts_sentence = word.ends_with([':', '.', '?', '!']) || word.is_empty();
    }
    out.join(" ")
}

/// Whether a title is in sentence case: fewer than half of its longer words, after the first
/// word of the title and of each subtitle, start with a capital.
fn is_sentence_case(words: &[&str]) -> bool {
    let mut starts_sentence = true;
    let (mut longer, mut capitalised) = (0, 0);
    for word in words {
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        if !starts_sentence && letters >= 4 {
            longer += 1;
            if word
                .chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(char::is_uppercase)
            {
                capitalised += 1;
            }
        }
        starts_sentence = word.ends_with([':', '.', '?', '!']);
    }
    longer > 0 && capitalised * 2 < longer
}

/// The byte range of a word from its first to its last letter or digit.
fn core(word: &str) -> Option<(usize, usize)> {
    let start = word.find(char::is_alphanumeric)?;
    let (last, c) = word.char_indices().rfind(|(_, c)| c.is_alphanumeric())?;
    Some((start, last + c.len_utf8()))
}

/// Whether a capital follows the first letter: `CAP`, `MapReduce`, `k-Means`, `C10K`.
fn inner_capital(word: &str) -> bool {
    word.chars().skip(1).any(char::is_uppercase)
}

fn has_capital(word: &str) -> bool {
    word.chars().any(char::is_uppercase)
}

/// A URL as BibTeX may hold it: braces, backslashes and spaces, which would end or break the
/// field, percent-encoded.
pub fn url_text(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.trim().chars() {
        match c {
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '\\' => out.push_str("%5C"),
            ' ' => out.push_str("%20"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biblio::{names, works};
    use crate::catalog::Entry;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(
            escape(r"50% of R&D_x costs $5 #1 {a} ~b^ c\d"),
            r"50\% of R\&D\_x costs \$5 \#1 \{a\} \textasciitilde{}b\textasciicircum{} c\textbackslash{}d"
        );
        assert_eq!(escape("Babaoğlu"), "Babaoğlu");
        assert_eq!(escape("a -- b---c - d"), "a -{}- b-{}-{}-c - d");
    }

    #[test]
    fn capitals_are_protected_where_a_style_would_lose_them() {
        assert_eq!(
            title("Dynamo: Amazon's Highly Available Key-value Store"),
            "Dynamo: Amazon's Highly Available Key-value Store"
        );
        assert_eq!(
            title("Brewer's Conjecture and the CAP Theorem"),
            "Brewer's Conjecture and the {CAP} Theorem"
        );
        assert_eq!(
            title("MapReduce: Simplified Data Processing"),
            "{MapReduce}: Simplified Data Processing"
        );
        assert_eq!(
            title("The Chubby lock service for loosely-coupled distributed systems"),
            "The {Chubby} lock service for loosely-coupled distributed systems"
        );
        assert_eq!(
            title("Files are hard: why Linux (and ext4) lose data"),
            "Files are hard: why {Linux} (and ext4) lose data"
        );
        assert_eq!(
            title("CRDTs & {braces}: 100% (C10K)"),
            "{CRDTs} \\& \\{braces\\}: 100\\% ({C10K})"
        );
    }

    #[test]
    fn names_read_back_by_bibtex_rules() {
        let n = |s: &str| name(&names::split(s).unwrap());
        assert_eq!(n("Leslie Lamport"), "Lamport, Leslie");
        assert_eq!(n("Robbert van Renesse"), "van Renesse, Robbert");
        assert_eq!(n("James B. Rothnie Jr."), "Rothnie, Jr., James B.");
        assert_eq!(n("Google Inc."), "{Google Inc.}");
        assert_eq!(n("Aphyr"), "{Aphyr}");
        assert_eq!(n("bell hooks"), "{hooks}, bell");
    }

    #[test]
    fn an_entry_has_its_fields_and_no_trailing_comma() {
        let e = Entry {
            id: "v".into(),
            title: "A Talk".into(),
            authors: vec!["Martin Kleppmann".into()],
            year: Some(2018),
            kind: Some("video".into()),
            urls: vec!["https://www.youtube.com/watch?v=B5NU".into()],
            summary: "CRDTs,\nexplained.".into(),
            ..Entry::default()
        };
        let text = render(&works(&[&e]));
        assert_eq!(
            text,
            "@misc{kleppmann2018talk,\n  author = {Kleppmann, Martin},\n  title = {A Talk},\n  year = {2018},\n  howpublished = {\\url{https://www.youtube.com/watch?v=B5NU}},\n  url = {https://www.youtube.com/watch?v=B5NU},\n  note = {Video},\n  annote = {CRDTs, explained.}\n}\n"
        );
    }
}
