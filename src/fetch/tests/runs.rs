//! Whole runs over several papers: refreshes, fallback URLs, failure details, per-host
//! concurrency, resuming, selection options, attached PDFs and the calling context.

use super::*;

#[test]
fn refresh_sends_validators_and_keeps_file_on_304() {
    let body = pdf_bytes("v1");
    let served = body.clone();
    let server = TestServer::start(move |req, _| {
        if req.header("if-none-match") == Some("\"v1\"") {
            Reply::status(304)
        } else {
            Reply::pdf(&served)
                .with_header("ETag", "\"v1\"")
                .with_header("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT")
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let items = [item("stable", &[server.url("/p")])];
    let (first, _) = run(&items, dir.path(), &quick_opts());
    assert_eq!(first.fetched, vec!["stable"]);
    let before = manifest(dir.path()).get("stable").unwrap().clone();

    let opts = FetchOptions {
        refresh: true,
        ..quick_opts()
    };
    let (second, events) = run(&items, dir.path(), &opts);
    assert_eq!(second.unchanged, vec!["stable"]);
    assert!(events.iter().any(|e| e == "finished stable Unchanged"));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(
        reqs[1].header("if-modified-since"),
        Some("Wed, 01 Jan 2025 00:00:00 GMT")
    );
    assert_eq!(
        std::fs::read(Store::new(dir.path()).pdf_path("stable")).unwrap(),
        body
    );
    let after = manifest(dir.path()).get("stable").unwrap().clone();
    assert_eq!(after.sha256, before.sha256);
    assert_eq!(after.fetched_at, before.fetched_at);
    assert_eq!(after.last_error, None);
}

#[test]
fn refresh_replaces_a_changed_file() {
    let server = TestServer::start(|_, hit| {
        Reply::pdf(&pdf_bytes(&format!("edition {hit}")))
            .with_header("ETag", &format!("\"e{hit}\""))
    });
    let dir = tempfile::tempdir().unwrap();
    let items = [item("living", &[server.url("/p")])];
    run(&items, dir.path(), &quick_opts());
    let opts = FetchOptions {
        refresh: true,
        ..quick_opts()
    };
    let (report, _) = run(&items, dir.path(), &opts);
    assert_eq!(report.fetched, vec!["living"]);
    let e = manifest(dir.path()).get("living").unwrap().clone();
    assert_eq!(e.sha256, sha256_hex(&pdf_bytes("edition 2")));
    assert_eq!(e.etag.as_deref(), Some("\"e2\""));
    assert_eq!(server.requests()[1].header("if-none-match"), Some("\"e1\""));
    assert_eq!(pdf_files(dir.path()), vec!["living.pdf"]);
}

#[test]
fn second_url_is_used_when_the_first_fails() {
    let body = pdf_bytes("mirror");
    let served = body.clone();
    let server = TestServer::start(move |req, _| match req.path.as_str() {
        "/mirror.pdf" => Reply::pdf(&served),
        _ => Reply::status(404),
    });
    let dir = tempfile::tempdir().unwrap();
    let urls = [server.url("/dead.pdf"), server.url("/mirror.pdf")];
    let (report, events) = run(&[item("mirrored", &urls)], dir.path(), &quick_opts());
    assert_eq!(report.fetched, vec!["mirrored"]);
    assert_eq!(
        events.iter().filter(|e| *e == "started mirrored").count(),
        2
    );
    let e = manifest(dir.path()).get("mirrored").unwrap().clone();
    assert_eq!(e.url, urls[1]);
    assert_eq!(e.sha256, sha256_hex(&body));
    assert_eq!(
        std::fs::read(Store::new(dir.path()).pdf_path("mirrored")).unwrap(),
        body
    );
}

#[test]
fn failure_detail_names_every_url_and_bad_urls_are_reported() {
    let server = TestServer::start(|_, _| Reply::status(403));
    let dir = tempfile::tempdir().unwrap();
    let urls = [
        "mailto:someone@example.org".to_string(),
        server.url("/locked"),
    ];
    let (report, _) = run(&[item("locked", &urls)], dir.path(), &quick_opts());
    assert_failed(&report, "locked", FailReason::Forbidden);
    let detail = &report.failed[0].2;
    assert!(
        detail.contains("mailto:") && detail.contains("/locked"),
        "{detail}"
    );
    assert_eq!(server.hits("/locked"), 1);

    let (report, _) = run(&[item("odd", &urls[..1])], dir.path(), &quick_opts());
    assert_failed(&report, "odd", FailReason::BadUrl);
}

#[test]
fn per_host_concurrency_stays_within_the_cap() {
    let server = TestServer::start(|req, _| {
        Reply::Delayed(
            Duration::from_millis(150),
            Box::new(Reply::pdf(&pdf_bytes(&req.path))),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<FetchItem> = (0..6)
        .map(|i| item(&format!("p{i}"), &[server.url(&format!("/{i}.pdf"))]))
        .collect();
    let opts = FetchOptions {
        jobs: 6,
        per_host: 2,
        ..quick_opts()
    };
    let (report, _) = run(&items, dir.path(), &opts);
    assert_eq!(report.fetched.len(), 6, "{report:?}");
    assert_eq!(server.max_in_flight(), 2);
    assert_eq!(manifest(dir.path()).len(), 6);
    assert_eq!(pdf_files(dir.path()).len(), 6);
}

#[test]
fn interrupted_run_is_cleaned_and_resumed() {
    let server = TestServer::start(|req, _| Reply::pdf(&pdf_bytes(&req.path)));
    let dir = tempfile::tempdir().unwrap();
    let items = [
        item("done", &[server.url("/done")]),
        item("half", &[server.url("/half")]),
    ];
    run(&items[..1], dir.path(), &quick_opts());
    // What a kill -9 in the middle of "half" leaves behind.
    let part = Store::new(dir.path()).pdf_part_path("half");
    std::fs::write(&part, b"%PDF-1.4\nhalf of a").unwrap();
    let stray = Store::new(dir.path()).pdf_dir().join(".other.pdf.part");
    std::fs::write(&stray, b"junk").unwrap();

    let (report, _) = run(&items, dir.path(), &quick_opts());
    // A run cleans the parts of what it fetches; another id's may belong to a shard fetching
    // beside it, and are left to the next command that holds the data directory alone.
    assert_eq!(report.cleaned_parts, 1);
    assert!(stray.exists());
    std::fs::remove_file(&stray).unwrap();
    assert_eq!(report.unchanged, vec!["done"]);
    assert_eq!(report.fetched, vec!["half"]);
    assert_eq!(pdf_files(dir.path()), vec!["done.pdf", "half.pdf"]);
    assert_eq!(
        std::fs::read(Store::new(dir.path()).pdf_path("half")).unwrap(),
        pdf_bytes("/half")
    );
    assert_eq!(server.hits("/done"), 1);
    assert!(manifest(dir.path()).get("half").unwrap().has_file());
}

#[test]
fn damaged_stored_file_is_fetched_again() {
    let server = TestServer::start(|_, _| Reply::pdf(&pdf_bytes("orig")));
    let dir = tempfile::tempdir().unwrap();
    let items = [item("bitrot", &[server.url("/p")])];
    run(&items, dir.path(), &quick_opts());
    std::fs::write(Store::new(dir.path()).pdf_path("bitrot"), pdf_bytes("oops")).unwrap();
    let (report, _) = run(&items, dir.path(), &quick_opts());
    assert_eq!(report.fetched, vec!["bitrot"]);
    assert_eq!(
        std::fs::read(Store::new(dir.path()).pdf_path("bitrot")).unwrap(),
        pdf_bytes("orig")
    );
}

#[test]
fn skips_and_selection_options() {
    let server = TestServer::start(|req, hit| match (req.path.as_str(), hit) {
        ("/later", 1) => Reply::status(404),
        _ => Reply::pdf(&pdf_bytes(&req.path)),
    });
    let dir = tempfile::tempdir().unwrap();
    let closed = FetchItem {
        open_access: false,
        web: false,
        ..item("closed", &[server.url("/closed")])
    };
    let items = [
        item("nourl", &[]),
        closed,
        item("later", &[server.url("/later")]),
        item("fine", &[server.url("/fine")]),
        item("other", &[server.url("/other")]),
    ];
    let only = FetchOptions {
        only: Some(vec![
            "nourl".into(),
            "closed".into(),
            "later".into(),
            "fine".into(),
            "typo".into(),
        ]),
        ..quick_opts()
    };
    let (report, events) = run(&items, dir.path(), &only);
    assert_eq!(events[0], "planned 4");
    assert_eq!(report.unknown_only, vec!["typo"]);
    assert_eq!(report.skipped_no_url, vec!["nourl"]);
    assert_eq!(report.skipped_not_open, vec!["closed"]);
    assert_failed(&report, "later", FailReason::NotFound);
    assert_eq!(report.fetched, vec!["fine"]);
    assert_eq!(server.hits("/closed"), 0);
    assert_eq!(server.hits("/other"), 0);

    let retry = FetchOptions {
        retry_failed: true,
        ..quick_opts()
    };
    let (report, events) = run(&items, dir.path(), &retry);
    assert_eq!(events[0], "planned 1");
    assert_eq!(report.fetched, vec!["later"]);
    assert_eq!(server.hits("/fine"), 1);
    assert_eq!(server.hits("/other"), 0);
    let m = manifest(dir.path());
    assert_eq!(m.get("later").unwrap().last_error, None);
    assert!(m.get("nourl").is_none());
}

#[test]
fn invalid_or_duplicate_ids_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let none = |_: FetchEvent| {};
    let bad = [item("../escape", &["http://127.0.0.1:9/x".into()])];
    assert!(fetch_all(&bad, &Store::new(dir.path()), &quick_opts(), &none).is_err());
    let dup = [item("a", &[]), item("a", &[])];
    assert!(fetch_all(&dup, &Store::new(dir.path()), &quick_opts(), &none).is_err());
    assert!(!dir.path().join("pdf").join("..escape.pdf").exists());
}

#[test]
fn attach_adopts_a_valid_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("download.pdf");
    let body = pdf_bytes("by hand");
    std::fs::write(&src, &body).unwrap();
    let entry = attach("manual", &src, &Store::new(dir.path()), 1 << 20).unwrap();
    assert_eq!(entry.sha256, sha256_hex(&body));
    assert_eq!(entry.bytes, body.len() as u64);
    assert!(entry.url.starts_with("file://"));
    assert_eq!(
        std::fs::read(Store::new(dir.path()).pdf_path("manual")).unwrap(),
        body
    );
    assert_eq!(manifest(dir.path()).get("manual"), Some(&entry));
    assert_eq!(pdf_files(dir.path()), vec!["manual.pdf"]);

    assert!(entry.is_attached());

    // The adopted file counts as present, and a refresh does not replace it.
    let server = TestServer::start(|_, _| Reply::pdf(&pdf_bytes("from the web")));
    let items = [item("manual", &[server.url("/p")])];
    let (report, _) = run(&items, dir.path(), &quick_opts());
    assert_eq!(report.unchanged, vec!["manual"]);
    let refresh = FetchOptions {
        refresh: true,
        ..quick_opts()
    };
    let (report, _) = run(&items, dir.path(), &refresh);
    assert_eq!(report.unchanged, vec!["manual"]);
    assert_eq!(server.hits("/p"), 0);
    assert_eq!(
        std::fs::read(Store::new(dir.path()).pdf_path("manual")).unwrap(),
        body
    );

    // A closed-access paper with an attached PDF is reported as present, not skipped.
    let closed = [FetchItem {
        open_access: false,
        web: false,
        ..item("manual", &[])
    }];
    let (report, _) = run(&closed, dir.path(), &quick_opts());
    assert_eq!(report.unchanged, vec!["manual"]);
    assert!(report.skipped_not_open.is_empty());
}

#[test]
fn attach_refuses_a_non_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("page.html");
    std::fs::write(&src, b"<html>not a paper</html>").unwrap();
    let err = attach("manual", &src, &Store::new(dir.path()), 1 << 20).unwrap_err();
    assert_eq!(err.downcast_ref::<FailReason>(), Some(&FailReason::NotPdf));
    assert!(format!("{err:#}").contains("page.html"));
    assert!(!Store::new(dir.path()).pdf_path("manual").exists());
    assert!(pdf_files(dir.path()).is_empty());
    assert!(manifest(dir.path()).is_empty());

    let missing = attach(
        "manual",
        &dir.path().join("nope.pdf"),
        &Store::new(dir.path()),
        1 << 20,
    )
    .unwrap_err();
    assert!(format!("{missing:#}").contains("nope.pdf"));
    assert!(attach("Bad/Id", &src, &Store::new(dir.path()), 1 << 20).is_err());
    let big = dir.path().join("big.pdf");
    std::fs::write(&big, pdf_bytes("a little too long")).unwrap();
    let err = attach("manual", &big, &Store::new(dir.path()), 16).unwrap_err();
    assert_eq!(
        err.downcast_ref::<FailReason>(),
        Some(&FailReason::TooLarge)
    );
    assert!(pdf_files(dir.path()).is_empty());
}

#[test]
fn retry_failed_reattempts_a_failed_refresh() {
    let server = TestServer::start(|_, hit| match hit {
        2 => Reply::status(500),
        _ => Reply::pdf(&pdf_bytes("kept")).with_header("ETag", "\"k\""),
    });
    let dir = tempfile::tempdir().unwrap();
    let items = [item("kept", &[server.url("/p")])];
    run(&items, dir.path(), &quick_opts());
    let refresh = FetchOptions {
        refresh: true,
        retries: 0,
        ..quick_opts()
    };
    let (report, _) = run(&items, dir.path(), &refresh);
    assert_failed(&report, "kept", FailReason::Http(500));
    // The failed refresh keeps the good copy and its record.
    let e = manifest(dir.path()).get("kept").unwrap().clone();
    assert!(e.has_file() && e.failed());
    assert!(Store::new(dir.path()).pdf_path("kept").exists());

    let retry = FetchOptions {
        retry_failed: true,
        ..quick_opts()
    };
    let (report, _) = run(&items, dir.path(), &retry);
    assert_eq!(report.unchanged, vec!["kept"]);
    assert_eq!(server.hits("/p"), 3);
    assert!(!manifest(dir.path()).get("kept").unwrap().failed());
}

#[test]
fn calling_from_async_code_is_an_error_not_a_panic() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let none = |_: FetchEvent| {};
    let result =
        rt.block_on(async { fetch_all(&[], &Store::new(dir.path()), &quick_opts(), &none) });
    assert!(result.is_err());
}
