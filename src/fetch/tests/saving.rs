//! The manifest saved during a run, and a run killed mid-download leaving no partial file.

use super::*;

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
            "fetch::tests::saving::kill_child",
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
