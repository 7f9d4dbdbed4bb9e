//! Citations and reference managers, beside the catalog stage: catalog entries go out as
//! BibTeX, RIS or CSL-JSON (for `paperdex cite`, the `--format` of `search`, `path` and
//! `reading-order`, and an entry's web page), and a reference manager's library comes in as
//! catalog entries (`paperdex catalog import library.bib|library.json`). Nothing here reads
//! the data directory or prints; the commands and `serve` hand entries in and write out what
//! comes back.
//!
//! `names` splits authors into their parts; `bibtex`, `ris` and `csl` write the three formats
//! from the `Work`s this file prepares (one per entry: its citation key, its kind's type in
//! each format, its authors split, its URL and DOI); `import` reads libraries.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

use crate::catalog::Entry;

pub mod bibtex;
pub mod csl;
pub mod import;
pub mod names;
pub mod ris;

pub use names::Name;

/// The citation formats paperdex writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// BibTeX, for LaTeX (BibTeX or biblatex) and most reference managers
    Bibtex,
    /// RIS, for EndNote, Zotero, Mendeley and other reference managers
    Ris,
    /// CSL-JSON, for pandoc, Zotero and other CSL processors
    #[value(name = "csl-json")]
    CslJson,
}

impl Format {
    /// Every format, in the order they are offered.
    pub const ALL: [Format; 3] = [Format::Bibtex, Format::Ris, Format::CslJson];

    /// The name `--format` and the web route take.
    pub fn name(self) -> &'static str {
        match self {
            Format::Bibtex => "bibtex",
            Format::Ris => "ris",
            Format::CslJson => "csl-json",
        }
    }

    /// The format a name stands for, as `--format` spells it.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The name people know the format by.
    pub fn label(self) -> &'static str {
        match self {
            Format::Bibtex => "BibTeX",
            Format::Ris => "RIS",
            Format::CslJson => "CSL-JSON",
        }
    }

    /// The media type of the text: plain text for BibTeX and RIS, so a browser shows it, and
    /// the registered type for CSL-JSON.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Bibtex | Format::Ris => "text/plain; charset=utf-8",
            Format::CslJson => "application/vnd.citationstyles.csl+json",
        }
    }

    /// The file name extension of the format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Bibtex => "bib",
            Format::Ris => "ris",
            Format::CslJson => "json",
        }
    }
}

/// Writes entries in a format, each once, with citation keys unique among them.
pub fn render(entries: &[&Entry], format: Format) -> String {
    let works = works(entries);
    match format {
        Format::Bibtex => bibtex::render(&works),
        Format::Ris => ris::render(&works),
        Format::CslJson => csl::render(&works),
    }
}

/// What one kind of entry is in each format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Types {
    /// The BibTeX entry type, without the `@`.
    pub bibtex: &'static str,
    /// The RIS reference type (`TY`).
    pub ris: &'static str,
    /// The CSL item type.
    pub csl: &'static str,
    /// The kind in words, for the BibTeX `note`, the RIS type of work (`M3`) and the CSL
    /// `genre`, where the type alone does not say it.
    pub label: Option<&'static str>,
}

/// The types of an entry of this kind. The catalog records no venue, so a paper is each
/// format's generic type (`@misc`, `GEN`, `document`) rather than a journal article or a
/// conference paper it may not be; a thesis is a PhD thesis (BibTeX has no other kind
/// without naming a degree); works on the web are `@misc` with their URL and kind.
pub fn types(kind: Option<&str>) -> Types {
    let (bibtex, ris, csl, label) = match kind {
        Some("paper") => ("misc", "GEN", "document", None),
        Some("book") => ("book", "BOOK", "book", None),
        Some("thesis") => ("phdthesis", "THES", "thesis", None),
        Some("course") => ("misc", "ELEC", "webpage", Some("Course")),
        Some("video") => ("misc", "VIDEO", "motion_picture", Some("Video")),
        Some("talk") => ("misc", "GEN", "speech", Some("Talk")),
        Some("blog") => ("misc", "BLOG", "post-weblog", Some("Blog")),
        Some("article") => ("misc", "ELEC", "webpage", Some("Web article")),
        Some("list") => ("misc", "ELEC", "webpage", Some("Reading list")),
        Some("website") => ("misc", "ELEC", "webpage", Some("Website")),
        Some("code") => ("misc", "COMP", "software", Some("Software")),
        _ => ("misc", "GEN", "document", None),
    };
    Types {
        bibtex,
        ris,
        csl,
        label,
    }
}

/// One entry made ready to cite.
#[derive(Debug, Clone)]
pub struct Work<'a> {
    pub entry: &'a Entry,
    /// The citation key: unique among the works written together.
    pub key: String,
    pub types: Types,
    /// The authors, split into their parts; blank names left out.
    pub authors: Vec<Name>,
    /// The entry's first URL, the one the catalog reads first, without control characters.
    pub url: Option<String>,
    /// A DOI, from a `doi.org` URL of the entry.
    pub doi: Option<String>,
}

/// Prepares entries for citing, in their order, giving each a key unique among them.
pub fn works<'a>(entries: &[&'a Entry]) -> Vec<Work<'a>> {
    let mut taken = HashSet::new();
    entries
        .iter()
        .map(|&entry| {
            let authors: Vec<Name> = entry
                .authors
                .iter()
                .filter_map(|a| names::split(&one_line(a)))
                .collect();
            let base = key(authors.first(), entry.year, &entry.title);
            let mut key = base.clone();
            // A second lamport1978time becomes lamport1978timeb, as BibTeX users write it.
            let mut suffix = b'b';
            while !taken.insert(key.clone()) {
                key = if suffix <= b'z' {
                    format!("{base}{}", suffix as char)
                } else {
                    format!("{base}{}", suffix as usize - b'a' as usize + 1)
                };
                suffix = suffix.saturating_add(1);
            }
            Work {
                entry,
                key,
                types: types(entry.kind.as_deref()),
                authors,
                url: entry
                    .urls
                    .first()
                    .map(|u| u.chars().filter(|c| !c.is_control()).collect()),
                doi: entry.urls.iter().find_map(|u| doi(u)),
            }
        })
        .collect()
}

/// Leading title words a key skips, as `lamport1998part` skips "The".
const KEY_SKIPPED: &[&str] = &[
    "a", "an", "the", "on", "of", "in", "to", "for", "and", "how", "what", "why", "is", "are",
    "with", "at", "by", "from", "towards", "toward",
];

/// A citation key: the first author's family name, the year and the title's first word
/// that says something, in lowercase ASCII (`lamport1978time`, `babaoglu1993consistent`).
pub fn key(first_author: Option<&Name>, year: Option<i64>, title: &str) -> String {
    let mut key = match first_author {
        Some(Name::Literal(name)) => name
            .split(' ')
            .map(ascii_word)
            .find(|w| !w.is_empty() && w != "the")
            .unwrap_or_default(),
        Some(person) => ascii_word(person.family()),
        None => String::new(),
    };
    if let Some(year) = year {
        key.push_str(&year.to_string());
    }
    let words: Vec<String> = title
        .split(|c: char| c.is_whitespace() || c == '-' || c == '/')
        .map(ascii_word)
        .filter(|w| !w.is_empty())
        .collect();
    let word = words
        .iter()
        .find(|w| !KEY_SKIPPED.contains(&w.as_str()))
        .or(words.first());
    if let Some(word) = word {
        key.push_str(word);
    }
    if key.is_empty() || key.starts_with(|c: char| c.is_ascii_digit()) {
        key.insert_str(0, "entry");
    }
    key
}

/// A word folded to lowercase ASCII letters and digits: accents dropped (`Babaoğlu` is
/// `babaoglu`), letters without a decomposition spelt out (`ø` is `o`, `ß` is `ss`), and
/// everything else left out.
pub fn ascii_word(text: &str) -> String {
    let mut out = String::new();
    for c in text.nfkd() {
        match c {
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            'ı' => out.push('i'),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'þ' | 'Þ' => out.push_str("th"),
            _ => {}
        }
    }
    out
}

/// The DOI a `doi.org` URL resolves, such as `10.1145/359545.359563`.
pub fn doi(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let rest = [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
    ]
    .iter()
    .find(|p| lower.starts_with(*p))
    .map(|p| &url[p.len()..])?;
    let doi = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .ok()?
        .into_owned();
    (doi.starts_with("10.") && doi.contains('/')).then_some(doi)
}

/// A catalog string made fit for one line of a citation: control characters (line breaks
/// among them) become spaces and runs of spaces one.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, title: &str, authors: &[&str], year: Option<i64>) -> Entry {
        Entry {
            id: id.into(),
            title: title.into(),
            authors: authors.iter().map(|a| a.to_string()).collect(),
            year,
            ..Entry::default()
        }
    }

    #[test]
    fn keys_are_family_year_and_first_word() {
        let lamport = names::split("Leslie Lamport");
        assert_eq!(
            key(
                lamport.as_ref(),
                Some(1978),
                "Time, Clocks, and the Ordering"
            ),
            "lamport1978time"
        );
        assert_eq!(
            key(lamport.as_ref(), Some(1998), "The Part-Time Parliament"),
            "lamport1998part"
        );
        let babaoglu = names::split("Özalp Babaoğlu");
        assert_eq!(
            key(babaoglu.as_ref(), Some(1993), "Consistent Global States"),
            "babaoglu1993consistent"
        );
        assert_eq!(key(None, None, "Redis"), "redis");
        let team = names::split("The Raft Team");
        assert_eq!(key(team.as_ref(), None, "Raft"), "raftraft");
        assert_eq!(key(None, Some(2016), "The"), "entry2016the");
        assert_eq!(key(None, None, "分布式"), "entry");
        let renesse = names::split("Robbert van Renesse");
        assert_eq!(
            key(renesse.as_ref(), Some(2004), "Chain Replication"),
            "renesse2004chain"
        );
    }

    #[test]
    fn keys_are_unique_within_one_export() {
        let a = entry("a", "Paxos Made Simple", &["Leslie Lamport"], Some(2001));
        let b = entry("b", "Paxos Made Simple", &["Leslie Lamport"], Some(2001));
        let c = entry("c", "Paxos Made Simple", &["Leslie Lamport"], Some(2001));
        let keys: Vec<String> = works(&[&a, &b, &c]).into_iter().map(|w| w.key).collect();
        assert_eq!(
            keys,
            ["lamport2001paxos", "lamport2001paxosb", "lamport2001paxosc"]
        );
    }

    #[test]
    fn every_kind_has_a_type_in_every_format() {
        for kind in crate::catalog::KINDS {
            let t = types(Some(kind));
            assert!(!t.bibtex.is_empty() && !t.ris.is_empty() && !t.csl.is_empty());
            if t.bibtex == "misc" && *kind != "paper" {
                assert!(t.label.is_some(), "{kind} says what it is");
            }
        }
        assert_eq!(types(Some("book")).bibtex, "book");
        assert_eq!(types(Some("thesis")).ris, "THES");
        assert_eq!(types(Some("video")).csl, "motion_picture");
    }

    #[test]
    fn dois_come_from_doi_urls() {
        assert_eq!(
            doi("https://doi.org/10.1145/359545.359563").as_deref(),
            Some("10.1145/359545.359563")
        );
        assert_eq!(
            doi("http://dx.doi.org/10.1000/a%3Cb").as_deref(),
            Some("10.1000/a<b")
        );
        assert_eq!(doi("https://example.org/10.1/x"), None);
        assert_eq!(doi("https://doi.org/about"), None);
    }

    #[test]
    fn ascii_words_fold_accents() {
        assert_eq!(ascii_word("Babaoğlu"), "babaoglu");
        assert_eq!(ascii_word("Preguiça"), "preguica");
        assert_eq!(ascii_word("Altınbüken"), "altinbuken");
        assert_eq!(ascii_word("Søgaard-Straße"), "sogaardstrasse");
        assert_eq!(Format::from_name("csl-json"), Some(Format::CslJson));
        assert_eq!(Format::from_name("json"), None);
    }
}
