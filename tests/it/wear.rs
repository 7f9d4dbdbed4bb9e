//! What months of use do to a library, through the real binary: a full disk while texts are
//! written, dead domains in the reading list, a read-only copy of the data directory, slow
//! servers, damaged metadata and text files, temporary files of killed runs, and long lists
//! of failures.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::common::{catalog_at, files_under, hit_ids, make_pdf, Mount, Route, Server, TestEnv};

/// A PDF of `pages` pages whose text is well over 16 KB, ending in the word `omega`.
fn long_pdf(pages: usize) -> Vec<u8> {
    let line = "replicated state machines agree on a log of commands";
    let page = vec![line; 40].join("\n");
    let mut texts: Vec<String> = vec![page; pages];
    texts.push("the last page says omega".to_string());
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    make_pdf(&refs)
}

#[test]
fn a_full_disk_is_an_error_and_the_text_is_extracted_once_there_is_room() {
    let env = TestEnv::new();
    let pdf = env.dir.path().join("raft.pdf");
    fs::write(&pdf, long_pdf(12)).unwrap();
    env.ok(&["attach", "raft", pdf.to_str().unwrap()]);
    let Some(disk) = Mount::tmpfs(&env.data_dir().join("text"), "16k") else {
        return;
    };
    let full = env.run(&["update", "--offline"]);
    let err = full.stderr();
    assert_eq!(full.code(), Some(1), "{err}");
    assert!(err.contains("paperdex: error: raft: "), "{err}");
    assert!(err.contains("tried again on the next run"), "{err}");
    assert!(!err.contains("no text extracted"), "{err}");

    disk.resize("4m");
    let err = env.ok(&["update", "--offline"]).stderr();
    assert!(
        err.contains("Extract: 1 extracted, 0 unchanged, 0 without text."),
        "{err}"
    );
    assert_eq!(hit_ids(&env.search_json(&["omega"])), vec!["raft"]);
    drop(disk);
}

#[test]
fn dead_domains_first_in_the_list_do_not_stop_the_reachable_ones() {
    let live = Server::start(vec![("/p.pdf", Route::File(make_pdf(&["alive and well"])))]);
    let closed: Vec<String> = (0..3)
        .map(|_| {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/p.pdf", l.local_addr().unwrap())
        })
        .collect();
    let mut catalog = String::new();
    for (i, url) in closed.iter().enumerate() {
        catalog.push_str(&format!(
            "[[entry]]\nid = \"a{i}\"\ntitle = \"Closed {i}\"\nurls = [\"{url}\"]\n\n"
        ));
    }
    catalog.push_str("[[entry]]\nid = \"b\"\ntitle = \"Expired\"\nurls = [\"http://expired-domain.invalid/p.pdf\"]\n\n");
    catalog.push_str(&format!(
        "[[entry]]\nid = \"z\"\ntitle = \"Live\"\nurls = [\"{}\"]\n",
        live.url("/p.pdf")
    ));
    let env = TestEnv::new();
    env.write_catalog("test.toml", &catalog);
    // One at a time, so every dead host is tried before the live one.
    let run = env.run(&["fetch", "--jobs", "1"]);
    let err = run.stderr();
    assert_eq!(run.code(), Some(1), "{err}");
    assert!(
        err.contains("Fetch: 1 fetched, 0 unchanged, 4 failed"),
        "{err}"
    );
    assert!(!err.contains("No network"), "{err}");
    assert!(env.data_dir().join("pdf/z.pdf").exists());
}

/// Every file under `dir` with its length, time and permissions.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, SystemTime, u32)> {
    use std::os::unix::fs::PermissionsExt;
    files_under(dir)
        .into_iter()
        .map(|p| {
            let m = fs::metadata(&p).unwrap();
            (p, m.len(), m.modified().unwrap(), m.permissions().mode())
        })
        .collect()
}

#[test]
fn search_writes_nothing_and_works_on_a_read_only_copy() {
    let env = TestEnv::new();
    env.ok(&["index"]);
    let before = snapshot(&env.data_dir());
    assert_eq!(
        hit_ids(&env.search_json(&["paxos"]))[0],
        "paxos-made-simple"
    );
    env.ok(&["show", "raft"]);
    assert_eq!(
        snapshot(&env.data_dir()),
        before,
        "search or show changed the data directory"
    );

    // Where the test may mount, a read-only view of the same folder.
    let view = env.dir.path().join("read-only");
    let Some(_ro) = Mount::read_only(&env.data_dir(), &view) else {
        return;
    };
    let run = env
        .cmd(&["search", "--json", "proposers"])
        .env("PAPERDEX_DATA", &view)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.contains("paxos-made-simple"), "{out}");
}

#[test]
fn files_of_the_data_directory_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let pdf = env.dir.path().join("p.pdf");
    fs::write(&pdf, make_pdf(&["a few words"])).unwrap();
    let bin = env!("CARGO_BIN_EXE_paperdex");
    for args in [
        format!("attach raft {}", pdf.display()),
        "update --offline".to_string(),
    ] {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("umask 022 && exec {bin} {args}"))
            .env("PAPERDEX_DATA", env.data_dir())
            .env("PAPERDEX_CATALOG", env.catalog_dir())
            .status()
            .unwrap();
        assert!(status.success(), "paperdex {args}");
    }
    let files = files_under(&env.data_dir());
    assert!(files.iter().any(|f| f.ends_with("tantivy/meta.json")));
    for file in files {
        let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{} is {mode:o}", file.display());
    }
}

#[test]
fn a_trickling_server_meets_the_deadline_and_its_pace_is_shown() {
    // 2 KB a second: a minute's worth, so only the deadline can end it.
    let mut body = b"%PDF-1.4\n".to_vec();
    body.resize(120_000, b'x');
    let server = Server::start(vec![
        ("/slow.pdf", Route::Dribble(body, Duration::from_millis(50))),
        (
            "/busy.pdf",
            Route::busy_then(1, Route::File(make_pdf(&["patience pays"]))),
        ),
    ]);
    let env = TestEnv::new();
    env.write_catalog(
        "test.toml",
        &catalog_at(&[
            ("slow", "Slow", &server.url("/slow.pdf")),
            ("busy", "Busy", &server.url("/busy.pdf")),
        ]),
    );
    let started = Instant::now();
    let run = env.run(&["fetch", "--timeout", "12"]);
    let took = started.elapsed();
    let err = run.stderr();
    assert_eq!(run.code(), Some(1), "{err}");
    assert!(took < Duration::from_secs(40), "took {took:?}: {err}");
    assert!(err.contains("timeout (1): slow"), "{err}");
    assert!(
        err.contains("busy: waiting 1 s before retrying: the server asked for it (HTTP 503)"),
        "{err}"
    );
    assert!(err.contains("fetched busy"), "{err}");
    // The download ran past ten seconds, so its bytes and pace were shown.
    assert!(err.contains("downloading slow: "), "{err}");
    assert!(err.contains(" KB/s after "), "{err}");
    let show = env.ok(&["show", "slow"]).stdout();
    assert!(show.contains("took longer than the 12 s limit"), "{show}");
    env.run(&["fetch", "--timeout", "0"]).fails_with(2);
}

#[test]
fn an_empty_index_meta_is_rebuilt_from_what_is_on_disk() {
    let env = TestEnv::new();
    let pdf = env.dir.path().join("p.pdf");
    fs::write(&pdf, make_pdf(&["xylophone intersection"])).unwrap();
    env.ok(&["attach", "raft", pdf.to_str().unwrap()]);
    env.ok(&["update", "--offline"]);
    fs::write(env.data_dir().join("tantivy/meta.json"), "").unwrap();
    let line = env.run(&["search", "xylophone"]).fails_with(1);
    assert!(line.contains("is damaged"), "{line}");
    assert!(line.contains("paperdex index --rebuild"), "{line}");
    assert!(
        !line.contains("Data corrupt") && !line.contains("Os {"),
        "{line}"
    );
    let line = env.run(&["index", "-q"]).fails_with(1);
    assert!(line.contains("is damaged"), "{line}");
    env.ok(&["index", "--rebuild"]);
    assert_eq!(hit_ids(&env.search_json(&["xylophone"])), vec!["raft"]);
}

#[test]
fn a_damaged_manifest_is_kept_aside_and_rebuilt_from_the_pdfs() {
    let env = TestEnv::new();
    let pdf = env.dir.path().join("p.pdf");
    fs::write(&pdf, make_pdf(&["leader election"])).unwrap();
    env.ok(&["attach", "raft", pdf.to_str().unwrap()]);
    let manifest = env.data_dir().join("manifest.json");
    fs::write(&manifest, "{\"version\": 1, \"entries\": {\"raft\": {\"u").unwrap();
    let show = env.ok(&["show", "raft"]).stdout();
    assert!(show.contains("damaged"), "{show}");
    let err = env.ok(&["update", "--offline"]).stderr();
    let said: Vec<&str> = err.lines().filter(|l| l.contains("damaged")).collect();
    assert_eq!(said.len(), 1, "{err}");
    assert!(
        said[0].contains("rebuilt it from the 1 document present"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(env.data_dir().join("manifest.json.damaged")).unwrap(),
        "{\"version\": 1, \"entries\": {\"raft\": {\"u"
    );
    assert!(err.contains("Extract: 1 extracted"), "{err}");
    assert_eq!(
        hit_ids(&env.search_json(&["leader", "election"])),
        vec!["raft"]
    );
    let again = env.ok(&["update", "--offline"]).stderr();
    assert!(!again.contains("damaged"), "{again}");
}

#[test]
fn a_damaged_text_file_is_extracted_again_and_temporaries_are_cleared() {
    let env = TestEnv::new();
    let pdf = env.dir.path().join("p.pdf");
    fs::write(&pdf, long_pdf(2)).unwrap();
    env.ok(&["attach", "raft", pdf.to_str().unwrap()]);
    env.ok(&["update", "--offline"]);
    let text = env.data_dir().join("text/raft.txt");
    let whole = fs::read_to_string(&text).unwrap();
    assert!(whole.contains("omega"));

    // Cut short, as a crash of another program or a bad copy would leave it.
    fs::write(&text, &whole[..whole.len() / 2]).unwrap();
    let err = env.ok(&["update", "--offline"]).stderr();
    assert!(
        err.contains("raft: its text file was missing or damaged"),
        "{err}"
    );
    assert!(err.contains("Extract: 1 extracted"), "{err}");
    assert_eq!(fs::read_to_string(&text).unwrap(), whole);
    assert_eq!(hit_ids(&env.search_json(&["omega"])), vec!["raft"]);

    // Changed in place without changing its length.
    fs::write(&text, whole.replace("omega", "gamma")).unwrap();
    let err = env.ok(&["update", "--offline"]).stderr();
    assert!(err.contains("Extract: 1 extracted"), "{err}");
    assert_eq!(fs::read_to_string(&text).unwrap(), whole);
    assert!(hit_ids(&env.search_json(&["gamma"])).is_empty());

    let left = [
        env.data_dir().join(".manifest.json.77777.tmp"),
        env.data_dir().join("text/.raft.txt.77777.tmp"),
        env.data_dir().join("pdf/.raft.pdf.part"),
    ];
    for path in &left {
        fs::write(path, "half written").unwrap();
    }
    let err = env.ok(&["update", "--offline"]).stderr();
    assert!(err.contains("Extract: 0 extracted, 1 unchanged"), "{err}");
    for path in &left {
        assert!(!path.exists(), "{} left behind", path.display());
    }
}

#[test]
fn a_long_failure_list_is_summarised() {
    let server = Server::start(vec![]);
    let env = TestEnv::new();
    let mut catalog = String::new();
    for i in 0..40 {
        catalog.push_str(&format!(
            "[[entry]]\nid = \"gone-{i:02}\"\ntitle = \"Gone {i}\"\nurls = [\"{}\"]\n\n",
            server.url(&format!("/{i}.pdf"))
        ));
    }
    env.write_catalog("test.toml", &catalog);
    for quiet in [false, true] {
        let args: &[&str] = if quiet { &["fetch", "-q"] } else { &["fetch"] };
        let run = env.run(args);
        assert_eq!(run.code(), Some(1));
        let err = run.stderr();
        assert!(
            err.contains(
                "  not found (40): gone-00, gone-01, gone-02, gone-03, gone-04 and 35 more"
            ),
            "{err}"
        );
        assert!(!err.contains("gone-05"), "{err}");
        assert!(err.len() < 600, "{} bytes: {err}", err.len());
    }
    let v: serde_json::Value =
        serde_json::from_str(&env.run(&["fetch", "--json", "-q"]).stdout()).unwrap();
    assert_eq!(v["failed"].as_array().unwrap().len(), 40);
    assert_eq!(v["failed"][39]["id"], "gone-39");
    assert_eq!(v["failed"][39]["reason"], "not found");
}

#[test]
fn the_fetch_summary_in_the_readme_has_the_real_shape() {
    let env = TestEnv::new();
    env.write_catalog(
        "test.toml",
        "[[entry]]\nid = \"a\"\ntitle = \"A\"\n\n[[entry]]\nid = \"b\"\ntitle = \"B\"\nkind = \"video\"\naccess = \"paywall\"\nurls = [\"https://example.invalid/v\"]\n",
    );
    let real = env.ok(&["fetch"]).stderr();
    // Numbers differ from run to run; the words and their order must not.
    let shape = |line: &str| -> String {
        let mut s: String = line
            .chars()
            .map(|c| if c.is_ascii_digit() { '9' } else { c })
            .collect();
        while s.contains("99") {
            s = s.replace("99", "9");
        }
        s
    };
    let real_line = real.lines().find(|l| l.starts_with("Fetch: ")).unwrap();
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let documented = readme
        .lines()
        .find(|l| l.starts_with("Fetch: "))
        .expect("README shows a fetch summary");
    assert_eq!(shape(documented), shape(real_line));
}
