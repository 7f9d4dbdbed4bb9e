//! More like this: the search stage's way to find the entries closest to a given one. An
//! entry is summed up by its most telling index terms (frequent in it, rare in the library,
//! title and summary words counting more than body words), and those terms, weighed, become a
//! query over every entry.

use std::collections::HashMap;

use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, TantivyDocument, Term};

use super::stopwords::is_stopword;
use crate::boundary;
use crate::index::{analysis, Fields};

/// How many terms sum an entry up.
const MAX_TERMS: usize = 40;

/// Bytes of a body read for its terms: the start of a paper says what it is about, and a
/// whole book would take long to analyze.
const MAX_BODY_BYTES: usize = 300_000;

/// How much more a word of the title or of a name the work goes by counts than other words.
const NAME_WEIGHT: f32 = 3.0;

/// How much more a term counts in each field than in the body.
const TITLE_WEIGHT: f32 = 4.0;
const ALIASES_WEIGHT: f32 = 4.0;
const SUMMARY_WEIGHT: f32 = 3.0;

/// The most telling index terms of a stored document, with their weights, best first.
pub fn profile(
    searcher: &Searcher,
    fields: &Fields,
    doc: &TantivyDocument,
    analyzer: &mut TextAnalyzer,
) -> Vec<(String, f32)> {
    let mut counts: HashMap<String, f32> = HashMap::new();
    let mut add = |field: Field, weight: f32, limit: usize, counts: &mut HashMap<String, f32>| {
        for value in doc.get_all(field) {
            let Some(text) = value.as_str() else { continue };
            let end = boundary::floor(text, limit);
            for token in analysis::tokens(analyzer, &text[..end]) {
                *counts.entry(token.text).or_insert(0.0) += weight;
            }
        }
    };
    add(fields.title, TITLE_WEIGHT, usize::MAX, &mut counts);
    add(fields.aliases, ALIASES_WEIGHT, usize::MAX, &mut counts);
    add(fields.summary, SUMMARY_WEIGHT, usize::MAX, &mut counts);
    add(fields.concepts, SUMMARY_WEIGHT, usize::MAX, &mut counts);
    add(fields.body, 1.0, MAX_BODY_BYTES, &mut counts);
    // The words of the title and the names the work goes by say what it is about.
    let mut named: std::collections::HashSet<String> = Default::default();
    for field in [fields.title, fields.aliases] {
        for value in doc.get_all(field) {
            if let Some(text) = value.as_str() {
                for token in analysis::tokens(analyzer, text) {
                    named.insert(token.text);
                }
            }
        }
    }
    let docs = searcher.num_docs().max(1) as f32;
    let mut scored: Vec<(String, f32)> = counts
        .into_iter()
        .filter(|(term, _)| {
            term.chars().count() >= 3
                && !term.chars().all(|c| c.is_ascii_digit())
                && !is_stopword(term)
        })
        .filter_map(|(term, tf)| {
            let df = [
                fields.title,
                fields.aliases,
                fields.summary,
                fields.concepts,
                fields.body,
            ]
            .iter()
            .map(|&f| {
                searcher
                    .doc_freq(&Term::from_field_text(f, &term))
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0) as f32;
            // A term in most entries tells nothing; one in no other entry links to nothing.
            if df > docs / 2.0 || df < 2.0 {
                return None;
            }
            let idf = (1.0 + (docs - df + 0.5) / (df + 0.5)).ln();
            let name = if named.contains(&term) {
                NAME_WEIGHT
            } else {
                1.0
            };
            Some((term, (1.0 + tf.ln()) * idf * name))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.truncate(MAX_TERMS);
    scored
}

/// A query scoring entries by the weighed terms of a profile that they hold, field by field.
/// How often a term occurs in an entry is left out: a long paper mentions a little of
/// everything, and the entries that only have a title and a summary would never compete.
pub fn query(fields: &Fields, terms: &[(String, f32)]) -> Box<dyn Query> {
    let top = terms.first().map_or(1.0, |t| t.1).max(f32::EPSILON);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (term, weight) in terms {
        for (field, boost) in [
            (fields.title, 1.5),
            (fields.aliases, 1.5),
            (fields.summary, 1.0),
            (fields.concepts, 1.0),
            (fields.body, 0.15),
        ] {
            let q = TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::Basic);
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(Box::new(q), boost * weight / top)),
            ));
        }
    }
    Box::new(BooleanQuery::new(clauses))
}
