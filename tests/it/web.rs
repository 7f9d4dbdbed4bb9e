//! Web pages through the real binary, over a loopback server: an article is searched by its
//! main text and names the section of a hit, its navigation and footer are not text, a landing
//! page leads to its PDF, a Latin-1 page reads right, a course page counts as a link hub, and
//! `status` tells where each entry's text came from.

use crate::common::{hit_ids, make_pdf, Route, Server, TestEnv};

/// A paragraph of about `n` sentences on `topic`, enough words for an article.
fn paragraph(topic: &str, n: usize) -> String {
    let mut p = String::from("<p>");
    for i in 0..n {
        p.push_str(&format!(
            "Observation {i} shows how {topic} lets replicas converge even when messages are lost. "
        ));
    }
    p.push_str("</p>");
    p
}

fn article() -> String {
    format!(
        r#"<!doctype html><html><head><title>Notes on Gossip | A Blog</title></head><body>
<div id="cookie-consent">We use walrus cookies to improve your visit.</div>
<header><nav><a href="/">Home</a> <a href="/zebrafish">Zebrafish recipes</a></nav></header>
<aside class="sidebar"><h3>Elsewhere</h3><ul><li><a href="/q">Quokka diaries</a></li></ul></aside>
<article>
<h1>Notes on Gossip</h1>
{intro}
<h2>Anti-entropy</h2>
<p>Merkle trees let two replicas find the keys they disagree on without sending every key.
See <a href="https://example.org/dynamo#sec4">the Dynamo paper</a> and <a href="/papers/epidemic.pdf">the epidemic paper</a>.</p>
{ae}
<h2>Rumor mongering</h2>
<p>A lighthouse node keeps spreading a rumor until enough peers already know it; the
lighthouse stops once most of the peers it contacts had heard the rumor before.</p>
{rm}
</article>
<footer><p>Copyright Platypus Press. <a href="/privacy">Privacy</a></p></footer>
</body></html>"#,
        intro = paragraph("gossip", 6),
        ae = paragraph("anti-entropy", 6),
        rm = paragraph("rumor mongering", 6),
    )
}

fn course_hub() -> String {
    let mut items = String::new();
    let topics = [
        "clocks",
        "snapshots",
        "lighthouse protocols",
        "quorums",
        "leases",
    ];
    for i in 1..=30 {
        items.push_str(&format!(
            "<li><a href=\"lectures/{i}.html\">Lecture {i}: {}, part {i}</a></li>",
            topics[i % topics.len()]
                .replace("lighthouse", if i == 2 { "lighthouse" } else { "beacon" })
        ));
    }
    format!(
        "<html><head><title>CS 4242: Distributed Systems</title>\
         <meta name=\"description\" content=\"Lectures on consensus and replication.\"></head>\
         <body><nav><a href=\"/\">University walrus menu</a></nav>\
         <main><h1>Schedule</h1><ul>{items}</ul></main></body></html>"
    )
}

/// A page in Latin-1, with the accented words the test looks for.
fn latin1_page() -> Vec<u8> {
    let text = format!(
        "<html><head><title>Caf\u{e9}s</title></head><body><article><h1>Caf\u{e9} cr\u{e8}me</h1>\
         <p>The na\u{ef}ve caf\u{e9} protocol serves cr\u{e8}me br\u{fb}l\u{e9}e to every replica.</p>{}</article></body></html>",
        paragraph("the caf\u{e9} protocol", 12)
    );
    // Every character here is below U+0100, so each is one Latin-1 byte.
    text.chars().map(|c| c as u32 as u8).collect()
}

fn setup() -> (TestEnv, Server) {
    let landing = "<html><head><title>A paper</title>\
        <meta name=\"citation_pdf_url\" content=\"/pdf/42.pdf\"></head>\
        <body><p>Abstract: a short page about the paper.</p></body></html>";
    let server = Server::start(vec![
        ("/blog/gossip", Route::html(&article())),
        ("/abs/42", Route::html(landing)),
        (
            "/pdf/42.pdf",
            Route::File(make_pdf(&[
                "An introduction",
                "The byzantine quartermaster protocol",
            ])),
        ),
        (
            "/latin",
            Route::Page(latin1_page(), "text/html; charset=ISO-8859-1".into()),
        ),
        ("/course/", Route::html(&course_hub())),
    ]);
    let env = TestEnv::new();
    env.write_catalog(
        "test.toml",
        &format!(
            r#"
[[entry]]
id = "gossip-notes"
title = "Notes on Gossip"
kind = "blog"
urls = ["{base}/blog/gossip"]

[[entry]]
id = "landed-paper"
title = "A Paper Behind a Landing Page"
kind = "paper"
urls = ["{base}/abs/42"]

[[entry]]
id = "latin-article"
title = "An Article in Latin-1"
kind = "article"
urls = ["{base}/latin"]

[[entry]]
id = "course-hub"
title = "A Course on Distributed Systems"
kind = "course"
urls = ["{base}/course/"]

[[entry]]
id = "closed"
title = "A Paywalled Book"
kind = "book"
access = "paywall"
urls = ["{base}/nowhere"]

[[entry]]
id = "dynamo-paper"
title = "Dynamo: Amazon's Highly Available Key-value Store"
kind = "paper"
access = "paywall"
urls = ["https://example.org/dynamo"]
"#,
            base = server.base
        ),
    );
    let out = env.ok(&["update"]);
    assert!(
        out.stderr()
            .contains("Fetch: 4 fetched (3 web pages, 1 through a landing page)"),
        "{}",
        out.stderr()
    );
    (env, server)
}

#[test]
fn web_pages_are_searched_by_their_main_text_and_hits_name_their_section() {
    let (env, _server) = setup();
    let v = env.search_json(&["merkle"]);
    assert_eq!(hit_ids(&v), vec!["gossip-notes"]);
    let hit = &v["hits"][0];
    assert_eq!(hit["section"], "Anti-entropy");
    assert!(hit["page"].is_null(), "{hit}");
    assert_eq!(hit["passages"][0]["section"], "Anti-entropy");
    let human = env.ok(&["search", "merkle", "--color", "never"]).stdout();
    assert!(human.contains("§ Anti-entropy: "), "{human}");
    assert!(human.contains("Merkle trees let two replicas"), "{human}");

    // Words of the navigation, sidebar, banner and footer are not the article's text.
    for chrome in ["zebrafish", "quokka", "walrus", "platypus"] {
        let v = env.search_json(&[chrome]);
        assert!(hit_ids(&v).is_empty(), "{chrome} matched: {v}");
    }
    // The outgoing links of the text, made absolute, for the citation stage.
    let links: Vec<String> = serde_json::from_str(
        &std::fs::read_to_string(env.data_dir().join("text/gossip-notes.links.json")).unwrap(),
    )
    .unwrap();
    let epidemic = format!("{}/papers/epidemic.pdf", _server.base);
    assert_eq!(
        links,
        vec!["https://example.org/dynamo".to_string(), epidemic]
    );
    let show = env.ok(&["show", "gossip-notes"]).stdout();
    assert!(show.contains("source    web page"), "{show}");
    assert!(show.contains("sections)"), "{show}");
    assert!(env.data_dir().join("html/gossip-notes.html").exists());
}

#[test]
fn a_web_page_cites_the_entries_it_links_to() {
    let (env, _server) = setup();
    let run = env.ok(&["show", "dynamo-paper", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let cited_by: Vec<&str> = v["cited_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(cited_by, vec!["gossip-notes"], "{v}");
    let v = env.search_json(&["--cites", "gossip-notes"]);
    assert_eq!(hit_ids(&v), vec!["dynamo-paper"]);
}

#[test]
fn a_landing_page_is_followed_to_its_pdf_and_a_latin1_page_reads_right() {
    let (env, server) = setup();
    let v = env.search_json(&["quartermaster"]);
    assert_eq!(hit_ids(&v), vec!["landed-paper"]);
    assert_eq!(v["hits"][0]["page"], 2);
    assert!(env.data_dir().join("pdf/landed-paper.pdf").exists());
    let show = env.ok(&["show", "landed-paper", "--json"]).stdout();
    let shown: serde_json::Value = serde_json::from_str(&show).unwrap();
    assert_eq!(shown["source"], "PDF via landing page");
    assert_eq!(shown["landing"], server.url("/abs/42"));
    assert_eq!(shown["from"], server.url("/pdf/42.pdf"));

    let v = env.search_json(&["brûlée"]);
    assert_eq!(hit_ids(&v), vec!["latin-article"]);
    let text = std::fs::read_to_string(env.data_dir().join("text/latin-article.txt")).unwrap();
    assert!(
        text.contains("serves crème brûlée to every replica"),
        "{text}"
    );
}

#[test]
fn a_course_page_is_a_link_hub_found_below_an_article() {
    let (env, _server) = setup();
    // Both mention lighthouses; the article's body outweighs the hub's list of links.
    let v = env.search_json(&["lighthouse"]);
    assert_eq!(hit_ids(&v), vec!["gossip-notes", "course-hub"]);
    let hub = &v["hits"][1];
    assert!(
        hub["snippet"].as_str().unwrap().contains("Lecture"),
        "{hub}"
    );
    // Its description is text; its navigation is not.
    assert_eq!(
        hit_ids(&env.search_json(&["lectures on consensus"]))[0],
        "course-hub"
    );
    let show = env.ok(&["show", "course-hub"]).stdout();
    assert!(show.contains("link page (lower weight)"), "{show}");
}

#[test]
fn status_tells_where_each_entry_s_text_came_from() {
    let (env, _server) = setup();
    let text = env.ok(&["status"]).stdout();
    assert!(text.contains("Full text: 4 of 6 entries (66%)."), "{text}");
    assert!(text.contains("web page 2"), "{text}");
    assert!(text.contains("PDF via landing page 1"), "{text}");
    assert!(text.contains("link page (lower weight) 1"), "{text}");
    assert!(
        text.contains("not open access (2): closed, dynamo-paper"),
        "{text}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "--json"]).stdout()).unwrap();
    assert_eq!(v["overall"]["entries"], 6);
    assert_eq!(v["overall"]["with_text"], 4);
    assert_eq!(v["kinds"]["paper"]["by_source"]["PDF via landing page"], 1);
    assert_eq!(
        v["kinds"]["book"]["without"]["not open access"][0],
        "closed"
    );
    assert_eq!(
        v["kinds"]["course"]["by_source"]["link page (lower weight)"],
        1
    );
}
