//! What students bring, through the real binary: a need described rather than a work named.
//! Each intent (something to learn from, the classics, a comparison, how something works) is
//! read and said, and changes what comes first; the ideas an entry teaches find it; real
//! words are never corrected into others; every `--limit` shows a prefix of one order; and,
//! with the real sentence model (`PAPERDEX_TEST_MODEL`), nonsense finds nothing and a
//! description finds the passage of a paper that explains it.

use std::fs;

use crate::common::{self, hit_ids, make_pdf, TestEnv};

/// The students' library, its papers' PDFs attached and indexed (without the model unless
/// `model` names one).
fn library(model: Option<&str>) -> TestEnv {
    let env = TestEnv::new();
    fs::remove_file(env.catalog_dir().join("test.toml")).unwrap();
    env.write_catalog("students.toml", &common::catalog_fixture("students"));
    let cites_paxos = "References\n[1] L. Lamport. Paxos made simple. ACM SIGACT News, 2001.\n[2] Z. Other. Something unrelated. 1999.";
    let papers: [(&str, Vec<String>); 4] = [
        (
            "raft",
            vec![
                "Raft is a consensus algorithm for managing a replicated log.".into(),
                "A server that times out starts an election and asks the others for votes.".into(),
                cites_paxos.into(),
            ],
        ),
        (
            "multi-paxos-notes",
            vec![
                "We ran a replicated log for years and learnt how leases behave.".into(),
                cites_paxos.into(),
            ],
        ),
        (
            "paxos",
            vec![
                "Proposers send numbered proposals to acceptors; a majority accepts one value."
                    .into(),
            ],
        ),
        (
            "gossip-paper",
            vec![
                "We study how copies of a database converge after updates.".into(),
                "Every few seconds each server picks another server at random and the two \
                 exchange the updates they have heard of, so news spreads through the whole \
                 population the way a rumour does, without any server in charge."
                    .into(),
                "Measurements on the corporate network follow.".into(),
            ],
        ),
    ];
    for (id, pages) in &papers {
        let pages: Vec<&str> = pages.iter().map(String::as_str).collect();
        let file = env.dir.path().join(format!("{id}.pdf"));
        fs::write(&file, make_pdf(&pages)).unwrap();
        env.ok(&["attach", id, file.to_str().unwrap()]);
    }
    let mut args = Vec::new();
    if let Some(m) = model {
        args.extend(["--model", m]);
    }
    args.extend(["update", "--offline"]);
    env.ok(&args);
    env
}

/// The `--json` search with `args`, by words only unless a model is named first.
fn search(env: &TestEnv, args: &[&str]) -> serde_json::Value {
    env.search_json(args)
}

fn kinds(v: &serde_json::Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn each_intent_is_read_said_and_followed() {
    let env = library(None);

    let v = search(&env, &["a", "beginner's", "book", "on", "replication"]);
    assert_eq!(v["intent"]["name"], "learning", "{v}");
    assert_eq!(v["intent"]["kinds"], serde_json::json!(["book"]));
    assert_eq!(kinds(&v)[0], "book", "{:?}", hit_ids(&v));
    let text = env
        .ok(&["search", "a beginner's book on replication"])
        .stdout();
    assert!(text.contains("Read as looking for books first."), "{text}");

    let v = search(&env, &["lectures", "on", "raft"]);
    assert_eq!(hit_ids(&v)[0], "systems-course", "{v}");

    // Two papers of the library cite Paxos Made Simple: the classic comes first.
    let v = search(&env, &["classic", "papers", "on", "consensus"]);
    assert_eq!(v["intent"]["name"], "classics", "{v}");
    assert_eq!(hit_ids(&v)[0], "paxos", "{v}");
    assert_eq!(v["hits"][0]["cited_by"], 2);

    let v = search(&env, &["difference", "between", "paxos", "and", "raft"]);
    assert_eq!(v["intent"]["name"], "compare", "{v}");
    assert_eq!(v["intent"]["sides"], serde_json::json!(["paxos", "raft"]));
    // The entries that treat both (the book, and Raft's paper, which sets itself against
    // Paxos) outrank those about one side only.
    let ids = hit_ids(&v);
    let mut first_two = ids[..2].to_vec();
    first_two.sort();
    assert_eq!(first_two, ["raft", "replication-book"], "{v}");

    let v = search(&env, &["how", "does", "raft", "elect", "a", "leader"]);
    assert_eq!(v["intent"]["name"], "explain", "{v}");
    assert_eq!(hit_ids(&v)[0], "raft");

    // Exact syntax says what to match: no intent is read into it.
    let v = search(&env, &["\"book\""]);
    assert!(v["intent"].is_null(), "{v}");
}

#[test]
fn the_ideas_an_entry_teaches_find_it() {
    let env = library(None);
    // "fencing token" stands only in the post's concepts.
    let v = search(&env, &["fencing", "token"]);
    assert_eq!(hit_ids(&v), vec!["fencing"]);
    let v = search(&env, &["concepts:\"anti-entropy\""]);
    assert_eq!(hit_ids(&v), vec!["gossip-paper"]);
    let v = search(&env, &["concepts:lease"]);
    assert_eq!(hit_ids(&v), vec!["multi-paxos-notes"]);
}

#[test]
fn real_words_are_never_corrected_into_others() {
    let env = library(None);
    // The library has an author Brian and no word "brain"; a vocabulary term and an English
    // word stay as typed.
    let v = search(&env, &["split", "brain"]);
    assert!(v["showing_results_for"].is_null(), "{v}");
    assert_eq!(v["corrections"], serde_json::json!([]), "{v}");
    assert_eq!(hit_ids(&v)[0], "fencing");
    // "intro" is English (and an intent); the library's "intra" never replaces it.
    let v = search(&env, &["intro", "to", "consensus"]);
    assert_eq!(v["corrections"], serde_json::json!([]), "{v}");
    let v = search(&env, &["gossip"]);
    assert_eq!(v["corrections"], serde_json::json!([]), "{v}");
    // A misspelling still is corrected.
    let v = search(&env, &["replicaton"]);
    assert_eq!(v["corrections"][0]["corrected"], "replication", "{v}");
}

/// Queries of every kind, for the order checks.
const QUERIES: &[&str] = &[
    "consensus",
    "raft",
    "paxos raft",
    "a beginner's book on replication",
    "classic papers on consensus",
    "difference between paxos and raft",
    "how does raft elect a leader",
    "servers exchanging updates with random peers",
    "replicated log leases",
    "lectures on clocks",
    "fencing off an old leader",
    "datacenter networks",
    "what should I read first about replication",
];

/// Asserts that for every query the hits at each smaller limit are the first of those at a
/// larger one.
fn limits_cut_one_order(env: &TestEnv, model: &[&str]) {
    for query in QUERIES {
        let mut longest: Vec<String> = Vec::new();
        for limit in ["20", "10", "5", "3", "1"] {
            let mut args: Vec<&str> = model.to_vec();
            args.extend(["search", "--json", "--limit", limit, query]);
            let run = env.run(&args);
            let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap_or_default();
            let ids = if v.is_null() { Vec::new() } else { hit_ids(&v) };
            if longest.is_empty() {
                longest = ids;
                continue;
            }
            assert_eq!(
                ids[..],
                longest[..ids.len()],
                "{query:?} at --limit {limit} is not the start of the longer list"
            );
            assert_eq!(ids.len(), longest.len().min(limit.parse().unwrap()));
        }
    }
}

#[test]
fn every_limit_shows_a_prefix_of_one_order() {
    let env = library(None);
    limits_cut_one_order(&env, &[]);
}

#[test]
fn with_the_model_nonsense_finds_nothing_orders_hold_and_passages_answer() {
    let Some(model) = common::test_model() else {
        return;
    };
    let model = model.to_str().unwrap().to_string();
    let env = library(Some(&model));
    let m = ["--model", model.as_str()];

    // Nonsense: no word matches, and nothing is near enough in meaning to count.
    for nonsense in ["xyzzyqwerty", "qwv zzkx plorf"] {
        let run = env.run(&["--model", &model, "search", "--json", nonsense]);
        assert_eq!(run.code(), Some(1), "{nonsense}: {}", run.stdout());
        let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
        assert_eq!(v["hits"], serde_json::json!([]), "{nonsense}");
    }

    limits_cut_one_order(&env, &m);

    // A description without the field's words finds the paper by the passage that explains
    // it, and that passage, from its page, is shown.
    let run = env.ok(&[
        "--model",
        &model,
        "search",
        "--json",
        "servers chatting with random peers to spread news",
    ]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(v["meaning"], "used", "{v}");
    let hit = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "gossip-paper")
        .unwrap_or_else(|| panic!("the gossip paper is not found: {v}"));
    assert_eq!(hit["passages"][0]["page"], 2, "{hit}");
    assert!(
        hit["passages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("at random"),
        "{hit}"
    );
}
