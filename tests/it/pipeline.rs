//! The whole pipeline through the real binary against a loopback HTTP server: fetch, extract
//! and index, then a search that names the page of the hit; incremental runs; interrupted
//! downloads; attaching a PDF by hand; and the `extract` command.

use std::fs;
use std::time::{Duration, Instant};

use crate::common::{catalog_at, files_under, hit_ids, make_pdf, Route, Server, TestEnv};

/// A catalog of three papers on a loopback server: one good, one missing, one not open.
fn env_with_server() -> (TestEnv, Server) {
    let pdf = make_pdf(&[
        "A study of replicated logs\nwith several servers",
        "Here the quorum intersection argument\nfor linearizability appears",
        "Conclusions and future work",
    ]);
    let server = Server::start(vec![
        ("/good.pdf", Route::File(pdf)),
        ("/gone.pdf", Route::Status(404)),
    ]);
    let env = TestEnv::new();
    env.write_catalog(
        "test.toml",
        &format!(
            r#"
[[entry]]
id = "good"
title = "Replicated Logs"
kind = "paper"
topics = ["papers/replication"]
urls = ["{}"]

[[entry]]
id = "gone"
title = "A Vanished Paper"
kind = "paper"
urls = ["{}"]

[[entry]]
id = "closed"
title = "A Paywalled Book"
kind = "book"
access = "paywall"
urls = ["https://example.invalid/book"]
"#,
            server.url("/good.pdf"),
            server.url("/gone.pdf")
        ),
    );
    (env, server)
}

#[test]
fn update_fetches_extracts_and_indexes_with_page_numbers() {
    let (env, _server) = env_with_server();
    let run = env.ok(&["update"]);
    let err = run.stderr();
    assert!(
        err.contains(
            "Fetch: 1 fetched, 0 unchanged, 1 failed; skipped: 0 without URL, 1 not open access."
        ),
        "{err}"
    );
    assert!(err.contains("not found (1): gone"), "{err}");
    assert!(
        err.contains("Extract: 1 extracted, 0 unchanged, 0 without text."),
        "{err}"
    );
    assert!(err.contains("Index: 3 added"), "{err}");
    assert!(env.data_dir().join("pdf/good.pdf").exists());
    assert!(!env.data_dir().join("pdf/gone.pdf").exists());

    let v = env.search_json(&["quorum", "intersection"]);
    assert_eq!(hit_ids(&v), vec!["good"]);
    assert_eq!(v["hits"][0]["page"], 2);
    let snippet = v["hits"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("quorum intersection"), "{snippet}");
    assert_eq!(env.search_json(&["conclusions"])["hits"][0]["page"], 3);
    // A metadata-only match has no page.
    assert_eq!(
        env.search_json(&["vanished"])["hits"][0]["page"],
        serde_json::Value::Null
    );

    let human = env.ok(&["search", "linearizability"]).stdout();
    assert!(human.contains("p. 2: "), "{human}");

    let again = env.ok(&["update"]).stderr();
    assert!(
        again.contains("0 fetched, 1 unchanged, 1 failed"),
        "{again}"
    );
    assert!(
        again.contains("Extract: 0 extracted, 1 unchanged"),
        "{again}"
    );
    assert!(
        again.contains("Index: 0 added, 0 updated, 0 removed, 3 unchanged."),
        "{again}"
    );

    let show = env.ok(&["show", "good"]).stdout();
    assert!(show.contains("pdf/good.pdf"), "{show}");
    assert!(show.contains("text/good.txt (3 pages)"), "{show}");
    assert!(show.contains("/good.pdf"), "{show}");
    let gone = env.ok(&["show", "gone"]).stdout();
    assert!(gone.contains("none: the last download failed"), "{gone}");
    let closed = env.ok(&["show", "closed"]).stdout();
    assert!(closed.contains("none: not open access"), "{closed}");
}

#[test]
fn fetch_exit_code_says_whether_anything_failed() {
    let (env, _server) = env_with_server();
    let run = env.run(&["fetch"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let only_good = env.run(&["fetch", "--only", "good"]);
    assert_eq!(only_good.code(), Some(0), "{}", only_good.stderr());
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(env.data_dir().join("manifest.json")).unwrap()).unwrap();
    let text = manifest.to_string();
    assert!(text.contains("good.pdf"), "{text}");
    let line = env.run(&["fetch", "--max-size", "lots"]).fails_with(2);
    assert!(line.contains("Invalid size"), "{line}");
}

#[test]
fn killed_download_leaves_no_partial_pdf_and_the_next_run_resumes() {
    let pdf = make_pdf(&["stalled text"; 40]);
    let stall = Server::start(vec![("/slow.pdf", Route::Stall(pdf.clone()))]);
    let env = TestEnv::new();
    env.write_catalog(
        "test.toml",
        &catalog_at(&[("slow", "Slow", &stall.url("/slow.pdf"))]),
    );
    let mut child = env.cmd(&["fetch"]).spawn().unwrap();
    // Wait until the download has started writing, then kill the process outright.
    let deadline = Instant::now() + Duration::from_secs(20);
    while files_under(&env.data_dir().join("pdf")).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !env.data_dir().join("pdf/slow.pdf").exists(),
        "no partial PDF under its real name"
    );

    let good = Server::start(vec![("/slow.pdf", Route::File(pdf.clone()))]);
    env.write_catalog(
        "test.toml",
        &catalog_at(&[("slow", "Slow", &good.url("/slow.pdf"))]),
    );
    env.ok(&["fetch"]);
    assert_eq!(fs::read(env.data_dir().join("pdf/slow.pdf")).unwrap(), pdf);
    let left: Vec<_> = files_under(&env.data_dir().join("pdf"));
    assert_eq!(
        left,
        vec![env.data_dir().join("pdf/slow.pdf")],
        "no temporary files left"
    );
}

#[test]
fn attach_adopts_a_pdf_and_update_offline_indexes_it() {
    let env = TestEnv::new();
    let file = env.dir.path().join("bought.pdf");
    fs::write(
        &file,
        make_pdf(&["storage engines and log structured merge trees"]),
    )
    .unwrap();
    env.ok(&["attach", "ddia", file.to_str().unwrap()]);
    env.ok(&["update", "--offline"]);
    let v = env.search_json(&["merge", "trees"]);
    assert_eq!(hit_ids(&v), vec!["ddia"]);
    assert_eq!(v["hits"][0]["page"], 1);

    let junk = env.dir.path().join("junk.pdf");
    fs::write(&junk, "<html>login</html>").unwrap();
    let line = env
        .run(&["attach", "raft", junk.to_str().unwrap()])
        .fails_with(1);
    assert!(line.contains("raft"), "{line}");
    let line = env
        .run(&["attach", "nope", file.to_str().unwrap()])
        .fails_with(2);
    assert!(line.contains("No entry \"nope\""), "{line}");
}

#[test]
fn extract_command_writes_text_and_reports_bad_files() {
    let env = TestEnv::new();
    let a = env.dir.path().join("a.pdf");
    let b = env.dir.path().join("b.pdf");
    let bad = env.dir.path().join("bad.pdf");
    fs::write(&a, make_pdf(&["first page", "second page"])).unwrap();
    fs::write(&b, make_pdf(&["other"])).unwrap();
    fs::write(&bad, b"%PDF-1.4 garbage").unwrap();

    let one = env.ok(&["extract", a.to_str().unwrap()]).stdout();
    assert_eq!(
        one.split('\x0c').map(str::trim).collect::<Vec<_>>(),
        vec!["first page", "second page"]
    );

    let out = env.dir.path().join("out");
    let run = env.run(&[
        "extract",
        "--out",
        out.to_str().unwrap(),
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(run.code(), Some(1));
    assert!(run.stderr().contains("bad.pdf"), "{}", run.stderr());
    assert_eq!(
        fs::read_to_string(out.join("b.txt")).unwrap().trim(),
        "other"
    );
    assert!(out.join("a.txt").exists());
    assert!(!out.join("bad.txt").exists());
}

#[test]
fn a_pdf_without_text_is_reported_once_and_indexed_by_its_metadata() {
    let env = TestEnv::new();
    let scan = env.dir.path().join("scan.pdf");
    fs::write(&scan, make_pdf(&["", ""])).unwrap();
    env.ok(&["attach", "raft", scan.to_str().unwrap()]);
    let first = env.ok(&["update", "--offline"]).stderr();
    assert!(
        first.contains("warning: raft: no text extracted: no text layer"),
        "{first}"
    );
    assert!(
        first.contains("Extract: 0 extracted, 0 unchanged, 1 without text."),
        "{first}"
    );
    let second = env.ok(&["update", "--offline"]).stderr();
    assert!(!second.contains("warning"), "{second}");
    assert!(
        second.contains("Extract: 0 extracted, 0 unchanged, 1 without text."),
        "{second}"
    );
    assert_eq!(hit_ids(&env.search_json(&["understandable"])), vec!["raft"]);
    let show = env.ok(&["show", "raft"]).stdout();
    assert!(show.contains("text      none: no text layer"), "{show}");
}

#[test]
fn update_without_network_says_so_once_and_indexes_the_catalog() {
    // Ports that were just free: nothing listens there, so every connection is refused.
    let dead: Vec<String> = (0..4)
        .map(|_| {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/p.pdf", l.local_addr().unwrap())
        })
        .collect();
    let env = TestEnv::new();
    let mut catalog = String::new();
    for (i, url) in dead.iter().enumerate() {
        catalog.push_str(&format!(
            "[[entry]]\nid = \"p{i}\"\ntitle = \"Paper {i}\"\nurls = [\"{url}\"]\n\n"
        ));
    }
    catalog.push_str("[[entry]]\nid = \"talk\"\ntitle = \"A Talk\"\nkind = \"video\"\nurls = [\"https://video.invalid/x\"]\n");
    env.write_catalog("test.toml", &catalog);
    let err = env.ok(&["update"]).stderr();
    assert!(
        err.contains("5 failed; skipped: 0 without URL, 0 not open access."),
        "{err}"
    );
    assert!(err.contains("No network: no host answered"), "{err}");
    assert!(
        !err.contains("network error ("),
        "failures are not listed one by one: {err}"
    );
    assert!(err.contains("Index: 5 added"), "{err}");
    assert_eq!(hit_ids(&env.search_json(&["talk"])), vec!["talk"]);
}
