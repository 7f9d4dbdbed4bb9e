//! The catalog -> index -> search path through the real binary: ranking, snippets, filters,
//! facets, JSON shape, incremental indexing and the error paths a user can hit.

use crate::common::{self, hit_ids, TestEnv};

fn indexed() -> TestEnv {
    let env = TestEnv::new();
    env.ok(&["index"]);
    env
}

#[test]
fn stemmed_words_find_ranked_hits_with_snippets() {
    let env = indexed();
    let v = env.search_json(&["vector", "clock"]);
    // The entry with both words comes first; one with only one of them follows.
    assert_eq!(hit_ids(&v), vec!["dynamo", "time-clocks"]);
    // A short summary is shown whole, final full stop included.
    assert_eq!(
        v["hits"][0]["snippet"],
        "An eventually consistent key-value store using consistent hashing, sloppy quorums and vector clocks for versioning."
    );

    let v = env.search_json(&["consensus"]);
    // The title match outranks a summary-only match.
    assert_eq!(hit_ids(&v), vec!["raft", "paxos-made-simple"]);
    assert_eq!(v["total"], 2);
}

#[test]
fn json_has_the_documented_shape_and_nothing_else_on_stdout() {
    let env = indexed();
    let run = env.ok(&["search", "--json", "lamport"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        vec![
            "corrections",
            "did_you_mean",
            "facets",
            "hits",
            "intent",
            "meaning",
            "query",
            "showing_results_for",
            "total"
        ]
    );
    assert_eq!(v["query"], "lamport");
    let hit = v["hits"][0].as_object().unwrap();
    for key in [
        "id",
        "title",
        "aliases",
        "authors",
        "year",
        "kind",
        "topics",
        "url",
        "score",
        "page",
        "snippet",
        "passages",
        "pdf",
        "cited_by",
        "full_text",
        "matched",
    ] {
        assert!(hit.contains_key(key), "hit lacks {key}: {hit:?}");
    }
    assert_eq!(v["facets"]["topic"]["papers"], 2);
    assert_eq!(v["facets"]["topic"]["papers/consensus"], 1);
    assert_eq!(v["facets"]["topic"]["papers/time-and-ordering"], 1);
    assert_eq!(v["facets"]["kind"]["paper"], 2);
    let time = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "time-clocks")
        .unwrap();
    assert_eq!(time["url"], "https://example.org/time-clocks.pdf");
    assert_eq!(time["year"], 1978);
}

#[test]
fn phrases_exclusions_fields_and_or() {
    let env = indexed();
    assert_eq!(
        hit_ids(&env.search_json(&["\"paxos made simple\""])),
        vec!["paxos-made-simple"]
    );
    assert!(hit_ids(&env.search_json(&["\"simple paxos\""])).is_empty());
    assert_eq!(
        hit_ids(&env.search_json(&["consensus -paxos"])),
        Vec::<String>::new()
    );
    assert_eq!(
        hit_ids(&env.search_json(&["consensus -leader"])),
        vec!["paxos-made-simple"]
    );
    assert_eq!(hit_ids(&env.search_json(&["author:ongaro"])), vec!["raft"]);
    assert_eq!(
        hit_ids(&env.search_json(&["authors:kleppmann"])),
        vec!["ddia"]
    );
    let mut either = hit_ids(&env.search_json(&["dynamo OR raft"]));
    either.sort();
    assert_eq!(either, vec!["dynamo", "raft"]);
    // Words are wanted, not required: each entry matching one of them is found.
    assert_eq!(
        sorted(hit_ids(&env.search_json(&["dynamo raft"]))),
        vec!["dynamo", "raft"]
    );
    // With + a word is required.
    assert_eq!(hit_ids(&env.search_json(&["+dynamo raft"])), vec!["dynamo"]);
    assert_eq!(
        hit_ids(&env.search_json(&["dynamo AND raft"])),
        Vec::<String>::new()
    );
}

#[test]
fn topic_filter_takes_a_last_segment_and_includes_children() {
    let env = indexed();
    let v = env.search_json(&["lamport", "--topic", "consensus"]);
    assert_eq!(hit_ids(&v), vec!["paxos-made-simple"]);
    assert_eq!(v["facets"]["topic"]["papers/consensus"], 1);
    assert!(v["facets"]["topic"]
        .get("papers/time-and-ordering")
        .is_none());
    let mut all = hit_ids(&env.search_json(&["--topic", "papers"]));
    all.sort();
    assert_eq!(
        all,
        vec!["dynamo", "paxos-made-simple", "raft", "time-clocks"]
    );
    let mut two = hit_ids(&env.search_json(&["-t", "storage", "-t", "books"]));
    two.sort();
    assert_eq!(two, vec!["ddia", "dynamo"]);
}

#[test]
fn kind_and_year_filters() {
    let env = indexed();
    assert_eq!(
        hit_ids(&env.search_json(&["storage", "--kind", "book"])),
        vec!["ddia"]
    );
    let mut v = hit_ids(&env.search_json(&["--year", "1978..2001"]));
    v.sort();
    assert_eq!(v, vec!["paxos-made-simple", "time-clocks"]);
    let recent = sorted(hit_ids(&env.search_json(&["--year", "2010.."])));
    assert_eq!(recent, vec!["ddia", "raft"]);
    assert_eq!(
        hit_ids(&env.search_json(&["--year", "2007"])),
        vec!["dynamo"]
    );
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn human_output_shows_rank_title_year_authors_topics_and_facets() {
    let env = indexed();
    let out = env.ok(&["search", "consensus"]).stdout();
    assert!(
        out.starts_with(" 1. In Search of an Understandable Consensus Algorithm (2014)\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "Diego Ongaro, John Ousterhout · paper · papers/consensus, papers/replication"
        ),
        "{out}"
    );
    assert!(
        out.contains("Topics: papers (2), papers/consensus (2), papers/replication (1)"),
        "{out}"
    );
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal: {out}"
    );
    let none = env.run(&["search", "zebra"]);
    assert_eq!(none.code(), Some(1), "no hits is exit 1, as for grep");
    assert_eq!(none.stdout(), "No results for \"zebra\".\n");
}

#[test]
fn limit_caps_hits_but_not_total() {
    let env = indexed();
    let v = env.search_json(&["--topic", "papers", "--limit", "2"]);
    assert_eq!(v["hits"].as_array().unwrap().len(), 2);
    assert_eq!(v["total"], 4);
}

#[test]
fn index_is_incremental() {
    let env = TestEnv::new();
    let first = env.ok(&["index"]).stderr();
    assert!(
        first.contains("6 added, 0 updated, 0 removed, 0 unchanged"),
        "{first}"
    );
    let again = env.ok(&["index"]).stderr();
    assert!(
        again.contains("0 added, 0 updated, 0 removed, 6 unchanged"),
        "{again}"
    );
    let changed = common::catalog()
        .replace("Paxos Made Simple\"", "Paxos Made Simple, Again\"")
        .replace(
            "[[entry]]\nid = \"bare\"\ntitle = \"A Bare Entry With Only A Title\"\n",
            "",
        );
    env.write_catalog("test.toml", &changed);
    let third = env.ok(&["index"]).stderr();
    assert!(
        third.contains("0 added, 1 updated, 1 removed, 4 unchanged"),
        "{third}"
    );
    assert_eq!(
        hit_ids(&env.search_json(&["again"])),
        vec!["paxos-made-simple"]
    );
    assert!(hit_ids(&env.search_json(&["bare"])).is_empty());
    let rebuilt = env.ok(&["index", "--rebuild"]).stderr();
    assert!(
        rebuilt.contains("5 added, 0 updated, 0 removed, 0 unchanged"),
        "{rebuilt}"
    );
}

#[test]
fn malformed_query_is_one_line_and_exit_2() {
    let env = indexed();
    let deep = format!("{}paxos{}", "(".repeat(10_000), ")".repeat(10_000));
    for q in ["year:abc", deep.as_str()] {
        let line = env.run(&["search", q]).fails_with(2);
        assert!(line.contains("Could not parse the query"), "{line}");
    }
}

#[test]
fn bad_filters_are_exit_2() {
    let env = indexed();
    let line = env.run(&["search", "x", "--topic", "nosuch"]).fails_with(2);
    assert!(line.contains("Unknown topic \"nosuch\""), "{line}");
    let line = env
        .run(&["search", "x", "--topic", "consens"])
        .fails_with(2);
    assert!(line.contains("Did you mean: papers/consensus?"), "{line}");
    let line = env
        .run(&["search", "x", "--year", "1990..1970"])
        .fails_with(2);
    assert!(line.contains("Invalid year range"), "{line}");
}

#[test]
fn missing_index_says_what_to_run() {
    let env = TestEnv::new();
    let line = env.run(&["search", "paxos"]).fails_with(1);
    assert!(line.contains("No index found in"), "{line}");
    assert!(line.contains("paperdex index"), "{line}");
}

#[test]
fn broken_catalog_is_reported_with_file_and_line() {
    let env = TestEnv::new();
    env.write_catalog(
        "broken.toml",
        "[[entry]]\nid = \"x\"\ntitle = \"unterminated\n",
    );
    let line = env.run(&["index"]).fails_with(1);
    assert!(line.contains("broken.toml:3: invalid TOML"), "{line}");
    assert!(
        !env.data_dir().join("tantivy").exists(),
        "nothing indexed from a broken catalog"
    );
}

#[test]
fn catalog_check_lists_every_problem() {
    let env = TestEnv::new();
    env.write_catalog(
        "zz-more.toml",
        "[[entry]]\nid = \"raft\"\ntitle = \"Dup\"\n\n[[entry]]\nid = \"Nope\"\ntitle = \"x\"\n\n[[entry]]\nid = \"k\"\ntitle = \"x\"\nkind = \"poem\"\nurls = [\"ftp://a\"]\n\n[[entry]]\nid = \"t\"\n",
    );
    let run = env.run(&["catalog", "check"]);
    assert_eq!(run.code(), Some(1));
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("zz-more.toml:1: duplicate id raft (first at ")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("zz-more.toml:6: bad id \"Nope\"")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("zz-more.toml:12: entry k has unknown kind \"poem\"")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("zz-more.toml:13: entry k has a URL that is not http(s)")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("zz-more.toml:15: entry t has no title")),
        "{out}"
    );
    let ok = TestEnv::new();
    assert_eq!(ok.run(&["catalog", "check"]).code(), Some(0));
}

#[test]
fn topics_and_show() {
    let env = TestEnv::new();
    let out = env.ok(&["topics"]).stdout();
    assert_eq!(
        out,
        "books (1)\npapers (4)\n  consensus (2)\n  replication (1)\n  storage (1)\n  time-and-ordering (1)\n"
    );
    let show = env.ok(&["show", "raft"]).stdout();
    assert!(
        show.starts_with("In Search of an Understandable Consensus Algorithm\n"),
        "{show}"
    );
    assert!(show.contains("Diego Ongaro, John Ousterhout"), "{show}");
    assert!(show.contains("leader election"), "{show}");
    let line = env.run(&["show", "nope"]).fails_with(2);
    assert!(line.contains("No entry \"nope\""), "{line}");
    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["show", "--json", "ddia"]).stdout()).unwrap();
    assert_eq!(v["access"], "paywall");
    // Nothing is here, and it might be a web page as well as a PDF: a document is missing.
    assert!(v["document"].as_str().unwrap().contains("not open access"));
}

#[test]
fn catalog_import_writes_a_catalog_that_indexes() {
    let env = TestEnv::new();
    let list = env.dir.path().join("list.md");
    std::fs::write(
        &list,
        "# Reading\n## Papers\n### Gossip\n- [Epidemic Algorithms for Replicated Database Maintenance](https://example.org/epidemic.pdf)\n## Videos\n- [Gossip explained](https://www.youtube.com/watch?v=x)\n",
    )
    .unwrap();
    let out = env.catalog_dir().join("reading.toml");
    env.ok(&[
        "catalog",
        "import",
        list.to_str().unwrap(),
        "--source",
        "reading",
        "--out",
        out.to_str().unwrap(),
    ]);
    env.ok(&["index"]);
    let v = env.search_json(&["epidemic", "--topic", "gossip"]);
    assert_eq!(
        hit_ids(&v),
        vec!["epidemic-algorithms-for-replicated-database-maintenance"]
    );
    assert_eq!(v["hits"][0]["kind"], "paper");
    let line = env
        .run(&[
            "catalog",
            "import",
            list.to_str().unwrap(),
            "--source",
            "Bad Name",
        ])
        .fails_with(2);
    assert!(line.contains("Invalid source name"), "{line}");
}

#[test]
fn words_standing_together_rank_above_words_far_apart() {
    let env = TestEnv::new();
    env.write_catalog(
        "test.toml",
        r#"
[[entry]]
id = "apart"
title = "Apart"
summary = "A vector of numbers, then many unrelated words about clocks."

[[entry]]
id = "together"
title = "Together"
summary = "This long summary says a great deal about many other subjects and only in passing mentions vector clocks among several further topics of interest to readers."
"#,
    );
    env.ok(&["index"]);
    assert_eq!(
        hit_ids(&env.search_json(&["vector clocks"])),
        vec!["together", "apart"]
    );
    // Quoted one by one, the words get no nearness bonus, and the shorter summary wins, as
    // BM25 alone would have it.
    assert_eq!(
        hit_ids(&env.search_json(&["\"vector\" \"clocks\""])),
        vec!["apart", "together"]
    );
}
