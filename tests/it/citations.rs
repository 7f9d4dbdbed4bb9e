//! Citations through the real binary: small PDFs whose reference lists name each other (and
//! near-miss titles that must not match), then `update` finds the links, `show` and `search`
//! report them, `path` and `reading-order` order by them and `graph` exports them.

use std::collections::BTreeSet;
use std::fs;

use crate::common::{hit_ids, make_pdf, TestEnv};

const CATALOG: &str = r#"
[[entry]]
id = "parliament"
title = "The Part-Time Parliament"
authors = ["Leslie Lamport"]
year = 1998
kind = "paper"
topics = ["papers/consensus"]

[[entry]]
id = "simple"
title = "Paxos Made Simple"
authors = ["Leslie Lamport"]
year = 2001
kind = "paper"
topics = ["papers/consensus"]

[[entry]]
id = "chubby"
title = "The Chubby Lock Service for Loosely-Coupled Distributed Systems"
authors = ["Mike Burrows"]
year = 2006
kind = "paper"
topics = ["papers/storage"]

[[entry]]
id = "live"
title = "Paxos Made Live - An Engineering Perspective"
authors = ["Tushar Chandra", "Robert Griesemer", "Joshua Redstone"]
year = 2007
kind = "paper"
topics = ["papers/consensus"]

[[entry]]
id = "complex"
title = "Paxos Made Moderately Complex"
authors = ["Robbert van Renesse"]
year = 2011
kind = "paper"
topics = ["papers/consensus"]

[[entry]]
id = "raft"
title = "In Search of an Understandable Consensus Algorithm"
authors = ["Diego Ongaro", "John Ousterhout"]
year = 2014
kind = "paper"
topics = ["papers/consensus"]
"#;

/// A two-page paper: a body page, then a page of references.
fn paper(body: &str, references: &[&str]) -> Vec<u8> {
    let refs = format!("References\n{}", references.join("\n"));
    make_pdf(&[body, &refs])
}

/// A library of six entries whose papers cite each other, with Chubby and Paxos Made Live
/// citing each other (a cycle), updated once.
fn library() -> TestEnv {
    let env = TestEnv::new();
    env.write_catalog("test.toml", CATALOG);
    let pdfs = [
        (
            "parliament",
            paper(
                "The island of Paxos and its part-time parliament.",
                &["[1] J. Gray. Notes on database operating systems. 1978."],
            ),
        ),
        (
            "simple",
            paper(
                "The Paxos algorithm, when presented in plain English, is very simple.",
                &["[1] L. Lamport. The part-time parliament. ACM TOCS 16(2), 1998."],
            ),
        ),
        (
            "chubby",
            paper(
                "We describe our experiences with the Chubby lock service.",
                &[
                    "[1] T. Chandra, R. Griesemer, and J. Redstone. Paxos made live:",
                    "an engineering perspective. PODC, 2007.",
                ],
            ),
        ),
        (
            "live",
            paper(
                "We describe our experience building a fault-tolerant database using Paxos.",
                &[
                    "[1] M. Burrows. The Chubby lock service for loosely-coupled distributed",
                    "systems. In OSDI, 2006.",
                    "[2] L. Lamport. Paxos made simple. ACM SIGACT News 32(4), 2001.",
                    "[3] L. Lamport. The part-time parliament. 1998.",
                ],
            ),
        ),
        (
            "complex",
            paper(
                "This paper describes the full Paxos protocol for state machine replication.",
                &[
                    "[1] T. D. Chandra, R. Griesemer, J. Redstone. Paxos Made Live - An",
                    "Engineering Perspective. In Proc. of PODC, 2007.",
                    "[2] D. Mazieres. Paxos made practical. Technical report, 2007.",
                    "[3] L. Lamport. Fast Paxos made simple. Unpublished, 2001.",
                ],
            ),
        ),
        (
            "raft",
            paper(
                "Raft is a consensus algorithm for managing a replicated log.",
                &[
                    "[1] L AMPORT, L. Paxos made sim-",
                    "ple. ACM SIGACT News 32, 4 (Dec. 2001), 18-25.",
                    "[2] VAN RENESSE, R. Paxos made moderately complex. Tech. rep., 2011.",
                    "[3] L. Lamport. Paxos made simpler still. 2001.",
                ],
            ),
        ),
    ];
    let pdf_dir = env.data_dir().join("pdf");
    fs::create_dir_all(&pdf_dir).unwrap();
    for (id, bytes) in pdfs {
        fs::write(pdf_dir.join(format!("{id}.pdf")), bytes).unwrap();
    }
    let run = env.ok(&["update", "--offline"]);
    assert!(
        run.stderr()
            .contains("Cite: 6 read, 0 unchanged, 0 without a list of references; 8 citations between entries."),
        "{}",
        run.stderr()
    );
    env
}

fn json(env: &TestEnv, args: &[&str]) -> serde_json::Value {
    let run = env.ok(args);
    serde_json::from_str(&run.stdout()).expect("one JSON object")
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn show_lists_what_an_entry_cites_and_what_cites_it_and_near_misses_stay_apart() {
    let env = library();
    let raft = json(&env, &["show", "raft", "--json"]);
    // Paxos Made Simple (split by a hyphen across lines, in small capitals) and Moderately
    // Complex; not "Paxos made simpler still".
    assert_eq!(ids(&raft["cites"]), vec!["simple", "complex"]);
    assert_eq!(ids(&raft["cited_by"]), Vec::<String>::new());
    // Paxos Made Live, but not Paxos Made Simple in "Fast Paxos made simple", nor the entry
    // itself.
    let complex = json(&env, &["show", "complex", "--json"]);
    assert_eq!(ids(&complex["cites"]), vec!["live"]);
    assert_eq!(ids(&complex["cited_by"]), vec!["raft"]);
    let simple = json(&env, &["show", "simple", "--json"]);
    assert_eq!(ids(&simple["cites"]), vec!["parliament"]);
    assert_eq!(ids(&simple["cited_by"]), vec!["live", "raft"]);
    assert_eq!(simple["cited_by"][0]["year"], 2007);
    let reference = simple["cites"][0]["reference"].as_str().unwrap();
    assert!(
        reference.contains("The part-time parliament"),
        "{reference}"
    );

    let text = env.ok(&["show", "simple"]).stdout();
    assert!(
        text.contains("cites     The Part-Time Parliament (1998) · parliament"),
        "{text}"
    );
    assert!(
        text.contains("cited by  Paxos Made Live - An Engineering Perspective (2007) · live"),
        "{text}"
    );
    assert!(
        text.contains("          In Search of an Understandable Consensus Algorithm (2014) · raft"),
        "{text}"
    );
    let text = env.ok(&["show", "raft"]).stdout();
    assert!(text.contains("cited by  no entry of the library"), "{text}");
    // An entry whose text was never read cites nothing anyone knows of.
    env.write_catalog(
        "more.toml",
        "[[entry]]\nid = \"unread\"\ntitle = \"A Paper Without Its PDF\"\n",
    );
    let text = env.ok(&["show", "unread"]).stdout();
    assert!(
        text.contains("cites     unknown: no text to read"),
        "{text}"
    );
    assert_eq!(
        json(&env, &["show", "unread", "--json"])["cites"],
        serde_json::Value::Null
    );
}

#[test]
fn search_filters_by_citations_and_counts_them() {
    let env = library();
    let set = |v: &serde_json::Value| hit_ids(v).into_iter().collect::<BTreeSet<_>>();
    let cited = env.search_json(&["--cites", "raft"]);
    assert_eq!(set(&cited), ["complex", "simple"].map(String::from).into());
    let citing = env.search_json(&["--cited-by", "simple"]);
    assert_eq!(set(&citing), ["live", "raft"].map(String::from).into());
    // Combined with each other, with a query and with the other filters.
    // What Raft cites that itself cites the Part-Time Parliament.
    let both = env.search_json(&["--cites", "raft", "--cited-by", "parliament"]);
    assert_eq!(hit_ids(&both), vec!["simple"]);
    let query = env.search_json(&["moderately", "--cites", "raft"]);
    assert_eq!(hit_ids(&query), vec!["complex"]);
    let years = env.search_json(&["--cites", "live", "--year", "2006.."]);
    assert_eq!(hit_ids(&years), vec!["chubby"]);
    let none = env.search_json(&["--cites", "parliament"]);
    assert_eq!(none["total"], 0);

    let hit = env.search_json(&["title:simple"]);
    assert_eq!(hit["hits"][0]["id"], "simple");
    assert_eq!(hit["hits"][0]["cited_by"], 2);
    let text = env.ok(&["search", "title:simple"]).stdout();
    assert!(text.contains("cited by 2"), "{text}");

    let err = env.run(&["search", "--cites", "nosuch"]).fails_with(2);
    assert!(err.contains("No entry \"nosuch\""), "{err}");
}

#[test]
fn path_lists_foundations_first_and_says_where_a_cycle_was_broken() {
    let env = library();
    // By default the path stays on Raft's topics: Chubby, a lock service that Paxos Made Live
    // cites, is one step off them.
    let v = json(&env, &["path", "raft", "--json"]);
    assert_eq!(
        ids(&v["before"]),
        vec!["parliament", "simple", "live", "complex"]
    );
    assert_eq!(v["wide"], false);
    let text = env.ok(&["path", "raft"]).stdout();
    assert!(
        text.starts_with("Before In Search of an Understandable Consensus Algorithm (2014), read these 4 entries, in this order (on its subject; `--wide` adds 1 more):"),
        "{text}"
    );
    let v = json(&env, &["path", "raft", "--wide", "--json"]);
    assert_eq!(
        ids(&v["before"]),
        vec!["parliament", "simple", "chubby", "live", "complex"]
    );
    assert_eq!(v["cycles"], serde_json::json!([["chubby", "live"]]));
    let simple_step = &v["before"][1];
    assert_eq!(simple_step["cites"], serde_json::json!(["parliament"]));

    let text = env.ok(&["path", "raft", "--wide"]).stdout();
    assert!(
        text.starts_with("Before In Search of an Understandable Consensus Algorithm (2014), read these 5 entries, in this order:\n  1. The Part-Time Parliament (1998)\n     parliament · full text\n  2. Paxos Made Simple (2001)\n     simple · cites 1 · full text\n"),
        "{text}"
    );
    assert!(
        text.contains("Note: 3 and 4 cite each other (directly or through other entries), so they are in order of year."),
        "{text}"
    );
    let direct = json(&env, &["path", "raft", "--depth", "1", "--json"]);
    assert_eq!(ids(&direct["before"]), vec!["simple", "complex"]);
    env.run(&["path", "raft", "--depth", "0"]).fails_with(2);
    let text = env.ok(&["path", "parliament"]).stdout();
    assert!(
        text.contains("cites no other entry of the library"),
        "{text}"
    );
    let err = env.run(&["path", "nosuch"]).fails_with(2);
    assert!(err.contains("No entry \"nosuch\""), "{err}");
    // An entry whose text was never read is not said to cite nothing.
    env.write_catalog(
        "more.toml",
        "[[entry]]\nid = \"unread\"\ntitle = \"A Paper Without Its PDF\"\n",
    );
    let text = env.ok(&["path", "unread"]).stdout();
    assert!(text.contains("is not in the library"), "{text}");
    assert!(!text.contains("cites no other entry"), "{text}");
}

#[test]
fn reading_order_puts_cited_works_before_the_works_that_build_on_them() {
    let env = library();
    let v = json(&env, &["reading-order", "--topic", "consensus", "--json"]);
    let order = ids(&v["order"]);
    assert_eq!(
        order,
        vec!["parliament", "simple", "live", "complex", "raft"]
    );
    // Checked against the citations themselves: nothing before what it cites.
    for (i, id) in order.iter().enumerate() {
        let shown = json(&env, &["show", id, "--json"]);
        for cited in ids(&shown["cites"]) {
            if let Some(j) = order.iter().position(|o| *o == cited) {
                assert!(j < i, "{id} comes before {cited}, which it cites");
            }
        }
    }
    let all = json(&env, &["reading-order", "--json"]);
    assert_eq!(ids(&all["order"]).len(), 6);
    assert_eq!(all["cycles"], serde_json::json!([["chubby", "live"]]));
    let text = env.ok(&["reading-order", "-t", "storage"]).stdout();
    assert!(
        text.starts_with("Reading order for storage: 1 entry,"),
        "{text}"
    );
    let err = env
        .run(&["reading-order", "--topic", "nosuch"])
        .fails_with(2);
    assert!(err.contains("Unknown topic \"nosuch\""), "{err}");
}

#[test]
fn graph_exports_dot_that_graphviz_reads_and_json() {
    let env = library();
    let dot = env.ok(&["graph"]).stdout();
    check_dot(&dot);
    assert!(dot.contains("\"raft\" -> \"simple\";"), "{dot}");
    assert!(dot.contains("\"chubby\" -> \"live\";"), "{dot}");
    // Graphviz itself, where it is installed.
    if let Ok(mut child) = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(dot.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    }
    let v = json(&env, &["graph", "--topic", "consensus", "--format", "json"]);
    assert_eq!(v["edges"].as_array().unwrap().len(), 6);
    assert!(v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["citing"] != "chubby" && e["cited"] != "chubby"));
    assert_eq!(
        ids(&v["nodes"]),
        vec!["parliament", "simple", "live", "complex", "raft"]
    );
}

#[test]
fn citations_are_cached_and_found_again_when_the_catalog_changes() {
    let env = library();
    let again = env.ok(&["update", "--offline"]);
    assert!(
        again.stderr().contains("Cite: 0 read, 6 unchanged,"),
        "{}",
        again.stderr()
    );
    // A new entry may be cited by papers already read: they are read again.
    env.write_catalog(
        "more.toml",
        r#"
[[entry]]
id = "practical"
title = "Paxos Made Practical"
authors = ["David Mazieres"]
year = 2007
"#,
    );
    let after = env.ok(&["index"]);
    assert!(
        after.stderr().contains("Cite: 6 read, 0 unchanged,"),
        "{}",
        after.stderr()
    );
    let complex = json(&env, &["show", "complex", "--json"]);
    assert_eq!(ids(&complex["cites"]), vec!["live", "practical"]);
}

#[test]
fn commands_that_need_citations_say_how_to_get_them() {
    let env = TestEnv::new();
    env.ok(&["index"]);
    fs::remove_file(env.data_dir().join("cite/links.json")).ok();
    let err = env.run(&["path", "raft"]).fails_with(1);
    assert!(err.contains("run `paperdex update`"), "{err}");
    let v = json(&env, &["show", "raft", "--json"]);
    assert_eq!(v["cites"], serde_json::Value::Null);
    assert_eq!(v["cited_by"], serde_json::json!([]));
    // A damaged file: readers say how to repair it, the next index repairs it.
    fs::write(env.data_dir().join("cite/links.json"), "{ not json").unwrap();
    let err = env.run(&["show", "raft"]).fails_with(1);
    assert!(
        err.contains("Run `paperdex index` to find the citations again"),
        "{err}"
    );
    let run = env.ok(&["index"]);
    assert!(
        run.stderr().contains("warning: Could not parse"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("all citations were found again"),
        "{}",
        run.stderr()
    );
    env.ok(&["show", "raft"]);
}

/// Checks that `text` is a DOT digraph of the statements `graph` writes: attribute lists,
/// nodes with attributes and edges, every string properly quoted, braces balanced.
fn check_dot(text: &str) {
    let body = text
        .strip_prefix("digraph citations {\n")
        .and_then(|b| b.strip_suffix("}\n"))
        .unwrap_or_else(|| panic!("not a digraph: {text}"));
    for line in body.lines() {
        let stmt = line
            .trim()
            .strip_suffix(';')
            .unwrap_or_else(|| panic!("statement without ';': {line}"));
        let mut tokens = Vec::new();
        let mut chars = stmt.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                ' ' => {}
                '"' => {
                    let mut s = String::new();
                    loop {
                        match chars.next() {
                            Some('\\') => s.push(chars.next().expect("an escaped character")),
                            Some('"') => break,
                            Some(c) => s.push(c),
                            None => panic!("unterminated string in {line}"),
                        }
                    }
                    tokens.push(format!("\"{s}\""));
                }
                '-' => {
                    assert_eq!(chars.next(), Some('>'), "{line}");
                    tokens.push("->".into());
                }
                '[' | ']' | '=' | ',' => tokens.push(c.to_string()),
                c if c.is_alphanumeric() => {
                    let mut w = c.to_string();
                    while let Some(&n) = chars.peek() {
                        if n.is_alphanumeric() || n == '_' || n == '.' {
                            w.push(n);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    tokens.push(w);
                }
                c => panic!("unexpected {c:?} in {line}"),
            }
        }
        let is_id = |t: &String| t.starts_with('"') || t.chars().all(char::is_alphanumeric);
        match tokens.as_slice() {
            [a, arrow, b] if arrow == "->" => assert!(is_id(a) && is_id(b), "{line}"),
            [head, open, rest @ .., close] if open == "[" && close == "]" => {
                assert!(is_id(head), "{line}");
                for attr in rest.split(|t| t == ",") {
                    assert!(
                        matches!(attr, [k, eq, v] if eq == "=" && is_id(k) && is_id(v)),
                        "bad attribute in {line}"
                    );
                }
            }
            _ => panic!("unexpected statement: {line}"),
        }
    }
}
