//! Search: the last stage of the pipeline. It parses a user's query, applies the topic, kind and
//! year filters, ranks with BM25 over title, authors, summary and body, and returns plain
//! results (hits with snippets and the page of the best match, plus facet counts). It never
//! prints; the `output` module renders what it returns.

use std::collections::BTreeMap;
use std::ops::{Bound, Range};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;
use tantivy::collector::{Count, FacetCollector, FacetCounts, MultiCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, Searcher, TantivyDocument, Term};

use crate::index::{self, Fields};

/// Field boosts: a word in the title says more about a work than one deep in its body.
const BOOSTS: &[(&str, f32)] = &[
    ("title", 2.0),
    ("author", 2.0),
    ("summary", 1.5),
    ("body", 1.0),
];

/// How many positions apart the words of a plain query may stand to count as near.
const NEAR_SLOP: u32 = 3;

/// Weight of the nearness clause relative to the words themselves.
const NEAR_BOOST: f32 = 2.0;

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 180;

/// Longest summary shown as a snippet, in characters.
const SUMMARY_CHARS: usize = 400;

/// Why a search could not run, for callers that map causes to exit codes.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("Could not parse the query {query:?}: {reason}.")]
    BadQuery { query: String, reason: String },
    #[error("Unknown topic {topic:?}.{hint}")]
    UnknownTopic { topic: String, hint: String },
}

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub query: String,
    /// Topic filters; a document matches when it is under any of them.
    pub topics: Vec<String>,
    pub kind: Option<String>,
    pub years: Option<(Option<i64>, Option<i64>)>,
    /// When set, only these entries may match (the entries a paper cites, say).
    pub ids: Option<Vec<String>>,
    pub limit: usize,
}

/// One ranked hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub authors: Vec<String>,
    pub year: Option<i64>,
    pub kind: Option<String>,
    pub topics: Vec<String>,
    pub url: Option<String>,
    pub score: f32,
    /// The 1-based page of the best match in the body, when the body matched.
    pub page: Option<usize>,
    pub snippet: String,
    /// How many entries of the library cite this one (filled in from the citation graph).
    pub cited_by: usize,
    /// Byte ranges of `snippet` that matched the query.
    #[serde(skip)]
    pub highlights: Vec<Range<usize>>,
}

/// Counts of matching documents per facet value.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub topic: BTreeMap<String, u64>,
    pub kind: BTreeMap<String, u64>,
}

/// The answer to a request.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub query: String,
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

/// An open index, ready to answer queries.
pub struct Engine {
    index: Index,
    fields: Fields,
    searcher: Searcher,
    topics: Vec<String>,
}

impl Engine {
    /// Opens the index in `dir` for searching.
    pub fn open(dir: &Path) -> Result<Engine> {
        let (index, fields) = index::open(dir)?;
        let reader = index::reader(&index)?;
        let searcher = reader.searcher();
        let topics = facet_values(&searcher, fields.topic)?;
        Ok(Engine {
            index,
            fields,
            searcher,
            topics,
        })
    }

    /// Every topic path in the index, parents included, sorted.
    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    /// Number of documents in the index.
    pub fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    /// Resolves a user's topic to the index's topic paths: an exact path, or any path whose
    /// last segments equal it (`consensus` names `papers/consensus`).
    pub fn resolve_topic(&self, topic: &str) -> Result<Vec<String>, SearchError> {
        let wanted = topic.trim().trim_matches('/').to_lowercase();
        let suffix = format!("/{wanted}");
        let found: Vec<String> = self
            .topics
            .iter()
            .filter(|t| **t == wanted || t.ends_with(&suffix))
            .cloned()
            .collect();
        if found.is_empty() {
            let near: Vec<&str> = self
                .topics
                .iter()
                .filter(|t| {
                    let last = t.rsplit('/').next().unwrap_or(t);
                    !wanted.is_empty() && (last.contains(&wanted) || wanted.contains(last))
                })
                .map(String::as_str)
                .take(5)
                .collect();
            let hint = if near.is_empty() {
                " Run `paperdex topics` to list them.".to_string()
            } else {
                format!(" Did you mean: {}?", near.join(", "))
            };
            return Err(SearchError::UnknownTopic {
                topic: topic.to_string(),
                hint,
            });
        }
        Ok(found)
    }

    fn parse(&self, text: &str) -> Result<Box<dyn Query>, SearchError> {
        let f = &self.fields;
        let mut parser =
            QueryParser::for_index(&self.index, vec![f.title, f.author, f.summary, f.body]);
        parser.set_conjunction_by_default();
        for (name, boost) in BOOSTS {
            if let Ok(field) = self.index.schema().get_field(name) {
                parser.set_field_boost(field, *boost);
            }
        }
        let query =
            parser
                .parse_query(&normalize_query(text))
                .map_err(|e| SearchError::BadQuery {
                    query: text.to_string(),
                    reason: describe_parse_error(&e),
                })?;
        // For plain words, a document where they stand close together ranks above one that
        // merely mentions each somewhere: "vector clocks" is a concept, not two words.
        let words: Vec<&str> = text.split_whitespace().collect();
        let plain = (2..=8).contains(&words.len())
            && words.iter().all(|w| {
                !w.starts_with('-')
                    && !matches!(*w, "OR" | "AND" | "NOT")
                    && w.chars()
                        .all(|c| c.is_alphanumeric() || c == '-' || c == '\'')
            });
        if !plain {
            return Ok(query);
        }
        match parser.parse_query(&format!("\"{}\"~{NEAR_SLOP}", words.join(" "))) {
            Ok(near) => Ok(Box::new(BooleanQuery::new(vec![
                (Occur::Must, query),
                (Occur::Should, Box::new(BoostQuery::new(near, NEAR_BOOST))),
            ]))),
            Err(_) => Ok(query),
        }
    }

    /// Runs a request and returns ranked hits, snippets and facet counts.
    pub fn search(&self, req: &Request) -> Result<Results> {
        let f = &self.fields;
        let text_query: Box<dyn Query> = if req.query.trim().is_empty() {
            Box::new(AllQuery)
        } else {
            self.parse(&req.query)?
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query.box_clone())];
        if !req.topics.is_empty() {
            let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for topic in &req.topics {
                for path in self.resolve_topic(topic)? {
                    let term = Term::from_facet(f.topic, &Facet::from_path(path.split('/')));
                    any.push((
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    ));
                }
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(kind) = &req.kind {
            let term = Term::from_field_text(f.kind, kind);
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        if let Some(ids) = &req.ids {
            let any = ids
                .iter()
                .map(|id| {
                    let term = Term::from_field_text(f.id, id);
                    let q: Box<dyn Query> =
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                    (Occur::Should, q)
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some((lo, hi)) = req.years {
            let bound = |y: Option<i64>| match y {
                Some(y) => Bound::Included(Term::from_field_i64(f.year, y)),
                None => Bound::Unbounded,
            };
            clauses.push((Occur::Must, Box::new(RangeQuery::new(bound(lo), bound(hi)))));
        }
        let query = BooleanQuery::new(clauses);

        let depth = self
            .topics
            .iter()
            .map(|t| t.split('/').count())
            .max()
            .unwrap_or(0);
        let mut multi = MultiCollector::new();
        let top = multi.add_collector(TopDocs::with_limit(req.limit.max(1)).order_by_score());
        let count = multi.add_collector(Count);
        let mut kind_collector = FacetCollector::for_field("kinds");
        kind_collector.add_facet(Facet::root());
        let kinds = multi.add_collector(kind_collector);
        // A facet collector may not hold a facet and its ancestor, so each depth gets its own.
        let mut levels = Vec::new();
        for level in 0..depth {
            let parents = self.topics_at(level);
            if parents.is_empty() {
                continue;
            }
            let mut c = FacetCollector::for_field("topic");
            for parent in &parents {
                c.add_facet(parent.clone());
            }
            levels.push((multi.add_collector(c), parents));
        }
        let mut fruit = self
            .searcher
            .search(&query, &multi)
            .context("The search failed")?;
        let top_docs = top.extract(&mut fruit);
        let total = count.extract(&mut fruit);
        let mut facets = Facets::default();
        for (facet, n) in kinds.extract(&mut fruit).get(Facet::root()) {
            facets.kind.insert(facet_name(facet), n);
        }
        for (handle, parents) in levels {
            let counts: FacetCounts = handle.extract(&mut fruit);
            for parent in parents {
                for (facet, n) in counts.get(parent.clone()) {
                    facets.topic.insert(facet_name(facet), n);
                }
            }
        }

        let mut body_terms: Vec<String> = Vec::new();
        text_query.query_terms(&mut |term, _| {
            if term.field() == f.body {
                if let Some(t) = term.value().as_str() {
                    if !body_terms.iter().any(|b| b == t) {
                        body_terms.push(t.to_string());
                    }
                }
            }
        });
        let body_snippets = SnippetGenerator::create(&self.searcher, &*text_query, f.body)
            .map(|mut g| {
                g.set_max_num_chars(SNIPPET_CHARS);
                g
            })
            .ok();
        let summary_snippets = SnippetGenerator::create(&self.searcher, &*text_query, f.summary)
            .map(|mut g| {
                // Summaries are short enough to show whole, which reads better than a cut.
                g.set_max_num_chars(SUMMARY_CHARS);
                g
            })
            .ok();
        let mut hits = Vec::with_capacity(top_docs.len());
        for (score, address) in top_docs.into_iter().take(req.limit) {
            let doc: TantivyDocument = self
                .searcher
                .doc(address)
                .context("Could not read a document from the index")?;
            hits.push(self.hit(
                &doc,
                score,
                body_snippets.as_ref(),
                &body_terms,
                summary_snippets.as_ref(),
            ));
        }
        Ok(Results {
            query: req.query.clone(),
            total,
            hits,
            facets,
        })
    }

    /// The topic facets at `level` that have children: the parents whose children are counted.
    fn topics_at(&self, level: usize) -> Vec<Facet> {
        if level == 0 {
            return vec![Facet::root()];
        }
        self.topics
            .iter()
            .filter(|t| t.split('/').count() == level)
            .filter(|t| {
                let prefix = format!("{t}/");
                self.topics.iter().any(|c| c.starts_with(&prefix))
            })
            .map(|t| Facet::from_path(t.split('/')))
            .collect()
    }

    fn hit(
        &self,
        doc: &TantivyDocument,
        score: f32,
        body_snippets: Option<&SnippetGenerator>,
        body_terms: &[String],
        summary_snippets: Option<&SnippetGenerator>,
    ) -> Hit {
        let f = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let body = doc
            .get_first(f.body)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let summary = text(f.summary);
        let mut page = None;
        let mut snippet = None;
        let window = body_snippets.and_then(|g| Some((g, best_window(body, body_terms)?)));
        if let Some((generator, window)) = window {
            // Only the densest stretch of matches is tokenized: a whole paper is hundreds of
            // times longer than a snippet, and tokenizing it dominated query latency.
            let s = generator.snippet(&body[window.clone()]);
            if !s.is_empty() {
                let at = window.start
                    + s.fragment_range().start
                    + s.highlighted().first().map_or(0, |r| r.start);
                let starts: Vec<u64> = doc
                    .get_all(f.page_start)
                    .filter_map(|v| v.as_u64())
                    .collect();
                page = Some(starts.partition_point(|&p| p as usize <= at).max(1));
                snippet = Some((s.fragment().to_string(), s.highlighted().to_vec()));
            }
        }
        if snippet.is_none() {
            if let Some(generator) = summary_snippets {
                let s = generator.snippet(&summary);
                if !s.is_empty() {
                    // A summary that fits is shown whole: the fragment would drop its last
                    // punctuation and, for a long first sentence, its beginning.
                    if summary.chars().count() <= SUMMARY_CHARS {
                        let at = s.fragment_range().start;
                        let ranges = s.highlighted().iter().map(|r| r.start + at..r.end + at);
                        snippet = Some((summary.clone(), ranges.collect()));
                    } else {
                        snippet = Some((s.fragment().to_string(), s.highlighted().to_vec()));
                    }
                }
            }
        }
        let (raw, ranges) =
            snippet.unwrap_or_else(|| (leading_chars(&summary, SUMMARY_CHARS), Vec::new()));
        let (snippet, highlights) = clean_snippet(&raw, &ranges);
        Hit {
            id: text(f.id),
            title: text(f.title),
            authors: doc
                .get_all(f.author)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            year: doc.get_first(f.year).and_then(|v| v.as_i64()),
            kind: doc
                .get_first(f.kind)
                .and_then(|v| v.as_str())
                .map(str::to_string),
            topics: doc
                .get_all(f.topic)
                .filter_map(|v| v.as_facet().map(stored_facet_name))
                .collect(),
            url: doc
                .get_first(f.url)
                .and_then(|v| v.as_str())
                .map(str::to_string),
            score,
            page,
            snippet,
            cited_by: 0,
            highlights,
        }
    }
}

/// A stored facet value, which tantivy keeps in its encoded form, as users write it.
fn stored_facet_name(encoded: &str) -> String {
    Facet::from_encoded(encoded.as_bytes().to_vec())
        .map(|f| facet_name(&f))
        .unwrap_or_default()
}

/// Bytes of body text handed to the snippet generator around the best cluster of matches.
const WINDOW: usize = 800;

/// The stretch of `body` (at most `WINDOW` bytes, on character boundaries) holding the most
/// distinct query terms, then the most occurrences; `None` when no term occurs at a word start.
///
/// Terms are the indexed (lowercased, stemmed) forms, so a stem is matched as a prefix of a
/// word: `clock` finds `clocks`. Lowercasing only ASCII keeps byte offsets unchanged.
fn best_window(body: &str, terms: &[String]) -> Option<Range<usize>> {
    if terms.is_empty() || body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for (t, term) in terms.iter().enumerate() {
        if term.is_empty() {
            continue;
        }
        let mut found = 0;
        for (at, _) in lower.match_indices(term.as_str()) {
            let word_start = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
            if word_start {
                hits.push((at, t));
                found += 1;
                // Enough to find a good cluster; a very common word need not be listed in full.
                if found == 4096 {
                    break;
                }
            }
        }
    }
    if hits.is_empty() {
        return None;
    }
    hits.sort_unstable();
    let mut best = (0usize, 0usize, 0usize); // (distinct, count, start index)
    let mut counts = vec![0usize; terms.len()];
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
        let count = hi - lo + 1;
        if (distinct, count) > (best.0, best.1) {
            best = (distinct, count, lo);
        }
    }
    // Centre the window on the cluster, leaving room for context on both sides.
    let first = hits[best.2].0;
    let mut start = first.saturating_sub(WINDOW / 4);
    while !body.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + WINDOW).min(body.len());
    while !body.is_char_boundary(end) {
        end += 1;
    }
    Some(start..end)
}

/// A facet as users write it: `papers/consensus`, without the leading slash.
fn facet_name(facet: &Facet) -> String {
    facet.to_path().join("/")
}

/// Every facet value in a field, parents included, read from the term dictionaries.
fn facet_values(searcher: &Searcher, field: tantivy::schema::Field) -> Result<Vec<String>> {
    let mut all = std::collections::BTreeSet::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted.terms().stream()?;
        while stream.advance() {
            if let Ok(facet) = Facet::from_encoded(stream.key().to_vec()) {
                if !facet.is_root() {
                    all.insert(facet_name(&facet));
                }
            }
        }
    }
    Ok(all.into_iter().collect())
}

/// Adapts friendly spellings to the query grammar: `author:` for the `author` field's plural.
fn normalize_query(text: &str) -> String {
    text.split(' ')
        .map(|w| match w.strip_prefix("authors:") {
            Some(rest) => format!("author:{rest}"),
            None => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn describe_parse_error(err: &tantivy::query::QueryParserError) -> String {
    use tantivy::query::QueryParserError as E;
    match err {
        E::SyntaxError(s) => format!("syntax error near {s:?} (check quotes and parentheses)"),
        E::FieldDoesNotExist(f) => format!(
            "there is no field {f:?}; fields are title, author, summary, body, year, kind, id"
        ),
        E::ExpectedInt(_) => "a year must be a whole number".to_string(),
        E::AllButQueryForbidden => "a query cannot consist only of excluded terms".to_string(),
        E::NoDefaultFieldDeclared => "no field to search".to_string(),
        E::FieldNotIndexed(f) => format!("the field {f:?} cannot be searched"),
        E::PhrasePrefixRequiresAtLeastTwoTerms { .. } => {
            "a phrase prefix needs at least two words".to_string()
        }
        other => other.to_string().trim_end_matches('.').to_string(),
    }
}

fn leading_chars(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Folds runs of white space and control characters (line breaks, form feeds) into single
/// spaces, moving the highlight ranges along with the text.
fn clean_snippet(raw: &str, ranges: &[Range<usize>]) -> (String, Vec<Range<usize>>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_fold_white_space_and_keep_highlights() {
        let raw = "one\n\x0c  vector   clocks";
        let start = raw.find("vector").unwrap();
        let (s, h) = clean_snippet(raw, std::slice::from_ref(&(start..start + 6)));
        assert_eq!(s, "one vector clocks");
        assert_eq!(&s[h[0].clone()], "vector");
    }

    #[test]
    fn best_window_covers_the_densest_cluster_of_distinct_terms() {
        let filler = "lorem ipsum ".repeat(200);
        let body =
            format!("clocks once. {filler} vector clocks and vector timestamps. {filler} vector");
        let w = best_window(&body, &["vector".into(), "clock".into()]).unwrap();
        assert!(
            body[w.clone()].contains("vector clocks and vector"),
            "{:?}",
            &body[w.clone()]
        );
        assert!(w.len() <= WINDOW + 3);
        assert_eq!(best_window(&body, &["zebra".into()]), None);
        // A stem must start a word: "lock" is not found inside "clocks".
        assert_eq!(best_window("clocks", &["lock".into()]), None);
        let multi = "é".repeat(1000);
        let text = format!("{multi} clock {multi}");
        let w = best_window(&text, &["clock".into()]).unwrap();
        assert!(text.is_char_boundary(w.start) && text.is_char_boundary(w.end));
        assert!(text[w].contains("clock"));
    }

    #[test]
    fn authors_alias_becomes_author() {
        assert_eq!(
            normalize_query("authors:lamport clocks"),
            "author:lamport clocks"
        );
    }

    #[test]
    fn leading_chars_cuts_on_characters() {
        assert_eq!(leading_chars("héllo", 2), "hé…");
        assert_eq!(leading_chars("hi", 5), "hi");
    }
}
