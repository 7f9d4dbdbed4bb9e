//! End-to-end tests of the fetch stage (catalog -> **fetch** -> extract -> index -> search)
//! against the scripted loopback server: every test checks the stored files,
//! the manifest and the reported reason.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::test_server::{Reply, TestServer};
use super::*;
use crate::store::Store;

/// A tiny but structurally plausible PDF; `tag` makes contents distinguishable.
fn pdf_bytes(tag: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n% {tag}\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    crate::store::hex(&sha2::Sha256::digest(bytes))
}

/// Options with timeouts and backoff small enough to keep the suite fast.
fn quick_opts() -> FetchOptions {
    FetchOptions {
        jobs: 4,
        per_host: 2,
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_millis(400),
        retries: 2,
        backoff_base: Duration::from_millis(10),
        max_backoff: Duration::from_secs(3),
        // Tests talk to 127.0.0.1 only, whatever proxy the environment names.
        env_proxy: false,
        ..FetchOptions::default()
    }
}

fn item(id: &str, urls: &[String]) -> FetchItem {
    FetchItem {
        id: id.to_string(),
        urls: urls.to_vec(),
        open_access: true,
        web: false,
    }
}

/// Runs `fetch_all` and returns the report plus a compact log of the events.
fn run(items: &[FetchItem], dir: &Path, opts: &FetchOptions) -> (FetchReport, Vec<String>) {
    let log = Mutex::new(Vec::new());
    let on_event = |ev: FetchEvent| {
        let line = match ev {
            FetchEvent::Planned { total } => format!("planned {total}"),
            FetchEvent::Started { id, .. } => format!("started {id}"),
            FetchEvent::Progress { id, .. } => format!("progress {id}"),
            FetchEvent::Retrying { id, reason, .. } => format!("retry {id} {reason}"),
            FetchEvent::Finished { id, outcome } => format!("finished {id} {outcome:?}"),
        };
        log.lock().unwrap().push(line);
    };
    let report = fetch_all(items, &Store::new(dir), opts, &on_event).expect("fetch_all");
    (report, log.into_inner().unwrap())
}

fn manifest(dir: &Path) -> Manifest {
    Manifest::load(&Store::new(dir)).unwrap()
}

/// Lists the file names in `<dir>/pdf`, hidden ones included.
fn pdf_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(Store::new(dir).pdf_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn assert_failed(report: &FetchReport, id: &str, reason: FailReason) {
    let found = report.failed.iter().find(|(i, _, _)| i == id);
    match found {
        Some((_, r, detail)) => assert_eq!(*r, reason, "{id}: {detail}"),
        None => panic!("{id} did not fail: {report:?}"),
    }
}

fn assert_manifest_failure(dir: &Path, id: &str, reason: FailReason) {
    let m = manifest(dir);
    let entry = m.get(id).expect("manifest entry");
    assert_eq!(entry.last_reason, Some(reason));
    assert!(entry.last_error.is_some());
    assert!(!entry.has_file());
}

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
    assert_eq!(report.cleaned_parts, 2);
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
fn https_to_a_non_tls_server_is_a_tls_failure() {
    // Answers every connection with plain HTTP, which no TLS handshake survives.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(3) {
            use std::io::Write;
            let Ok(mut stream) = stream else { continue };
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let opts = FetchOptions {
        retries: 0,
        ..quick_opts()
    };
    let url = format!("https://127.0.0.1:{port}/paper.pdf");
    let (report, _) = run(&[item("secure", &[url])], dir.path(), &opts);
    assert_failed(&report, "secure", FailReason::Tls);
    assert_manifest_failure(dir.path(), "secure", FailReason::Tls);
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

#[test]
fn refused_connection_is_a_network_failure() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let (report, events) = run(
        &[item("offline", &[format!("http://127.0.0.1:{port}/p.pdf")])],
        dir.path(),
        &quick_opts(),
    );
    assert_failed(&report, "offline", FailReason::Network);
    assert_eq!(
        events
            .iter()
            .filter(|e| e.starts_with("retry offline"))
            .count(),
        2
    );
    assert_manifest_failure(dir.path(), "offline", FailReason::Network);
}

#[test]
fn manifest_is_saved_in_batches_and_at_the_end() {
    let server = TestServer::start(|_, _| Reply::status(404));
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<FetchItem> = (0..300)
        .map(|n| item(&format!("gone-{n}"), &[server.url(&format!("/{n}"))]))
        .collect();
    let before = super::run::SAVES.with(|s| s.get());
    let started = Instant::now();
    let (report, _) = run(&items, dir.path(), &quick_opts());
    let saves = super::run::SAVES.with(|s| s.get()) - before;
    assert_eq!(report.failed.len(), 300);
    assert_eq!(manifest(dir.path()).len(), 300);
    // One save at the end, and one more for every two seconds the run took; never one a paper.
    let allowed = 1 + (started.elapsed().as_secs() / 2) as usize;
    assert!(
        saves >= 1 && saves <= allowed,
        "{saves} saves, {allowed} allowed"
    );
}

#[test]
fn manifest_is_saved_while_a_long_download_runs() {
    let server = TestServer::start(|req, _| match req.path.as_str() {
        "/slow" => Reply::Delayed(
            Duration::from_millis(2600),
            Box::new(Reply::pdf(&pdf_bytes("slow"))),
        ),
        _ => Reply::pdf(&pdf_bytes("quick")),
    });
    let dir = tempfile::tempdir().unwrap();
    let items = [
        item("quick", &[server.url("/quick")]),
        item("slow", &[server.url("/slow")]),
    ];
    let seen_on_disk = Mutex::new(Vec::new());
    let data_dir = dir.path();
    let on_event = |ev: FetchEvent| {
        if let FetchEvent::Finished { id, .. } = ev {
            // What a kill -9 right now would leave for the next run.
            let ids: Vec<String> = Manifest::load(&Store::new(data_dir))
                .unwrap()
                .iter()
                .map(|(k, _)| k.to_string())
                .collect();
            seen_on_disk.lock().unwrap().push((id.to_string(), ids));
        }
    };
    let opts = FetchOptions {
        read_timeout: Duration::from_secs(5),
        ..quick_opts()
    };
    fetch_all(&items, &Store::new(data_dir), &opts, &on_event).unwrap();
    let seen = seen_on_disk.into_inner().unwrap();
    assert_eq!(seen[0], ("quick".to_string(), vec![]));
    // Saved on time while the slow one was still downloading.
    assert_eq!(seen[1], ("slow".to_string(), vec!["quick".to_string()]));
    assert_eq!(manifest(data_dir).len(), 2);
}

/// Set in the child process of the kill test; holds its data directory.
const KILL_CHILD_DIR: &str = "PAPERDEX_FETCH_KILL_CHILD_DIR";
/// Set in the child process of the kill test; holds the URLs to fetch, space separated.
const KILL_CHILD_URLS: &str = "PAPERDEX_FETCH_KILL_CHILD_URLS";

/// Body of the child process that `killed_run_leaves_no_partial_pdf` kills; a no-op otherwise.
#[test]
#[ignore = "runs only as the child process of killed_run_leaves_no_partial_pdf"]
fn kill_child() {
    let (Ok(dir), Ok(urls)) = (
        std::env::var(KILL_CHILD_DIR),
        std::env::var(KILL_CHILD_URLS),
    ) else {
        return;
    };
    let urls: Vec<&str> = urls.split(' ').collect();
    let items = [
        item("done", &[urls[0].to_string()]),
        item("killed", &[urls[1].to_string()]),
    ];
    let opts = FetchOptions {
        read_timeout: Duration::from_secs(30),
        ..quick_opts()
    };
    let _ = fetch_all(&items, &Store::new(Path::new(&dir)), &opts, &|_| {});
}

#[cfg(unix)]
#[test]
fn killed_run_leaves_no_partial_pdf() {
    let head = pdf_bytes("killed")[..20].to_vec();
    let server = TestServer::start(move |req, hit| match (req.path.as_str(), hit) {
        ("/killed", 1) => Reply::raw(Some(4096), &head, Some(Duration::from_secs(20))),
        (path, _) => Reply::pdf(&pdf_bytes(path)),
    });
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "fetch::tests::kill_child",
            "--exact",
            "--ignored",
            "--quiet",
        ])
        .env(KILL_CHILD_DIR, dir.path())
        .env(
            KILL_CHILD_URLS,
            format!("{} {}", server.url("/done"), server.url("/killed")),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Waits until one paper is recorded and the other is midway through its body.
    let part = Store::new(dir.path()).pdf_part_path("killed");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let recorded = Manifest::load(&Store::new(dir.path()))
            .map(|m| m.get("done").is_some())
            .unwrap_or(false);
        // The body sits in the write buffer, so the .part may still be empty.
        let midway = part.exists();
        if recorded && midway {
            break;
        }
        assert!(Instant::now() < deadline, "child never got midway");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no destructor or cleanup runs.
    child.wait().unwrap();
    assert!(!Store::new(dir.path()).pdf_path("killed").exists());
    assert!(manifest(dir.path()).get("killed").is_none());

    let items = [
        item("done", &[server.url("/done")]),
        item("killed", &[server.url("/killed")]),
    ];
    let (report, _) = run(&items, dir.path(), &quick_opts());
    assert_eq!(report.cleaned_parts, 1);
    assert_eq!(report.unchanged, vec!["done"]);
    assert_eq!(report.fetched, vec!["killed"]);
    assert_eq!(pdf_files(dir.path()), vec!["done.pdf", "killed.pdf"]);
    assert_eq!(
        std::fs::read(Store::new(dir.path()).pdf_path("killed")).unwrap(),
        pdf_bytes("/killed")
    );
}

/// Ports on 127.0.0.1 where nothing listens, so connecting is refused at once.
fn dead_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<_> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

/// Counts the `Started` and `Retrying` events of papers whose id starts with `prefix`,
/// which is how many request chains the run sent out for them.
fn attempts(events: &[String], prefix: &str) -> usize {
    events
        .iter()
        .filter(|e| {
            e.strip_prefix("started ")
                .or_else(|| e.strip_prefix("retry "))
                .is_some_and(|rest| rest.starts_with(prefix))
        })
        .count()
}

/// Three refused hosts with 13 papers on them, plus one paper stored earlier.
fn offline_catalog(dir: &Path) -> Vec<FetchItem> {
    let server = TestServer::start(|_, _| Reply::pdf(&pdf_bytes("stored")));
    let stored = item("stored", &[server.url("/s.pdf")]);
    let (first, _) = run(std::slice::from_ref(&stored), dir, &quick_opts());
    assert_eq!(first.fetched, vec!["stored"]);
    drop(server);
    let mut items = vec![stored];
    let ports = dead_ports(3);
    for n in 0..13 {
        let port = ports[n % 3];
        let url = format!("http://127.0.0.1:{port}/p{n}.pdf");
        items.push(item(&format!("down-{n}"), &[url]));
    }
    items
}

#[test]
fn no_host_answering_means_the_network_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let items = offline_catalog(dir.path());
    let opts = FetchOptions {
        jobs: 1,
        ..quick_opts()
    };
    let (report, events) = run(&items, dir.path(), &opts);

    assert!(report.network_down);
    assert_eq!(report.unchanged, vec!["stored"]);
    assert_eq!(report.failed.len(), 13);
    assert!(report
        .failed
        .iter()
        .all(|(_, reason, _)| *reason == FailReason::Network));
    // One at a time: the first host gets its try and 2 retries, so does the second; the
    // third is tried once, since with three hosts down and none answering retries are
    // pointless. Every other paper is on a host already found unreachable.
    assert_eq!(attempts(&events, "down-"), 3 + 3 + 1);
    assert_eq!(
        events.iter().filter(|e| e.starts_with("started ")).count(),
        3
    );
    // With the network down the run learnt nothing about the papers: none is recorded.
    let m = manifest(dir.path());
    assert_eq!(m.len(), 1);
    assert_eq!(pdf_files(dir.path()), vec!["stored.pdf"]);
}

#[test]
fn hosts_after_dead_ones_are_still_tried() {
    let live = TestServer::start(|req, _| Reply::pdf(&pdf_bytes(&req.path)));
    let mut items: Vec<FetchItem> = dead_ports(4)
        .into_iter()
        .enumerate()
        .map(|(n, port)| {
            item(
                &format!("a-dead-{n}"),
                &[format!("http://127.0.0.1:{port}/p.pdf")],
            )
        })
        .collect();
    items.push(item(
        "b-dead-name",
        &["http://no-such-host.invalid/p.pdf".to_string()],
    ));
    items.push(item("z-live", &[live.url("/z.pdf")]));
    let dir = tempfile::tempdir().unwrap();
    let opts = FetchOptions {
        jobs: 1,
        ..quick_opts()
    };
    let (report, _) = run(&items, dir.path(), &opts);
    assert_eq!(report.fetched, vec!["z-live"]);
    assert!(!report.network_down);
    assert_eq!(report.failed.len(), 5);
    // The host answered, so the dead ones are real failures worth recording.
    let m = manifest(dir.path());
    assert_eq!(m.len(), 6);
    assert_manifest_failure(dir.path(), "a-dead-0", FailReason::Network);
}

#[test]
fn network_down_with_parallel_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let items = offline_catalog(dir.path());
    let opts = FetchOptions {
        retries: 3,
        ..quick_opts()
    };
    let (report, events) = run(&items, dir.path(), &opts);

    assert!(report.network_down);
    assert_eq!(report.unchanged, vec!["stored"]);
    assert_eq!(report.failed.len(), 13);
    // Without the offline detection this would be 13 papers x 4 tries = 52.
    let tried = attempts(&events, "down-");
    assert!(tried <= 4 * 4, "{tried} attempts: {events:#?}");
    for (_, reason, _) in &report.failed {
        assert_eq!(*reason, FailReason::Network);
    }
    assert!(events.iter().filter(|e| e.starts_with("started ")).count() <= 6);
}

#[test]
fn a_dead_host_is_given_up_after_its_first_paper() {
    let live = TestServer::start(|req, _| Reply::pdf(&pdf_bytes(&req.path)));
    let port = dead_ports(1)[0];
    let mut items = Vec::new();
    for n in 0..4 {
        items.push(item(
            &format!("dead-{n}"),
            &[format!("http://127.0.0.1:{port}/d{n}.pdf")],
        ));
        items.push(item(
            &format!("live-{n}"),
            &[live.url(&format!("/l{n}.pdf"))],
        ));
    }
    // Its dead first URL is skipped without a request, the second one is used.
    items.push(item(
        "zz-fallback",
        &[format!("http://127.0.0.1:{port}/z.pdf"), live.url("/z.pdf")],
    ));
    let dir = tempfile::tempdir().unwrap();
    let opts = FetchOptions {
        jobs: 1,
        ..quick_opts()
    };
    let (report, events) = run(&items, dir.path(), &opts);

    assert!(!report.network_down);
    assert_eq!(
        report.fetched,
        vec!["live-0", "live-1", "live-2", "live-3", "zz-fallback"]
    );
    assert_eq!(live.requests().len(), 5);
    assert_eq!(attempts(&events, "zz-fallback"), 1);
    let m = manifest(dir.path());
    assert_eq!(m.get("zz-fallback").unwrap().url, live.url("/z.pdf"));
    // The first paper on the dead host pays for its retries; the others none.
    assert_eq!(attempts(&events, "dead-0"), 3);
    assert_eq!(attempts(&events, "dead-"), 3);
    for n in 0..4 {
        let id = format!("dead-{n}");
        assert_failed(&report, &id, FailReason::Network);
        assert_manifest_failure(dir.path(), &id, FailReason::Network);
        if n > 0 {
            let m = manifest(dir.path());
            let detail = m.get(&id).unwrap().last_error.clone().unwrap();
            assert!(
                detail.contains("unreachable earlier in this run"),
                "{detail}"
            );
        }
    }
}

#[test]
fn a_dead_host_does_not_stop_parallel_jobs() {
    let live = TestServer::start(|req, _| Reply::pdf(&pdf_bytes(&req.path)));
    let port = dead_ports(1)[0];
    let mut items = Vec::new();
    for n in 0..10 {
        items.push(item(
            &format!("dead-{n}"),
            &[format!("http://127.0.0.1:{port}/d{n}.pdf")],
        ));
        items.push(item(
            &format!("live-{n}"),
            &[live.url(&format!("/l{n}.pdf"))],
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let (report, events) = run(&items, dir.path(), &quick_opts());

    assert!(!report.network_down);
    assert_eq!(report.fetched.len(), 10);
    assert_eq!(report.failed.len(), 10);
    assert!(report
        .failed
        .iter()
        .all(|(_, reason, _)| *reason == FailReason::Network));
    // Papers already under way when the host is given up may each have used
    // their tries (a slot on the host is held per try, not across the backoff),
    // but that is at most `jobs` papers; later ones send nothing.
    // Without the breaker this would be 10 x 3 = 30.
    let tried = attempts(&events, "dead-");
    assert!(tried <= 4 * 3, "{tried} attempts: {events:#?}");
}

fn html(status: u16, content_type: &str, body: &str) -> Reply {
    Reply::Full {
        status,
        headers: vec![("Content-Type".into(), content_type.into())],
        body: body.as_bytes().to_vec(),
    }
}

fn web_item(id: &str, urls: &[String]) -> FetchItem {
    FetchItem {
        web: true,
        ..item(id, urls)
    }
}

#[test]
fn a_web_article_is_stored_as_its_page() {
    let page =
        "<!doctype html><html><head><title>The Log</title></head><body><p>Logs.</p></body></html>";
    let server = TestServer::start(move |_, _| html(200, "text/html; charset=ISO-8859-1", page));
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[web_item("the-log", &[server.url("/blog/the-log")])],
        dir.path(),
        &quick_opts(),
    );
    assert_eq!(report.fetched, vec!["the-log"]);
    assert_eq!(report.web_pages, vec!["the-log"]);
    assert!(report.landing.is_empty());
    assert_eq!(
        std::fs::read_to_string(Store::new(dir.path()).html_path("the-log")).unwrap(),
        page
    );
    assert!(!Store::new(dir.path()).pdf_path("the-log").exists());
    let m = manifest(dir.path());
    let e = m.get("the-log").unwrap();
    assert_eq!(e.format, Format::Html);
    assert_eq!(e.charset.as_deref(), Some("ISO-8859-1"));
    assert_eq!(e.sha256, sha256_hex(page.as_bytes()));
    // No temporary file is left in either folder.
    let hidden: Vec<_> = std::fs::read_dir(Store::new(dir.path()).html_dir())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .collect();
    assert!(hidden.is_empty());

    // The second run keeps it; a later PDF at the same entry replaces the page.
    let (again, _) = run(
        &[web_item("the-log", &[server.url("/blog/the-log")])],
        dir.path(),
        &quick_opts(),
    );
    assert_eq!(again.unchanged, vec!["the-log"]);
}

#[test]
fn a_landing_page_leads_to_the_pdf_it_declares() {
    let pdf = pdf_bytes("landed");
    let served = pdf.clone();
    let server = TestServer::start(move |req, _| {
        match req.path.as_str() {
        "/abs/1234" => html(
            200,
            "text/html",
            "<html><head><meta name=\"citation_pdf_url\" content=\"/pdf/1234v1\"></head><body>Abstract</body></html>",
        ),
        "/pdf/1234v1" => Reply::pdf(&served),
        _ => Reply::status(404),
    }
    });
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[web_item("paper", &[server.url("/abs/1234")])],
        dir.path(),
        &quick_opts(),
    );
    assert_eq!(report.fetched, vec!["paper"]);
    assert_eq!(report.landing, vec!["paper"]);
    assert!(report.web_pages.is_empty());
    assert_eq!(
        std::fs::read(Store::new(dir.path()).pdf_path("paper")).unwrap(),
        pdf
    );
    assert!(!Store::new(dir.path()).html_path("paper").exists());
    let e = manifest(dir.path()).get("paper").unwrap().clone();
    assert_eq!(e.url, server.url("/abs/1234"));
    assert_eq!(
        e.landing_url.as_deref(),
        Some(server.url("/abs/1234").as_str())
    );
    assert_eq!(e.final_url, server.url("/pdf/1234v1"));
    assert_eq!(e.format, Format::Pdf);
    assert_eq!(server.hits("/pdf/1234v1"), 1);

    // A refresh asks the landing page again, without the PDF's validators.
    let opts = FetchOptions {
        refresh: true,
        ..quick_opts()
    };
    let (again, _) = run(
        &[web_item("paper", &[server.url("/abs/1234")])],
        dir.path(),
        &opts,
    );
    assert_eq!(again.unchanged, vec!["paper"]);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("If-None-Match").is_none()));
}

#[test]
fn a_page_from_a_pdf_link_or_a_dead_declaration_is_a_failure() {
    let server = TestServer::start(move |req, _| match req.path.as_str() {
        "/paper.pdf" => html(200, "text/html", "<html><body>Please log in</body></html>"),
        "/landing" => html(
            200,
            "text/html",
            "<html><head><link rel=alternate type=application/pdf href=/gone.pdf></head></html>",
        ),
        _ => Reply::status(404),
    });
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[
            web_item("walled", &[server.url("/paper.pdf")]),
            web_item("dead", &[server.url("/landing")]),
        ],
        dir.path(),
        &quick_opts(),
    );
    assert_failed(&report, "walled", FailReason::NotPdf);
    assert_failed(&report, "dead", FailReason::NotFound);
    let detail = &report.failed.iter().find(|f| f.0 == "dead").unwrap().2;
    assert!(detail.contains("declares its PDF at"), "{detail}");
    assert_eq!(server.hits("/gone.pdf"), 1);
    assert!(
        !Store::new(dir.path()).html_dir().exists()
            || std::fs::read_dir(Store::new(dir.path()).html_dir())
                .unwrap()
                .next()
                .is_none()
    );
}
