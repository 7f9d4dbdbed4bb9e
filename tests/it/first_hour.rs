//! What a newcomer meets in the first hour, through the real binary: mistakes on the command
//! line said in one line, limits and addresses read as the help says, the API refusing what
//! the command line refuses, a model installed from a folder without network, and a run
//! without a model keeping the vectors already stored.

use std::fs;

use crate::common::http::get;
use crate::common::served::Served;
use crate::common::{self, make_pdf, make_pdf_titled, TestEnv};

#[test]
fn command_line_mistakes_are_one_line_with_exit_code_2() {
    let env = TestEnv::new();
    for args in [
        &["serch", "raft"][..],
        &["search", "--bogus", "raft"],
        &["search", "--limit", "0", "raft"],
        &["search", "--limit", "100000", "raft"],
        &["related", "raft", "-n", "1001"],
        &["serve", "--addr", "example.org:80"],
    ] {
        let err = env.run(args).fails_with(2);
        assert!(err.starts_with("paperdex: error: "), "{args:?}: {err}");
        assert!(!err.contains("Usage:"), "{args:?}: {err}");
    }
    let err = env.run(&["search", "-n", "100000", "raft"]).fails_with(2);
    assert!(err.contains("between 1 and 1000"), "{err}");
    let err = env.run(&["serch", "raft"]).fails_with(2);
    assert!(err.contains("'search'"), "{err}");
    // Help is still help, on standard output, with success.
    let help = env.ok(&["search", "--help"]).stdout();
    assert!(help.contains("Usage:"), "{help}");
}

#[test]
fn the_api_refuses_a_limit_the_command_line_refuses() {
    let env = TestEnv::new();
    env.ok(&["index", "-q"]);
    let server = Served::start(&env);
    let addr = server.addr.as_str();
    for limit in ["0", "1001", "many"] {
        let bad = get(addr, &format!("/api/search?q=consensus&limit={limit}"));
        assert_eq!(bad.status, 400, "limit={limit}");
        let error = bad.json()["error"].as_str().unwrap().to_string();
        assert!(error.starts_with("limit:"), "{error}");
    }
    let ok = get(addr, "/api/search?q=consensus&limit=1").json();
    assert_eq!(ok["hits"].as_array().unwrap().len(), 1);
    // The page lowers a limit out of range instead, as people edit URLs by hand.
    assert_eq!(get(addr, "/search?q=consensus&limit=0").status, 200);
}

#[test]
fn serve_listens_on_a_bare_port_or_localhost() {
    let env = TestEnv::new();
    env.ok(&["index", "-q"]);
    for addr in ["0", "localhost:0"] {
        let server = Served::start_at(&env, addr);
        assert!(server.addr.starts_with("127.0.0.1:"), "{}", server.addr);
        assert_eq!(get(&server.addr, "/").status, 200);
    }
}

#[test]
fn a_model_folder_is_installed_only_when_every_file_is_the_pinned_one() {
    let env = TestEnv::new();
    let fake = env.dir.path().join("not-the-model");
    fs::create_dir_all(&fake).unwrap();
    for name in ["config.json", "tokenizer.json", "model.safetensors"] {
        fs::write(fake.join(name), b"{}").unwrap();
    }
    let err = env
        .run(&["model", "install", fake.to_str().unwrap()])
        .fails_with(1);
    assert!(err.contains("not the pinned file"), "{err}");
    let model_dir = env.data_dir().join("model");
    let left: Vec<_> = fs::read_dir(&model_dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    let empty = env.dir.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let err = env
        .run(&["model", "install", empty.to_str().unwrap()])
        .fails_with(1);
    assert!(err.contains("has no config.json"), "{err}");

    let Some(real) = common::test_model() else {
        return;
    };
    env.ok(&["model", "install", real.to_str().unwrap()]);
    let status = env.ok(&["model", "status"]).stdout();
    assert!(status.contains("in the data folder"), "{status}");
    // Installed where paperdex looks: no --model needed from here on.
    let run = env.ok(&["index"]).stderr();
    assert!(run.contains("Embed: 6 embedded"), "{run}");
}

#[test]
fn a_run_without_a_model_keeps_the_stored_vectors_and_says_so() {
    let Some(model) = common::test_model() else {
        return;
    };
    let env = TestEnv::new();
    env.ok(&["--model", model.to_str().unwrap(), "index"]);
    let err = env.ok(&["index"]).stderr();
    assert!(err.contains("the 6 stored vectors are kept"), "{err}");
    assert!(!err.contains("search is by words alone"), "{err}");
    // Quiet means quiet.
    assert!(env.ok(&["index", "-q"]).stderr().is_empty());
}

#[test]
fn a_filter_that_empties_the_results_is_named_with_what_the_query_finds_without_it() {
    let env = TestEnv::new();
    env.ok(&["index", "-q"]);
    let run = env.run(&["search", "consensus", "--kind", "book", "--year", "..1950"]);
    assert_eq!(run.code(), Some(1));
    let text = run.stdout();
    assert!(text.contains("with kind book, years ..1950"), "{text}");
    assert!(text.contains("without them it has"), "{text}");
    let v = env.search_json(&["consensus", "--kind", "book", "--year", "..1950"]);
    assert!(v["emptied_by"]["without"].as_u64().unwrap() > 0, "{v}");
    // A query that finds nothing at all says only that.
    let text = env.run(&["search", "zanzibarian"]).stdout();
    assert!(!text.contains("without"), "{text}");
}

#[test]
fn hits_sort_by_year_or_citations_and_a_browse_says_its_order() {
    let env = TestEnv::new();
    env.ok(&["index", "-q"]);
    let years = |v: &serde_json::Value| -> Vec<i64> {
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|h| h["year"].as_i64())
            .collect()
    };
    let v = env.search_json(&["--sort", "year", "-n", "50"]);
    let got = years(&v);
    assert!(got.len() >= 3, "{v}");
    assert!(got.windows(2).all(|w| w[0] <= w[1]), "{got:?}");
    assert_eq!(v["sorted"], "year");
    let v = env.search_json(&["--sort", "newest", "-n", "50"]);
    let got = years(&v);
    assert!(got.windows(2).all(|w| w[0] >= w[1]), "{got:?}");
    // With no words there is no best match: the browse is in a stated order.
    let text = env.ok(&["search", "--topic", "papers"]).stdout();
    assert!(text.contains("most cited in the library first"), "{text}");
    let v = env.search_json(&[]);
    assert_eq!(v["sorted"], "cited");
    // The page offers the same orders, and keeps the one chosen in its links.
    let server = Served::start(&env);
    let page = get(&server.addr, "/search?q=consensus&sort=year").text();
    assert!(page.contains("oldest first"), "{page}");
    assert!(page.contains("sort=newest"), "{page}");
    let api = get(&server.addr, "/api/search?q=consensus&sort=cited").json();
    assert_eq!(api["sorted"], "cited");
}

#[test]
fn an_entry_is_shown_by_its_alias_and_a_near_miss_is_answered_with_the_id() {
    let env = TestEnv::new();
    env.write_catalog(
        "aliased.toml",
        r#"
[[entry]]
id = "in-search-of-an-understandable-consensus-algorithm"
title = "In Search of an Understandable Consensus Algorithm"
aliases = ["Understandable"]
year = 2014
kind = "paper"
topics = ["papers/consensus"]
"#,
    );
    let shown = env.ok(&["show", "understandable"]).stdout();
    assert!(
        shown.contains("in-search-of-an-understandable-consensus-algorithm"),
        "{shown}"
    );
    let err = env.run(&["show", "paxos-made-simpel"]).fails_with(2);
    assert!(err.contains("did you mean paxos-made-simple?"), "{err}");
    let cited = env
        .ok(&["cite", "UNDERSTANDABLE", "--format", "bibtex"])
        .stdout();
    assert!(cited.contains("Understandable"), "{cited}");
}

#[test]
fn every_hit_says_whether_its_full_text_is_here() {
    let env = TestEnv::new();
    let pdf = env.dir.path().join("raft.pdf");
    fs::write(
        &pdf,
        crate::common::make_pdf(&["Raft elects a leader and replicates a log"]),
    )
    .unwrap();
    env.ok(&["attach", "raft", pdf.to_str().unwrap()]);
    env.ok(&["update", "--offline", "-q"]);
    let v = env.search_json(&["consensus", "-n", "20"]);
    let marks: Vec<(String, bool)> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["id"].as_str().unwrap().to_string(),
                h["full_text"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(marks.contains(&("raft".to_string(), true)), "{marks:?}");
    assert!(
        marks.iter().any(|(id, text)| id != "raft" && !text),
        "{marks:?}"
    );
    let text = env.ok(&["search", "consensus"]).stdout();
    assert!(text.contains("full text"), "{text}");
    assert!(text.contains("summary only"), "{text}");
}

#[test]
fn attach_dir_matches_pdfs_by_name_metadata_or_first_page_and_names_the_rest() {
    let env = TestEnv::new();
    let dir = env.dir.path().join("downloads");
    fs::create_dir_all(&dir).unwrap();
    let body = "We study replication.\nMany words of the body follow here.";
    // By name: an id, an id in another case, a name whose slug is an id.
    fs::write(dir.join("ddia.pdf"), make_pdf(&[body])).unwrap();
    fs::write(dir.join("Dynamo.PDF"), make_pdf(&[body])).unwrap();
    fs::write(dir.join("Paxos Made Simple.pdf"), make_pdf(&[body])).unwrap();
    // By title metadata, though its first page names nothing.
    let meta = make_pdf_titled(
        &[body],
        Some("In search of an understandable consensus algorithm"),
    );
    fs::write(dir.join("ongaro14.pdf"), meta).unwrap();
    // By its first page, the metadata being a word processor's leftover.
    let page = "Operating Systems\nTime, Clocks, and the Ordering of Events\nin a Distributed System\nLeslie Lamport\nThe concept of one event happening before another";
    let first = make_pdf_titled(&[page, body], Some("Microsoft Word - lamport.doc"));
    fs::write(dir.join("scan0042.pdf"), first).unwrap();
    // Nothing to go by: a page on the subject that is no entry's title.
    fs::write(
        dir.join("notes.pdf"),
        make_pdf(&["Notes on consensus\nPaxos and Raft compared"]),
    )
    .unwrap();

    let run = env.run(&["attach", "--dir", dir.to_str().unwrap()]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    for expected in [
        "attached ddia.pdf to ddia (by file name)",
        "attached Dynamo.PDF to dynamo (by file name)",
        "attached ongaro14.pdf to raft (by title metadata)",
        "attached Paxos Made Simple.pdf to paxos-made-simple (by file name)",
        "attached scan0042.pdf to time-clocks (by first page)",
    ] {
        assert!(lines.contains(&expected), "{expected:?} in {out}");
    }
    let missed: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("not matched: "))
        .collect();
    assert_eq!(missed.len(), 1, "{out}");
    assert!(missed[0].starts_with("not matched: notes.pdf ("), "{out}");
    assert!(
        run.stderr().contains("Attached 5 of 6 PDFs"),
        "{}",
        run.stderr()
    );
    for id in ["ddia", "dynamo", "raft", "paxos-made-simple", "time-clocks"] {
        assert!(
            env.data_dir().join(format!("pdf/{id}.pdf")).is_file(),
            "{id}"
        );
    }
    assert!(!env.data_dir().join("pdf/bare.pdf").exists());

    // Once the odd one out is gone, every file matches and the exit code says so.
    fs::remove_file(dir.join("notes.pdf")).unwrap();
    let again = env.ok(&["attach", "--dir", dir.to_str().unwrap(), "-q"]);
    assert_eq!(again.stdout().lines().count(), 5, "{}", again.stdout());
    assert!(again.stderr().is_empty(), "{}", again.stderr());
    env.ok(&["update", "--offline", "-q"]);
    let v = env.search_json(&["happening before another"]);
    assert_eq!(common::hit_ids(&v)[0], "time-clocks", "{v}");

    // A folder without PDFs, or none at all, is one line naming it.
    let empty = env.dir.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let err = env
        .run(&["attach", "--dir", empty.to_str().unwrap()])
        .fails_with(2);
    assert!(err.contains("holds no .pdf files"), "{err}");
    let err = env.run(&["attach", "--dir", "nowhere"]).fails_with(1);
    assert!(err.contains("--dir"), "{err}");
}

#[test]
fn extract_no_ocr_on_a_scan_is_an_error_line_naming_the_flag() {
    let env = TestEnv::new();
    // A page that only paints an image: no text layer, made without any program.
    let scan = crate::ocr::noise_scan();
    let file = env.dir.path().join("scan.pdf");
    fs::write(&file, scan).unwrap();
    let path = file.to_str().unwrap();
    let err = env.run(&["extract", "--no-ocr", path]).fails_with(1);
    assert!(err.contains("no text layer"), "{err}");
    assert!(err.contains("without --no-ocr"), "{err}");
    // With several files, each failure is an error line of the same form.
    let typed = env.dir.path().join("typed.pdf");
    fs::write(&typed, make_pdf(&["Typed words"])).unwrap();
    let out = env.dir.path().join("texts");
    let run = env.run(&[
        "extract",
        "--no-ocr",
        "-q",
        path,
        typed.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let err = run.stderr();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with("paperdex: error: Could not extract "),
        "{err}"
    );
    assert!(
        lines[0].ends_with("without --no-ocr it is read by OCR."),
        "{err}"
    );
    assert!(fs::read_to_string(out.join("typed.txt"))
        .unwrap()
        .contains("Typed words"));
}

#[test]
fn ocr_of_a_scan_says_its_pages_done_and_left_on_a_log() {
    if !crate::ocr::ocr_installed() {
        return;
    }
    let env = TestEnv::new();
    let pages = [
        "Page one\nThe lighthouse keeper counts quorums",
        "Page two\nByzantine penguins agree",
        "Page three\nClocks drift apart slowly",
    ];
    let scan = crate::ocr::scan_of(&pages, env.dir.path());
    let server = common::Server::start(vec![("/scan.pdf", common::Route::File(scan))]);
    env.write_catalog(
        "test.toml",
        &common::catalog_at(&[("scanned", "A Scanned Classic", &server.url("/scan.pdf"))]),
    );
    env.ok(&["fetch", "-q"]);
    // Standard error is a pipe here, so no bar: lines, the first page's and the last's.
    let err = env.ok(&["update", "--offline"]).stderr();
    let ocr: Vec<&str> = err.lines().filter(|l| l.starts_with("OCR: ")).collect();
    assert!(ocr.len() >= 2, "{err}");
    assert_eq!(ocr[0], "OCR: scanned: 1 of 3 pages", "{err}");
    assert_eq!(ocr[ocr.len() - 1], "OCR: scanned: 3 of 3 pages", "{err}");
    assert!(err.contains("1 extracted (1 by OCR)"), "{err}");
    // Quiet means quiet, OCR or not.
    let env2 = TestEnv::new();
    env2.write_catalog(
        "test.toml",
        &common::catalog_at(&[("scanned", "A Scanned Classic", &server.url("/scan.pdf"))]),
    );
    let quiet = env2.ok(&["update", "-q"]).stderr();
    assert!(!quiet.contains("OCR:"), "{quiet}");
}

#[test]
fn catalog_check_reports_every_problem_of_every_file_in_order() {
    let env = TestEnv::new();
    env.write_catalog(
        "a-mine.toml",
        "[[entry]]\nid = \"one\"\ntitle = \"One\"\nyear = \"1978\"\n\n[[entry]]\nid = \"two\"\ntitle = \"Two\"\nauthors = \"Someone\"\nkind = \"poem\"\n",
    );
    env.write_catalog(
        "b-more.toml",
        "[[entry]]\nid = \"three\"\ntitle = 3\n\n[[entry]]\nid = \"four\"\ntitle = \"Four\"\ntitel = \"x\"\nurls = [\"ftp://x\"]\n",
    );
    let run = env.run(&["catalog", "check"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let out = run.stdout();
    let places: Vec<String> = out
        .lines()
        .map(|l| {
            let mut parts = l.splitn(3, ':');
            let file = parts
                .next()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            format!("{file}:{}", parts.next().unwrap())
        })
        .collect();
    assert_eq!(
        places,
        [
            "a-mine.toml:4",
            "a-mine.toml:9",
            "a-mine.toml:10",
            "b-more.toml:3",
            "b-more.toml:8",
            "b-more.toml:9",
        ],
        "{out}"
    );
    assert!(out.contains("invalid type"), "{out}");
    assert!(out.contains("unknown kind"), "{out}");
    assert!(out.contains("titel"), "{out}");
    assert!(out.contains("not http(s)"), "{out}");
    // A title of the wrong type is that problem, not a missing title as well.
    assert!(!out.contains("has no title"), "{out}");
    assert!(run.stderr().contains("6 problems"), "{}", run.stderr());
    let v: serde_json::Value =
        serde_json::from_str(&env.run(&["catalog", "check", "--json"]).stdout()).unwrap();
    assert_eq!(v["problems"].as_array().unwrap().len(), 6, "{v}");
}

#[test]
fn catalog_import_resolves_relative_links_against_a_base_url_or_says_how() {
    let env = TestEnv::new();
    let list = env.dir.path().join("list.md");
    fs::write(
        &list,
        "# My list\n## Papers\n- [Raft, the paper](papers/raft.pdf)\n- [Chord](https://example.org/chord.pdf)\n- [Old notes](../notes/old.pdf)\n- [Contents](#papers)\n",
    )
    .unwrap();
    let path = list.to_str().unwrap();
    let run = env.ok(&["catalog", "import", path, "--source", "mine"]);
    let toml = run.stdout();
    assert_eq!(toml.matches("[[entry]]").count(), 1, "{toml}");
    let err = run.stderr();
    assert!(err.contains("2 list items"), "{err}");
    assert!(err.contains("relative link"), "{err}");
    assert!(err.contains("(lines 3, 5)"), "{err}");
    assert!(err.contains("--base-url"), "{err}");

    let run = env.ok(&[
        "catalog",
        "import",
        path,
        "--source",
        "mine",
        "--base-url",
        "https://example.org/list/",
    ]);
    let toml = run.stdout();
    assert_eq!(toml.matches("[[entry]]").count(), 3, "{toml}");
    assert!(
        toml.contains("\"https://example.org/list/papers/raft.pdf\""),
        "{toml}"
    );
    assert!(
        toml.contains("\"https://example.org/notes/old.pdf\""),
        "{toml}"
    );
    assert!(!run.stderr().contains("relative"), "{}", run.stderr());
    // What it writes is a catalog the checker accepts.
    fs::write(env.catalog_dir().join("mine.toml"), &toml).unwrap();
    env.ok(&["catalog", "check"]);

    let err = env
        .run(&[
            "catalog",
            "import",
            path,
            "--source",
            "mine",
            "--base-url",
            "papers/",
        ])
        .fails_with(2);
    assert!(err.contains("--base-url"), "{err}");
}

#[test]
fn add_catalog_adds_a_folder_of_ones_own_lists_and_a_clash_names_both_files() {
    let env = TestEnv::new();
    let mine = env.dir.path().join("mine");
    fs::create_dir_all(&mine).unwrap();
    fs::write(
        mine.join("extra.toml"),
        "[[entry]]\nid = \"viewstamped-replication\"\ntitle = \"Viewstamped Replication Revisited\"\nkind = \"paper\"\ntopics = [\"papers/replication\"]\n",
    )
    .unwrap();
    let dir = mine.to_str().unwrap();
    let shown = env.ok(&["--add-catalog", dir, "show", "viewstamped-replication"]);
    assert!(shown.stdout().contains("Viewstamped Replication Revisited"));
    // The base catalog is still all there, and without the flag the entry is not.
    env.ok(&["--add-catalog", dir, "show", "time-clocks"]);
    env.run(&["show", "viewstamped-replication"]).fails_with(2);
    // The environment variable does the same, for a search too.
    env.ok(&["index", "-q"]);
    let added = env
        .cmd(&["index", "-q"])
        .env("PAPERDEX_ADD_CATALOG", dir)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let found = env
        .cmd(&["search", "--json", "viewstamped"])
        .env("PAPERDEX_ADD_CATALOG", dir)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(common::hit_ids(&v), vec!["viewstamped-replication"], "{v}");
    let check = env.ok(&["--add-catalog", dir, "catalog", "check"]).stderr();
    assert!(check.contains("7 entries in 2 files"), "{check}");

    // An id the base catalog has already is an error naming both files.
    fs::write(
        mine.join("clash.toml"),
        "[[entry]]\nid = \"raft\"\ntitle = \"My Raft notes\"\n",
    )
    .unwrap();
    let err = env
        .run(&["--add-catalog", dir, "show", "raft"])
        .fails_with(1);
    assert!(err.contains("duplicate id raft"), "{err}");
    assert!(err.contains("clash.toml"), "{err}");
    assert!(err.contains("test.toml"), "{err}");
}

#[test]
fn completion_offers_the_catalogs_ids_topics_and_kinds() {
    let env = TestEnv::new();
    let ids = env.ok(&["__complete", "ids"]).stdout();
    assert!(ids.lines().any(|l| l == "raft"), "{ids}");
    let topics = env.ok(&["__complete", "topics"]).stdout();
    assert!(topics.lines().any(|l| l == "papers/consensus"), "{topics}");
    assert!(topics.lines().any(|l| l == "consensus"), "{topics}");
    let kinds = env.ok(&["__complete", "kinds"]).stdout();
    assert!(kinds.lines().any(|l| l == "book"), "{kinds}");
    for shell in ["bash", "zsh", "fish"] {
        let script = env.ok(&["completions", shell]).stdout();
        assert!(script.contains("paperdex __complete"), "{shell}");
    }
    // The bash script, sourced, completes a topic by its last segment and an entry by its id,
    // asking the binary for the catalog in use.
    let script = env.dir.path().join("paperdex.bash");
    fs::write(&script, env.ok(&["completions", "bash"]).stdout()).unwrap();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_paperdex"))
        .parent()
        .unwrap();
    let probe = format!(
        "source {}; export PATH={}:$PATH; \
         COMP_WORDS=(paperdex search --topic cons); COMP_CWORD=3; _paperdex_values; \
         echo \"topic: ${{COMPREPLY[*]}}\"; \
         COMP_WORDS=(paperdex show paxos-made-s); COMP_CWORD=2; _paperdex_values; \
         echo \"id: ${{COMPREPLY[*]}}\"",
        script.display(),
        bin_dir.display()
    );
    let run = std::process::Command::new("bash")
        .args(["-c", &probe])
        .env("PAPERDEX_CATALOG", env.catalog_dir())
        .env("PAPERDEX_DATA", env.data_dir())
        .output()
        .expect("bash runs");
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(said.contains("topic: consensus"), "{said}");
    assert!(said.contains("id: paxos-made-simple"), "{said}");
}
