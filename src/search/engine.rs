//! The search engine: opens the index, runs a planned query with the request's filters, ranks
//! the matches (documents that cover every wanted part of the query first, then by relevance
//! weighed by how much of the query they cover), counts them by facet and builds the hits.

use std::collections::{BTreeMap, HashSet};

/// The kinds the query's intent favours, if any.
fn plan_kinds(intent: Option<&Intent>) -> Vec<&str> {
    intent.map(Intent::favoured_kinds).unwrap_or_default()
}
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use tantivy::collector::{
    Count, DocSetCollector, FacetCollector, FacetCounts, MultiCollector, TopDocs,
};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyScorer, EnableScoring, Occur, Query, RangeQuery,
    Scorer, TermQuery, Weight,
};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, Searcher, SegmentReader, TantivyDocument, Term};

use super::fusion::{
    self, ByWords, Matched, Meaning, MeaningUse, Near, NearPassage, Neighbours, Signals,
};
use super::intent::Intent;
use super::passage::{self, Needles};
use super::planner::{Correction, Plan, PlanError, Planner};
use super::{related, rewrite, Facets, Hit, Request, Results, SearchError, MAX_LIMIT};
use crate::catalog::vocabulary::Vocabulary;
use crate::index::thesaurus::Thesaurus;
use crate::index::{self, analysis, Fields};

/// How strongly relevance is scaled down for the wanted parts a document misses.
const COVERAGE_POWER: f32 = 2.0;

/// How much more an entry whose title, names, concepts or summary hold the query's words
/// weighs than one whose body only mentions them, at full coverage.
const ABOUT: f32 = 1.0;

/// How much more an entry of a kind the query's intent asks for weighs (`a book on ...`).
const INTENT_KIND: f32 = 2.0;

/// How much the library's citations of an entry weigh when the classics are asked for: the
/// factor is `1 + CITED * ln(1 + citations)`.
const CITED: f32 = 2.0;

/// Longest summary shown whole as a snippet, in characters.
const SUMMARY_CHARS: usize = 400;

/// An open index, ready to answer queries.
pub struct Engine {
    index: Index,
    fields: Fields,
    searcher: Searcher,
    topics: Vec<String>,
    thesaurus: Thesaurus,
    neighbours: Option<Box<dyn Neighbours>>,
}

/// A document's rank: whether it covers every wanted part, whether it is of a kind the query
/// asks for by name, whether the query names it (every
/// word in its title, names or authors: the work asked for), how many corrected words it
/// holds as typed, its relevance scaled by coverage, and its fingerprint, so that equal
/// scores come out in the same order whichever indexing thread stored which document. Last,
/// not ranked by: whether its title, names, concepts or summary hold every wanted part.
type Rank = (u32, bool, bool, u32, f32, u64, bool);

/// What one pass over the matches gathers: the top documents, how many matched, and their
/// facet counts.
type Collected = (Vec<ByWords>, usize, Facets);

/// A document to show: its score, where it is, and how it was found.
type Picked = (f32, DocAddress, Matched);

/// The passages that brought documents by meaning.
type Found = std::collections::HashMap<DocAddress, NearPassage>;

/// A wanted part of a query as a matcher: any form, the typed form if corrected, the fields
/// that say what an entry is about, its weight.
type Part<T> = (Box<T>, Option<Box<T>>, Option<Box<T>>, f32);

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
            thesaurus: Thesaurus::default(),
            neighbours: None,
        })
    }

    /// Finds entries by meaning through `neighbours` from now on, where words are not enough.
    pub fn set_neighbours(&mut self, neighbours: Box<dyn Neighbours>) {
        self.neighbours = Some(neighbours);
    }

    /// Whether entries can be found by meaning: vectors stored and a model to embed queries.
    pub fn has_meaning(&self) -> bool {
        self.neighbours.as_deref().is_some_and(|n| n.available())
    }

    /// Expands queries with the groups of `vocabulary` from now on.
    pub fn set_vocabulary(&mut self, vocabulary: &Vocabulary) {
        self.thesaurus = Thesaurus::new(vocabulary);
    }

    /// Expands queries with a thesaurus made earlier from now on.
    pub fn set_thesaurus(&mut self, thesaurus: Thesaurus) {
        self.thesaurus = thesaurus;
    }

    /// The index this engine reads.
    pub fn index(&self) -> &Index {
        &self.index
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

    /// Runs a request and returns ranked hits, passages and facet counts.
    pub fn search(&self, req: &Request) -> Result<Results> {
        let plan = Planner::new(&self.searcher, &self.fields, &self.thesaurus)
            .plan(&req.query)
            .map_err(|e| SearchError::BadQuery {
                query: shorten(&req.query),
                reason: match e {
                    PlanError::TooDeep => format!(
                        "parentheses nest deeper than {} levels",
                        super::syntax::MAX_DEPTH
                    ),
                    PlanError::BadYear(y) => format!("{y:?} is not a year"),
                },
            })?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let like = match &req.like {
            Some(id) => Some(self.like_query(id)?),
            None => None,
        };
        match like {
            // Ranked by closeness to the entry; the query's words only select.
            Some((like, id)) => {
                clauses.push((
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(plan.query.box_clone(), 0.0)),
                ));
                clauses.push((Occur::Should, like));
                clauses.push((Occur::MustNot, self.id_query(&id)));
            }
            None => clauses.push((Occur::Must, plan.query.box_clone())),
        }
        if let Some(filter) = self.filters(req)? {
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
        }
        let query = BooleanQuery::new(clauses);
        let limit = req.limit.clamp(1, MAX_LIMIT);
        let ranked = req.like.is_none();
        // One ranking at a fixed depth, then cut: every limit shows a prefix of one order.
        let depth = limit.max(fusion::DEPTH);
        let (by_words, total, facets) = self.collect(&query, &plan, depth, ranked)?;
        let signals = Signals {
            explicit: plan.explicit || req.like.is_some(),
            question: plan.question,
            intent: plan.intent.is_some(),
            parts: plan.slots.len(),
        };
        let (mut picked, meaning, total, found) = self.add_meaning(
            req,
            signals,
            plan.intent.as_ref(),
            &plan.corrections,
            &by_words,
            total,
        )?;
        picked.truncate(limit);
        let hits = self.hits(&picked, &plan, &found)?;
        let replaced: Vec<_> = plan.corrections.iter().filter(|c| c.replaced).collect();
        let suggested: Vec<_> = plan.corrections.iter().filter(|c| !c.replaced).collect();
        Ok(Results {
            query: req.query.clone(),
            total,
            hits,
            facets,
            showing_results_for: rewrite(&req.query, &replaced),
            did_you_mean: rewrite(&req.query, &suggested),
            corrections: plan.corrections,
            meaning,
            intent: plan.intent,
            emptied_by: None,
            sorted: None,
        })
    }

    /// The documents to show, in order, with how each was found: the words' hits alone, or
    /// merged with the entries nearest in meaning when the request and the words' hits call
    /// for it; and the new total.
    fn add_meaning(
        &self,
        req: &Request,
        signals: Signals,
        intent: Option<&Intent>,
        corrections: &[Correction],
        by_words: &[ByWords],
        total: usize,
    ) -> Result<(Vec<Picked>, MeaningUse, usize, Found)> {
        let unmerged = |used| Ok((words_only(by_words), used, total, Found::new()));
        if req.meaning == Meaning::Off {
            return unmerged(MeaningUse::Off);
        }
        if !fusion::wanted(req.meaning, signals, by_words) {
            return unmerged(MeaningUse::NotNeeded);
        }
        let Some(neighbours) = self.neighbours.as_deref().filter(|n| n.available()) else {
            return unmerged(MeaningUse::Unavailable);
        };
        let pinned = by_words.iter().filter(|h| h.named).count();
        // The model reads the query as corrected: a misspelt word means nothing to it.
        let replaced: Vec<_> = corrections.iter().filter(|c| c.replaced).collect();
        let text = rewrite(&req.query, &replaced).unwrap_or_else(|| req.query.clone());
        let near = neighbours.nearest(&text, fusion::DEPTH + pinned)?;
        // Meaning alone makes no hit below the floor: nonsense finds nothing.
        let near: Vec<Near> = near
            .into_iter()
            .filter(|n| n.similarity >= fusion::FLOOR)
            .collect();
        let scored: Vec<(String, f32)> =
            near.iter().map(|n| (n.id.clone(), n.similarity)).collect();
        let by_meaning = self.addresses(&scored, req)?;
        let mut found = Found::new();
        for ((address, _), n) in by_meaning.iter().zip(self.kept(&near, &by_meaning)?) {
            if let Some(p) = n.passage {
                found.insert(*address, p);
            }
        }
        if req.meaning == Meaning::Only {
            let picked: Vec<Picked> = by_meaning
                .into_iter()
                .map(|(address, similarity)| (similarity, address, Matched::Meaning))
                .collect();
            let total = picked.len();
            return Ok((picked, MeaningUse::Used, total, found));
        }
        let favoured = self.of_kinds(plan_kinds(intent))?;
        let (picked, used, total) = merge(by_words, &by_meaning, signals, &favoured, total);
        Ok((picked, used, total, found))
    }

    /// Every document of one of `kinds`.
    fn of_kinds(&self, kinds: Vec<&str>) -> Result<HashSet<DocAddress>> {
        if kinds.is_empty() {
            return Ok(HashSet::new());
        }
        let any: Vec<(Occur, Box<dyn Query>)> = kinds
            .iter()
            .map(|k| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.kind, k),
                    IndexRecordOption::Basic,
                ));
                (Occur::Should, q)
            })
            .collect();
        Ok(self
            .searcher
            .search(&BooleanQuery::new(any), &DocSetCollector)?)
    }

    /// The entries of `near` that [`Engine::addresses`] kept, in the same order as its result.
    fn kept<'n>(&self, near: &'n [Near], kept: &[(DocAddress, f32)]) -> Result<Vec<&'n Near>> {
        let mut out = Vec::new();
        for n in near {
            if let Some(address) = self.address_of(&n.id)? {
                if kept.iter().any(|(a, _)| *a == address) {
                    out.push(n);
                }
            }
        }
        Ok(out)
    }

    /// The documents of the entries `near` names, in its order, that the request's filters
    /// allow, each with its similarity.
    fn addresses(&self, near: &[(String, f32)], req: &Request) -> Result<Vec<(DocAddress, f32)>> {
        let mut found = Vec::new();
        for (id, similarity) in near {
            if let Some(address) = self.address_of(id)? {
                found.push((address, *similarity));
            }
        }
        let Some(filter) = self.filters(req)? else {
            return Ok(found);
        };
        let ids: Vec<(Occur, Box<dyn Query>)> = near
            .iter()
            .map(|(id, _)| (Occur::Should, self.id_query(id)))
            .collect();
        let allowed = self.searcher.search(
            &BooleanQuery::new(vec![
                (Occur::Must, filter),
                (Occur::Must, Box::new(BooleanQuery::new(ids))),
            ]),
            &DocSetCollector,
        )?;
        found.retain(|(address, _)| allowed.contains(address));
        Ok(found)
    }

    /// The entries most like `id`, best first: those sharing its telling terms, merged with
    /// those nearest to it in meaning where vectors are stored.
    pub fn related(&self, id: &str, limit: usize) -> Result<Results> {
        let (like, id) = self.like_query(id)?;
        let query = BooleanQuery::new(vec![
            (Occur::Should, like),
            (Occur::MustNot, self.id_query(&id)),
        ]);
        let plan = Plan::of(Box::new(AllQuery));
        let limit = limit.clamp(1, MAX_LIMIT);
        let depth = limit.max(fusion::DEPTH);
        let (by_words, total, facets) = self.collect(&query, &plan, depth, false)?;
        let similar = match &self.neighbours {
            Some(n) => n.similar(&id, fusion::DEPTH),
            None => Vec::new(),
        };
        let by_meaning = self.addresses(&similar, &Request::default())?;
        let (mut picked, meaning, total) = if by_meaning.is_empty() {
            (words_only(&by_words), MeaningUse::Unavailable, total)
        } else {
            merge(
                &by_words,
                &by_meaning,
                Signals::default(),
                &HashSet::new(),
                total,
            )
        };
        picked.truncate(limit);
        let hits = self.hits(&picked, &plan, &Found::new())?;
        Ok(Results {
            query: format!("like:{id}"),
            total,
            hits,
            facets,
            corrections: Vec::new(),
            showing_results_for: None,
            did_you_mean: None,
            meaning,
            intent: None,
            emptied_by: None,
            sorted: None,
        })
    }

    /// The hits of the top documents, in order. Each reads a stored text and looks through
    /// it for passages, so they are built on all cores.
    fn hits(&self, top: &[Picked], plan: &Plan, found: &Found) -> Result<Vec<Hit>> {
        use rayon::prelude::*;
        let needles = Needles::new(&plan.highlight, &plan.probes);
        top.par_iter()
            .map_init(analysis::stemmed, |analyzer, &(score, address, matched)| {
                let doc: TantivyDocument = self
                    .searcher
                    .doc(address)
                    .context("Could not read a document from the index")?;
                // The passage that brought the entry by meaning, unless its words alone did.
                let near = found.get(&address).filter(|_| matched != Matched::Words);
                let mut hit = self.hit(&doc, score, plan, &needles, near, analyzer);
                hit.matched = matched;
                Ok(hit)
            })
            .collect()
    }

    fn id_query(&self, id: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        ))
    }

    /// Where entry `id`'s document is, if it is in the index.
    fn address_of(&self, id: &str) -> Result<Option<DocAddress>> {
        let top = self.searcher.search(
            &*self.id_query(id),
            &TopDocs::with_limit(1).order_by_score(),
        )?;
        Ok(top.first().map(|(_, address)| *address))
    }

    /// The stored document of an entry.
    fn document(&self, id: &str) -> Result<TantivyDocument> {
        let Some(address) = self.address_of(id)? else {
            return Err(SearchError::UnknownEntry(id.to_string()).into());
        };
        Ok(self.searcher.doc(address)?)
    }

    /// A query ranking entries by closeness to `id`, and the id itself.
    fn like_query(&self, id: &str) -> Result<(Box<dyn Query>, String)> {
        let doc = self.document(id)?;
        let terms = related::profile(&self.searcher, &self.fields, &doc, &mut analysis::stemmed());
        Ok((related::query(&self.fields, &terms), id.to_string()))
    }

    /// The request's topic, kind, year and id filters as one query, if it has any.
    fn filters(&self, req: &Request) -> Result<Option<Box<dyn Query>>> {
        let f = &self.fields;
        let mut all: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let any_of = |terms: Vec<Term>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                terms
                    .into_iter()
                    .map(|t| {
                        let q: Box<dyn Query> =
                            Box::new(TermQuery::new(t, IndexRecordOption::Basic));
                        (Occur::Should, q)
                    })
                    .collect(),
            ))
        };
        if !req.topics.is_empty() {
            let mut terms = Vec::new();
            for topic in &req.topics {
                for path in self.resolve_topic(topic)? {
                    terms.push(Term::from_facet(
                        f.topic,
                        &Facet::from_path(path.split('/')),
                    ));
                }
            }
            all.push((Occur::Must, any_of(terms)));
        }
        if let Some(kind) = &req.kind {
            super::check_kind(kind)?;
            all.push((
                Occur::Must,
                any_of(vec![Term::from_field_text(f.kind, kind)]),
            ));
        }
        if let Some((lo, hi)) = req.years {
            let bound = |y: Option<i64>| match y {
                Some(y) => Bound::Included(Term::from_field_i64(f.year, y)),
                None => Bound::Unbounded,
            };
            all.push((Occur::Must, Box::new(RangeQuery::new(bound(lo), bound(hi)))));
        }
        if let Some(ids) = &req.ids {
            let terms = ids
                .iter()
                .map(|id| Term::from_field_text(f.id, id))
                .collect();
            all.push((Occur::Must, any_of(terms)));
        }
        Ok((!all.is_empty()).then(|| Box::new(BooleanQuery::new(all)) as Box<dyn Query>))
    }

    /// Runs `query` once: the top documents (ranked by coverage of the plan's wanted parts when
    /// `ranked`, by score alone otherwise), the number of matches and the facet counts.
    fn collect(
        &self,
        query: &dyn Query,
        plan: &Plan,
        limit: usize,
        ranked: bool,
    ) -> Result<Collected> {
        let mut multi = MultiCollector::new();
        let count = multi.add_collector(Count);
        let kinds = multi.add_collector(root_facets("kinds"));
        let decades = multi.add_collector(root_facets("decade"));
        // A facet collector may not hold a facet and its ancestor, so each depth gets its own.
        let depth = self
            .topics
            .iter()
            .map(|t| t.split('/').count())
            .max()
            .unwrap_or(0);
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
        let coverage = Coverage::new(&self.searcher, &self.fields, plan, ranked)?;
        let top_handle = multi.add_collector(
            TopDocs::with_limit(limit)
                .tweak_score(move |segment: &SegmentReader| coverage.for_segment(segment)),
        );
        let mut fruit = self
            .searcher
            .search(query, &multi)
            .context("The search failed")?;
        let top: Vec<ByWords> = top_handle
            .extract(&mut fruit)
            .into_iter()
            .map(|(rank, address): (Rank, DocAddress)| ByWords {
                address,
                full: rank.0 == 1,
                named: rank.2,
                about: rank.6,
                score: rank.4,
            })
            .collect();
        let total = count.extract(&mut fruit);
        let mut facets = Facets {
            kind: root_counts(kinds.extract(&mut fruit)),
            decade: root_counts(decades.extract(&mut fruit)),
            ..Facets::default()
        };
        for (handle, parents) in levels {
            let counts: FacetCounts = handle.extract(&mut fruit);
            for parent in parents {
                for (facet, n) in counts.get(parent.clone()) {
                    facets.topic.insert(facet_name(facet), n);
                }
            }
        }
        Ok((top, total, facets))
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
        plan: &Plan,
        needles: &Needles,
        near: Option<&NearPassage>,
        analyzer: &mut TextAnalyzer,
    ) -> Hit {
        let f = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let all = |field| {
            doc.get_all(field)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect::<Vec<String>>()
        };
        // A link hub's text stands in its own field, at a lower weight.
        let body = doc
            .get_first(f.body)
            .or_else(|| doc.get_first(f.hub))
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let starts: Vec<u64> = doc
            .get_all(f.page_start)
            .filter_map(|v| v.as_u64())
            .collect();
        let titles: Vec<&str> = doc
            .get_all(f.page_title)
            .filter_map(|v| v.as_str())
            .collect();
        let id = text(f.id);
        // A text that trips a bug in the passage picker costs the hit its passages only.
        let (mut passages, fault) = match crate::fault::catch(|| {
            crate::fault::inject_at("passage", &id);
            let mut found = passage::passages(body, &starts, needles, analyzer);
            if let Some(near) = near {
                let meant = starts.get(near.page.wrapping_sub(1)).and_then(|&at| {
                    let at = at as usize;
                    let range = at + near.start..at + near.end;
                    passage::within(body, range, &starts, &plan.highlight, analyzer)
                });
                // The passage nearest in meaning leads: it is what the entry was found by.
                if let Some(meant) = meant {
                    found.retain(|p| p.text != meant.text);
                    found.insert(0, meant);
                    found.truncate(passage::MAX_PASSAGES);
                }
            }
            found
        }) {
            Ok(found) => (found, None),
            Err(reason) => (Vec::new(), Some(reason)),
        };
        if !titles.is_empty() {
            // A web page's pages are its sections: a passage names its heading instead.
            for p in &mut passages {
                p.section = p
                    .page
                    .take()
                    .and_then(|n| titles.get(n - 1))
                    .map(|t| t.to_string())
                    .filter(|t| !t.is_empty());
            }
        }
        let summary = text(f.summary);
        let (snippet, highlights) = match passages.first() {
            Some(p) => (p.text.clone(), p.highlights.clone()),
            None if summary.chars().count() <= SUMMARY_CHARS => {
                match crate::fault::catch(|| passage::whole(&summary, &plan.highlight, analyzer)) {
                    Ok(p) => (p.text, p.highlights),
                    Err(_) => (summary.clone(), Vec::new()),
                }
            }
            None => (leading_chars(&summary, SUMMARY_CHARS), Vec::new()),
        };
        Hit {
            id,
            title: text(f.title),
            aliases: all(f.aliases),
            authors: all(f.author),
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
            page: passages.first().and_then(|p| p.page),
            section: passages.first().and_then(|p| p.section.clone()),
            snippet,
            highlights,
            passages,
            pdf: None,
            cited_by: 0,
            full_text: false,
            matched: Matched::Words,
            fault,
        }
    }
}

/// Tells, document by document, which wanted parts of a query each one covers, whether it is
/// about them or only mentions them, and what the query's intent makes of it.
struct Coverage {
    /// Per part: a matcher for any form, one for the typed form if it was corrected, one for
    /// the fields that say what an entry is about, and a weight.
    parts: Arc<Vec<Part<dyn Weight>>>,
    total: f32,
    /// Per plain word: a matcher of the entries whose title, names or authors hold it. Empty
    /// when the query has other parts, or is not ranked.
    named: Arc<Vec<Box<dyn Weight>>>,
    /// A matcher of the entries of the kinds the intent favours, if it favours any.
    favoured: Option<Arc<dyn Weight>>,
    /// Whether the intent asks for the classics: entries the library cites often rank higher.
    classics: bool,
    /// Whether the intent names the kinds wanted (`a book on ...`): an entry of another kind
    /// is then not the work asked for, whatever its title.
    only_kinds: bool,
}

impl Coverage {
    /// The coverage of `plan`'s wanted parts; of none when not `ranked` (every document then
    /// covers all, and only its score counts).
    fn new(searcher: &Searcher, fields: &Fields, plan: &Plan, ranked: bool) -> Result<Coverage> {
        let enable = EnableScoring::disabled_from_searcher(searcher);
        let mut parts = Vec::new();
        let slots = if ranked { &plan.slots[..] } else { &[] };
        for slot in slots {
            let any = slot.any.weight(enable)?;
            let typed = match &slot.typed {
                Some(q) => Some(q.weight(enable)?),
                None => None,
            };
            let about = match &slot.about {
                Some(q) => Some(q.weight(enable)?),
                None => None,
            };
            parts.push((any, typed, about, slot.weight));
        }
        let total = plan
            .slots
            .iter()
            .map(|s| s.weight)
            .sum::<f32>()
            .max(f32::EPSILON);
        let mut named = Vec::new();
        // A query that asks for learning material, the classics or a comparison names a
        // subject, not a work: `classic papers on consensus` is not a lookup of a title with
        // "consensus" in it.
        let lookup = matches!(plan.intent, None | Some(Intent::Explain));
        if ranked && lookup && plan.slots.iter().all(|s| s.named.is_some()) {
            for slot in &plan.slots {
                if let Some(q) = &slot.named {
                    named.push(q.weight(enable)?);
                }
            }
        }
        let kinds = plan
            .intent
            .as_ref()
            .map(|i| i.favoured_kinds())
            .unwrap_or_default();
        let favoured = if ranked && !kinds.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = kinds
                .iter()
                .map(|k| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(fields.kind, k),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, q)
                })
                .collect();
            Some(Arc::from(BooleanQuery::new(any).weight(enable)?))
        } else {
            None
        };
        Ok(Coverage {
            parts: Arc::new(parts),
            total,
            named: Arc::new(named),
            favoured,
            classics: ranked && matches!(plan.intent, Some(Intent::Classics)),
            only_kinds: matches!(&plan.intent, Some(Intent::Learning { kinds }) if !kinds.is_empty()),
        })
    }

    /// The ranking function of one segment. Documents come in increasing order, so each part's
    /// matcher only ever moves forward.
    fn for_segment(&self, segment: &SegmentReader) -> impl Fn(u32, f32) -> Rank {
        let scorer = |w: &dyn Weight| -> Box<dyn Scorer> {
            w.scorer(segment, 1.0)
                .unwrap_or_else(|_| Box::new(EmptyScorer))
        };
        let matchers: Vec<Part<dyn Scorer>> = self
            .parts
            .iter()
            .map(|(any, typed, about, w)| {
                (
                    scorer(&**any),
                    typed.as_deref().map(scorer),
                    about.as_deref().map(scorer),
                    *w,
                )
            })
            .collect();
        let matchers = std::cell::RefCell::new(matchers);
        let names: Vec<Box<dyn Scorer>> = self.named.iter().map(|w| scorer(&**w)).collect();
        let names = std::cell::RefCell::new(names);
        let favoured = std::cell::RefCell::new(self.favoured.as_deref().map(scorer));
        let only_kinds = self.only_kinds;
        let total = self.total;
        let fast = segment.fast_fields();
        let prints = fast
            .u64("fingerprint")
            .ok()
            .map(|c| c.first_or_default_col(0));
        let cited = self
            .classics
            .then(|| fast.u64("cited").ok().map(|c| c.first_or_default_col(0)))
            .flatten();
        move |doc, score| {
            let print = prints.as_ref().map_or(0, |p| p.get_val(doc));
            let mut n = names.borrow_mut();
            let mut named = !n.is_empty();
            for matcher in n.iter_mut() {
                // Every matcher moves forward to `doc`, named or not, as documents come in order.
                named &= holds(matcher.as_mut(), doc);
            }
            let mut factor = 1.0;
            // Whether the entry is of a kind the query asks for by name (`a book on ...`):
            // such entries come before any other that holds as much of the query.
            let mut asked = false;
            if let Some(f) = favoured.borrow_mut().as_mut() {
                if holds(f.as_mut(), doc) {
                    factor *= INTENT_KIND;
                    asked = only_kinds;
                } else if only_kinds {
                    // `lectures on raft` names Raft's paper but asks for lectures: the paper
                    // is not the work asked for.
                    named = false;
                }
            }
            if let Some(cited) = &cited {
                factor *= 1.0 + CITED * (cited.get_val(doc) as f32).ln_1p();
            }
            let mut m = matchers.borrow_mut();
            if m.is_empty() {
                return (1, asked, named, 0, score * factor, print, false);
            }
            let mut covered = 0.0;
            let mut about = 0.0;
            let mut typed = 0;
            for (any, exact, on_topic, weight) in m.iter_mut() {
                if holds(any.as_mut(), doc) {
                    covered += *weight;
                }
                if let Some(exact) = exact {
                    if holds(exact.as_mut(), doc) {
                        typed += 1;
                    }
                }
                if let Some(on_topic) = on_topic {
                    if holds(on_topic.as_mut(), doc) {
                        about += *weight;
                    }
                }
            }
            let coverage = (covered / total).min(1.0);
            let about = (about / total).min(1.0);
            let full = u32::from(coverage > 0.999);
            let score = score * coverage.powf(COVERAGE_POWER) * (1.0 + ABOUT * about) * factor;
            (full, asked, named, typed, score, print, about > 0.999)
        }
    }
}

/// The words' hits as they are, each found by words.
fn words_only(by_words: &[ByWords]) -> Vec<Picked> {
    by_words
        .iter()
        .map(|h| (h.score, h.address, Matched::Words))
        .collect()
}

/// The words' hits merged with the entries nearest in meaning, and the total, counting the
/// entries only meaning found. The first [`fusion::DEPTH`] of the words' hits are fused; any
/// further ones follow in the words' order, so a longer list keeps the shorter one's order.
fn merge(
    by_words: &[ByWords],
    by_meaning: &[(DocAddress, f32)],
    signals: Signals,
    favoured: &HashSet<DocAddress>,
    total: usize,
) -> (Vec<Picked>, MeaningUse, usize) {
    let addresses: Vec<DocAddress> = by_meaning.iter().map(|(a, _)| *a).collect();
    let head = &by_words[..by_words.len().min(fusion::DEPTH)];
    let mut fused = fusion::fuse(head, &addresses, signals, &|a| favoured.contains(&a));
    for hit in &by_words[head.len()..] {
        if !fused.iter().any(|(a, _)| *a == hit.address) {
            fused.push((hit.address, Matched::Words));
        }
    }
    let score_of = |a: DocAddress| {
        by_words
            .iter()
            .find(|h| h.address == a)
            .map(|h| h.score)
            .or_else(|| by_meaning.iter().find(|(b, _)| *b == a).map(|(_, s)| *s))
            .unwrap_or(0.0)
    };
    let added = fused.iter().filter(|(_, m)| *m == Matched::Meaning).count();
    let picked = fused
        .into_iter()
        .map(|(a, m)| (score_of(a), a, m))
        .collect();
    (picked, MeaningUse::Used, total + added)
}

/// Whether a matcher holds `doc`, moving it forward to it.
fn holds(scorer: &mut dyn Scorer, doc: u32) -> bool {
    if scorer.doc() < doc {
        scorer.seek(doc);
    }
    scorer.doc() == doc
}

fn root_facets(field: &str) -> FacetCollector {
    let mut c = FacetCollector::for_field(field);
    c.add_facet(Facet::root());
    c
}

fn root_counts(counts: FacetCounts) -> BTreeMap<String, u64> {
    counts
        .get(Facet::root())
        .map(|(facet, n)| (facet_name(facet), n))
        .collect()
}

/// A stored facet value, which tantivy keeps in its encoded form, as users write it.
fn stored_facet_name(encoded: &str) -> String {
    Facet::from_encoded(encoded.as_bytes().to_vec())
        .map(|f| facet_name(&f))
        .unwrap_or_default()
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

/// A query as an error message quotes it: a pasted page of text is cut short.
fn shorten(query: &str) -> String {
    leading_chars(query, 60)
}

fn leading_chars(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_chars_cuts_on_characters() {
        assert_eq!(leading_chars("héllo", 2), "hé…");
        assert_eq!(leading_chars("hi", 5), "hi");
    }
}
