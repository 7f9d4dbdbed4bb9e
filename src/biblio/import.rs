//! Libraries in: a reference manager's library, as Zotero and JabRef export it in BibTeX or as
//! CSL-JSON, turned into catalog entries, as `catalog::import` does for a markdown list. Each
//! record becomes an entry with an id made from its title (or its key), its authors, year,
//! kind (from the record's type), URL and DOI, and its abstract as the summary; records
//! without a title become none. The PDFs a BibTeX `file` field names are returned by entry,
//! for the command to attach.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{anyhow, Result};
use biblatex::{Bibliography, ChunksExt, EntryType, RawBibliography, RawChunk};
use serde::Serialize;

use super::{csl, names, one_line};
use crate::catalog::{self, Entry};

/// The library formats `catalog import` reads besides markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryFormat {
    Bibtex,
    CslJson,
}

impl LibraryFormat {
    /// The format's name, for messages.
    pub fn label(self) -> &'static str {
        match self {
            LibraryFormat::Bibtex => "BibTeX",
            LibraryFormat::CslJson => "CSL-JSON",
        }
    }
}

/// The library format a file's extension names: `.bib` for BibTeX, `.json` for CSL-JSON.
pub fn format_of(path: &Path) -> Option<LibraryFormat> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "bib" | "bibtex" => Some(LibraryFormat::Bibtex),
        "json" => Some(LibraryFormat::CslJson),
        _ => None,
    }
}

/// The library format a text is written in, for standard input: JSON (an array or an object)
/// is CSL-JSON, a text whose first line after `%` comments opens with `@` is BibTeX, and
/// anything else (a markdown list) is neither.
pub fn sniff(text: &str) -> Option<LibraryFormat> {
    let text = text.trim_start_matches('\u{feff}');
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('%'))?;
    if first.starts_with('@') {
        return Some(LibraryFormat::Bibtex);
    }
    let json = text.trim_start().starts_with(['[', '{'])
        && serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|v| v.is_array() || v.is_object());
    json.then_some(LibraryFormat::CslJson)
}

/// What an import made of a library.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// The entries, in the library's order.
    pub entries: Vec<Entry>,
    /// The PDFs each entry's record names, by entry id, as written in the library (relative to
    /// its folder, or absolute).
    pub files: Vec<(String, Vec<String>)>,
    /// The keys of records without a title, which became no entry.
    pub untitled: Vec<String>,
    /// Records that could not be read, with the reason: (key, reason).
    pub unreadable: Vec<(String, String)>,
    /// Ids an entry of the catalog from another list has, which entries of the library would
    /// have had: (the id taken, the id given instead).
    pub renamed: Vec<(String, String)>,
}

/// One record of a library, read, before it has an id.
#[derive(Debug, Clone, Default, PartialEq)]
struct Record {
    key: String,
    kind: Option<&'static str>,
    title: String,
    authors: Vec<String>,
    year: Option<i64>,
    urls: Vec<String>,
    summary: String,
    files: Vec<String>,
}

/// The records a library holds, and those that could not be read: (key, reason).
type Records = (Vec<Record>, Vec<(String, String)>);

/// Reads a library into entries whose `sources` is `source`. Ids are unique within the
/// library and differ from those in `taken` (the ids of catalog entries from other lists).
pub fn import(
    text: &str,
    format: LibraryFormat,
    source: &str,
    taken: &HashSet<String>,
) -> Result<Library> {
    let text = text.trim_start_matches('\u{feff}');
    let (records, unreadable) = match format {
        LibraryFormat::Bibtex => bibtex_records(text)?,
        LibraryFormat::CslJson => csl_records(text)?,
    };
    let mut library = Library {
        unreadable,
        ..Library::default()
    };
    let mut used: HashSet<String> = HashSet::new();
    for record in records {
        if record.title.is_empty() {
            library.untitled.push(record.key);
            continue;
        }
        let mut base = short_slug(&record.title);
        if base.is_empty() {
            base = short_slug(&record.key);
        }
        if base.is_empty() {
            base = "entry".to_string();
        }
        let mut id = base.clone();
        let mut n = 2;
        while used.contains(&id) || taken.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        used.insert(id.clone());
        if taken.contains(&base) {
            library.renamed.push((base, id.clone()));
        }
        if !record.files.is_empty() {
            library.files.push((id.clone(), record.files));
        }
        library.entries.push(Entry {
            id,
            title: record.title,
            authors: record.authors,
            year: record.year,
            kind: record.kind.map(str::to_string),
            urls: record.urls,
            summary: record.summary,
            sources: vec![source.to_string()],
            ..Entry::default()
        });
    }
    Ok(library)
}

/// An id-shaped slug of at most 60 bytes, cut at a dash.
fn short_slug(text: &str) -> String {
    const MAX_ID: usize = 60;
    let full = catalog::slug(text);
    if full.len() <= MAX_ID {
        return full;
    }
    let cut = full[..MAX_ID].rfind('-').unwrap_or(MAX_ID);
    full[..cut].to_string()
}

/// Reads every record of a BibTeX file. A file BibTeX cannot parse is an error naming the
/// line; a record whose fields cannot be resolved (an unknown @string, say) is reported by
/// key and the others are read.
fn bibtex_records(text: &str) -> Result<Records> {
    let raw = RawBibliography::parse(text)
        .map_err(|e| anyhow!("line {}: {}", line_of(text, e.span.start), e.kind))?;
    // `file`, `url` and `doi` are read as written: resolving them as LaTeX would drop the
    // backslash of an escaped `:` or `;`, which separate the parts of a `file` field, and turn
    // the `--` of a URL into a dash.
    let mut verbatim: HashMap<(String, &str), String> = HashMap::new();
    for entry in &raw.entries {
        for name in ["file", "url", "doi"] {
            let field = entry
                .v
                .fields
                .iter()
                .find(|p| p.key.v.eq_ignore_ascii_case(name));
            if let Some(field) = field {
                let text: String = field
                    .value
                    .v
                    .iter()
                    .filter_map(|chunk| match chunk.v {
                        RawChunk::Normal(s) => Some(s),
                        RawChunk::Abbreviation(_) => None,
                    })
                    .collect();
                verbatim
                    .entry((entry.v.key.v.to_string(), name))
                    .or_insert(text);
            }
        }
    }
    let verbatim = |key: &str, name: &'static str| {
        verbatim
            .get(&(key.to_string(), name))
            .map(String::as_str)
            .unwrap_or("")
    };
    let mut unreadable = Vec::new();
    let entries = match Bibliography::from_raw(raw.clone()) {
        Ok(bibliography) => bibliography.into_vec(),
        // Read record by record, so one bad record (or a key used twice) costs only itself.
        Err(_) => {
            let mut entries = Vec::new();
            for entry in &raw.entries {
                let one = RawBibliography {
                    preamble: String::new(),
                    entries: vec![entry.clone()],
                    abbreviations: raw.abbreviations.clone(),
                };
                match Bibliography::from_raw(one) {
                    Ok(b) => entries.extend(b.into_vec()),
                    Err(e) => unreadable.push((
                        entry.v.key.v.to_string(),
                        format!("line {}: {}", line_of(text, e.span.start), e.kind),
                    )),
                }
            }
            entries
        }
    };
    let records = entries
        .iter()
        .map(|entry| {
            let field = |name: &str| {
                entry
                    .get(name)
                    .map(|chunks| one_line(&chunks.format_verbatim()))
                    .unwrap_or_default()
            };
            let title = field("title");
            let authors = entry
                .author()
                .unwrap_or_default()
                .iter()
                .map(|p| {
                    let name = names::join(&p.given_name, &p.prefix, &p.name, &p.suffix);
                    // A `~` in a name is TeX's unbreakable space (`D.~E. Knuth`); a title
                    // may mean the character, as an escaped one reads the same.
                    one_line(&name.replace('~', " "))
                })
                .filter(|n| !n.is_empty())
                .collect();
            let year = year_in(&field("year")).or_else(|| year_in(&field("date")));
            let mut urls = Vec::new();
            push_url(&mut urls, &unescape(verbatim(&entry.key, "url")));
            let doi = unescape(verbatim(&entry.key, "doi"));
            if !doi.trim().is_empty() {
                push_url(&mut urls, &doi_url(&doi));
            }
            let hints = [field("note"), field("howpublished"), field("type")];
            Record {
                key: entry.key.clone(),
                kind: bibtex_kind(&entry.entry_type, &hints, urls.first().map(String::as_str)),
                title,
                authors,
                year,
                urls,
                summary: field("abstract"),
                files: pdf_paths(verbatim(&entry.key, "file")),
            }
        })
        .collect();
    Ok((records, unreadable))
}

/// The catalog kind of a BibTeX type; for `@misc` and `@online`, what the note, the
/// `howpublished` or the URL say it is.
fn bibtex_kind(ty: &EntryType, hints: &[String], url: Option<&str>) -> Option<&'static str> {
    use EntryType as T;
    Some(match ty {
        T::Article
        | T::InProceedings
        | T::InCollection
        | T::TechReport
        | T::Report
        | T::Unpublished
        | T::SuppPeriodical
        | T::SuppCollection => "paper",
        T::Book
        | T::Booklet
        | T::InBook
        | T::BookInBook
        | T::MvBook
        | T::Collection
        | T::MvCollection
        | T::Proceedings
        | T::MvProceedings
        | T::Reference
        | T::MvReference => "book",
        T::PhdThesis | T::MastersThesis | T::Thesis => "thesis",
        T::Software => "code",
        T::Unknown(name) if matches!(name.as_str(), "video" | "movie") => "video",
        T::Misc | T::Online | T::Unknown(_) => {
            let online = matches!(ty, T::Online);
            return web_kind(hints, url).or(online.then_some("website"));
        }
        _ => return None,
    })
}

/// The kind a web record is: the label paperdex's own export writes in its note, else what
/// its URL shows.
fn web_kind(hints: &[String], url: Option<&str>) -> Option<&'static str> {
    for hint in hints {
        let hint = hint.trim().to_lowercase();
        let kind = crate::catalog::KINDS.iter().find(|kind| {
            super::types(Some(kind))
                .label
                .is_some_and(|label| label.to_lowercase() == hint)
        });
        if let Some(kind) = kind {
            return Some(kind);
        }
    }
    let url = url?.to_ascii_lowercase();
    Some(
        if url.contains("youtube.com") || url.contains("youtu.be") || url.contains("vimeo.com") {
            "video"
        } else if url.contains("github.com") || url.contains("gitlab.com") {
            "code"
        } else if url.ends_with(".pdf") || url.contains("arxiv.org") || url.contains("doi.org/") {
            "paper"
        } else if url.contains("blog") || url.contains("medium.com") {
            "blog"
        } else {
            "website"
        },
    )
}

/// Reads every item of a CSL-JSON library; an item of an unexpected shape is reported by key.
fn csl_records(text: &str) -> Result<Records> {
    let items = csl::read(text).map_err(|e| {
        anyhow!(
            "line {}, column {}: {}",
            e.line(),
            e.column(),
            json_reason(&e)
        )
    })?;
    let mut records = Vec::new();
    let mut unreadable = Vec::new();
    for item in items {
        let item = match item {
            Ok(item) => item,
            Err(failed) => {
                unreadable.push(failed);
                continue;
            }
        };
        let mut urls = Vec::new();
        push_url(&mut urls, item.url.as_deref().unwrap_or(""));
        if let Some(doi) = item.doi.as_deref().filter(|d| !d.trim().is_empty()) {
            push_url(&mut urls, &doi_url(doi));
        }
        records.push(Record {
            key: item.key(),
            kind: csl_kind(
                item.kind.as_deref().unwrap_or(""),
                item.genre.as_deref(),
                urls.first().map(String::as_str),
            ),
            title: one_line(item.title.as_deref().unwrap_or("")),
            authors: item
                .author
                .iter()
                .map(csl::InName::catalog_name)
                .filter(|n| !n.is_empty())
                .collect(),
            year: item.issued.as_ref().and_then(csl::InDate::year),
            urls,
            summary: one_line(item.abstract_text.as_deref().unwrap_or("")),
            files: Vec::new(),
        });
    }
    Ok((records, unreadable))
}

/// What serde_json's error says, without the position it also appends.
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The catalog kind of a CSL type (its genre deciding between the kinds of web page).
fn csl_kind(ty: &str, genre: Option<&str>, url: Option<&str>) -> Option<&'static str> {
    Some(match ty {
        "article-journal" | "paper-conference" | "article" | "report" | "manuscript"
        | "chapter" | "document" => "paper",
        "book" => "book",
        "thesis" => "thesis",
        "post-weblog" | "post" => "blog",
        "motion_picture" | "broadcast" => "video",
        "speech" => "talk",
        "software" => "code",
        "article-magazine" | "article-newspaper" => "article",
        "webpage" => {
            let hints: Vec<String> = genre.into_iter().map(str::to_string).collect();
            return web_kind(&hints, url).or(Some("website"));
        }
        _ => return None,
    })
}

/// Adds a URL the catalog can hold: http or https, spaces percent-encoded, each once.
fn push_url(urls: &mut Vec<String>, url: &str) {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return;
    }
    let url: String = url
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if c == ' ' {
                "%20".to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    if !urls.contains(&url) {
        urls.push(url);
    }
}

/// The `https://doi.org/` URL of a DOI, however the library wrote it (`10.1145/...`,
/// `doi:10.1145/...`, or already a URL).
fn doi_url(doi: &str) -> String {
    let doi = doi.trim();
    let lower = doi.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return doi.to_string();
    }
    let bare = doi
        .strip_prefix("doi:")
        .or_else(|| doi.strip_prefix("DOI:"))
        .unwrap_or(doi)
        .trim();
    format!("https://doi.org/{bare}")
}

/// The first plausible year (four digits, not part of a longer number, at most 2100) in a
/// date as libraries write it: `2001`, `2001-05-03`, `Spring 1998`, `{2001}`.
pub fn year_in(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 4 {
                let year: i64 = text[start..i].parse().ok()?;
                if year <= 2100 {
                    return Some(year);
                }
            }
        } else {
            i += 1;
        }
    }
    None
}

/// The PDFs a `file` field names: Zotero writes `Description:path:mime type`, JabRef
/// `:path:PDF`, Better BibTeX a bare path; several are separated by `;`, and `\:`, `\;` and
/// `\\` stand for the characters themselves. Only PDFs (by type or by name) are kept.
pub fn pdf_paths(field: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for item in split_unescaped(field, ';') {
        let parts: Vec<String> = split_unescaped(&item, ':')
            .iter()
            .map(|p| unescape(p))
            .collect();
        let (path, kind) = match parts.as_slice() {
            [path] => (path.clone(), ""),
            // A Windows drive letter: `C:\papers\x.pdf`.
            [drive, rest] if drive.len() == 1 => (format!("{drive}:{rest}"), ""),
            [_, path] => (path.clone(), ""),
            [_, middle @ .., kind] => (middle.join(":"), kind.as_str()),
            [] => continue,
        };
        let path = path.trim().to_string();
        let pdf = kind.to_ascii_lowercase().contains("pdf")
            || path.to_ascii_lowercase().ends_with(".pdf");
        if !path.is_empty() && pdf {
            paths.push(path);
        }
    }
    paths
}

/// Splits at each `sep` not escaped by a backslash, keeping escapes for `unescape`.
fn split_unescaped(text: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            current.push(c);
            current.extend(chars.next());
        } else if c == sep {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

/// Drops the backslash before the characters a `file` field or a URL escapes.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next) = chars.peek() {
                if matches!(
                    next,
                    ':' | ';' | '\\' | '_' | '{' | '}' | '&' | '%' | '$' | '#'
                ) {
                    out.push(next);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[derive(Serialize)]
struct TomlFile<'a> {
    entry: Vec<TomlEntry<'a>>,
}

#[derive(Serialize)]
struct TomlEntry<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    authors: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    year: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    urls: &'a [String],
    sources: &'a [String],
    #[serde(skip_serializing_if = "str::is_empty")]
    summary: &'a str,
}

/// Renders a library's entries as a catalog TOML file.
pub fn to_toml(entries: &[Entry], source: &str) -> String {
    let file = TomlFile {
        entry: entries
            .iter()
            .map(|e| TomlEntry {
                id: &e.id,
                title: &e.title,
                authors: &e.authors,
                year: e.year,
                kind: e.kind.as_deref(),
                urls: &e.urls,
                sources: &e.sources,
                summary: &e.summary,
            })
            .collect(),
    };
    let body = toml::to_string(&file).unwrap_or_default();
    format!("# Entries imported from the library {source:?}; add topics to browse them by subject.\n\n{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZOTERO: &str = r#"
@string{sigact = {{ACM} {SIGACT} News}}

@article{lamport_paxos_2001,
	title = {Paxos {Made} {Simple}},
	volume = {32},
	url = {https://lamport.azurewebsites.net/pubs/paxos-simple.pdf},
	journal = sigact,
	author = {Lamport, Leslie},
	month = dec,
	year = {2001},
	pages = {51--58},
	file = {Full Text PDF:files/12/Lamport - 2001 - Paxos Made Simple.pdf:application/pdf;Snapshot:files/13/snapshot.html:text/html},
	abstract = {The {Paxos} algorithm,
		when presented in plain English, is very simple.},
}

@inproceedings{babaoglu_consistent_1993,
	title = {Consistent {Global} {States} of {Distributed} {Systems}},
	author = {Babao{\u g}lu, {\"O}zalp and Marzullo, Keith and van Renesse, Robbert},
	year = {1993},
	doi = {10.5555/302430.302443},
}

@misc{notitle_2020,
	author = {Nobody, A.},
	year = {2020},
}
"#;

    #[test]
    fn zotero_records_become_entries() {
        let lib = import(ZOTERO, LibraryFormat::Bibtex, "mine", &HashSet::new()).unwrap();
        assert_eq!(lib.untitled, vec!["notitle_2020".to_string()]);
        assert!(lib.unreadable.is_empty(), "{:?}", lib.unreadable);
        let paxos = &lib.entries[0];
        assert_eq!(paxos.id, "paxos-made-simple");
        assert_eq!(paxos.title, "Paxos Made Simple");
        assert_eq!(paxos.authors, vec!["Leslie Lamport".to_string()]);
        assert_eq!(paxos.year, Some(2001));
        assert_eq!(paxos.kind.as_deref(), Some("paper"));
        assert_eq!(
            paxos.summary,
            "The Paxos algorithm, when presented in plain English, is very simple."
        );
        assert_eq!(paxos.sources, vec!["mine".to_string()]);
        assert_eq!(
            lib.files,
            vec![(
                "paxos-made-simple".to_string(),
                vec!["files/12/Lamport - 2001 - Paxos Made Simple.pdf".to_string()]
            )]
        );
        let states = &lib.entries[1];
        assert_eq!(
            states.authors,
            vec!["Özalp Babaoğlu", "Keith Marzullo", "Robbert van Renesse"]
        );
        assert_eq!(states.urls, vec!["https://doi.org/10.5555/302430.302443"]);
        let text = to_toml(&lib.entries, "mine");
        let (parsed, problems) = catalog::parse_file("mine.toml", &text);
        assert!(problems.is_empty(), "{problems:?}\n{text}");
        assert_eq!(parsed[1].0, lib.entries[1]);
    }

    #[test]
    fn ids_are_unique_and_avoid_the_catalog() {
        let bib =
            "@misc{a, title = {Raft}}\n@misc{b, title = {Raft}}\n@misc{c, title = {分布式}}\n";
        let taken: HashSet<String> = ["raft".to_string()].into();
        let lib = import(bib, LibraryFormat::Bibtex, "mine", &taken).unwrap();
        let ids: Vec<&str> = lib.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["raft-2", "raft-3", "c"]);
        assert_eq!(lib.renamed.len(), 2);
        assert_eq!(lib.renamed[0], ("raft".to_string(), "raft-2".to_string()));
    }

    #[test]
    fn a_bad_record_costs_only_itself() {
        let bib = "@article{good, title = {Good}, year = 1999}\n@article{bad, title = undefinedmacro}\n@article{good, title = {Again}}\n";
        let lib = import(bib, LibraryFormat::Bibtex, "mine", &HashSet::new()).unwrap();
        let titles: Vec<&str> = lib.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["Good", "Again"]);
        assert_eq!(lib.unreadable[0].0, "bad");
        assert!(
            lib.unreadable[0].1.starts_with("line 2:"),
            "{:?}",
            lib.unreadable
        );
        let err = import(
            "@article{x, title = {open",
            LibraryFormat::Bibtex,
            "m",
            &HashSet::new(),
        );
        assert!(err.unwrap_err().to_string().starts_with("line 1:"));
    }

    #[test]
    fn file_fields_of_zotero_jabref_and_better_bibtex() {
        assert_eq!(
            pdf_paths(r":papers/paxos.pdf:PDF;:notes.txt:Text"),
            vec!["papers/paxos.pdf"]
        );
        assert_eq!(
            pdf_paths(r"Full Text:C\:\\Users\\me\\x.pdf:application/pdf"),
            vec![r"C:\Users\me\x.pdf"]
        );
        assert_eq!(
            pdf_paths(r"Full Text:C:\Users\me\x.pdf:application/pdf"),
            vec![r"C:\Users\me\x.pdf"]
        );
        assert_eq!(
            pdf_paths("/home/me/Zotero/storage/AB/x.pdf"),
            vec!["/home/me/Zotero/storage/AB/x.pdf"]
        );
        assert_eq!(
            pdf_paths(r"Paper:a\;b.pdf:application/pdf"),
            vec!["a;b.pdf"]
        );
        assert!(pdf_paths("Snapshot:files/1/s.html:text/html").is_empty());
    }

    #[test]
    fn kinds_from_types_notes_and_urls() {
        let bib = "@phdthesis{t, title = {T}}\n@misc{v, title = {V}, note = {Video}}\n@misc{g, title = {G}, url = {https://github.com/x/y}}\n@online{w, title = {W}, url = {https://example.org/}}\n@book{b, title = {B}}\n@software{s, title = {S}}\n@misc{p, title = {P}, howpublished = {\\url{https://x.org/p.pdf}}, url = {https://x.org/p.pdf}}\n";
        let lib = import(bib, LibraryFormat::Bibtex, "m", &HashSet::new()).unwrap();
        let kinds: Vec<&str> = lib
            .entries
            .iter()
            .map(|e| e.kind.as_deref().unwrap_or("-"))
            .collect();
        assert_eq!(
            kinds,
            ["thesis", "video", "code", "website", "book", "code", "paper"]
        );
    }

    #[test]
    fn csl_items_become_entries() {
        let json = r#"[{"id": "k1", "type": "paper-conference", "title": "Chain Replication",
            "author": [{"family": "Renesse", "non-dropping-particle": "van", "given": "Robbert"}],
            "issued": {"date-parts": [[2004]]}, "DOI": "10.5555/1251254.1251261",
            "URL": "https://example.org/chain.pdf", "abstract": "  Chain\n replication. "},
            {"id": "k2", "type": "webpage", "genre": "Reading list", "title": "Readings"},
            {"id": "k3", "type": "book"}]"#;
        let lib = import(json, LibraryFormat::CslJson, "m", &HashSet::new()).unwrap();
        let e = &lib.entries[0];
        assert_eq!(e.id, "chain-replication");
        assert_eq!(e.kind.as_deref(), Some("paper"));
        assert_eq!(e.authors, vec!["Robbert van Renesse"]);
        assert_eq!(e.year, Some(2004));
        assert_eq!(
            e.urls,
            vec![
                "https://example.org/chain.pdf",
                "https://doi.org/10.5555/1251254.1251261"
            ]
        );
        assert_eq!(e.summary, "Chain replication.");
        assert_eq!(lib.entries[1].kind.as_deref(), Some("list"));
        assert_eq!(lib.untitled, vec!["k3".to_string()]);
        let err = import("[{\"id\": ", LibraryFormat::CslJson, "m", &HashSet::new()).unwrap_err();
        assert!(err.to_string().starts_with("line 1, column"), "{err}");
    }

    #[test]
    fn formats_by_name_and_content() {
        assert_eq!(
            format_of(Path::new("a/My.BIB")),
            Some(LibraryFormat::Bibtex)
        );
        assert_eq!(
            format_of(Path::new("lib.json")),
            Some(LibraryFormat::CslJson)
        );
        assert_eq!(format_of(Path::new("list.md")), None);
        assert_eq!(
            sniff("% Encoding: UTF-8\n\n@Article{x,}"),
            Some(LibraryFormat::Bibtex)
        );
        assert_eq!(sniff("\u{feff}[{\"id\": 1}]"), Some(LibraryFormat::CslJson));
        assert_eq!(sniff("[Awesome](https://x.org)\n- [a](b)"), None);
        assert_eq!(sniff("# A list\n- [a](https://x.org)"), None);
    }

    #[test]
    fn years_in_dates() {
        assert_eq!(year_in("2001"), Some(2001));
        assert_eq!(year_in("2001-05-03"), Some(2001));
        assert_eq!(year_in("Spring 1998"), Some(1998));
        assert_eq!(year_in("12345 or 1999"), Some(1999));
        assert_eq!(year_in("n.d."), None);
    }
}
