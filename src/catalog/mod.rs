//! The catalog: the first stage of the pipeline. It reads the TOML files that describe every
//! work on the reading lists (id, title, authors, topics, URLs, ...), validates them, and hands
//! plain `Entry` values to the fetcher and the indexer. A copy of the project's own catalog is
//! built into the binary so an installed `paperdex` works from any folder.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use toml::Spanned;

pub mod import;
pub mod recognize;
pub mod vocabulary;

/// The kinds of work a catalog entry may describe.
pub const KINDS: &[&str] = &[
    "paper", "book", "thesis", "course", "video", "talk", "blog", "article", "list", "website",
    "code",
];

/// The catalog files compiled into the binary, used when no catalog folder is found.
const BUILTIN: &[(&str, &str)] = &[
    (
        "awesome-distributed-systems.toml",
        include_str!("../../catalog/awesome-distributed-systems.toml"),
    ),
    (
        "papers-we-love.toml",
        include_str!("../../catalog/papers-we-love.toml"),
    ),
];

/// How freely a work can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Open,
    Registration,
    Paywall,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Open => "open",
            Access::Registration => "registration",
            Access::Paywall => "paywall",
        })
    }
}

/// One work of the reading list, as the rest of the pipeline sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Entry {
    pub id: String,
    pub title: String,
    /// Names people know the work by that its title lacks (`Raft`, `FLP`, `GFS`).
    pub aliases: Vec<String>,
    pub authors: Vec<String>,
    pub year: Option<i64>,
    pub kind: Option<String>,
    pub topics: Vec<String>,
    pub urls: Vec<String>,
    pub access: Option<Access>,
    pub summary: String,
    /// The ideas the work teaches, in the field's terms and plain words (`leader lease`,
    /// `quorum intersection`): what a reader would come to it to learn.
    pub concepts: Vec<String>,
    /// The reading lists that carry this work; defaults to the name of its file.
    pub sources: Vec<String>,
}

impl Entry {
    /// Whether the fetcher may try to download this entry.
    pub fn open_access(&self) -> bool {
        matches!(self.access, None | Some(Access::Open))
    }
}

/// A loaded, validated catalog.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub entries: Vec<Entry>,
    /// Where the catalog came from, for messages ("catalog/" or "built-in catalog").
    pub origin: String,
}

impl Catalog {
    /// Looks an entry up by id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The entry a person names: by its id, or by one of its aliases (`raft`, `dynamo`), in
    /// any case.
    pub fn find(&self, name: &str) -> Option<&Entry> {
        let name = name.trim();
        self.get(name).or_else(|| {
            self.entries.iter().find(|e| {
                e.id.eq_ignore_ascii_case(name)
                    || e.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
            })
        })
    }

    /// The id nearest to a mistyped name: an id or alias within a few edits (one per six
    /// characters, at least two), or the only id holding the name whole.
    pub fn nearest_id(&self, name: &str) -> Option<&str> {
        let wanted = name.trim().to_lowercase();
        if wanted.is_empty() {
            return None;
        }
        let limit = (wanted.chars().count() / 6).max(2);
        let wanted = wanted.as_str();
        let close = self
            .entries
            .iter()
            .flat_map(|e| {
                std::iter::once(e.id.as_str())
                    .chain(e.aliases.iter().map(String::as_str))
                    .map(move |n| (edit_distance(wanted, &n.to_lowercase()), e.id.as_str()))
            })
            .filter(|(d, _)| *d <= limit)
            .min_by_key(|(d, _)| *d)
            .map(|(_, id)| id);
        if close.is_some() {
            return close;
        }
        let mut holding = self
            .entries
            .iter()
            .filter(|e| wanted.chars().count() >= 4 && e.id.contains(wanted));
        match (holding.next(), holding.next()) {
            (Some(only), None) => Some(only.id.as_str()),
            _ => None,
        }
    }
}

/// Levenshtein distance between two strings, in characters: for ids mistyped on the command
/// line, and for words of a reference that OCR misread.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// One problem found in a catalog file, located by file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    entry: Vec<Spanned<RawEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    authors: Vec<String>,
    year: Option<Spanned<i64>>,
    kind: Option<Spanned<String>>,
    #[serde(default)]
    topics: Vec<Spanned<String>>,
    #[serde(default)]
    urls: Vec<Spanned<String>>,
    access: Option<Access>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    concepts: Vec<Spanned<String>>,
    #[serde(default)]
    sources: Vec<String>,
}

/// Whether `id` is a valid entry id: lowercase letters, digits and single inner dashes.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 120
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

/// Whether `topic` is a valid facet path such as `papers/consensus`.
pub fn valid_topic(topic: &str) -> bool {
    !topic.is_empty() && topic.split('/').all(valid_id)
}

/// Maps byte offsets of a text to 1-based line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(text.match_indices('\n').map(|(i, _)| i).collect())
    }

    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

/// Parses and validates one catalog file's text, returning its entries and its problems.
pub fn parse_file(name: &str, text: &str) -> (Vec<(Entry, usize)>, Vec<Problem>) {
    let mut problems = Vec::new();
    let problem = |line: usize, message: String| Problem {
        file: name.to_string(),
        line,
        message,
    };
    let (raw, blanked, text) = match parse_raw(text) {
        Ok((raw, found, blanked, parsed)) => {
            for (line, message) in found {
                problems.push(problem(line, format!("invalid TOML: {message}")));
            }
            (raw, blanked, parsed)
        }
        Err(found) => {
            for (line, message) in found {
                problems.push(problem(line, format!("invalid TOML: {message}")));
            }
            return (Vec::new(), problems);
        }
    };
    // The text parsed, with any lines set aside blanked: its offsets are the entries' spans.
    let text = text.as_str();
    let lines = Lines::new(text);
    let line_of = |_: &str, offset: usize| lines.of(offset);
    let stem = Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name)
        .to_string();
    let mut entries = Vec::new();
    // An entry's lines run from its header to the next entry's.
    let starts: Vec<usize> = raw
        .entry
        .iter()
        .map(|e| line_of(text, e.span().start))
        .collect();
    for (n, spanned) in raw.entry.into_iter().enumerate() {
        let entry_line = starts[n];
        // A field set aside for a problem already reported is not missing as well.
        let entry_lines = entry_line..starts.get(n + 1).copied().unwrap_or(usize::MAX);
        let lost = blanked.iter().any(|l| entry_lines.contains(l));
        let raw = spanned.into_inner();
        let at = |s: &std::ops::Range<usize>| line_of(text, s.start);
        let id = match &raw.id {
            None if lost => continue,
            None => {
                problems.push(problem(entry_line, "entry has no id".into()));
                continue;
            }
            Some(id) if !valid_id(id.get_ref()) => {
                problems.push(problem(
                    at(&id.span()),
                    format!(
                        "bad id {:?}: use lowercase letters, digits and single dashes",
                        id.get_ref()
                    ),
                ));
                continue;
            }
            Some(id) => id.get_ref().clone(),
        };
        let title = match &raw.title {
            Some(t) if !t.get_ref().trim().is_empty() => t.get_ref().trim().to_string(),
            Some(t) => {
                problems.push(problem(
                    at(&t.span()),
                    format!("entry {id} has an empty title"),
                ));
                continue;
            }
            None if lost => continue,
            None => {
                problems.push(problem(entry_line, format!("entry {id} has no title")));
                continue;
            }
        };
        if let Some(kind) = &raw.kind {
            if !KINDS.contains(&kind.get_ref().as_str()) {
                problems.push(problem(
                    at(&kind.span()),
                    format!(
                        "entry {id} has unknown kind {:?} (expected one of: {})",
                        kind.get_ref(),
                        KINDS.join(", ")
                    ),
                ));
            }
        }
        if let Some(year) = &raw.year {
            if !(0..=2100).contains(year.get_ref()) {
                problems.push(problem(
                    at(&year.span()),
                    format!("entry {id} has an implausible year {}", year.get_ref()),
                ));
            }
        }
        for url in &raw.urls {
            let u = url.get_ref();
            if !(u.starts_with("http://") || u.starts_with("https://")) || u.contains(' ') {
                problems.push(problem(
                    at(&url.span()),
                    format!("entry {id} has a URL that is not http(s): {u:?}"),
                ));
            }
        }
        for topic in &raw.topics {
            if !valid_topic(topic.get_ref()) {
                problems.push(problem(
                    at(&topic.span()),
                    format!(
                        "entry {id} has a bad topic {:?}: use lowercase segments joined by '/'",
                        topic.get_ref()
                    ),
                ));
            }
        }
        for alias in &raw.aliases {
            if alias.get_ref().trim().is_empty() {
                problems.push(problem(
                    at(&alias.span()),
                    format!("entry {id} has an empty alias"),
                ));
            }
        }
        for concept in &raw.concepts {
            if concept.get_ref().trim().is_empty() {
                problems.push(problem(
                    at(&concept.span()),
                    format!("entry {id} has an empty concept"),
                ));
            }
        }
        let sources = if raw.sources.is_empty() {
            vec![stem.clone()]
        } else {
            raw.sources.clone()
        };
        for source in &sources {
            if !valid_id(source) {
                problems.push(problem(
                    entry_line,
                    format!("entry {id} has a bad source name {source:?}"),
                ));
            }
        }
        entries.push((
            Entry {
                id,
                title,
                aliases: raw
                    .aliases
                    .into_iter()
                    .map(|a| a.into_inner().trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect(),
                authors: raw.authors,
                year: raw.year.map(|y| y.into_inner()),
                kind: raw.kind.map(|k| k.into_inner()),
                topics: raw.topics.into_iter().map(|t| t.into_inner()).collect(),
                urls: raw.urls.into_iter().map(|u| u.into_inner()).collect(),
                access: raw.access,
                summary: raw.summary.trim().to_string(),
                concepts: raw
                    .concepts
                    .into_iter()
                    .map(|c| c.into_inner().trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect(),
                sources,
            },
            entry_line,
        ));
    }
    (entries, problems)
}

/// Parses a file's TOML into raw entries, going past each problem of a value's type or an
/// unknown field: the lines of the offending value are blanked and the file parsed again, so
/// one run reports them all. Returns the entries with the problems (line, message), the
/// lines set aside and the text finally parsed, or, when the file is not TOML at all, the
/// problems alone.
#[allow(clippy::type_complexity)]
fn parse_raw(
    text: &str,
) -> std::result::Result<(RawFile, Vec<(usize, String)>, Vec<usize>, String), Vec<(usize, String)>>
{
    let mut current = text.to_string();
    let mut found = Vec::new();
    let mut blanked = Vec::new();
    // Each round blanks at least one line, so the file's lines bound the rounds.
    for _ in 0..=text.lines().count() + 1 {
        let err = match toml::from_str::<RawFile>(&current) {
            Ok(raw) => return Ok((raw, found, blanked, current)),
            Err(err) => err,
        };
        // Blanking keeps every line where it was, but not every byte.
        let lines = Lines::new(&current);
        let message = err.message().trim().replace('\n', " ");
        let Some(span) = err.span() else {
            found.push((1, message));
            return Err(found);
        };
        let (first, last) = (
            lines.of(span.start),
            lines.of(span.end.max(span.start + 1) - 1),
        );
        found.push((first, message));
        // A syntax error leaves nothing to parse past; a value of the wrong type or an
        // unknown key sits on lines of its own, which can be left out.
        if toml::from_str::<toml::Table>(&current).is_err() || blanked.contains(&first) {
            return Err(found);
        }
        current = blank_lines(&current, first, last);
        blanked.extend(first..=last);
    }
    Err(found)
}

/// `text` with lines `first..=last` (from 1) emptied, the others and the line count kept.
fn blank_lines(text: &str, first: usize, last: usize) -> String {
    text.split('\n')
        .enumerate()
        .map(|(i, line)| {
            if (first..=last).contains(&(i + 1)) {
                ""
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses a set of named files into one catalog, reporting every problem including duplicate ids.
pub fn parse_files(files: &[(String, String)]) -> (Vec<Entry>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut seen: HashMap<String, (String, usize)> = HashMap::new();
    let mut entries = Vec::new();
    for (name, text) in files {
        let (parsed, mut found) = parse_file(name, text);
        for (entry, line) in parsed {
            if let Some((file, first)) = seen.get(&entry.id) {
                found.push(Problem {
                    file: name.clone(),
                    line,
                    message: format!("duplicate id {} (first at {file}:{first})", entry.id),
                });
                continue;
            }
            seen.insert(entry.id.clone(), (name.clone(), line));
            entries.push(entry);
        }
        // In line order within the file, as an editor goes through them.
        found.sort_by_key(|p| p.line);
        problems.append(&mut found);
    }
    (entries, problems)
}

/// The catalog files of a folder, sorted by name: every `*.toml` directly inside it except
/// the vocabulary files.
pub fn read_dir_files(dir: &Path) -> Result<Vec<(String, String)>> {
    let listing = std::fs::read_dir(dir)
        .with_context(|| format!("Could not read the catalog folder {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = listing
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            !vocabulary::is_vocabulary_file(&name)
        })
        .collect();
    paths.sort();
    if paths.is_empty() {
        bail!("The catalog folder {} holds no .toml files.", dir.display());
    }
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p)
                .with_context(|| format!("Could not read catalog file {}", p.display()))?;
            Ok((p.display().to_string(), text))
        })
        .collect()
}

/// The catalog files compiled into the binary.
pub fn builtin_files() -> Vec<(String, String)> {
    BUILTIN
        .iter()
        .map(|(name, text)| (format!("<built-in>/{name}"), text.to_string()))
        .collect()
}

/// Loads a catalog from a folder (or the built-in one), failing on any problem.
pub fn load(dir: Option<&Path>) -> Result<Catalog> {
    load_with(dir, &[])
}

/// The catalog files of a folder (or the built-in ones) followed by those of each added
/// folder, with the name of the whole for messages.
pub fn files_with(dir: Option<&Path>, add: &[PathBuf]) -> Result<(Vec<(String, String)>, String)> {
    let (mut files, mut origin) = match dir {
        Some(dir) => (read_dir_files(dir)?, dir.display().to_string()),
        None => (builtin_files(), "the built-in catalog".to_string()),
    };
    for extra in add {
        let found = read_dir_files(extra).with_context(|| {
            format!(
                "Could not add the catalog folder {} (--add-catalog)",
                extra.display()
            )
        })?;
        files.extend(found);
        origin.push_str(&format!(" with {}", extra.display()));
    }
    Ok((files, origin))
}

/// Loads a catalog as [`load`] does, with the entries of each folder of `add` besides; an id
/// that two files both hold is a problem naming both.
pub fn load_with(dir: Option<&Path>, add: &[PathBuf]) -> Result<Catalog> {
    let (files, origin) = files_with(dir, add)?;
    let (entries, problems) = parse_files(&files);
    if let Some(first) = problems.first() {
        let more = match problems.len() {
            1 => String::new(),
            n => format!(" (and {} more; run `paperdex catalog check`)", n - 1),
        };
        bail!("The catalog is invalid: {first}{more}");
    }
    Ok(Catalog { entries, origin })
}

/// Every topic path used by the catalog with the number of entries under it, parents included.
pub fn topic_counts(entries: &[Entry]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entry in entries {
        let mut paths: Vec<String> = Vec::new();
        for topic in &entry.topics {
            let mut prefix = String::new();
            for segment in topic.split('/') {
                if !prefix.is_empty() {
                    prefix.push('/');
                }
                prefix.push_str(segment);
                if !paths.contains(&prefix) {
                    paths.push(prefix.clone());
                }
            }
        }
        for path in paths {
            *counts.entry(path).or_insert(0) += 1;
        }
    }
    counts
}

/// Turns text into an id-shaped slug: lowercase ASCII words joined by single dashes.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids_catalog(ids: &[(&str, &[&str])]) -> Catalog {
        Catalog {
            entries: ids
                .iter()
                .map(|(id, aliases)| Entry {
                    id: id.to_string(),
                    title: id.to_string(),
                    aliases: aliases.iter().map(|a| a.to_string()).collect(),
                    ..Entry::default()
                })
                .collect(),
            origin: "catalog".into(),
        }
    }

    #[test]
    fn an_entry_is_found_by_id_or_alias_and_a_mistyped_name_finds_the_nearest() {
        let c = ids_catalog(&[
            ("paxos-made-simple", &[]),
            ("time-clocks", &[]),
            (
                "in-search-of-an-understandable-consensus-algorithm",
                &["Raft"],
            ),
            ("dynamo", &[]),
        ]);
        let raft = "in-search-of-an-understandable-consensus-algorithm";
        assert_eq!(c.find("raft").map(|e| e.id.as_str()), Some(raft));
        assert_eq!(c.find("DYNAMO").map(|e| e.id.as_str()), Some("dynamo"));
        assert!(c.find("bigtable").is_none());
        assert_eq!(c.nearest_id("paxos-made-simpel"), Some("paxos-made-simple"));
        assert_eq!(c.nearest_id("rafft"), Some(raft));
        assert_eq!(c.nearest_id("clocks"), Some("time-clocks"));
        assert_eq!(c.nearest_id("bigtable"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    fn check(text: &str) -> Vec<String> {
        let files = vec![("a.toml".to_string(), text.to_string())];
        parse_files(&files)
            .1
            .iter()
            .map(|p| p.to_string())
            .collect()
    }

    #[test]
    fn minimal_entry_needs_only_id_and_title() {
        let (entries, problems) =
            parse_file("mine.toml", "[[entry]]\nid = \"x1\"\ntitle = \"T\"\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(entries[0].0.sources, vec!["mine".to_string()]);
        assert_eq!(entries[0].0.kind, None);
        assert!(entries[0].0.open_access());
    }

    #[test]
    fn problems_name_file_and_line() {
        let text = "[[entry]]\nid = \"ok\"\ntitle = \"A\"\nkind = \"poem\"\nurls = [\"ftp://x\"]\n\n[[entry]]\nid = \"Bad Id\"\ntitle = \"B\"\n\n[[entry]]\nid = \"ok\"\ntitle = \"C\"\n\n[[entry]]\nid = \"notitle\"\n";
        let problems = check(text);
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[0].starts_with("a.toml:4: entry ok has unknown kind \"poem\""));
        assert!(problems[1].starts_with("a.toml:5: entry ok has a URL that is not http(s)"));
        assert!(problems[2].starts_with("a.toml:8: bad id \"Bad Id\""));
        assert!(problems
            .iter()
            .any(|p| p.contains("entry notitle has no title")));
        assert!(problems
            .iter()
            .any(|p| p.starts_with("a.toml:11: duplicate id ok (first at a.toml:1)")));
    }

    #[test]
    fn broken_toml_is_one_located_problem() {
        let problems = check("[[entry]]\nid = \"a\"\ntitle = \"unterminated\n");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("a.toml:3: invalid TOML"),
            "{problems:?}"
        );
    }

    #[test]
    fn every_type_problem_of_a_file_is_reported_in_line_order() {
        let text = "[[entry]]\nid = \"a\"\ntitle = \"A\"\nyear = \"1978\"\n\n[[entry]]\nid = 7\ntitle = \"B\"\n\n[[entry]]\nid = \"c\"\ntitle = \"C\"\ntopics = [\n  \"ok\",\n  3,\n]\ntitel = \"x\"\nkind = \"poem\"\n";
        let problems = check(text);
        let lines: Vec<&str> = problems
            .iter()
            .map(|p| p.split(": ").next().unwrap())
            .collect();
        assert_eq!(
            lines,
            [
                "a.toml:4",
                "a.toml:7",
                "a.toml:15",
                "a.toml:17",
                "a.toml:18"
            ],
            "{problems:?}"
        );
        assert!(problems[0].contains("invalid type"), "{problems:?}");
        assert!(problems[3].contains("titel"), "{problems:?}");
        assert!(problems[4].contains("unknown kind"), "{problems:?}");
    }

    #[test]
    fn unknown_field_is_reported() {
        let problems = check("[[entry]]\nid = \"a\"\ntitel = \"x\"\n");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("titel"), "{problems:?}");
    }

    #[test]
    fn ids_and_slugs() {
        assert!(valid_id("paxos-made-simple"));
        assert!(!valid_id("Paxos"));
        assert!(!valid_id("a--b"));
        assert!(!valid_id("-a"));
        assert!(!valid_id("../etc"));
        assert_eq!(
            slug("Signal/Collect: Graph (Semantic) Web!"),
            "signal-collect-graph-semantic-web"
        );
        assert!(valid_topic("papers/consensus"));
        assert!(!valid_topic("papers//consensus"));
    }

    #[test]
    fn topic_counts_include_parents_once_per_entry() {
        let (entries, _) = parse_file(
            "t.toml",
            "[[entry]]\nid = \"a\"\ntitle = \"A\"\ntopics = [\"papers/consensus\", \"papers/storage\"]\n[[entry]]\nid = \"b\"\ntitle = \"B\"\ntopics = [\"papers/consensus\"]\n",
        );
        let entries: Vec<Entry> = entries.into_iter().map(|(e, _)| e).collect();
        let counts = topic_counts(&entries);
        assert_eq!(counts["papers"], 2);
        assert_eq!(counts["papers/consensus"], 2);
        assert_eq!(counts["papers/storage"], 1);
    }

    #[test]
    fn builtin_catalog_is_valid() {
        let (entries, problems) = parse_files(&builtin_files());
        assert!(problems.is_empty(), "{problems:?}");
        assert!(entries.len() > 100);
    }

    #[test]
    fn builtin_papers_topics_hold_papers_and_every_paper_has_a_subject() {
        let (entries, _) = parse_files(&builtin_files());
        for e in &entries {
            let is_paper = matches!(e.kind.as_deref(), Some("paper" | "thesis"));
            let under_papers = e.topics.iter().any(|t| t.starts_with("papers/"));
            assert_eq!(
                is_paper, under_papers,
                "{}: {:?} {:?}",
                e.id, e.kind, e.topics
            );
            assert!(!e.topics.iter().any(|t| t == "papers"), "{}", e.id);
        }
    }

    #[test]
    fn builtin_aliases_add_what_titles_lack() {
        let (entries, _) = parse_files(&builtin_files());
        let with_aliases = entries.iter().filter(|e| !e.aliases.is_empty()).count();
        assert!(with_aliases >= 20, "{with_aliases} entries have aliases");
        for e in &entries {
            let title = e.title.to_lowercase();
            for alias in &e.aliases {
                assert!(!title.contains(&alias.to_lowercase()), "{}: {alias}", e.id);
            }
        }
    }
}
