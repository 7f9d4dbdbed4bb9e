//! The conventions of a command-line tool, through the real binary: completions and manual
//! pages from the same definitions as `--help`, `--color`, `-` for standard input, `--json`
//! for the commands that report, paths in `show`, `--wait`; and the data-loss and message
//! problems a demanding user runs into at the edges.

use std::fs;
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{self, catalog_at, hit_ids, make_pdf, Server, TestEnv};

/// Runs with `input` on standard input.
fn run_with_input(env: &TestEnv, args: &[&str], input: &[u8]) -> std::process::Output {
    let mut child = env
        .cmd(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn completions_and_manual_pages_come_from_the_command_definitions() {
    let env = TestEnv::new();
    let bash = env.ok(&["completions", "bash"]).stdout();
    assert!(
        bash.contains("complete -F") && bash.contains("paperdex"),
        "{bash}"
    );
    for word in ["search", "attach", "--retry-failed", "--color"] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    let zsh = env.ok(&["completions", "zsh"]).stdout();
    assert!(zsh.starts_with("#compdef paperdex"), "{zsh}");
    let fish = env.ok(&["completions", "fish"]).stdout();
    assert!(fish.contains("complete -c paperdex"), "{fish}");
    assert!(fish.contains("retry-failed"), "{fish}");
    assert_eq!(env.run(&["completions", "tcsh"]).code(), Some(2));

    let man = env.ok(&["man"]).stdout();
    assert!(
        man.starts_with(".ie") || man.contains(".TH paperdex"),
        "{man}"
    );
    assert!(man.contains(".TH paperdex 1"), "{man}");
    assert!(man.contains("paperdex\\-search(1)"), "{man}");
    let dir = env.dir.path().join("man1");
    env.ok(&["man", "--dir", dir.to_str().unwrap()]);
    let search = fs::read_to_string(dir.join("paperdex-search.1")).unwrap();
    assert!(search.contains("\\-\\-topic"), "{search}");
    assert!(dir.join("paperdex-catalog-import.1").exists());
}

#[test]
fn color_is_chosen_once_with_the_flag_and_no_color() {
    let env = TestEnv::new();
    env.ok(&["index"]);
    let piped = env.ok(&["search", "paxos"]).stdout();
    assert!(!piped.contains('\x1b'), "{piped}");
    let forced = env.ok(&["--color", "always", "search", "paxos"]).stdout();
    assert!(forced.contains("\x1b["), "{forced}");
    let never = env
        .cmd(&["search", "--color", "never", "paxos"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&never.stdout).contains('\x1b'));
    let topics = env.ok(&["show", "raft", "--color=always"]).stdout();
    assert!(topics.contains("\x1b[1m"), "{topics}");
    // The error line is coloured when asked, too.
    let err = env.run(&["--color", "always", "show", "nope"]).stderr();
    assert!(err.starts_with("paperdex: \x1b["), "{err}");
    assert!(err.contains("31merror:\x1b[0m"), "{err}");
    assert_eq!(env.run(&["--color", "sometimes", "topics"]).code(), Some(2));
}

#[test]
fn standard_input_is_read_where_a_file_is() {
    let env = TestEnv::new();
    let pdf = make_pdf(&["gossip protocols spread rumours"]);
    let out = run_with_input(&env, &["extract", "-"], &pdf);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "gossip protocols spread rumours"
    );

    let out = run_with_input(&env, &["attach", "raft", "-"], &pdf);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.ok(&["update", "--offline"]);
    assert_eq!(hit_ids(&env.search_json(&["rumours"])), vec!["raft"]);

    let list = "## Papers\n- [Gossip](https://example.org/gossip.pdf)\n";
    let out = run_with_input(
        &env,
        &["catalog", "import", "-", "--source", "mine"],
        list.as_bytes(),
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("id = \"gossip\""));
}

#[test]
fn json_for_update_fetch_and_catalog_check() {
    let server = Server::start(vec![(
        "/p.pdf",
        common::Route::File(make_pdf(&["consensus"])),
    )]);
    let env = TestEnv::new();
    env.write_catalog(
        "test.toml",
        &catalog_at(&[
            ("p", "P", &server.url("/p.pdf")),
            ("gone", "Gone", &server.url("/gone.pdf")),
        ]),
    );
    let run = env.run(&["update", "--json"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(v["fetch"]["fetched"], serde_json::json!(["p"]));
    assert_eq!(v["fetch"]["failed"][0]["id"], "gone");
    assert_eq!(v["extract"]["extracted"], serde_json::json!(["p"]));
    assert_eq!(v["index"]["added"], 2);
    assert!(!run.stderr().contains("Fetch:"), "{}", run.stderr());

    let run = env.run(&["fetch", "--json"]);
    assert_eq!(run.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(v["unchanged"], serde_json::json!(["p"]));
    assert_eq!(v["failed"][0]["reason"], "not found");

    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["catalog", "check", "--json"]).stdout()).unwrap();
    assert_eq!(v["entries"], 2);
    assert_eq!(v["problems"], serde_json::json!([]));
    env.write_catalog("bad.toml", "[[entry]]\nid = \"Bad Id\"\ntitle = \"x\"\n");
    let run = env.run(&["catalog", "check", "--json"]);
    assert_eq!(run.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert!(v["problems"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("bad.toml"));
    assert_eq!(v["problems"][0]["line"], 2);
}

#[test]
fn show_names_the_local_files() {
    let env = TestEnv::new();
    let pdf = env.dir.path().join("p.pdf");
    fs::write(&pdf, make_pdf(&["logs"])).unwrap();
    env.ok(&["attach", "raft", pdf.to_str().unwrap()]);
    env.ok(&["update", "--offline"]);
    let stored = fs::canonicalize(env.data_dir().join("pdf/raft.pdf")).unwrap();
    let text = env.ok(&["show", "raft"]).stdout();
    assert!(
        text.contains(&format!("pdf       {} (", stored.display())),
        "{text}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["show", "raft", "--json"]).stdout()).unwrap();
    assert_eq!(v["pdf_path"], stored.display().to_string());
    assert!(v["text_path"].as_str().unwrap().ends_with("text/raft.txt"));
    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["show", "dynamo", "--json"]).stdout()).unwrap();
    assert_eq!(v["pdf_path"], serde_json::Value::Null);
}

#[test]
fn wait_waits_for_the_lock_instead_of_failing() {
    let env = TestEnv::new();
    fs::create_dir_all(env.data_dir()).unwrap();
    let lock = fs::File::create(env.data_dir().join(".lock")).unwrap();
    lock.lock().unwrap();
    let line = env.run(&["index"]).fails_with(1);
    assert!(line.contains("pass --wait"), "{line}");

    let mut child = env
        .cmd(&["index", "--wait"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(child.try_wait().unwrap().is_none(), "it did not wait");
    lock.unlock().unwrap();
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        err.contains("Waiting for another paperdex to finish with"),
        "{err}"
    );
    assert!(err.contains("Index: 6 added"), "{err}");
}

#[test]
fn extract_never_lets_two_files_overwrite_one_text() {
    let env = TestEnv::new();
    for (dir, words) in [("a", "first paper"), ("b", "second paper")] {
        fs::create_dir_all(env.dir.path().join(dir)).unwrap();
        fs::write(env.dir.path().join(dir).join("x.pdf"), make_pdf(&[words])).unwrap();
    }
    let out = env.dir.path().join("out");
    let run = env.ok(&[
        "extract",
        "a/x.pdf",
        "b/x.pdf",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.stderr().contains("b/x.pdf is written as x-2.txt"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        fs::read_to_string(out.join("x.txt")).unwrap().trim(),
        "first paper"
    );
    assert_eq!(
        fs::read_to_string(out.join("x-2.txt")).unwrap().trim(),
        "second paper"
    );
}

#[test]
fn catalog_import_keeps_numbered_items_says_what_it_dropped_and_keeps_files() {
    let env = TestEnv::new();
    let list = env.dir.path().join("list.md");
    fs::write(
        &list,
        "## Papers\n1. [Paxos Made Simple](https://example.org/paxos.pdf)\n2. [Raft](https://example.org/raft.pdf)\n3. Viewstamped Replication, no link\n",
    )
    .unwrap();
    let out = env.dir.path().join("mine.toml");
    let args = [
        "catalog",
        "import",
        list.to_str().unwrap(),
        "--source",
        "mine",
        "--out",
        out.to_str().unwrap(),
    ];
    let err = env.ok(&args).stderr();
    assert!(err.contains("Wrote 2 entries"), "{err}");
    assert!(
        err.contains("1 list item of") && err.contains("(line 4)"),
        "{err}"
    );
    fs::write(&out, "# my own edits\n").unwrap();
    let line = env.run(&args).fails_with(2);
    assert!(line.contains("--force"), "{line}");
    assert_eq!(fs::read_to_string(&out).unwrap(), "# my own edits\n");
    let mut forced = args.to_vec();
    forced.push("--force");
    env.ok(&forced);
    assert!(fs::read_to_string(&out)
        .unwrap()
        .contains("paxos-made-simple"));
}

#[test]
fn attach_refuses_a_file_the_extractor_would_refuse() {
    let env = TestEnv::new();
    let big = env.dir.path().join("big.pdf");
    let file = fs::File::create(&big).unwrap();
    // Sparse: nothing is written, but the file is 600 MB long.
    file.set_len(600_000_000).unwrap();
    let line = env
        .run(&["attach", "raft", big.to_str().unwrap()])
        .fails_with(2);
    assert!(line.contains("larger than the"), "{line}");
    assert!(!env.data_dir().join("pdf/raft.pdf").exists());
}

#[test]
fn escape_sequences_in_the_catalog_never_reach_the_terminal() {
    let env = TestEnv::new();
    env.write_catalog(
        "test.toml",
        "[[entry]]\nid = \"evil\"\ntitle = \"Clear \\u001b[2J\\u001b]0;owned\\u0007 Screen\"\nauthors = [\"Mallory \\u001b[31m\"]\nsummary = \"bell \\u0007 here\"\n",
    );
    env.ok(&["index"]);
    for args in [&["search", "screen"][..], &["show", "evil"][..]] {
        let out = env.ok(args).stdout();
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
        assert!(out.contains("Clear [2J]0;owned Screen"), "{out:?}");
    }
}

#[test]
fn messages_name_no_internal_types_and_give_advice_that_helps() {
    let env = TestEnv::new();
    let line = env.run(&["fetch", "--only", "Not_An_Id"]).fails_with(1);
    assert!(
        !line.contains("FetchOptions") && !line.contains("::"),
        "{line}"
    );
    assert!(line.contains("--only"), "{line}");

    let line = env
        .run(&["search", "paxos", "--kind", "papr"])
        .fails_with(2);
    assert!(line.contains("Unknown kind \"papr\""), "{line}");

    // A data directory that is a file: no advice to run `index`, which cannot help.
    let file = env.dir.path().join("a-file");
    fs::write(&file, "not a folder").unwrap();
    for args in [&["search", "paxos"][..], &["index"][..]] {
        let line = env
            .cmd(args)
            .env("PAPERDEX_DATA", &file)
            .output()
            .map(common::Run)
            .unwrap()
            .fails_with(1);
        assert!(line.contains("is a file, not a folder"), "{line}");
        assert!(!line.contains("run `paperdex index`"), "{line}");
    }

    env.ok(&["index"]);
    let line = env
        .run(&["search", "x", "--topic", "consensu"])
        .fails_with(2);
    assert!(line.ends_with("Did you mean: papers/consensus?"), "{line}");
    for line in [line, env.run(&["show", "nope"]).fails_with(2)] {
        let body = line.trim_start_matches("paperdex: error: ");
        assert!(
            !body.contains(".:") && !body.contains(";.") && !body.contains("?."),
            "{line}"
        );
        assert!(!body.ends_with(".."), "{line}");
        assert!(
            !body.contains("Os {") && !body.contains("IoError"),
            "{line}"
        );
    }
}
