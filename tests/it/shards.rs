//! `--shard I/N` through the real binary: fetch, extract and embed split in two shards that
//! run at once on one data directory, then `index` merging their work, end with the same
//! texts, vectors and search answers as one `update`; a shard does only its slice, and a bad
//! `--shard` is refused in one line.

use std::process::Child;

use crate::common::{self, lab, TestEnv};
use paperdex::shard::Shard;

/// Runs the commands at once and insists that each succeeds.
fn all_at_once(children: Vec<(String, Child)>) {
    for (what, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn two_shards_then_index_equal_one_update() {
    let server = lab::server();
    let sharded = lab::env(Some(&server));
    let whole = lab::env(Some(&server));
    let ids: Vec<&str> = lab::ATTACHED
        .iter()
        .chain(lab::FETCHED)
        .map(|(id, _)| *id)
        .collect();
    for index in 1..=2 {
        let shard = Shard { index, count: 2 };
        assert!(
            ids.iter().any(|id| shard.contains(id)),
            "the test library must have documents in shard {shard}"
        );
    }

    let spawn = |stage: &str, shard: &str| {
        let child = sharded
            .cmd(&[stage, "--shard", shard])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        (format!("{stage} --shard {shard}"), child)
    };
    all_at_once(vec![spawn("fetch", "1/2"), spawn("fetch", "2/2")]);
    for (id, _) in lab::FETCHED {
        assert!(sharded.data_dir().join(format!("pdf/{id}.pdf")).is_file());
    }
    // The manifests wait in the shards' folders; the main one knows only what was attached.
    assert!(sharded
        .data_dir()
        .join("shards/1-of-2/manifest.json")
        .is_file());
    assert!(sharded
        .data_dir()
        .join("shards/2-of-2/manifest.json")
        .is_file());

    // One shard alone extracts its own slice and nothing else.
    let first = Shard { index: 1, count: 2 };
    sharded.ok(&["extract", "--shard", "1/2"]);
    for id in &ids {
        let text = sharded.data_dir().join(format!("text/{id}.txt"));
        assert_eq!(text.is_file(), first.contains(id), "{id} after shard 1/2");
    }
    all_at_once(vec![spawn("extract", "1/2"), spawn("extract", "2/2")]);
    let index = sharded.ok(&["index"]);
    assert!(
        index
            .stderr()
            .contains("Merged the work of shards 1/2, 2/2."),
        "{}",
        index.stderr()
    );
    assert!(!sharded.data_dir().join("shards").exists());

    whole.ok(&["update"]);
    let texts = lab::texts(&sharded);
    assert_eq!(texts.len(), ids.len(), "{:?}", texts.keys());
    assert_eq!(texts, lab::texts(&whole));
    let answers = lab::answers(&sharded);
    assert!(
        crate::common::hit_ids(&answers[0]).contains(&"gossip-epidemics".to_string()),
        "{}",
        answers[0]
    );
    assert_eq!(answers, lab::answers(&whole));

    // The merged records are the library's: `status` counts every text, and a second `index`
    // and an `update --offline` find nothing to do.
    let status = sharded.ok(&["status", "--json"]).stdout();
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["overall"]["with_text"], ids.len(), "{status}");
    let again = sharded.ok(&["update", "--offline"]);
    assert!(
        again
            .stderr()
            .contains(&format!("Extract: 0 extracted, {} unchanged", ids.len())),
        "{}",
        again.stderr()
    );
}

#[test]
fn bad_shard_flags_are_refused_in_one_line() {
    let env = lab::env(None);
    let line = env.run(&["extract", "--shard", "3/2"]).fails_with(2);
    assert!(
        line.contains("--shard 3/2 is not a shard: I must be between 1 and N."),
        "{line}"
    );
    let line = env.run(&["fetch", "--shard", "half"]).fails_with(2);
    assert!(line.contains("--shard half is not a shard"), "{line}");
    // Extracting files and a shard of the library at once makes no sense.
    let run = env.run(&["extract", "--shard", "1/2", "x.pdf"]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
}

/// Questions asked in plain words, which search answers by meaning with a model.
const QUESTIONS: &[&str] = &[
    "how does news of a write reach every replica",
    "why does a read see the latest value",
    "what orders events of different processes",
];

/// The answers of [`QUESTIONS`] with the model `model`, without the hits' PDF paths.
fn answers_by_meaning(env: &TestEnv, model: &str) -> Vec<serde_json::Value> {
    QUESTIONS
        .iter()
        .map(|q| {
            let mut v = env.search_json(&["--model", model, q, "--limit", "20"]);
            for hit in v["hits"].as_array_mut().into_iter().flatten() {
                hit.as_object_mut().unwrap().remove("pdf");
            }
            v
        })
        .collect()
}

#[test]
fn two_embed_shards_then_index_equal_one_index() {
    let Some(model) = common::test_model() else {
        return;
    };
    let model = model.to_str().unwrap();
    let sharded = lab::env(None);
    let whole = lab::env(None);
    let entries = lab::ATTACHED.len() + 1;

    sharded.ok(&["extract", "--shard", "1/2"]);
    sharded.ok(&["extract", "--shard", "2/2"]);
    let spawn = |shard: &str| {
        let child = sharded
            .cmd(&["--model", model, "embed", "--shard", shard])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        (format!("embed --shard {shard}"), child)
    };
    all_at_once(vec![spawn("1/2"), spawn("2/2")]);
    // Each shard's vectors wait in its folder; the library has none yet.
    for shard in ["1-of-2", "2-of-2"] {
        let folder = sharded.data_dir().join("shards").join(shard);
        assert!(folder.join("vectors.bin").is_file(), "{shard}");
        assert!(folder.join("passages.bin").is_file(), "{shard}");
    }
    assert!(!sharded.data_dir().join("embed/vectors.bin").exists());

    // `index` merges them and finds nothing left to embed.
    let index = sharded.ok(&["--model", model, "index"]).stderr();
    assert!(
        index.contains("Merged the work of shards 1/2, 2/2."),
        "{index}"
    );
    assert!(
        index.contains(&format!("Embed: 0 embedded, {entries} unchanged")),
        "{index}"
    );
    assert!(
        index.contains("passages of full text: 0 embedded"),
        "{index}"
    );
    assert!(!sharded.data_dir().join("shards").exists());

    whole.ok(&["--model", model, "update", "--offline"]);
    let answers = answers_by_meaning(&sharded, model);
    assert!(
        common::hit_ids(&answers[0]).contains(&"gossip-epidemics".to_string()),
        "{}",
        answers[0]
    );
    assert_eq!(answers, answers_by_meaning(&whole, model));
    let status = |env: &TestEnv| -> serde_json::Value {
        let out = env
            .ok(&["--model", model, "model", "status", "--json"])
            .stdout();
        serde_json::from_str(&out).unwrap()
    };
    assert_eq!(status(&sharded)["embedded_entries"], entries);
    assert_eq!(
        status(&sharded)["embedded_entries"],
        status(&whole)["embedded_entries"]
    );
    let same_file = |path: &str| {
        std::fs::read(sharded.data_dir().join(path)).unwrap().len()
            == std::fs::read(whole.data_dir().join(path)).unwrap().len()
    };
    assert!(same_file("embed/passages.bin"));

    // A shard run again over the embedded library starts from its vectors: nothing to embed.
    let again = sharded
        .ok(&["--model", model, "embed", "--shard", "1/2"])
        .stderr();
    assert!(again.contains("Embed: 0 embedded"), "{again}");
    assert!(
        again.contains("passages of full text: 0 embedded"),
        "{again}"
    );
}

#[test]
fn embed_without_a_model_says_how_to_get_one() {
    let env = lab::env(None);
    for args in [&["embed"][..], &["embed", "--shard", "1/2"]] {
        let run = env.run(args);
        assert_eq!(run.code(), Some(1), "{}", run.stderr());
        let err = run.stderr();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("No sentence model to embed with"), "{err}");
        assert!(err.contains("paperdex model fetch"), "{err}");
    }
    assert!(!env.data_dir().join("shards").exists());
}
