//! A narrow way into the search stage's passage picker for the fuzz targets in `tests/fuzz`,
//! not part of the library's interface. There is no index: the query is parsed as a search
//! parses it, its words become the terms to highlight and the word beginnings to look for as
//! the planner makes them for plain words, and the passages come from the functions that a
//! search runs for every hit.

use std::collections::HashSet;

use crate::index::analysis;

use super::passage::{self, Needles, Passage};
use super::planner::probe;
use super::syntax::{self, Clause, Node, Occur};
use crate::index::thesaurus::term_sequence;

/// The passages of `body`, whose pages start at `page_starts`, for `query`.
pub fn passages(query: &str, body: &str, page_starts: &[u64]) -> Vec<Passage> {
    let (terms, probes) = needles(query);
    let needles = Needles::new(&terms, &probes);
    passage::passages(body, page_starts, &needles, &mut analysis::stemmed())
}

/// `text` shown whole, as a short summary is, with `query`'s words highlighted.
pub fn whole(query: &str, text: &str) -> Passage {
    let (terms, _) = needles(query);
    passage::whole(text, &terms, &mut analysis::stemmed())
}

/// The index terms to highlight and the word beginnings to look for, for the words of `query`.
fn needles(query: &str) -> (HashSet<String>, Vec<String>) {
    let mut texts = Vec::new();
    if let Ok(clauses) = syntax::parse(query) {
        words(&clauses, &mut texts);
    }
    let (mut stemmed, mut surface) = (analysis::stemmed(), analysis::words());
    let mut terms = HashSet::new();
    let mut probes = Vec::new();
    for text in texts {
        terms.extend(term_sequence(&mut stemmed, &text));
        for word in text.split_whitespace() {
            // A compound's joined form is its last token, as the planner takes it.
            if let Some(last) = analysis::tokens(&mut surface, word).pop() {
                probes.push(probe(&last.text));
            }
        }
    }
    for term in &terms {
        if !probes.contains(term) {
            probes.push(term.clone());
        }
    }
    (terms, probes)
}

/// The words and phrases of a query that are looked for, not excluded.
fn words(clauses: &[Clause], out: &mut Vec<String>) {
    for clause in clauses.iter().filter(|c| c.occur != Occur::MustNot) {
        node_words(&clause.node, out);
    }
}

fn node_words(node: &Node, out: &mut Vec<String>) {
    match node {
        Node::Word { text, .. } | Node::Phrase { text, .. } => out.push(text.clone()),
        Node::Any(nodes) => nodes.iter().for_each(|n| node_words(n, out)),
        Node::Group(clauses) => words(clauses, out),
        Node::Range { .. } => {}
    }
}
