//! The HTML pages of `serve`, rendered on the server with maud's compiled templates, which
//! escape every value they insert: titles, authors, summaries and passages come from the
//! catalog and from PDFs, and are never trusted as markup. Links out of the library are kept
//! only when they are http or https. The pages work without scripts; `app.js` only adds
//! search as you type.

use std::collections::BTreeMap;
use std::ops::Range;

use maud::{html, Markup, DOCTYPE};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::biblio::Format;
use crate::catalog::Entry;
use crate::cite::Node;
use crate::search::{Hit, Matched, Passage, Results};

use super::params::{Search, DEFAULT_LIMIT};
use super::svg;
use crate::library::Library;

/// Facet values shown before the rest fold away under "more".
const FACETS_SHOWN: usize = 12;

/// The frame of every page: the search box (holding the current search and its filters), the
/// navigation and the page's own content.
fn layout(title: &str, search: &Search, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · paperdex" }
                link rel="stylesheet" href="/static/style.css";
                script src="/static/app.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "paperdex" }
                    form.search action="/search" method="get" role="search" {
                        input type="search" name="q" value=(search.q) autocomplete="off"
                            placeholder="vector clocks, \"atomic broadcast\", author:lamport"
                            aria-label="Search the library";
                        @for t in &search.topics {
                            input type="hidden" name="topic" value=(t);
                        }
                        @if let Some(k) = &search.kind {
                            input type="hidden" name="kind" value=(k);
                        }
                        @if let Some(y) = &search.year {
                            input type="hidden" name="year" value=(y);
                        }
                        button type="submit" { "Search" }
                    }
                    nav { a href="/topics" { "Topics" } }
                }
                main #main { (content) }
            }
        }
    }
}

/// The front page: the search box, what the library holds, and its topic tree.
pub fn home(lib: &Library) -> Markup {
    let with_text = lib.with_text();
    layout(
        "Search",
        &Search::default(),
        html! {
            section.intro {
                p {
                    (lib.catalog.entries.len()) " entries, " (with_text) " with full text. "
                    "Type words, a question, a name or "
                    code { "\"a phrase\"" } "; misspellings are corrected."
                }
            }
            h1 { "Topics" }
            (topic_tree(&lib.topics))
        },
    )
}

/// The topic tree on its own page.
pub fn topics(lib: &Library) -> Markup {
    layout(
        "Topics",
        &Search::default(),
        html! {
            h1 { "Topics" }
            (topic_tree(&lib.topics))
        },
    )
}

/// Nested lists of topics, each a link to its entries, with the number under it.
fn topic_tree(counts: &BTreeMap<String, usize>) -> Markup {
    fn level(counts: &BTreeMap<String, usize>, parent: Option<&str>) -> Markup {
        let children: Vec<(&String, &usize)> = counts
            .iter()
            .filter(|(t, _)| match parent {
                None => !t.contains('/'),
                Some(p) => t
                    .strip_prefix(p)
                    .and_then(|rest| rest.strip_prefix('/'))
                    .is_some_and(|rest| !rest.contains('/')),
            })
            .collect();
        html! {
            @if !children.is_empty() {
                ul.tree {
                    @for (topic, n) in children {
                        li {
                            a href=(Search::default().with_topic(topic).url("/search")) {
                                (topic.rsplit('/').next().unwrap_or(topic))
                            }
                            " " span.count { (n) }
                            (level(counts, Some(topic)))
                        }
                    }
                }
            }
        }
    }
    level(counts, None)
}

/// A search's results: corrections, active filters, facet counts, ranked hits.
pub fn results(search: &Search, results: &Results) -> Markup {
    let title = if search.q.is_empty() {
        "Browse".to_string()
    } else {
        search.q.clone()
    };
    layout(
        &title,
        search,
        html! {
            div.columns {
                aside.facets aria-label="Filters" {
                    (filters(search))
                    (facet("Topic", &results.facets.topic, false, |t| search.with_topic(t)))
                    (facet("Kind", &results.facets.kind, false, |k| search.with_kind(k)))
                    (facet("Year", &results.facets.decade, true, |d| search.with_decade(d)))
                }
                section #results {
                    @if let Some(q) = &results.showing_results_for {
                        p.correction { "Showing results for " strong { (q) } "." }
                    }
                    @if let Some(q) = &results.did_you_mean {
                        p.correction {
                            "Did you mean "
                            a href=(Search { q: q.clone(), ..search.clone() }.url("/search")) { (q) }
                            "?"
                        }
                    }
                    @if results.hits.is_empty() {
                        @if let Some(by) = &results.emptied_by {
                            p.none {
                                "No results for " strong { (search.q) } " with " (by.filters.join(", "))
                                "; "
                                a href=(Search { topics: Vec::new(), kind: None, year: None, ..search.clone() }.url("/search")) {
                                    "without " (if by.filters.len() == 1 { "it" } else { "them" })
                                }
                                " it has " (by.without) " result" (crate::output::plural(by.without)) "."
                            }
                        } @else {
                            p.none { "No results for " strong { (search.q) } "." }
                        }
                    } @else {
                        p.summary {
                            @if results.total > results.hits.len() {
                                (results.hits.len()) " of " (results.total) " results"
                            } @else {
                                (results.total) @if results.total == 1 { " result" } @else { " results" }
                            }
                            @if let Some(sort) = results.sorted { ", " (sort.describe()) }
                        }
                        (sort_links(search))
                        ol.hits {
                            @for hit in &results.hits {
                                (hit_item(hit))
                            }
                        }
                        @if results.total > results.hits.len() {
                            @let more = Search { limit: search.limit + DEFAULT_LIMIT, ..search.clone() };
                            p.more { a href=(more.url("/search")) { "More results" } }
                        }
                    }
                }
            }
        },
    )
}

/// The filters a search has, each with a link that removes it.
fn filters(search: &Search) -> Markup {
    let mut active: Vec<(&str, &str, String)> = Vec::new();
    for t in &search.topics {
        active.push(("topic", t, format!("topic: {t}")));
    }
    if let Some(k) = &search.kind {
        active.push(("kind", k, format!("kind: {k}")));
    }
    if let Some(y) = &search.year {
        active.push(("year", y, format!("year: {y}")));
    }
    html! {
        @if !active.is_empty() {
            div.active {
                @for (name, value, label) in &active {
                    a.chip href=(search.without(name, value).url("/search"))
                        title="Remove this filter" { (label) " ×" }
                }
            }
        }
    }
}

/// One facet's counts, largest first (or in order for years), each a link that filters.
fn facet(
    name: &str,
    counts: &BTreeMap<String, u64>,
    in_order: bool,
    link: impl Fn(&str) -> Search,
) -> Markup {
    let mut items: Vec<(&String, &u64)> = counts.iter().collect();
    if !in_order {
        items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    }
    let (shown, rest) = items.split_at(items.len().min(FACETS_SHOWN));
    let row = |(value, n): &(&String, &u64)| {
        html! {
            li { a href=(link(value).url("/search")) { (value) } " " span.count { (n) } }
        }
    };
    html! {
        @if !items.is_empty() {
            section.facet data-facet=(name.to_lowercase()) {
                h2 { (name) }
                ul { @for item in shown { (row(item)) } }
                @if !rest.is_empty() {
                    details {
                        summary { (rest.len()) " more" }
                        ul { @for item in rest { (row(item)) } }
                    }
                }
            }
        }
    }
}

/// One ranked hit: title, metadata, and its passages, each linked to where it was found.
fn hit_item(hit: &Hit) -> Markup {
    html! {
        li.hit {
            h3 {
                a.title href={ "/entry/" (hit.id) } { (hit.title) }
                @if let Some(y) = hit.year { " " span.year { "(" (y) ")" } }
            }
            p.meta {
                @if !hit.authors.is_empty() { span.authors { (hit.authors.join(", ")) } " · " }
                @if let Some(k) = &hit.kind { span.kind { (k) } " · " }
                @for t in &hit.topics {
                    a.topic href=(Search::default().with_topic(t).url("/search")) { (t) } " "
                }
                @if hit.cited_by > 0 { "· cited by " (hit.cited_by) " " }
                @if hit.full_text { "· " span.text { "full text" } " " } @else { "· summary only " }
                @if hit.matched == Matched::Meaning { "· found by meaning " }
                "· " span.id { (hit.id) }
            }
            @if hit.passages.is_empty() {
                @if !hit.snippet.is_empty() {
                    p.snippet { (marked(&hit.snippet, &hit.highlights)) }
                }
            } @else {
                @for p in &hit.passages {
                    p.passage { (location(hit, p)) " " (marked(&p.text, &p.highlights)) }
                }
            }
        }
    }
}

/// Where a passage was found, as a link: the PDF served here opened at its page, or the web
/// article scrolled to its section.
fn location(hit: &Hit, p: &Passage) -> Markup {
    match (&p.section, p.page) {
        (Some(section), _) => {
            let label = format!("§ {section}");
            match hit.url.as_deref().and_then(web_url) {
                Some(url) => {
                    let base = url.split('#').next().unwrap_or(url);
                    let fragment = utf8_percent_encode(section, NON_ALPHANUMERIC);
                    html! { a.loc href={ (base) "#:~:text=" (fragment) } rel="noreferrer" { (label) } }
                }
                None => html! { span.loc { (label) } },
            }
        }
        (None, Some(page)) if hit.pdf.is_some() => html! {
            a.loc href={ "/pdf/" (hit.id) "#page=" (page) } { "p. " (page) }
        },
        (None, Some(page)) => html! { span.loc { "p. " (page) } },
        (None, None) => html! {},
    }
}

/// Text with its matched ranges in `<mark>`; ranges that overlap, fall outside the text or
/// split a character are skipped rather than trusted.
fn marked(text: &str, ranges: &[Range<usize>]) -> Markup {
    let mut ranges: Vec<&Range<usize>> = ranges.iter().collect();
    ranges.sort_by_key(|r| r.start);
    let mut parts: Vec<(&str, bool)> = Vec::new();
    let mut at = 0;
    for r in ranges {
        let ok = r.start >= at
            && r.start < r.end
            && r.end <= text.len()
            && text.is_char_boundary(r.start)
            && text.is_char_boundary(r.end);
        if !ok {
            continue;
        }
        parts.push((&text[at..r.start], false));
        parts.push((&text[r.start..r.end], true));
        at = r.end;
    }
    parts.push((&text[at..], false));
    html! {
        @for (part, hit) in parts {
            @if hit { mark { (part) } } @else { (part) }
        }
    }
}

/// A URL fit for a link out of the library: http or https only, never `javascript:` or the
/// like.
fn web_url(url: &str) -> Option<&str> {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url.trim())
}

/// What one entry's page shows besides the catalog's own fields.
pub struct EntryView<'a> {
    pub entry: &'a Entry,
    pub related: Option<Results>,
    pub cites: Vec<&'a Node>,
    pub cited_by: Vec<&'a Node>,
}

/// An entry's page: metadata, summary, where its text came from, its files, what it cites and
/// what cites it (as lists and as a drawing), and the entries most like it.
pub fn entry(lib: &Library, view: &EntryView) -> Markup {
    let e = view.entry;
    let source = lib.source(&e.id);
    let read = lib.was_read(&e.id);
    let node = lib.graph.node(&e.id).cloned().unwrap_or(Node {
        id: e.id.clone(),
        title: e.title.clone(),
        year: e.year,
    });
    let body = html! {
        article.entry {
            h1 { (e.title) @if let Some(y) = e.year { " " span.year { "(" (y) ")" } } }
            dl.fields {
                dt { "id" } dd { code { (e.id) } }
                @if !e.aliases.is_empty() { dt { "known as" } dd { (e.aliases.join(", ")) } }
                @if !e.authors.is_empty() { dt { "authors" } dd { (e.authors.join(", ")) } }
                @if let Some(k) = &e.kind { dt { "kind" } dd { (k) } }
                @if !e.topics.is_empty() {
                    dt { "topics" }
                    dd {
                        @for t in &e.topics {
                            a.topic href=(Search::default().with_topic(t).url("/search")) { (t) } " "
                        }
                    }
                }
                @if let Some(a) = e.access { dt { "access" } dd { (a.to_string()) } }
                @if !e.sources.is_empty() { dt { "listed in" } dd { (e.sources.join(", ")) } }
                @for (i, url) in e.urls.iter().enumerate() {
                    dt { @if i == 0 { "url" } @else { "mirror" } }
                    dd {
                        @match web_url(url) {
                            Some(u) => a href=(u) rel="noreferrer" { (u) },
                            None => (url),
                        }
                    }
                }
                dt { "text" } dd.source { (source) }
                @if lib.has_pdf(&e.id) {
                    dt { "PDF" } dd { a href={ "/pdf/" (e.id) } { "open the PDF" } }
                }
                dt { "cite" }
                dd.cite {
                    @for (i, format) in Format::ALL.iter().enumerate() {
                        @if i > 0 { " · " }
                        a href={ "/entry/" (e.id) "/cite?format=" (format.name()) } { (format.label()) }
                    }
                }
            }
            @if !e.summary.is_empty() { p.summary { (e.summary) } }
            section.citations {
                h2 { "Citations in the library" }
                @if !lib.has_citations() {
                    p { "Citations have not been looked for yet: run " code { "paperdex update" } "." }
                } @else {
                    @if !view.cites.is_empty() || !view.cited_by.is_empty() {
                        (svg::neighbourhood(&node, &view.cites, &view.cited_by))
                    }
                    @if !read && view.cited_by.is_empty() {
                        // Nothing known either way: one line rather than two empty lists.
                        p.none {
                            "Its text is not in the library, so the entries it cites are not \
                             known; no entry of the library cites it."
                        }
                    } @else {
                        div.columns2 {
                            div {
                                h3 { "Cites" }
                                @if !read {
                                    p.none { "Unknown: no text to read." }
                                } @else {
                                    (node_list(&view.cites))
                                }
                            }
                            div {
                                h3 { "Cited by" }
                                (node_list(&view.cited_by))
                            }
                        }
                    }
                }
            }
            @if let Some(related) = &view.related {
                @if !related.hits.is_empty() {
                    section.related {
                        h2 { "Related" }
                        ul {
                            @for h in &related.hits {
                                li {
                                    a href={ "/entry/" (h.id) } { (h.title) }
                                    @if let Some(y) = h.year { " (" (y) ")" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(&e.title, &Search::default(), body)
}

/// Entries as a list of links, or a note that there are none.
fn node_list(nodes: &[&Node]) -> Markup {
    html! {
        @if nodes.is_empty() {
            p.none { "No entry of the library." }
        } @else {
            ul {
                @for n in nodes {
                    li {
                        a href={ "/entry/" (n.id) } { (n.title) }
                        @if let Some(y) = n.year { " (" (y) ")" }
                    }
                }
            }
        }
    }
}

/// A page that says what went wrong, keeping the search box.
pub fn problem(search: &Search, heading: &str, message: &str) -> Markup {
    layout(
        heading,
        search,
        html! {
            h1 { (heading) }
            p.problem { (message) }
        },
    )
}

/// Links to the same search in each order, the current one not a link.
fn sort_links(search: &Search) -> Markup {
    use crate::search::Sort;
    html! {
        p.sort {
            "Sort: "
            @for (i, sort) in [Sort::Relevance, Sort::Year, Sort::Newest, Sort::Cited].into_iter().enumerate() {
                @if i > 0 { " · " }
                @if sort == search.sort {
                    strong { (sort.name()) }
                } @else {
                    a href=(Search { sort, ..search.clone() }.url("/search")) { (sort.name()) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_ranges_and_escapes_everything_else() {
        let out = marked("a <clock> b", std::slice::from_ref(&(2..9))).into_string();
        assert_eq!(out, "a <mark>&lt;clock&gt;</mark> b");
        // Overlapping, reversed, out of bounds and mid-character ranges are skipped.
        let out = marked("é clock", &[1..2, 3..8, 3..5, 6..100]).into_string();
        assert_eq!(out, "é <mark>clock</mark>");
    }

    #[test]
    fn only_web_links_leave_the_library() {
        assert_eq!(web_url("https://a.org/x"), Some("https://a.org/x"));
        assert_eq!(web_url("HTTP://a.org"), Some("HTTP://a.org"));
        assert_eq!(web_url("javascript:alert(1)"), None);
        assert_eq!(web_url("data:text/html,x"), None);
    }
}
