//! Search: the last stage of the pipeline. A `Request` (the user's query text, filters and a
//! limit) goes in; `Results` come out: ranked hits with passages and the page of each, counts
//! by topic, kind and decade, and the corrections made to the query. It never prints; the
//! `output` module renders what it returns.
//!
//! A library reaches search through [`Backend`], the seam behind which the local index (the
//! [`Engine`]) or another one answers.
//!
//! Inside, the query planner (`syntax` parses leniently, `stopwords`, `typo` and `thesaurus`
//! widen plain words, `planner` builds the tantivy queries) is apart from the `engine` that
//! runs them and ranks by coverage, `fusion`, which merges in the entries nearest in meaning
//! when words are not enough, the `passage` picker that shows where a hit matched, and
//! `related`, which finds the entries most like a given one.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

mod backend;
mod engine;
mod english;
mod fusion;
#[doc(hidden)]
pub mod fuzzing;
mod intent;
mod passage;
mod planner;
mod related;
mod stopwords;
mod syntax;
mod typo;

pub use backend::Backend;
pub use engine::Engine;
pub use fusion::{Matched, Meaning, MeaningUse, Near, NearPassage, Neighbours};
pub use intent::Intent;
pub use passage::Passage;
pub use planner::Correction;

/// Most hits one request may ask for; larger limits are lowered to it.
pub const MAX_LIMIT: usize = 1000;

/// Why a search could not run, for callers that map causes to exit codes.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("Could not parse the query {query:?}: {reason}.")]
    BadQuery { query: String, reason: String },
    #[error("Unknown topic {topic:?}.{hint}")]
    UnknownTopic { topic: String, hint: String },
    #[error("Unknown kind {kind:?}: kinds are {known}.")]
    UnknownKind { kind: String, known: String },
    #[error("No entry {0:?} in the index; `paperdex search` prints entry ids.")]
    UnknownEntry(String),
}

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub query: String,
    /// Topic filters; a document matches when it is under any of them.
    pub topics: Vec<String>,
    pub kind: Option<String>,
    pub years: Option<YearRange>,
    /// When set, only these entries may match (the entries a paper cites, say).
    pub ids: Option<Vec<String>>,
    /// When set, results are ranked by how close they are to this entry.
    pub like: Option<String>,
    pub limit: usize,
    /// Whether entries near in meaning may join the words' hits.
    pub meaning: Meaning,
    /// The order of the hits; a query with no words is browsed most cited first.
    pub sort: Sort,
}

/// The order hits come in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// Oldest first, as a topic's history reads; undated entries last.
    Year,
    /// Newest first; undated entries last.
    Newest,
    /// Most cited by the library's own papers first.
    Cited,
}

impl Sort {
    /// The order's name, as `--sort` and the page's `sort=` take it.
    pub fn name(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Year => "year",
            Sort::Newest => "newest",
            Sort::Cited => "cited",
        }
    }

    /// Reads an order's name.
    pub fn parse(name: &str) -> Option<Sort> {
        [Sort::Relevance, Sort::Year, Sort::Newest, Sort::Cited]
            .into_iter()
            .find(|s| s.name() == name.trim().to_lowercase())
    }

    /// How the order reads in a sentence: "sorted by year, oldest first".
    pub fn describe(self) -> &'static str {
        match self {
            Sort::Relevance => "best match first",
            Sort::Year => "oldest first",
            Sort::Newest => "newest first",
            Sort::Cited => "most cited in the library first",
        }
    }
}

/// One ranked hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub aliases: Vec<String>,
    pub authors: Vec<String>,
    pub year: Option<i64>,
    pub kind: Option<String>,
    pub topics: Vec<String>,
    pub url: Option<String>,
    pub score: f32,
    /// The 1-based page of the best passage, when the full text of a PDF matched.
    pub page: Option<usize>,
    /// The heading of the section of the best passage, when the text of a web page matched.
    pub section: Option<String>,
    /// The best passage's text, or the summary when only the metadata matched.
    pub snippet: String,
    /// Byte ranges of `snippet` that matched the query.
    #[serde(skip)]
    pub highlights: Vec<Range<usize>>,
    /// Up to three passages of the full text that matched, best first.
    pub passages: Vec<Passage>,
    /// The entry's PDF in the data directory, when it has one (filled in by the caller, which
    /// knows the data directory).
    pub pdf: Option<String>,
    /// How many entries of the library cite this one (filled in from the citation graph).
    pub cited_by: usize,
    /// Whether the entry's full text (a PDF's or a web page's) is in the library, so its
    /// passages can be searched; otherwise only its title and summary are (filled in by the
    /// library, which knows the data directory).
    pub full_text: bool,
    /// Whether the words' ranking, the meaning's, or both brought the entry into the list.
    pub matched: Matched,
    /// Why the hit's passages are missing, when picking them failed inside paperdex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

/// Counts of matching documents per facet value.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub topic: BTreeMap<String, u64>,
    pub kind: BTreeMap<String, u64>,
    /// By decade of publication: `1970s`.
    pub decade: BTreeMap<String, u64>,
}

/// The answer to a request.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub query: String,
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// Words of the query read as others: misspellings replaced or suggested.
    pub corrections: Vec<Correction>,
    /// The query as searched, when words of it were replaced by corrections.
    pub showing_results_for: Option<String>,
    /// A better query, when words of it look misspelt but occur.
    pub did_you_mean: Option<String>,
    /// Whether entries near in meaning took part, and if not, why.
    pub meaning: MeaningUse,
    /// What the query asks for besides a topic, as read from its words.
    pub intent: Option<Intent>,
    /// The order the hits are in, when it is not best match first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sorted: Option<Sort>,
    /// When the filters left nothing: which they were, and what the query finds without them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emptied_by: Option<EmptiedBy>,
}

/// The filters that left a search without results, and how many results the query has
/// without them, so a person knows which to loosen.
#[derive(Debug, Clone, Serialize)]
pub struct EmptiedBy {
    /// Each filter as a person reads it: `topic papers/storage`, `kind book`, `years 1990..`.
    pub filters: Vec<String>,
    /// Results of the same query with no filter.
    pub without: usize,
}

impl Request {
    /// The request's filters as a person reads them, in the order the options are listed.
    pub fn filters(&self) -> Vec<String> {
        let mut out: Vec<String> = self.topics.iter().map(|t| format!("topic {t}")).collect();
        if let Some(kind) = &self.kind {
            out.push(format!("kind {kind}"));
        }
        if let Some((from, to)) = self.years {
            let end = |y: Option<i64>| y.map(|y| y.to_string()).unwrap_or_default();
            out.push(format!("years {}..{}", end(from), end(to)));
        }
        if self.ids.is_some() {
            out.push("the citation filter".to_string());
        }
        out
    }

    /// The same request with no filter.
    pub fn unfiltered(&self) -> Request {
        Request {
            topics: Vec::new(),
            kind: None,
            years: None,
            ids: None,
            ..self.clone()
        }
    }
}

/// Years from and to, both included; an open end is `None`.
pub type YearRange = (Option<i64>, Option<i64>);

/// Reads a year filter as the command line and the page take it: `1978`, `1978..1990`,
/// `1978..` or `..1990`; the message says what is wrong.
pub fn parse_years(text: &str) -> Result<YearRange, String> {
    let bad = || format!("Invalid year range {text:?}: use 1978, 1978..1990, 1978.. or ..1990.");
    let year = |s: &str| -> Result<Option<i64>, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<i64>().map(Some).map_err(|_| bad())
    };
    let (lo, hi) = match text.split_once("..") {
        Some((lo, hi)) => (year(lo)?, year(hi.trim_start_matches('='))?),
        None => {
            let y = year(text)?.ok_or_else(bad)?;
            (Some(y), Some(y))
        }
    };
    if lo.is_none() && hi.is_none() {
        return Err(bad());
    }
    if let (Some(a), Some(b)) = (lo, hi) {
        if a > b {
            return Err(format!("Invalid year range {text:?}: {a} comes after {b}."));
        }
    }
    Ok((lo, hi))
}

/// Reads a number of hits asked for: a whole number from 1 to [`MAX_LIMIT`]; the message
/// says what is wrong, for the command line and the JSON API alike.
pub fn parse_limit(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Ok(_) => Err(format!("{value} is not between 1 and {MAX_LIMIT}")),
        Err(_) => Err(format!(
            "{value:?} is not a whole number from 1 to {MAX_LIMIT}"
        )),
    }
}

/// Checks that `kind` is one of the catalog's kinds, so a misspelt `--kind` is an error rather
/// than an empty result.
pub fn check_kind(kind: &str) -> Result<(), SearchError> {
    use crate::catalog::KINDS;
    if KINDS.contains(&kind) {
        return Ok(());
    }
    Err(SearchError::UnknownKind {
        kind: kind.to_string(),
        known: KINDS.join(", "),
    })
}

/// The query text with each corrected word replaced.
fn rewrite(query: &str, corrections: &[&Correction]) -> Option<String> {
    if corrections.is_empty() {
        return None;
    }
    let mut out = query.to_string();
    for c in corrections {
        // Only the first correction of a word is shown; a second is searched all the same.
        if out.contains(&c.typed) {
            out = out.replacen(&c.typed, &c.corrected, 1);
        }
    }
    (out != query).then_some(out)
}
