//! `paperdex serve` through the real binary on a loopback port: the HTML pages and the JSON
//! API over a small library with a PDF, facet links that filter, the PDF route with byte
//! ranges, escaping of hostile catalog strings, paths that try to leave the data directory,
//! a reload after `index` without a restart, and a clean stop on Ctrl-C.

use std::fs;
use std::time::{Duration, Instant};

use crate::common::http::{self, get};
use crate::common::served::Served;
use crate::common::{hit_ids, make_pdf, TestEnv};

/// A catalog entry whose every string is markup that would run if printed unescaped.
const HOSTILE: &str = r#"
[[entry]]
id = "hostile"
title = "<script>alert(1)</script> Quorum & \"Friends\""
authors = ["<img src=x onerror=alert(2)>"]
year = 1999
kind = "paper"
topics = ["papers/storage"]
summary = "A quorum paper whose summary ends in </p><script>alert(3)</script>."
"#;

/// The test library with a two-page PDF for `time-clocks`, indexed, and the PDF's bytes.
fn library() -> (TestEnv, Vec<u8>) {
    let env = TestEnv::new();
    env.write_catalog("hostile.toml", HOSTILE);
    let pdf = make_pdf(&[
        "Introduction to distributed systems and their failures",
        "The happened before relation orders events with logical clocks",
    ]);
    let file = env.dir.path().join("time.pdf");
    fs::write(&file, &pdf).unwrap();
    env.ok(&["attach", "time-clocks", file.to_str().unwrap()]);
    // Raft's paper cites two entries of the library, for the citation links and drawing.
    let raft = make_pdf(&[
        "Raft is a consensus algorithm for managing a replicated log",
        "References\n[1] L. Lamport. Paxos made simple. ACM SIGACT News, 32(4):18-25, 2001.\n[2] L. Lamport. Time, clocks, and the ordering of events in a distributed system. Communications of the ACM, 21(7):558-565, 1978.",
    ]);
    let file = env.dir.path().join("raft.pdf");
    fs::write(&file, raft).unwrap();
    env.ok(&["attach", "raft", file.to_str().unwrap()]);
    env.ok(&["update", "--offline"]);
    (env, pdf)
}

/// An attribute value as the page writes it, turned back into the URL it stands for.
fn unescape(attr: &str) -> String {
    attr.replace("&amp;", "&").replace("&quot;", "\"")
}

/// Every `href` of a page.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(unescape)
        .collect()
}

#[test]
fn pages_api_facets_and_pdf_ranges() {
    let (env, pdf) = library();
    let server = Served::start(&env);
    let addr = server.addr.as_str();

    let home = get(addr, "/");
    assert_eq!(home.status, 200);
    assert!(home
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let policy = home.header("content-security-policy").unwrap();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let text = home.text();
    assert!(text.contains("/search?topic=papers/consensus"), "{text}");
    assert!(text.contains("/static/style.css"), "{text}");

    // A search: hits with their passage, page and highlights, linked to the PDF at the page.
    let page = get(addr, "/search?q=happened+before");
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(
        text.contains("Time, Clocks, and the Ordering of Events"),
        "{text}"
    );
    assert!(text.contains("<mark>happened</mark>"), "{text}");
    assert!(text.contains("href=\"/pdf/time-clocks#page=2\""), "{text}");
    assert!(text.contains("Leslie Lamport"), "{text}");

    // The API answers what `search --json` prints for the same search.
    let api = get(addr, "/api/search?q=consensus").json();
    let cli = env.search_json(&["consensus"]);
    assert_eq!(hit_ids(&api), hit_ids(&cli));
    assert_eq!(api["total"], cli["total"]);
    assert_eq!(api["facets"], cli["facets"]);
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v["hits"][0].as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&api), keys(&cli));
    assert!(hit_ids(&api).contains(&"raft".to_string()), "{api}");
    assert!(
        hit_ids(&api).contains(&"paxos-made-simple".to_string()),
        "{api}"
    );

    // The topic facet is a link that narrows the search, and the filter stays in the URL.
    let page = get(addr, "/search?q=consensus").text();
    let facet = links(&page)
        .into_iter()
        .find(|l| l.contains("topic=papers/replication"))
        .unwrap_or_else(|| panic!("no replication facet link in {page}"));
    assert!(facet.starts_with("/search?q=consensus&"), "{facet}");
    let narrowed = get(addr, &facet);
    assert_eq!(narrowed.status, 200);
    let text = narrowed.text();
    assert!(text.contains("In Search of an Understandable"), "{text}");
    assert!(!text.contains("Paxos Made Simple"), "{text}");
    assert!(text.contains("topic: papers/replication"), "{text}");
    let api = get(addr, &facet.replace("/search", "/api/search")).json();
    assert_eq!(hit_ids(&api), vec!["raft"]);

    // A typo is corrected, and the page says so.
    let text = get(addr, "/search?q=consensis").text();
    assert!(text.contains("Showing results for"), "{text}");
    assert!(text.contains("<strong>consensus</strong>"), "{text}");

    // Bad filters are a 400 with the CLI's message, as a page and as JSON.
    let bad = get(addr, "/search?q=paxos&year=soon");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("Invalid year range"), "{}", bad.text());
    let bad = get(addr, "/api/search?q=paxos&kind=poem");
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"]
        .as_str()
        .unwrap()
        .contains("Unknown kind"));

    // The PDF: a byte range as PDF viewers ask for one, and the whole file.
    let part = http::request(
        "GET",
        addr,
        "/pdf/time-clocks",
        &[("Range", "bytes=0-99")],
        None,
    );
    assert_eq!(part.status, 206);
    assert_eq!(
        part.header("content-range").unwrap(),
        format!("bytes 0-99/{}", pdf.len())
    );
    assert_eq!(part.header("content-type"), Some("application/pdf"));
    assert_eq!(part.body, pdf[..100]);
    let tail = http::request(
        "GET",
        addr,
        "/pdf/time-clocks",
        &[("Range", "bytes=-10")],
        None,
    );
    assert_eq!(tail.status, 206);
    assert_eq!(tail.body, pdf[pdf.len() - 10..]);
    let past = format!("bytes={}-", pdf.len());
    let none = http::request("GET", addr, "/pdf/time-clocks", &[("Range", &past)], None);
    assert_eq!(none.status, 416);
    // Viewers ask the size first.
    let head = http::request("HEAD", addr, "/pdf/time-clocks", &[], None);
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(pdf.len().to_string().as_str())
    );
    assert!(head.body.is_empty());
    let whole = get(addr, "/pdf/time-clocks");
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert_eq!(whole.body, pdf);
    // An entry without a PDF has none to serve.
    assert_eq!(get(addr, "/pdf/paxos-made-simple").status, 404);

    // An entry's page: metadata, summary, text source, links to the PDF and to its topics.
    let entry = get(addr, "/entry/time-clocks");
    assert_eq!(entry.status, 200);
    let text = entry.text();
    assert!(text.contains("happened-before relation"), "{text}");
    assert!(text.contains("href=\"/pdf/time-clocks\""), "{text}");
    assert!(
        text.contains("/search?topic=papers/time-and-ordering"),
        "{text}"
    );
    assert!(text.contains("PDF"), "{text}");
    // Cited by Raft, within the library: as a link, and in the drawing.
    let cited_by = text.split("Cited by").nth(1).unwrap_or_default();
    assert!(cited_by.contains("href=\"/entry/raft\""), "{text}");
    let text = get(addr, "/entry/raft").text();
    let svg = text
        .split("<svg")
        .nth(1)
        .and_then(|s| s.split("</svg>").next())
        .unwrap_or_else(|| panic!("no drawing in {text}"));
    assert!(svg.contains("href=\"/entry/paxos-made-simple\""), "{svg}");
    assert!(svg.contains("href=\"/entry/time-clocks\""), "{svg}");
    assert!(svg.contains("cites (2)"), "{svg}");
    assert_eq!(get(addr, "/entry/no-such-entry").status, 404);

    // Browsing without a query: the topic tree, and a topic's entries.
    let text = get(addr, "/topics").text();
    assert!(text.contains(">consensus<"), "{text}");
    let api = get(addr, "/api/search?topic=consensus").json();
    assert_eq!(api["total"], 2);
    // The API's default limit is the CLI's, and `limit` lowers it.
    let all = get(addr, "/api/search?q=paper+OR+consensus+OR+clocks&limit=1").json();
    assert_eq!(all["hits"].as_array().unwrap().len(), 1);
    assert!(all["total"].as_u64().unwrap() > 1, "{all}");
    let mut ids = hit_ids(&api);
    ids.sort();
    assert_eq!(ids, vec!["paxos-made-simple", "raft"]);
}

#[test]
fn hostile_strings_are_escaped_and_paths_stay_inside() {
    let (env, _) = library();
    fs::write(env.data_dir().join("secret.pdf"), "%PDF secret").unwrap();
    let server = Served::start(&env);
    let addr = server.addr.as_str();

    for target in [
        "/search?q=quorum",
        "/entry/hostile",
        "/search?q=%3Cscript%3Ealert(9)%3C/script%3E",
        "/topics",
    ] {
        let r = get(addr, target);
        let text = r.text();
        assert!(!text.contains("<script>"), "{target}: {text}");
        assert!(!text.contains("<img"), "{target}: {text}");
    }
    let text = get(addr, "/entry/hostile").text();
    assert!(
        text.contains("&lt;script&gt;alert(1)&lt;/script&gt; Quorum &amp; &quot;Friends&quot;")
            || text.contains("&lt;script&gt;alert(1)&lt;/script&gt; Quorum &amp; \"Friends\""),
        "{text}"
    );
    assert!(
        text.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{text}"
    );
    let text = get(addr, "/search?q=%3Cscript%3Ealert(9)%3C/script%3E").text();
    assert!(
        text.contains("&lt;script&gt;alert(9)&lt;/script&gt;"),
        "{text}"
    );
    // JSON carries the strings as they are: it is data, served as JSON that no browser sniffs
    // into a page.
    let api = get(addr, "/api/search?q=quorum");
    assert!(api
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(api.header("x-content-type-options"), Some("nosniff"));
    let v = api.json();
    let hostile = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "hostile")
        .expect("the hostile entry is found");
    assert_eq!(
        hostile["title"],
        "<script>alert(1)</script> Quorum & \"Friends\""
    );

    // Paths that try to leave the data directory, plain and encoded, are refused.
    for target in [
        "/pdf/../../etc/passwd",
        "/pdf/..%2F..%2F..%2Fetc%2Fpasswd",
        "/pdf/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/pdf/..%2Fsecret",
        "/pdf/%2E%2E%2Fsecret",
        "/pdf/..%252Fsecret",
        "/pdf/..",
        "/pdf/time-clocks%00",
        "/static/..%2F..%2FCargo.toml",
        "/../../etc/passwd",
        "//etc/passwd",
    ] {
        let r = get(addr, target);
        assert!(
            r.status == 404 || r.status == 400,
            "{target}: {} {}",
            r.status,
            r.text()
        );
        let text = r.text();
        assert!(!text.contains("root:"), "{target}: {text}");
        assert!(!text.contains("secret"), "{target}: {text}");
        assert!(!text.contains("[package]"), "{target}: {text}");
    }

    // A page on another site cannot reach the server through a name it controls.
    let r = http::request(
        "GET",
        addr,
        "/api/search?q=quorum",
        &[("Host", "evil.example:80")],
        None,
    );
    assert_eq!(r.status, 403);
    let r = http::request("GET", addr, "/", &[("Host", "localhost:7878")], None);
    assert_eq!(r.status, 200);
}

#[test]
fn an_index_update_is_served_without_restart_and_ctrl_c_stops() {
    let env = TestEnv::new();
    env.ok(&["index"]);
    let mut server = Served::start(&env);
    let addr = server.addr.clone();
    let api = get(&addr, "/api/search?q=zanzibarian").json();
    assert_eq!(api["total"], 0);

    env.write_catalog(
        "more.toml",
        "[[entry]]\nid = \"zanzibar\"\ntitle = \"Zanzibarian Consistency\"\nkind = \"paper\"\ntopics = [\"papers/storage\"]\n",
    );
    env.ok(&["index"]);
    let start = Instant::now();
    loop {
        let api = get(&addr, "/api/search?q=zanzibarian").json();
        if hit_ids(&api) == vec!["zanzibar"] {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the update was not picked up: {api}; stderr: {}",
            server.stderr.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let text = get(&addr, "/entry/zanzibar").text();
    assert!(text.contains("Zanzibarian Consistency"), "{text}");

    // Ctrl-C: the server stops on its own, with success.
    let pid = server.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "serve did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    assert!(std::net::TcpStream::connect(&addr).is_err());
}

#[test]
fn serve_without_an_index_says_what_to_run() {
    let env = TestEnv::new();
    let line = env.run(&["serve", "--addr", "127.0.0.1:0"]).fails_with(1);
    assert!(
        line.contains("paperdex update") || line.contains("paperdex index"),
        "{line}"
    );
}
