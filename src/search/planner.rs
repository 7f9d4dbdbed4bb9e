//! The query planner: turns the parsed query into tantivy queries. Plain words are wanted,
//! not required: stopwords are dropped, each content word becomes a *slot* that matches the
//! word as typed, its joined or split forms, its spelling corrections (when the index lacks it)
//! and the thesaurus's other terms for it (weighing less), and documents are later ranked by
//! how many slots they cover. Phrases, fields, ranges, `+`, `-`, `AND` and `OR` keep their
//! exact meaning.

use std::collections::HashSet;
use std::ops::Bound;

use anyhow::Result;
use serde::Serialize;
use tantivy::collector::Count;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use super::intent::{self, Intent};
use super::stopwords::{is_question, is_question_filler, is_stopword};
use super::syntax::{self, Clause, Node};
use super::{english, typo};
use crate::index::thesaurus::{term_sequence, Thesaurus};
use crate::index::{analysis, Fields};

/// Field boosts: a word in the title or a name the work is known by says more than one deep in
/// its body.
const TITLE: f32 = 2.0;
const ALIASES: f32 = 2.0;
const AUTHOR: f32 = 2.0;
const SUMMARY: f32 = 1.5;
/// The ideas a work teaches, named in the catalog: as telling as its title.
const CONCEPTS: f32 = 2.0;
const BODY: f32 = 1.0;
/// The text of a link hub (a course index, a video page): found, but below any article or paper
/// that says the same.
const HUB: f32 = 0.3;

/// Score of a match of a name a work is known by, before the field's boost: a full BM25 match
/// of a very rare word, so it outranks any number of mentions in other entries' bodies.
const ALIAS_SCORE: f32 = 6.0;

/// Weight of a thesaurus term relative to the word the user typed.
const EXPANSION: f32 = 0.5;

/// Weight of a spelling correction relative to the word the user typed.
const CORRECTION: f32 = 0.6;

/// How many positions apart two neighbouring query words may stand to count as near.
const NEAR_SLOP: u32 = 3;

/// Weight of the bonus for two neighbouring query words standing near each other.
const NEAR_BOOST: f32 = 1.0;

/// Most index words a prefix (`pax*`) expands to.
const MAX_PREFIX_WORDS: usize = 32;

/// Shortest word that is tried as two joined words (`vectorclocks`).
const MIN_SPLIT_CHARS: usize = 6;

/// One wanted part of a query, for ranking by coverage.
pub struct Slot {
    /// Matches a document that holds this part in any form (scoring disabled is fine).
    pub any: Box<dyn Query>,
    /// For a word with corrections: matches only the word as typed.
    pub typed: Option<Box<dyn Query>>,
    /// How much the part tells documents apart (its inverse document frequency).
    pub weight: f32,
    /// Matches a document whose title, names or authors hold this part as typed or
    /// corrected (no thesaurus terms); `None` for parts that are not plain words.
    pub named: Option<Box<dyn Query>>,
    /// Matches a document whose title, names, concepts or summary hold this part in any
    /// form: a document *about* it, not one that only mentions it; `None` for parts that are
    /// not plain words.
    pub about: Option<Box<dyn Query>>,
}

/// A word the planner read as another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correction {
    /// The word as typed.
    pub typed: String,
    /// The word searched for instead of it, or as well.
    pub corrected: String,
    /// Whether the typed word occurs nowhere, so only the correction was searched.
    pub replaced: bool,
}

/// A query ready to run, with what the engine needs to rank and show its results.
pub struct Plan {
    /// Selects and scores documents (the request's filters come on top).
    pub query: Box<dyn Query>,
    /// The wanted parts, for ranking by coverage.
    pub slots: Vec<Slot>,
    /// Words read as others.
    pub corrections: Vec<Correction>,
    /// Index terms worth highlighting in passages.
    pub highlight: HashSet<String>,
    /// Lowercase beginnings of words to look for when picking passages.
    pub probes: Vec<String>,
    /// Whether the query uses syntax (phrases, fields, `+`, `-`, `AND`/`OR`, `pax*`,
    /// `paxos~1`): the user said exactly what to match, so nothing is added by meaning.
    pub explicit: bool,
    /// Whether the query reads as a question (`how does raft elect a leader`).
    pub question: bool,
    /// What the reader asks for besides a topic, when the query says so.
    pub intent: Option<Intent>,
}

impl Plan {
    /// A plan that selects with `query` and has no wanted parts.
    pub fn of(query: Box<dyn Query>) -> Plan {
        Plan {
            query,
            slots: Vec::new(),
            corrections: Vec::new(),
            highlight: HashSet::new(),
            probes: Vec::new(),
            explicit: false,
            question: false,
            intent: None,
        }
    }
}

/// Why a query could not be planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    TooDeep,
    BadYear(String),
}

/// Builds plans against one searcher.
pub struct Planner<'a> {
    searcher: &'a Searcher,
    fields: &'a Fields,
    thesaurus: &'a Thesaurus,
    stemmed: TextAnalyzer,
    words: TextAnalyzer,
}

/// A plain word of the top level, on its way to becoming a slot.
struct Plain {
    occur: syntax::Occur,
    /// The word as typed.
    text: String,
    /// Its index terms (several for a hyphenated compound).
    stems: Vec<String>,
    /// Its normalized surface form, as the `words` field holds it.
    surface: String,
    stopword: bool,
    /// Alternatives: index-term sequences with their weights.
    alternatives: Vec<(Vec<String>, f32)>,
    /// Documents holding the surface word.
    doc_freq: u64,
    corrected: bool,
    /// The word read as a year of publication (`lamport 1978`).
    year: Option<i64>,
}

impl<'a> Planner<'a> {
    /// A planner over `searcher`, expanding with `thesaurus`.
    pub fn new(searcher: &'a Searcher, fields: &'a Fields, thesaurus: &'a Thesaurus) -> Self {
        Planner {
            searcher,
            fields,
            thesaurus,
            stemmed: analysis::stemmed(),
            words: analysis::words(),
        }
    }

    fn text_fields(&self) -> [(Field, f32); 7] {
        let f = self.fields;
        [
            (f.title, TITLE),
            (f.aliases, ALIASES),
            (f.author, AUTHOR),
            (f.summary, SUMMARY),
            (f.concepts, CONCEPTS),
            (f.body, BODY),
            (f.hub, HUB),
        ]
    }

    fn field_of(&self, field: Option<syntax::Field>) -> Vec<(Field, f32)> {
        let f = self.fields;
        match field {
            None => self.text_fields().to_vec(),
            Some(syntax::Field::Title) => vec![(f.title, 1.0)],
            Some(syntax::Field::Aliases) => vec![(f.aliases, 1.0)],
            Some(syntax::Field::Author) => vec![(f.author, 1.0)],
            Some(syntax::Field::Summary) => vec![(f.summary, 1.0)],
            Some(syntax::Field::Concepts) => vec![(f.concepts, 1.0)],
            Some(syntax::Field::Body) => vec![(f.body, 1.0)],
            // Metadata fields are handled as exact values elsewhere.
            Some(_) => vec![],
        }
    }

    /// Plans a query's text: its intent is read first, and the words that said it are not
    /// searched for.
    pub fn plan(&mut self, text: &str) -> Result<Plan, PlanError> {
        let reading = intent::read(text);
        let clauses = syntax::parse(&reading.text).map_err(|e| match e {
            syntax::SyntaxError::TooDeep => PlanError::TooDeep,
        })?;
        let mut plan = Plan::of(Box::new(AllQuery));
        plan.intent = reading.intent;
        let mut top: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut plain: Vec<Plain> = Vec::new();
        let question = is_question(text);
        plan.question = question;
        for clause in &clauses {
            match self.classify(clause, question) {
                Some(p) => {
                    plan.explicit |= p.occur == syntax::Occur::Must;
                    plain.push(p);
                }
                None => {
                    plan.explicit = true;
                    self.add_clause(clause, &mut plan, &mut top)?;
                }
            }
        }
        self.plan_plain(plain, &mut plan, &mut top);
        let positive = top.iter().any(|(o, _)| *o != Occur::MustNot);
        if !positive {
            // Nothing wanted (an empty query, or only exclusions): every document, less those.
            top.push((Occur::Must, Box::new(AllQuery)));
        }
        plan.query = Box::new(BooleanQuery::new(top));
        Ok(plan)
    }

    /// A top-level clause that is a plain word becomes a `Plain`; anything else is `None`.
    fn classify(&mut self, clause: &Clause, question: bool) -> Option<Plain> {
        let Node::Word {
            field: None,
            text,
            prefix: false,
            fuzzy: None,
        } = &clause.node
        else {
            return None;
        };
        if clause.occur == syntax::Occur::MustNot {
            return None;
        }
        let stems = term_sequence(&mut self.stemmed, text);
        let surface = self.surface(text);
        let lower = text
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        let lower = lower.replace(['\'', '\u{2019}'], "");
        let year = lower
            .parse::<i64>()
            .ok()
            .filter(|y| (1800..=2100).contains(y) && lower.len() == 4);
        Some(Plain {
            occur: clause.occur,
            text: text.clone(),
            stopword: is_stopword(&lower) || (question && is_question_filler(&lower)),
            year,
            alternatives: vec![(stems.clone(), 1.0)],
            stems,
            surface,
            doc_freq: 0,
            corrected: false,
        })
    }

    /// The word as the `words` field holds it: a compound joined, normalized, unstemmed.
    fn surface(&mut self, text: &str) -> String {
        let tokens = analysis::tokens(&mut self.words, text);
        match tokens.len() {
            0 => String::new(),
            1 => tokens[0].text.clone(),
            // A compound's joined form is its last token.
            _ => tokens.last().map(|t| t.text.clone()).unwrap_or_default(),
        }
    }

    /// Turns the plain words into slots: stopwords out, splits, joins, corrections, thesaurus.
    fn plan_plain(
        &mut self,
        mut plain: Vec<Plain>,
        plan: &mut Plan,
        top: &mut Vec<(Occur, Box<dyn Query>)>,
    ) {
        plain.retain(|p| !p.stems.is_empty());
        if plain.is_empty() {
            return;
        }
        // A query of stopwords alone ("the who") is searched for them.
        let all_stop = plain.iter().all(|p| p.stopword) && top.is_empty();
        for p in &mut plain {
            if all_stop || p.occur == syntax::Occur::Must {
                p.stopword = false;
            }
        }
        for p in plain.iter_mut().filter(|p| !p.stopword) {
            p.doc_freq = typo::doc_freq(self.searcher, self.fields.words, &p.surface).unwrap_or(0);
        }
        let neighbours = neighbours(&plain);
        // The vocabulary's terms are read before spelling: `split brain` is a term, not a
        // misspelt `split brian`.
        let in_vocabulary = self.in_vocabulary(&plain);
        for ((p, neighbour), known) in plain.iter_mut().zip(neighbours).zip(in_vocabulary) {
            if !p.stopword {
                self.respell(p, neighbour.as_ref(), known, plan);
            }
        }
        self.join_neighbours(&mut plain);
        self.expand(&mut plain);
        let n = self.searcher.num_docs().max(1);
        let mut content: Vec<usize> = Vec::new();
        for (i, p) in plain.iter().enumerate() {
            if p.stopword {
                continue;
            }
            content.push(i);
            let occur = match p.occur {
                syntax::Occur::Must => Occur::Must,
                _ => Occur::Should,
            };
            let mut any = self.alternatives_query(&p.alternatives, None);
            if let Some(year) = p.year {
                // A year in a query is most often the year of the work asked for.
                let term = Term::from_field_i64(self.fields.year, year);
                let df = self.searcher.doc_freq(&term).unwrap_or(0);
                let published: Box<dyn Query> = Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    TITLE * idf(df.max(1), n),
                ));
                any = Box::new(BooleanQuery::new(vec![
                    (Occur::Should, any),
                    (Occur::Should, published),
                ]));
            }
            let typed = p
                .corrected
                .then(|| self.sequence_query(&p.stems, &self.text_fields(), 1.0, 0));
            let named = self.named_query(p);
            let about = self.about_query(p);
            for (seq, _) in &p.alternatives {
                // The small words of a term (`who is in charge`) are not worth marking, and
                // would pick passages for their `the`s.
                let telling = seq.iter().filter(|t| seq.len() == 1 || !is_stopword(t));
                plan.highlight.extend(telling.cloned());
            }
            plan.probes.push(probe(&p.surface));
            let df = p.doc_freq;
            top.push((occur, any.box_clone()));
            plan.slots.push(Slot {
                any,
                typed,
                weight: idf(df.max(1), n),
                named: Some(named),
                about: Some(about),
            });
        }
        // Neighbouring words that stand close together in a document: a concept, not a list.
        for pair in content.windows(2) {
            let (a, b) = (&plain[pair[0]], &plain[pair[1]]);
            if a.stems.len() != 1 || b.stems.len() != 1 || a.stems == b.stems {
                continue;
            }
            let seq = vec![a.stems[0].clone(), b.stems[0].clone()];
            let near = self.sequence_query(&seq, &self.text_fields(), NEAR_BOOST, NEAR_SLOP);
            top.push((Occur::Should, near));
        }
        for stem in &plan.highlight {
            if !plan.probes.contains(stem) {
                plan.probes.push(stem.clone());
            }
        }
    }

    /// Whether each plain word is part of a term of the vocabulary, as typed.
    fn in_vocabulary(&self, plain: &[Plain]) -> Vec<bool> {
        let mut words: Vec<String> = Vec::new();
        let mut owner: Vec<usize> = Vec::new();
        for (i, p) in plain.iter().enumerate() {
            for stem in &p.stems {
                words.push(stem.clone());
                owner.push(i);
            }
        }
        let mut known = vec![false; plain.len()];
        for m in self.thesaurus.find(&words) {
            for &o in &owner[m.start..m.end] {
                known[o] = true;
            }
        }
        known
    }

    /// Adds the split form of a word the index lacks (`vectorclocks`), or else its spelling
    /// corrections. A word of the vocabulary or of English (`known`, or in the word list) is
    /// never replaced, only offered a spelling its neighbour supports.
    fn respell(
        &mut self,
        p: &mut Plain,
        neighbour: Option<&(String, bool)>,
        known: bool,
        plan: &mut Plan,
    ) {
        if p.doc_freq == 0 && p.stems.len() == 1 {
            if let Some(seq) = self.split(&p.surface) {
                p.alternatives.push((seq, 1.0));
                return;
            }
        }
        if p.stems.len() > 1 {
            // A compound (`map-reduce`) also matches its joined form where the index has it.
            if p.doc_freq > 0 {
                let joined = term_sequence(&mut self.stemmed, &p.surface);
                if joined.len() == 1 {
                    p.alternatives.push((joined, 1.0));
                }
            }
            return;
        }
        if p.surface.is_empty() {
            return;
        }
        let analyzer = std::cell::RefCell::new(self.stemmed.clone());
        let context = |word: &str| -> u64 {
            let Some((other, after)) = neighbour else {
                return 0;
            };
            let mut seq = term_sequence(&mut analyzer.borrow_mut(), word);
            if seq.len() != 1 {
                return 0;
            }
            if *after {
                seq.push(other.clone());
            } else {
                seq.insert(0, other.clone());
            }
            let fields = [
                (self.fields.title, 1.0),
                (self.fields.summary, 1.0),
                (self.fields.concepts, 1.0),
                (self.fields.body, 1.0),
            ];
            let q = self.sequence_query(&seq, &fields, 1.0, 0);
            self.searcher.search(&*q, &Count).unwrap_or(0) as u64
        };
        let real = known || english::is_word(&p.surface);
        let Ok(Some(spelling)) = typo::correct(
            self.searcher,
            self.fields.words,
            &p.surface,
            p.doc_freq,
            real,
            &context,
        ) else {
            return;
        };
        for (word, df) in &spelling.words {
            let seq = term_sequence(&mut self.stemmed, word);
            if seq.is_empty() || seq == p.stems {
                continue;
            }
            p.alternatives.push((seq, CORRECTION));
            p.doc_freq = p.doc_freq.max(*df);
            plan.corrections.push(Correction {
                typed: p.text.clone(),
                corrected: word.clone(),
                replaced: spelling.replaces,
            });
        }
        p.corrected = p.alternatives.len() > 1;
        if spelling.replaces {
            // The typed form matches nothing; the best correction stands in for it, so the
            // thesaurus and joins see it.
            if let Some((seq, _)) = p.alternatives.get(1).cloned() {
                p.stems = seq;
            }
        }
    }

    /// The index terms of two words that make up `word` when joined and that the index holds
    /// side by side (`vectorclocks`); the most common pair that does.
    fn split(&mut self, word: &str) -> Option<Vec<String>> {
        if word.chars().count() < MIN_SPLIT_CHARS || !word.is_ascii() {
            return None;
        }
        let df = |w: &str| typo::doc_freq(self.searcher, self.fields.words, w).unwrap_or(0);
        let mut pairs: Vec<(u64, usize)> = (2..word.len() - 1)
            .map(|at| (df(&word[..at]).min(df(&word[at..])), at))
            .filter(|(n, _)| *n > 0)
            .collect();
        pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        // Two words that exist apart may never stand together (`part ion`): check that they do.
        for (_, at) in pairs.into_iter().take(3) {
            let mut seq = term_sequence(&mut self.stemmed, &word[..at]);
            seq.extend(term_sequence(&mut self.stemmed, &word[at..]));
            let q = self.sequence_query(&seq, &self.text_fields(), 1.0, 0);
            if self.searcher.search(&*q, &Count).unwrap_or(0) > 0 {
                return Some(seq);
            }
        }
        None
    }

    /// Neighbouring words that the index also holds joined (`map reduce`, `mapreduce`) match
    /// the joined word too.
    fn join_neighbours(&mut self, plain: &mut [Plain]) {
        for i in 0..plain.len().saturating_sub(1) {
            let (a, b) = (&plain[i], &plain[i + 1]);
            if a.stopword || b.stopword || a.stems.len() != 1 || b.stems.len() != 1 {
                continue;
            }
            let joined = format!("{}{}", a.surface, b.surface);
            let df = typo::doc_freq(self.searcher, self.fields.words, &joined).unwrap_or(0);
            if df == 0 {
                continue;
            }
            let seq = term_sequence(&mut self.stemmed, &joined);
            if seq.len() == 1 {
                plain[i].alternatives.push((seq.clone(), 1.0));
                plain[i + 1].alternatives.push((seq, 1.0));
            }
        }
    }

    /// Adds the thesaurus's other terms for each run of words that is a term of a group.
    fn expand(&self, plain: &mut [Plain]) {
        let mut words: Vec<String> = Vec::new();
        let mut owner: Vec<usize> = Vec::new();
        for (i, p) in plain.iter().enumerate() {
            for stem in &p.stems {
                words.push(stem.clone());
                owner.push(i);
            }
        }
        for m in self.thesaurus.find(&words) {
            let mut owners: Vec<usize> = owner[m.start..m.end].to_vec();
            owners.dedup();
            if owners.iter().all(|&o| plain[o].stopword) {
                continue;
            }
            for other in self.thesaurus.others(&m) {
                for &o in &owners {
                    if !plain[o].stopword && !plain[o].alternatives.iter().any(|(s, _)| s == other)
                    {
                        plain[o].alternatives.push((other.to_vec(), EXPANSION));
                    }
                }
            }
        }
    }

    /// A query matching an entry that a plain word names: the word as typed, joined, split or
    /// corrected (not the thesaurus's other terms) in the title, names or authors, or the
    /// year of publication when the word is a year. Scoring is not needed.
    fn named_query(&self, p: &Plain) -> Box<dyn Query> {
        let f = self.fields;
        let fields = [(f.title, 1.0), (f.aliases, 1.0), (f.author, 1.0)];
        let mut options: Vec<(Occur, Box<dyn Query>)> = p
            .alternatives
            .iter()
            .filter(|(_, w)| *w >= CORRECTION)
            .map(|(seq, _)| (Occur::Should, self.sequence_query(seq, &fields, 1.0, 0)))
            .collect();
        if let Some(year) = p.year {
            let term = Term::from_field_i64(f.year, year);
            options.push((
                Occur::Should,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        Box::new(BooleanQuery::new(options))
    }

    /// A query matching an entry whose title, names, concepts or summary hold the word in any
    /// of its forms, thesaurus terms included. Scoring is not needed.
    fn about_query(&self, p: &Plain) -> Box<dyn Query> {
        let f = self.fields;
        let fields = [
            (f.title, 1.0),
            (f.aliases, 1.0),
            (f.concepts, 1.0),
            (f.summary, 1.0),
        ];
        let options: Vec<(Occur, Box<dyn Query>)> = p
            .alternatives
            .iter()
            .map(|(seq, _)| (Occur::Should, self.sequence_query(seq, &fields, 1.0, 0)))
            .collect();
        Box::new(BooleanQuery::new(options))
    }

    /// A query matching any of the alternatives, each weighed as given.
    fn alternatives_query(
        &self,
        alternatives: &[(Vec<String>, f32)],
        field: Option<syntax::Field>,
    ) -> Box<dyn Query> {
        let fields = self.field_of(field);
        let options: Vec<(Occur, Box<dyn Query>)> = alternatives
            .iter()
            .map(|(seq, w)| (Occur::Should, self.sequence_query(seq, &fields, *w, 0)))
            .collect();
        Box::new(BooleanQuery::new(options))
    }

    /// A term (one index term) or phrase (several) in each of `fields`, boosted.
    fn sequence_query(
        &self,
        seq: &[String],
        fields: &[(Field, f32)],
        weight: f32,
        slop: u32,
    ) -> Box<dyn Query> {
        let mut per_field: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &(field, boost) in fields {
            let q: Box<dyn Query> = match seq {
                [] => continue,
                [one] => Box::new(TermQuery::new(
                    Term::from_field_text(field, one),
                    IndexRecordOption::WithFreqs,
                )),
                many => {
                    let terms = many
                        .iter()
                        .enumerate()
                        .map(|(i, t)| (i, Term::from_field_text(field, t)))
                        .collect();
                    Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
                }
            };
            let q: Box<dyn Query> = if field == self.fields.aliases {
                // An alias is a name: matching it says the entry *is* what was asked for,
                // however short the field or common the name in bodies elsewhere.
                Box::new(ConstScoreQuery::new(q, ALIAS_SCORE * boost * weight))
            } else {
                Box::new(BoostQuery::new(q, boost * weight))
            };
            per_field.push((Occur::Should, q));
        }
        if per_field.is_empty() {
            return Box::new(EmptyQuery);
        }
        Box::new(BooleanQuery::new(per_field))
    }

    /// Adds a clause that is not a plain top-level word.
    fn add_clause(
        &mut self,
        clause: &Clause,
        plan: &mut Plan,
        top: &mut Vec<(Occur, Box<dyn Query>)>,
    ) -> Result<(), PlanError> {
        let Some(query) = self.node_query(&clause.node, plan)? else {
            return Ok(());
        };
        let occur = match clause.occur {
            syntax::Occur::Should => Occur::Should,
            syntax::Occur::Must => Occur::Must,
            syntax::Occur::MustNot => Occur::MustNot,
        };
        if occur != Occur::MustNot {
            let weight = idf(1 + self.searcher.num_docs() / 20, self.searcher.num_docs());
            plan.slots.push(Slot {
                any: query.box_clone(),
                typed: None,
                weight,
                named: None,
                about: None,
            });
        }
        top.push((occur, query));
        Ok(())
    }

    /// The query of any node; `None` when it holds nothing searchable.
    fn node_query(
        &mut self,
        node: &Node,
        plan: &mut Plan,
    ) -> Result<Option<Box<dyn Query>>, PlanError> {
        Ok(match node {
            Node::Word {
                field: Some(field @ (syntax::Field::Kind | syntax::Field::Id)),
                text,
                ..
            } => {
                let f = if *field == syntax::Field::Kind {
                    self.fields.kind
                } else {
                    self.fields.id
                };
                let value = if *field == syntax::Field::Kind {
                    text.to_lowercase()
                } else {
                    text.clone()
                };
                Some(Box::new(TermQuery::new(
                    Term::from_field_text(f, &value),
                    IndexRecordOption::Basic,
                )))
            }
            Node::Word {
                field: Some(syntax::Field::Year),
                text,
                ..
            } => {
                let year = parse_year(text)?;
                Some(Box::new(TermQuery::new(
                    Term::from_field_i64(self.fields.year, year),
                    IndexRecordOption::Basic,
                )))
            }
            Node::Range { field, lo, hi } => {
                if *field != syntax::Field::Year {
                    return Ok(None);
                }
                let bound = |v: &Option<String>| -> Result<Bound<Term>, PlanError> {
                    Ok(match v {
                        Some(v) => {
                            Bound::Included(Term::from_field_i64(self.fields.year, parse_year(v)?))
                        }
                        None => Bound::Unbounded,
                    })
                };
                Some(Box::new(RangeQuery::new(bound(lo)?, bound(hi)?)))
            }
            Node::Word {
                field,
                text,
                prefix: true,
                ..
            } => self.prefix_query(text, *field, plan),
            Node::Word {
                field,
                text,
                fuzzy: Some(distance),
                ..
            } => self.fuzzy_query(text, *field, *distance, plan),
            Node::Word { field, text, .. } => {
                let seq = term_sequence(&mut self.stemmed, text);
                if seq.is_empty() {
                    return Ok(None);
                }
                let mut alternatives = vec![(seq.clone(), 1.0)];
                // A word inside a group or field still gets a correction when the index lacks it.
                let surface = self.surface(text);
                let df = typo::doc_freq(self.searcher, self.fields.words, &surface).unwrap_or(0);
                if df == 0 && seq.len() == 1 {
                    if let Ok(Some(spelling)) = typo::correct(
                        self.searcher,
                        self.fields.words,
                        &surface,
                        0,
                        english::is_word(&surface),
                        &|_| 0,
                    ) {
                        for (word, _) in spelling.words {
                            let fixed = term_sequence(&mut self.stemmed, &word);
                            plan.highlight.extend(fixed.iter().cloned());
                            alternatives.push((fixed, CORRECTION));
                            plan.corrections.push(Correction {
                                typed: text.clone(),
                                corrected: word,
                                replaced: true,
                            });
                        }
                    }
                }
                plan.highlight.extend(seq.iter().cloned());
                plan.probes.push(probe(&surface));
                Some(self.alternatives_query(&alternatives, *field))
            }
            Node::Phrase { field, text, slop } => {
                let seq = term_sequence(&mut self.stemmed, text);
                if seq.is_empty() {
                    return Ok(None);
                }
                plan.highlight.extend(seq.iter().cloned());
                plan.probes.extend(seq.iter().cloned());
                let fields = self.field_of(*field);
                Some(self.sequence_query(&seq, &fields, 1.0, *slop))
            }
            Node::Any(options) => {
                let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for option in options {
                    if let Some(q) = self.node_query(option, plan)? {
                        any.push((Occur::Should, q));
                    }
                }
                (!any.is_empty()).then(|| Box::new(BooleanQuery::new(any)) as Box<dyn Query>)
            }
            Node::Group(clauses) => {
                let mut all: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for clause in clauses {
                    if let Some(q) = self.node_query(&clause.node, plan)? {
                        // Inside parentheses, words side by side are all required.
                        let occur = match clause.occur {
                            syntax::Occur::MustNot => Occur::MustNot,
                            _ => Occur::Must,
                        };
                        all.push((occur, q));
                    }
                }
                if !all.iter().any(|(o, _)| *o == Occur::Must) {
                    if all.is_empty() {
                        return Ok(None);
                    }
                    all.push((Occur::Must, Box::new(AllQuery)));
                }
                Some(Box::new(BooleanQuery::new(all)))
            }
        })
    }

    /// The index words that begin with `text`, most common first, as alternatives.
    fn prefix_query(
        &mut self,
        text: &str,
        field: Option<syntax::Field>,
        plan: &mut Plan,
    ) -> Option<Box<dyn Query>> {
        let start = self.surface(text);
        if start.is_empty() {
            return None;
        }
        let words = prefixed_words(self.searcher, self.fields.words, &start).unwrap_or_default();
        let mut alternatives = Vec::new();
        for (word, _) in words.into_iter().take(MAX_PREFIX_WORDS) {
            let seq = term_sequence(&mut self.stemmed, &word);
            if !seq.is_empty() && !alternatives.iter().any(|(s, _)| *s == seq) {
                plan.highlight.extend(seq.iter().cloned());
                alternatives.push((seq, 1.0));
            }
        }
        plan.probes.push(start);
        if alternatives.is_empty() {
            return Some(Box::new(EmptyQuery));
        }
        Some(self.alternatives_query(&alternatives, field))
    }

    /// The word and the index words within `distance` edits of it, as alternatives.
    fn fuzzy_query(
        &mut self,
        text: &str,
        field: Option<syntax::Field>,
        distance: u8,
        plan: &mut Plan,
    ) -> Option<Box<dyn Query>> {
        let surface = self.surface(text);
        if surface.is_empty() {
            return None;
        }
        let mut words = vec![surface.clone()];
        if distance > 0 {
            let near = typo::near_words(self.searcher, self.fields.words, &surface, distance)
                .unwrap_or_default();
            words.extend(near.into_iter().take(MAX_PREFIX_WORDS).map(|(w, _)| w));
        }
        let mut alternatives = Vec::new();
        for word in words {
            let seq = term_sequence(&mut self.stemmed, &word);
            if !seq.is_empty() && !alternatives.iter().any(|(s, _)| *s == seq) {
                plan.highlight.extend(seq.iter().cloned());
                plan.probes.push(probe(&word));
                alternatives.push((seq, 1.0));
            }
        }
        (!alternatives.is_empty()).then(|| self.alternatives_query(&alternatives, field))
    }
}

/// For each plain word, the index term of the content word after it (or else before it) that
/// a correction should stand beside, and whether it comes after.
fn neighbours(plain: &[Plain]) -> Vec<Option<(String, bool)>> {
    let content: Vec<usize> = (0..plain.len())
        .filter(|&i| !plain[i].stopword && plain[i].stems.len() == 1)
        .collect();
    (0..plain.len())
        .map(|i| {
            let at = content.iter().position(|&c| c == i)?;
            let next = content
                .get(at + 1)
                .map(|&n| (plain[n].stems[0].clone(), true));
            let prev = at
                .checked_sub(1)
                .map(|p| (plain[content[p]].stems[0].clone(), false));
            next.or(prev)
        })
        .collect()
}

/// The words of `field` that begin with `start`, most common first.
fn prefixed_words(searcher: &Searcher, field: Field, start: &str) -> Result<Vec<(String, u64)>> {
    let mut found: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted
            .terms()
            .range()
            .ge(start.as_bytes())
            .into_stream()?;
        while stream.advance() {
            if !stream.key().starts_with(start.as_bytes()) {
                break;
            }
            if let Ok(word) = std::str::from_utf8(stream.key()) {
                *found.entry(word.to_string()).or_insert(0) += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut found: Vec<(String, u64)> = found.into_iter().collect();
    found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(found)
}

/// The beginning of a word to look for in body text: long enough to be specific, short enough
/// to match its other endings (`replicat` finds `replication` and `replicated`).
pub(super) fn probe(word: &str) -> String {
    let keep = word
        .chars()
        .count()
        .clamp(1, 6.max(word.chars().count() * 3 / 4));
    word.chars().take(keep).collect()
}

fn parse_year(text: &str) -> Result<i64, PlanError> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| PlanError::BadYear(text.to_string()))
}

/// Inverse document frequency, as BM25 computes it.
fn idf(doc_freq: u64, docs: u64) -> f32 {
    let (df, n) = (doc_freq as f32, docs.max(1) as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln().max(0.01)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_keep_enough_of_a_word() {
        assert_eq!(probe("replication"), "replicat");
        assert_eq!(probe("paxos"), "paxos");
        assert_eq!(probe("raft"), "raft");
    }

    #[test]
    fn idf_falls_as_words_get_common() {
        assert!(idf(1, 100) > idf(50, 100));
        assert!(idf(100, 100) > 0.0);
    }
}
