//! The cite stage: finds which entries of the library each document cites. It sits between
//! extraction and indexing. In: the catalog and, per entry, a `Document`, that is the entry's
//! extracted text and the outgoing links of a web page (a PDF brings none). Out: per document,
//! the entries its references name (`Citation`), stored in `cite/links.json`, and from them
//! the library's citation `Graph`, which `show`, `search --cites/--cited-by`, `path`,
//! `reading-order` and `graph` read.
//!
//! `bibliography` finds where a document lists its references, `fold` puts titles and
//! references into one spelling, `matcher` decides which references name which entries,
//! `graph` holds the result and the orders read from it, and `stage` runs it all over a library
//! with a cache.

use serde::{Deserialize, Serialize};

pub mod bibliography;
pub mod fold;
pub mod graph;
pub mod matcher;
pub mod stage;

pub use graph::{Edge, Graph, Node, Order, Step, Subgraph};
pub use matcher::Matcher;
pub use stage::{run, CiteOptions, CiteReport, DocumentSource, Links, TextDocuments};

/// Longest stretch of a reference kept as the evidence for a citation.
const EVIDENCE_CHARS: usize = 300;

/// What the cite stage reads of one entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub id: String,
    /// The document's text; pages may be separated by form feeds or newlines.
    pub text: String,
    /// The URLs a web page links to, absolute; empty for a PDF.
    pub links: Vec<String>,
}

/// How a document names an entry it cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// An entry in its list of references.
    Reference,
    /// A link to one of the entry's URLs.
    Link,
}

/// One entry a document cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    /// The cited entry's id.
    pub id: String,
    pub via: Via,
    /// The reference (or link) that names it, as the document has it.
    pub reference: String,
}

/// The citations found in one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Whether the document has a list of references (or links) at all.
    pub bibliography: bool,
    pub citations: Vec<Citation>,
}

/// Finds the entries `doc` cites: in its list of references, and among its links.
pub fn find_citations(doc: &Document, matcher: &Matcher) -> Found {
    let bib = bibliography::locate(&doc.text);
    let mut citations: Vec<Citation> = matcher
        .find(&doc.id, &doc.text, &bib)
        .into_iter()
        .map(|f| Citation {
            id: f.id,
            via: if f.by_url { Via::Link } else { Via::Reference },
            reference: evidence(&doc.text[f.reference]),
        })
        .collect();
    for (id, at) in matcher.find_links(&doc.id, &doc.links) {
        if !citations.iter().any(|c| c.id == id) {
            citations.push(Citation {
                id,
                via: Via::Link,
                reference: doc.links[at].clone(),
            });
        }
    }
    citations.sort_by(|a, b| a.id.cmp(&b.id));
    Found {
        bibliography: !bib.is_empty() || !doc.links.is_empty(),
        citations,
    }
}

/// A reference as one line of at most `EVIDENCE_CHARS` characters.
fn evidence(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(EVIDENCE_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Entry;

    fn entries() -> Vec<Entry> {
        vec![
            Entry {
                id: "simple".into(),
                title: "Paxos Made Simple".into(),
                authors: vec!["Leslie Lamport".into()],
                year: Some(2001),
                urls: vec!["https://lamport.azurewebsites.net/pubs/paxos-simple.pdf".into()],
                ..Entry::default()
            },
            Entry {
                id: "post".into(),
                title: "A Blog Post".into(),
                ..Entry::default()
            },
        ]
    }

    #[test]
    fn a_web_page_cites_through_its_links() {
        let m = Matcher::new(&entries());
        let doc = Document {
            id: "post".into(),
            text: "Read the classic paper on consensus.".into(),
            links: vec!["http://lamport.azurewebsites.net/pubs/paxos-simple.pdf#page=2".into()],
        };
        let found = find_citations(&doc, &m);
        assert!(found.bibliography);
        assert_eq!(found.citations.len(), 1);
        assert_eq!(found.citations[0].id, "simple");
        assert_eq!(found.citations[0].via, Via::Link);
    }

    #[test]
    fn evidence_is_one_short_line() {
        assert_eq!(
            evidence("[1] L. Lamport.\n  Paxos"),
            "[1] L. Lamport. Paxos"
        );
        let long = "word ".repeat(200);
        assert_eq!(evidence(&long).chars().count(), EVIDENCE_CHARS + 1);
        // Cut after a number of characters, never inside one of 2, 3 or 4 bytes.
        for c in ["é", "—", "中", "𝔸", "😀"] {
            let cut = evidence(&c.repeat(EVIDENCE_CHARS + 7));
            assert_eq!(cut, format!("{}…", c.repeat(EVIDENCE_CHARS)));
        }
    }

    #[test]
    fn a_reference_among_multi_byte_characters_is_quoted_whole() {
        let m = Matcher::new(&entries());
        for filler in ["é", "—", "•", "“", "中", "𝔸", "😀"] {
            for shift in 0..4 {
                let text = format!(
                    "{}\nReferences\n{}{} L. Lamport. Paxos made simple. 2001. {}\n",
                    "Body text.\n".repeat(200),
                    filler.repeat(200),
                    " ".repeat(shift),
                    filler.repeat(200)
                );
                let doc = Document {
                    id: "post".into(),
                    text,
                    links: Vec::new(),
                };
                let found = find_citations(&doc, &m);
                assert_eq!(found.citations.len(), 1, "{filler} {shift}");
                let quoted = &found.citations[0].reference;
                assert!(quoted.contains("Paxos made simple"), "{quoted}");
            }
        }
    }
}
