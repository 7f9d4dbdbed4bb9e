//! Hosts that do not answer: refused connections, TLS to a plain server, dead hosts given
//! up early, and a network that is down altogether.

use super::*;

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
