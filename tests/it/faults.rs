//! One bad document costs only itself: through the real binary, a document made to fail in
//! one stage (by the debug build's fault switch) leaves the others indexed, cited and
//! searchable, is reported by id with exit 1, is named by `status` and `show`, and does not
//! fail the next `update` again. And documents whose references, titles and headings are full
//! of multi-byte characters go through every stage without an internal error.

use std::fs;

use crate::common::{self, hit_ids, make_pdf, Route, Server, TestEnv};

/// The three papers' catalog, `tests/fixtures/catalog/faults.toml`.
fn catalog() -> String {
    common::catalog_fixture("faults")
}

/// A paper of three pages whose body talks about `topic` and whose references name the
/// leases paper.
fn paper(topic: &str) -> Vec<u8> {
    let body = format!("We study {topic} in depth.\n{topic} matters for every system.");
    let refs = "References\n[1] A. Author. Quorum leases for replicated storage. In Proc. of\nthe Symposium, 2010.\n[2] Z. Other. An unrelated study. 1999.";
    make_pdf(&[&body, "Further discussion of the design.", refs])
}

/// The three papers attached to their entries, nothing indexed yet.
fn library() -> TestEnv {
    let env = TestEnv::new();
    fs::remove_file(env.catalog_dir().join("test.toml")).unwrap();
    env.write_catalog("papers.toml", &catalog());
    for (id, topic) in [
        ("leases", "leaseholders"),
        ("middle", "epidemics"),
        ("late", "stragglers"),
    ] {
        let file = env.dir.path().join(format!("{id}.pdf"));
        fs::write(&file, paper(topic)).unwrap();
        env.ok(&["attach", id, file.to_str().unwrap()]);
    }
    env
}

/// Runs `update --offline` with the fault switch set to `fault`.
fn update_with(env: &TestEnv, fault: &str) -> common::Run {
    common::Run(
        env.cmd(&["update", "--offline"])
            .env("PAPERDEX_TEST_FAULT", fault)
            .output()
            .unwrap(),
    )
}

/// The ids `show ID --json` says the entry cites, or `None` when its text was not read.
fn cites(env: &TestEnv, id: &str) -> Option<Vec<String>> {
    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["show", id, "--json"]).stdout()).expect("show prints JSON");
    v["cites"].as_array().map(|a| {
        a.iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    })
}

/// Asserts the run failed with exit 1, named `id` and what it lacks, and never panicked
/// out.
fn assert_reported(run: &common::Run, id: &str, lacks: &str) {
    let err = run.stderr();
    assert_eq!(run.code(), Some(1), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("please report it.\n"),
        "{err}"
    );
    assert!(
        err.contains("1 document failed inside paperdex"),
        "no summary: {err}"
    );
    assert!(
        err.contains(&format!("  {id}: no {lacks}: internal error (")),
        "{id} not reported as lacking {lacks}: {err}"
    );
}

#[test]
fn a_document_that_fails_in_the_cite_stage_costs_only_its_citations() {
    let env = library();
    let run = update_with(&env, "cite:middle");
    assert_reported(&run, "middle", "citations");
    // The others are read, indexed and cited as usual.
    assert_eq!(cites(&env, "late"), Some(vec!["leases".to_string()]));
    assert_eq!(cites(&env, "middle"), None);
    for (word, id) in [
        ("leaseholders", "leases"),
        ("epidemics", "middle"),
        ("stragglers", "late"),
    ] {
        assert_eq!(hit_ids(&env.search_json(&[word])), vec![id], "{word}");
    }
    // `show` and `status` say what went wrong, and with what.
    let show = env.ok(&["show", "middle"]).stdout();
    assert!(
        show.contains("no citations (cite stage): internal error ("),
        "{show}"
    );
    let status = env.ok(&["status"]).stdout();
    assert!(
        status.contains("Failed inside paperdex: 1 document"),
        "{status}"
    );
    assert!(
        status.contains("  middle: no citations: internal error ("),
        "{status}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "--json"]).stdout()).unwrap();
    assert_eq!(json["faults"][0]["id"], "middle");
    assert_eq!(json["faults"][0]["stage"], "cite");

    // The next run does not try the unchanged document again, and does not fail.
    let again = update_with(&env, "cite:middle");
    let err = again.stderr();
    assert_eq!(again.code(), Some(0), "{err}");
    assert!(
        err.contains("note: 1 document failed inside paperdex in an earlier run")
            && err.contains("middle"),
        "{err}"
    );
    // A rebuild tries it again; without the fault, it is read.
    env.ok(&["update", "--offline", "--rebuild"]);
    assert_eq!(cites(&env, "middle"), Some(vec!["leases".to_string()]));
    assert!(!env.ok(&["status"]).stdout().contains("Failed inside"));
}

#[test]
fn a_document_that_fails_in_extraction_costs_only_its_text() {
    let env = library();
    let run = update_with(&env, "extract:late");
    assert_reported(&run, "late", "text");
    assert!(!env.data_dir().join("text/late.txt").exists());
    // Still found by its title, not by its body.
    assert_eq!(
        hit_ids(&env.search_json(&["hedged", "requests"])),
        vec!["late"]
    );
    assert!(hit_ids(&env.search_json(&["stragglers"])).is_empty());
    assert_eq!(hit_ids(&env.search_json(&["epidemics"])), vec!["middle"]);
    assert_eq!(cites(&env, "middle"), Some(vec!["leases".to_string()]));
    let show = env.ok(&["show", "late"]).stdout();
    assert!(show.contains("no text (extract stage)"), "{show}");
    assert_eq!(update_with(&env, "extract:late").code(), Some(0));
}

#[test]
fn a_document_that_fails_in_the_index_is_found_by_its_metadata_alone() {
    let env = library();
    let run = update_with(&env, "index:leases");
    assert_reported(&run, "leases", "full text in the index");
    assert_eq!(
        hit_ids(&env.search_json(&["quorum", "leases"]))[0],
        "leases"
    );
    assert!(hit_ids(&env.search_json(&["leaseholders"])).is_empty());
    assert_eq!(hit_ids(&env.search_json(&["stragglers"])), vec!["late"]);
    // Citations came before the index, from the text, which is fine.
    assert_eq!(cites(&env, "leases"), Some(vec![]));
    assert_eq!(update_with(&env, "index:leases").code(), Some(0));
}

#[test]
fn a_failure_inside_the_index_writers_own_threads_costs_only_that_document() {
    let env = library();
    // The tokenizer fails on a word only one document holds, inside tantivy's threads.
    let run = update_with(&env, "tokenizer:epidemics");
    assert_reported(&run, "middle", "full text in the index");
    assert_eq!(hit_ids(&env.search_json(&["stragglers"])), vec!["late"]);
    assert_eq!(hit_ids(&env.search_json(&["leaseholders"])), vec!["leases"]);
    let gossip = env.search_json(&["--words-only", "gossip", "membership"]);
    assert_eq!(hit_ids(&gossip), vec!["middle"]);
    assert_eq!(update_with(&env, "tokenizer:epidemics").code(), Some(0));
}

#[test]
fn a_hit_whose_passages_fail_is_shown_without_them() {
    let env = library();
    env.ok(&["update", "--offline"]);
    let run = common::Run(
        env.cmd(&["search", "--json", "leaseholders"])
            .env("PAPERDEX_TEST_FAULT", "passage:leases")
            .output()
            .unwrap(),
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(hit_ids(&v), vec!["leases"]);
    assert_eq!(v["hits"][0]["passages"].as_array().unwrap().len(), 0);
    assert!(v["hits"][0]["fault"]
        .as_str()
        .unwrap()
        .starts_with("internal error ("));
    assert!(
        run.stderr()
            .contains("warning: leases: its passages could not be picked"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_document_that_fails_in_the_model_costs_only_its_vector() {
    let Some(model) = common::test_model() else {
        return;
    };
    let env = library();
    let model = model.to_str().unwrap();
    let run = common::Run(
        env.cmd(&["--model", model, "update", "--offline"])
            .env("PAPERDEX_TEST_FAULT", "embed:late")
            .output()
            .unwrap(),
    );
    assert_reported(&run, "late", "vector");
    let status: serde_json::Value = serde_json::from_str(
        &env.ok(&["--model", model, "model", "status", "--json"])
            .stdout(),
    )
    .unwrap();
    assert_eq!(status["embedded_entries"], 2, "{status}");
}

#[test]
fn terminal_lines_that_echo_the_query_hold_no_control_characters() {
    let env = library();
    env.ok(&["update", "--offline"]);
    let run = env.run(&["search", "zzqx\x1b[31mred\x07"]);
    assert_eq!(run.code(), Some(1));
    let out = run.stdout();
    assert!(out.contains("No results for"), "{out}");
    assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
}
/// A reference list whose title sits among multi-byte characters at every alignment, so any
/// window cut by bytes lands inside one somewhere.
fn crowded_references(shift: usize) -> String {
    let filler = "—•“”é".repeat(120);
    format!(
        "References\n{}{filler}\nA. Author. Quorum leases for replicated storage. Proc. 2010. {filler}\n",
        "x".repeat(shift)
    )
}

#[test]
fn multi_byte_text_in_references_titles_and_headings_goes_through_every_stage() {
    let page = "<!doctype html><html><head><meta charset=\"utf-8\"><title>分散システム — notes</title></head><body><article>\
        <h1>分散合意 “Paxos” — 概要 🚀</h1><p>Leaders and followers agree on one value. 複製されたログ。</p>\
        <h2>Références • bibliographie</h2><p>Quorum Leases For Replicated Storage — Ann Author, 2010 “read”.</p>\
        <p>{}</p></article></body></html>";
    let page = page.replace("{}", &"分散 — “x” • ".repeat(200));
    let server = Server::start(vec![(
        "/notes.html",
        Route::Page(page.into_bytes(), "text/html; charset=utf-8".into()),
    )]);
    let env = TestEnv::new();
    fs::remove_file(env.catalog_dir().join("test.toml")).unwrap();
    let mut catalog = catalog().replace(
        "Hedged Requests Against Tail Latency",
        "Hedged Requests — “Tail” Latency, Revisited",
    );
    catalog.push_str(&format!(
        "\n[[entry]]\nid = \"notes\"\ntitle = \"分散システム — notes\"\nkind = \"blog\"\nurls = [\"{}\"]\n",
        server.url("/notes.html")
    ));
    env.write_catalog("papers.toml", &catalog);
    for (n, id) in ["leases", "middle", "late"].iter().enumerate() {
        let mut pages = vec![format!("“{id}” — a study • of héllo wörld")];
        for shift in 0..3 {
            pages.push(crowded_references(shift + n));
        }
        let pages: Vec<&str> = pages.iter().map(String::as_str).collect();
        let file = env.dir.path().join(format!("{id}.pdf"));
        fs::write(&file, make_pdf(&pages)).unwrap();
        env.ok(&["attach", id, file.to_str().unwrap()]);
    }
    let run = env.run(&["update"]);
    let err = run.stderr();
    assert_eq!(run.code(), Some(0), "{err}");
    assert!(!err.contains("internal error"), "{err}");
    assert!(!env.data_dir().join("faults.json").exists());
    assert_eq!(cites(&env, "middle"), Some(vec!["leases".to_string()]));
    assert!(env.data_dir().join("text/notes.txt").exists());
    for query in ["wörld", "分散合意", "revisited tail", "“Paxos”"] {
        let run = env.run(&["search", query]);
        assert_eq!(run.code(), Some(0), "{query}: {}", run.stderr());
    }
}
