//! How each kind of server answer is handled: stored PDFs, statuses and retries, stalls,
//! HTML instead of a PDF, short bodies, redirects and the size cap.

use super::*;

#[test]
fn good_pdf_is_stored_and_recorded() {
    let body = pdf_bytes("good");
    let served = body.clone();
    let server = TestServer::start(move |_, _| {
        Reply::pdf(&served)
            .with_header("ETag", "\"v1\"")
            .with_header("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT")
    });
    let dir = tempfile::tempdir().unwrap();
    let items = [item("lamport-1978", &[server.url("/time.pdf")])];
    let (report, events) = run(&items, dir.path(), &quick_opts());

    assert_eq!(report.fetched, vec!["lamport-1978"]);
    assert!(report.ok());
    assert_eq!(
        std::fs::read(Store::new(dir.path()).pdf_path("lamport-1978")).unwrap(),
        body
    );
    assert_eq!(pdf_files(dir.path()), vec!["lamport-1978.pdf"]);
    let m = manifest(dir.path());
    let e = m.get("lamport-1978").unwrap();
    assert_eq!(e.url, server.url("/time.pdf"));
    assert_eq!(e.final_url, server.url("/time.pdf"));
    assert_eq!(e.status, 200);
    assert_eq!(e.bytes, body.len() as u64);
    assert_eq!(e.sha256, sha256_hex(&body));
    assert_eq!(e.etag.as_deref(), Some("\"v1\""));
    assert!(e.last_modified.is_some());
    assert!(e.fetched_at > 0);
    assert_eq!(e.last_error, None);
    let ua = server.requests()[0]
        .header("user-agent")
        .unwrap()
        .to_string();
    assert!(ua.starts_with("paperdex/"), "{ua}");
    assert_eq!(events.first().unwrap(), "planned 1");
    assert!(events.contains(&"started lamport-1978".to_string()));
    assert!(events
        .last()
        .unwrap()
        .starts_with("finished lamport-1978 Fetched"));

    // A second run trusts the hash and does not touch the network.
    let (again, _) = run(&items, dir.path(), &quick_opts());
    assert_eq!(again.unchanged, vec!["lamport-1978"]);
    assert_eq!(server.hits("/time.pdf"), 1);
}

#[test]
fn not_found_and_gone_are_not_retried() {
    let server = TestServer::start(|req, _| match req.path.as_str() {
        "/missing" => Reply::status(404),
        _ => Reply::status(410),
    });
    let dir = tempfile::tempdir().unwrap();
    let items = [
        item("missing", &[server.url("/missing")]),
        item("gone", &[server.url("/gone")]),
    ];
    let (report, _) = run(&items, dir.path(), &quick_opts());
    assert_failed(&report, "missing", FailReason::NotFound);
    assert_failed(&report, "gone", FailReason::NotFound);
    assert_eq!(server.hits("/missing"), 1);
    assert_eq!(server.hits("/gone"), 1);
    assert_manifest_failure(dir.path(), "missing", FailReason::NotFound);
    assert!(pdf_files(dir.path()).is_empty());
    assert_eq!(
        report.failed_by_reason().get("not found").unwrap(),
        &vec!["gone".to_string(), "missing".to_string()]
    );
    assert!(!report.ok());
}

#[test]
fn server_error_is_retried_until_success() {
    let body = pdf_bytes("after-500");
    let server = TestServer::start(move |_, hit| {
        if hit == 1 {
            Reply::status(500)
        } else {
            Reply::pdf(&body)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (report, events) = run(
        &[item("flaky", &[server.url("/p")])],
        dir.path(),
        &quick_opts(),
    );
    assert_eq!(report.fetched, vec!["flaky"]);
    assert_eq!(server.hits("/p"), 2);
    assert!(events.contains(&"retry flaky HTTP 500".to_string()));
    assert!(Store::new(dir.path()).pdf_path("flaky").exists());
    assert_eq!(manifest(dir.path()).get("flaky").unwrap().last_error, None);
}

#[test]
fn persistent_server_error_gives_up_after_retries() {
    let server = TestServer::start(|_, _| Reply::status(503));
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[item("down", &[server.url("/p")])],
        dir.path(),
        &quick_opts(),
    );
    assert_failed(&report, "down", FailReason::Http(503));
    assert_eq!(server.hits("/p"), 3);
    assert_manifest_failure(dir.path(), "down", FailReason::Http(503));
}

#[test]
fn too_many_requests_honours_retry_after() {
    let body = pdf_bytes("patience");
    let server = TestServer::start(move |_, hit| {
        if hit == 1 {
            Reply::status(429).with_header("Retry-After", "1")
        } else {
            Reply::pdf(&body)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[item("busy", &[server.url("/p")])],
        dir.path(),
        &quick_opts(),
    );
    assert_eq!(report.fetched, vec!["busy"]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at - reqs[0].at;
    assert!(gap >= Duration::from_millis(950), "retried after {gap:?}");
    assert!(Store::new(dir.path()).pdf_path("busy").exists());
}

#[test]
fn stalled_servers_time_out_and_the_run_finishes() {
    let good = pdf_bytes("fine");
    let head = pdf_bytes("stalls")[..20].to_vec();
    let server = TestServer::start(move |req, _| match req.path.as_str() {
        "/silent" => Reply::Stall(Duration::from_secs(10)),
        "/midway" => Reply::raw(Some(500), &head, Some(Duration::from_secs(10))),
        _ => Reply::pdf(&good),
    });
    let dir = tempfile::tempdir().unwrap();
    let opts = FetchOptions {
        retries: 1,
        ..quick_opts()
    };
    let items = [
        item("silent", &[server.url("/silent")]),
        item("midway", &[server.url("/midway")]),
        item("fine", &[server.url("/fine")]),
    ];
    let started = Instant::now();
    let (report, _) = run(&items, dir.path(), &opts);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    assert_failed(&report, "silent", FailReason::Timeout);
    assert_failed(&report, "midway", FailReason::Timeout);
    assert_eq!(report.fetched, vec!["fine"]);
    assert_eq!(server.hits("/silent"), 2);
    assert_manifest_failure(dir.path(), "silent", FailReason::Timeout);
    assert_manifest_failure(dir.path(), "midway", FailReason::Timeout);
    assert_eq!(pdf_files(dir.path()), vec!["fine.pdf"]);
}

#[test]
fn html_page_is_not_a_pdf() {
    let server = TestServer::start(|_, _| Reply::Full {
        status: 200,
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: b"<!doctype html><html><body>Please log in</body></html>".to_vec(),
    });
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[item("paywalled", &[server.url("/p")])],
        dir.path(),
        &quick_opts(),
    );
    assert_failed(&report, "paywalled", FailReason::NotPdf);
    assert_eq!(server.hits("/p"), 1);
    assert_manifest_failure(dir.path(), "paywalled", FailReason::NotPdf);
    assert!(pdf_files(dir.path()).is_empty());
    assert_eq!(
        report.failed_by_reason().keys().collect::<Vec<_>>(),
        vec!["not a PDF"]
    );
}

#[test]
fn body_shorter_than_content_length_is_truncated() {
    let body = pdf_bytes("short");
    let server =
        TestServer::start(move |_, _| Reply::raw(Some(body.len() as u64 + 100), &body, None));
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[item("short", &[server.url("/p")])],
        dir.path(),
        &quick_opts(),
    );
    assert_failed(&report, "short", FailReason::Truncated);
    assert_manifest_failure(dir.path(), "short", FailReason::Truncated);
    assert!(pdf_files(dir.path()).is_empty());
}

#[test]
fn body_without_eof_marker_is_truncated() {
    let body = pdf_bytes("cut")[..30].to_vec();
    let server = TestServer::start(move |_, _| Reply::raw(None, &body, None));
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[item("cut", &[server.url("/p")])],
        dir.path(),
        &quick_opts(),
    );
    assert_failed(&report, "cut", FailReason::Truncated);
    assert!(pdf_files(dir.path()).is_empty());
}

#[test]
fn redirect_chain_is_followed() {
    let body = pdf_bytes("moved");
    let served = body.clone();
    let server = TestServer::start(move |req, _| {
        let host = req.header("host").unwrap_or_default().to_string();
        match req.path.as_str() {
            "/a" => Reply::redirect(302, "/b"),
            "/b" => Reply::redirect(301, &format!("http://{host}/files/c")),
            "/files/c" => Reply::redirect(307, "d.pdf"),
            "/files/d.pdf" => Reply::pdf(&served),
            _ => Reply::status(404),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[item("moved", &[server.url("/a")])],
        dir.path(),
        &quick_opts(),
    );
    assert_eq!(report.fetched, vec!["moved"]);
    let m = manifest(dir.path());
    let e = m.get("moved").unwrap();
    assert_eq!(e.url, server.url("/a"));
    assert_eq!(e.final_url, server.url("/files/d.pdf"));
    assert_eq!(e.sha256, sha256_hex(&body));
    assert_eq!(
        std::fs::read(Store::new(dir.path()).pdf_path("moved")).unwrap(),
        body
    );
}

#[test]
fn redirect_loops_long_chains_and_foreign_schemes_fail() {
    let server = TestServer::start(|req, _| match req.path.as_str() {
        "/x" => Reply::redirect(302, "/y"),
        "/y" => Reply::redirect(302, "/x"),
        "/ftp" => Reply::redirect(302, "ftp://example.org/paper.pdf"),
        path => {
            // /n1 -> /n2 -> ... : an endless but loop-free chain.
            let n: u32 = path.trim_start_matches("/n").parse().unwrap_or(0);
            Reply::redirect(302, &format!("/n{}", n + 1))
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let opts = FetchOptions {
        max_redirects: 3,
        ..quick_opts()
    };
    let items = [
        item("loop", &[server.url("/x")]),
        item("chain", &[server.url("/n1")]),
        item("ftp", &[server.url("/ftp")]),
    ];
    let (report, _) = run(&items, dir.path(), &opts);
    assert_failed(&report, "loop", FailReason::TooManyRedirects);
    assert_failed(&report, "chain", FailReason::TooManyRedirects);
    assert_failed(&report, "ftp", FailReason::BadUrl);
    assert_eq!(server.hits("/x"), 1);
    assert_eq!(server.hits("/n4"), 1);
    assert_eq!(server.hits("/n5"), 0);
    assert_manifest_failure(dir.path(), "loop", FailReason::TooManyRedirects);
    assert_manifest_failure(dir.path(), "ftp", FailReason::BadUrl);
    assert!(pdf_files(dir.path()).is_empty());
}

#[test]
fn bodies_over_the_size_cap_are_refused() {
    let mut big = pdf_bytes("big");
    big.splice(10..10, vec![b' '; 4096]);
    let served = big.clone();
    let server = TestServer::start(move |req, _| match req.path.as_str() {
        "/announced" => Reply::pdf(&served),
        _ => Reply::raw(None, &served, None),
    });
    let dir = tempfile::tempdir().unwrap();
    let opts = FetchOptions {
        max_size: 1024,
        ..quick_opts()
    };
    let items = [
        item("announced", &[server.url("/announced")]),
        item("streamed", &[server.url("/streamed")]),
    ];
    let (report, _) = run(&items, dir.path(), &opts);
    assert_failed(&report, "announced", FailReason::TooLarge);
    assert_failed(&report, "streamed", FailReason::TooLarge);
    assert_eq!(server.hits("/announced"), 1);
    assert_manifest_failure(dir.path(), "streamed", FailReason::TooLarge);
    assert!(pdf_files(dir.path()).is_empty());

    // The same bodies pass once the cap allows them.
    let (report, _) = run(&items, dir.path(), &quick_opts());
    assert_eq!(report.fetched, vec!["announced", "streamed"]);
}
