//! Queries as people type them, through the real binary: questions, typos, British spellings,
//! acronyms, the vocabulary, aliases, hyphenated and joined words, passages with their pages,
//! related entries and input that must not break anything.

use crate::common::{hit_ids, make_pdf, TestEnv};

const CATALOG: &str = r#"
[[entry]]
id = "linearizability"
title = "Linearizability: A Correctness Condition for Concurrent Objects"
authors = ["Maurice Herlihy", "Jeannette Wing"]
year = 1990
kind = "paper"
topics = ["papers/consistency"]
summary = "Defines when a concurrent object is linearizable: each operation appears to take effect at one instant between its call and its return."

[[entry]]
id = "crdts"
title = "Conflict-free Replicated Data Types"
authors = ["Marc Shapiro"]
year = 2011
kind = "paper"
topics = ["papers/replication"]
summary = "Replicated objects whose updates commute, so that CRDTs converge without coordination."

[[entry]]
id = "pbft"
title = "Practical Byzantine Fault Tolerance"
aliases = ["PBFT"]
authors = ["Miguel Castro", "Barbara Liskov"]
year = 1999
kind = "paper"
topics = ["papers/consensus"]
summary = "A replication protocol that keeps a service correct while a third of its replicas misbehave."

[[entry]]
id = "gossip-defence"
title = "Tolerating Malicious Nodes in Gossip Protocols"
year = 2005
kind = "paper"
topics = ["papers/gossip"]
summary = "How an epidemic protocol keeps spreading updates when some participants lie."

[[entry]]
id = "raft"
title = "In Search of an Understandable Consensus Algorithm"
aliases = ["Raft"]
authors = ["Diego Ongaro", "John Ousterhout"]
year = 2014
kind = "paper"
topics = ["papers/consensus"]
summary = "A consensus algorithm for managing a replicated log, designed to be easy to learn."

[[entry]]
id = "consensus-notes"
title = "Notes on Consensus in Practice"
year = 2016
kind = "article"
topics = ["papers/consensus"]
summary = "Lecture notes comparing consensus protocols."

[[entry]]
id = "global-states"
title = "Consistent Global States of Distributed Systems"
authors = ["Özalp Babaoğlu", "Keith Marzullo"]
year = 1993
kind = "paper"
topics = ["papers/time"]
summary = "Cuts, vector clocks and how to observe a distributed computation."

[[entry]]
id = "mapreduce"
title = "MapReduce: Simplified Data Processing on Large Clusters"
authors = ["Jeffrey Dean", "Sanjay Ghemawat"]
year = 2004
kind = "paper"
topics = ["papers/processing"]
summary = "A programming model for batch jobs over thousands of machines."

[[entry]]
id = "commit-notes"
title = "Notes on Two-Phase Commit"
year = 1995
kind = "paper"
topics = ["papers/transactions"]
summary = "Atomic commitment with a coordinator and a prepare round."

[[entry]]
id = "brewer"
title = "Brewer's Conjecture and the Feasibility of Consistent, Available, Partition-Tolerant Web Services"
authors = ["Seth Gilbert", "Nancy Lynch"]
year = 2002
kind = "paper"
topics = ["papers/consistency"]
summary = "Proves that a web service cannot be consistent, available and partition tolerant at once."

[[entry]]
id = "paxos-made-simple"
title = "Paxos Made Simple"
authors = ["Leslie Lamport"]
year = 2001
kind = "paper"
topics = ["papers/consensus"]
summary = "The Paxos algorithm in plain words: proposers, acceptors and learners choose one value by ballots."

[[entry]]
id = "paxos-made-live"
title = "Paxos Made Live: An Engineering Perspective"
authors = ["Tushar Chandra", "Robert Griesemer", "Joshua Redstone"]
year = 2007
kind = "paper"
topics = ["papers/consensus"]
summary = "Building a fault-tolerant database on Paxos: acceptors, ballots, master leases and snapshots in practice."

[[entry]]
id = "part-time-parliament"
title = "The Part-Time Parliament"
authors = ["Leslie Lamport"]
year = 1998
kind = "paper"
topics = ["papers/consensus"]
summary = "The Paxos algorithm told as the story of a Greek parliament whose legislators choose decrees by ballots among acceptors."

[[entry]]
id = "tor"
title = "Tor: The Second-Generation Onion Router"
authors = ["Roger Dingledine"]
year = 2004
kind = "paper"
topics = ["papers/anonymity"]
summary = "Anonymous communication by onion routing through volunteer relays."
"#;

const VOCABULARY: &str = r#"
[[group]]
terms = ["Byzantine fault", "malicious node", "arbitrary failure"]

[[group]]
terms = ["gossip", "epidemic protocol"]
"#;

/// The test catalog and vocabulary, with PDFs attached where a test needs full text, indexed.
fn library() -> TestEnv {
    let env = TestEnv::new();
    std::fs::remove_file(env.catalog_dir().join("test.toml")).unwrap();
    env.write_catalog("query.toml", CATALOG);
    env.write_catalog("vocabulary.toml", VOCABULARY);
    let pdfs = env.dir.path().join("pdfs");
    std::fs::create_dir_all(&pdfs).unwrap();
    let attach = |id: &str, pages: &[&str]| {
        let path = pdfs.join(format!("{id}.pdf"));
        std::fs::write(&path, make_pdf(pages)).unwrap();
        env.ok(&["attach", id, path.to_str().unwrap()]);
    };
    attach(
        "consensus-notes",
        &[
            "Raft and Paxos compared.\nRaft elects a leader. Raft replicates a log.",
            "More on Raft: Raft terms, Raft votes, Raft logs, Raft safety.",
        ],
    );
    attach(
        "global-states",
        &[
            "Introduction to observing distributed computations.",
            "Vector clocks characterize causality.\nEach process keeps vector clocks of its own.",
            "References\n[1] Mattern. Virtual time and vector clocks. 1989.\n[2] Fidge. Vector clocks. 1988.",
        ],
    );
    env.ok(&["update", "--offline"]);
    env
}

#[test]
fn a_question_is_searched_by_its_content_words() {
    let env = library();
    let v = env.search_json(&["what is linearizability?"]);
    assert_eq!(hit_ids(&v)[0], "linearizability");
    // Every word of a long question need not occur: the best match still comes back.
    let v = env.search_json(&["how do replicas of a service stay correct when some misbehave"]);
    assert_eq!(hit_ids(&v)[0], "pbft", "{v}");
}

#[test]
fn a_typo_is_corrected_and_the_output_says_so() {
    let env = library();
    let out = env.ok(&["search", "linearizabilty"]).stdout();
    assert!(
        out.starts_with("Showing results for \"linearizability\"."),
        "{out}"
    );
    assert!(
        out.contains("Linearizability: A Correctness Condition"),
        "{out}"
    );
    let v = env.search_json(&["paxso made simple"]);
    assert_eq!(hit_ids(&v)[0], "paxos-made-simple");
    assert_eq!(v["showing_results_for"], "paxos made simple");
    assert_eq!(v["corrections"][0]["typed"], "paxso");
    assert_eq!(v["corrections"][0]["corrected"], "paxos");
    assert_eq!(v["corrections"][0]["replaced"], true);
    // Exact words need no correction, and none is shown.
    let v = env.search_json(&["paxos"]);
    assert!(v["corrections"].as_array().unwrap().is_empty());
    assert!(v["showing_results_for"].is_null());
    // Explicit fuzzy and prefix forms.
    assert!(hit_ids(&env.search_json(&["paxso~1"])).contains(&"paxos-made-simple".to_string()));
    assert_eq!(
        hit_ids(&env.search_json(&["lineariz*"]))[0],
        "linearizability"
    );
}

#[test]
fn spelling_variants_accents_acronyms_and_compounds_meet() {
    let env = library();
    // British spelling of a word the index has in American spelling.
    assert_eq!(
        hit_ids(&env.search_json(&["linearisable"]))[0],
        "linearizability"
    );
    // The text says CRDTs; the user types CRDT.
    assert_eq!(hit_ids(&env.search_json(&["CRDT"])), vec!["crdts"]);
    // Accents fold.
    assert_eq!(
        hit_ids(&env.search_json(&["babaoglu"])),
        vec!["global-states"]
    );
    // Joined, hyphenated and spaced forms.
    for q in ["map reduce", "map-reduce", "mapreduce"] {
        assert_eq!(hit_ids(&env.search_json(&[q]))[0], "mapreduce", "{q}");
    }
    for q in ["two phase commit", "two-phase commit", "twophase commit"] {
        assert_eq!(hit_ids(&env.search_json(&[q]))[0], "commit-notes", "{q}");
    }
    // An apostrophe is a word's, not the query language's.
    assert_eq!(
        hit_ids(&env.search_json(&["brewer's conjecture"]))[0],
        "brewer"
    );
}

#[test]
fn the_vocabulary_adds_the_fields_terms_below_the_typed_words() {
    let env = library();
    let ids = hit_ids(&env.search_json(&["malicious nodes"]));
    let typed = ids.iter().position(|i| i == "gossip-defence");
    let expanded = ids.iter().position(|i| i == "pbft");
    assert_eq!(typed, Some(0), "{ids:?}");
    assert!(
        expanded.is_some(),
        "the Byzantine paper is found by meaning: {ids:?}"
    );
    // Without the vocabulary the Byzantine paper is not found at all.
    std::fs::write(env.catalog_dir().join("vocabulary.toml"), "").unwrap();
    let ids = hit_ids(&env.search_json(&["malicious nodes"]));
    assert!(!ids.contains(&"pbft".to_string()), "{ids:?}");
}

#[test]
fn a_work_is_found_by_the_name_it_is_known_by() {
    let env = library();
    let v = env.search_json(&["raft"]);
    // The Raft paper's title lacks the word; its alias has it, and it beats a text that
    // says Raft over and over.
    assert_eq!(hit_ids(&v)[0], "raft", "{v}");
    assert_eq!(v["hits"][0]["aliases"][0], "Raft");
}

#[test]
fn hits_show_passages_with_pages_from_the_body_not_the_references() {
    let env = library();
    let v = env.search_json(&["vector clocks"]);
    let hit = &v["hits"][0];
    assert_eq!(hit["id"], "global-states");
    let passages = hit["passages"].as_array().unwrap();
    assert!(!passages.is_empty() && passages.len() <= 3);
    for p in passages {
        assert_eq!(p["page"], 2, "{p}");
        let text = p["text"].as_str().unwrap();
        let h = &p["highlights"][0];
        let (start, end) = (h["start"].as_u64().unwrap(), h["end"].as_u64().unwrap());
        let word = &text[start as usize..end as usize];
        assert!(
            word.eq_ignore_ascii_case("vector") || word.starts_with("clock"),
            "{word}"
        );
    }
    assert_eq!(hit["page"], 2);
    assert!(hit["pdf"].as_str().unwrap().ends_with("global-states.pdf"));
    let out = env.ok(&["search", "vector clocks"]).stdout();
    assert!(
        out.contains("p. 2: Vector clocks characterize causality"),
        "{out}"
    );
}

#[test]
fn related_entries_and_ranking_by_likeness() {
    let env = library();
    let v = env.run(&["related", "paxos-made-simple", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&v.stdout()).unwrap();
    let ids = hit_ids(&v);
    let mut first_two = ids[..2].to_vec();
    first_two.sort();
    assert_eq!(
        first_two,
        vec!["part-time-parliament", "paxos-made-live"],
        "{ids:?}"
    );
    assert!(!ids.contains(&"paxos-made-simple".to_string()));
    let line = env.run(&["related", "nope"]).fails_with(2);
    assert!(line.contains("No entry \"nope\""), "{line}");
    // The query selects, the entry ranks: Paxos papers before the Raft paper.
    let v = env.search_json(&["consensus OR paxos", "--like", "part-time-parliament"]);
    let ids = hit_ids(&v);
    let raft = ids.iter().position(|i| i == "raft").unwrap();
    let live = ids.iter().position(|i| i == "paxos-made-live").unwrap();
    assert!(live < raft, "{ids:?}");
}

#[test]
fn bad_input_stays_harmless() {
    let env = library();
    for q in [
        "\"vector clocks",
        "((paxos",
        "paxos))",
        "OR AND",
        "title:",
        "-",
        "note: raft",
        "\u{1f600} paxos",
    ] {
        let run = env.run(&["search", "--json", q]);
        assert!(matches!(run.code(), Some(0 | 1)), "{q}: {}", run.stderr());
        serde_json::from_str::<serde_json::Value>(&run.stdout()).expect(q);
    }
    // Limits past what README allows, even past the machine's integers, are refused in one
    // line rather than lowered quietly.
    for n in [
        "1001",
        "4294967296",
        "18446744073709551615",
        "99999999999999999999999",
    ] {
        let line = env.run(&["search", "paxos", "-n", n]).fails_with(2);
        assert!(
            line.contains("from 1 to 1000") || line.contains("between 1 and 1000"),
            "{line}"
        );
    }
    assert!(!hit_ids(&env.search_json(&["paxos", "-n", "1000"])).is_empty());
    let deep = format!("{}paxos{}", "(".repeat(10_000), ")".repeat(10_000));
    let line = env.run(&["search", &deep]).fails_with(2);
    assert!(line.contains("nest deeper than"), "{line}");
    assert!(line.len() < 200, "the error quotes the query short: {line}");
    let line = env.run(&["search", "x", "--kind", "poem"]).fails_with(2);
    assert!(line.contains("Unknown kind \"poem\""), "{line}");
}
