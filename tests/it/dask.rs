//! The Dask driver (`contrib/dask/paperdex_dask.py`) against a real cluster on 127.0.0.1: a
//! scheduler and two single-threaded workers, the driver running `update --offline` as
//! extract shards on them and `index` here. Its library must equal one `update --offline`,
//! also when a worker is killed in the middle of the run, and with a sentence model
//! (`PAPERDEX_TEST_MODEL`) the workers embed too and the index finds nothing left to embed.
//! Skipped, with a note, when Python's Dask is not installed (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, lab, TestEnv};

/// Whether Python can import Dask's distributed scheduler; says so when not.
fn dask_installed() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import distributed"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("python3 cannot import distributed (pip install \"dask[distributed]\"); the Dask tests are skipped");
    }
    ok
}

/// A scheduler and workers on 127.0.0.1, all killed when dropped.
struct Cluster {
    address: String,
    scheduler: Child,
    workers: Vec<Child>,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts a scheduler on a free port and `workers` workers of one thread each, with `env`
    /// set for them, and waits until every worker is connected.
    fn start(workers: usize, env: &[(&str, &str)]) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("scheduler.json");
        let scheduler = Command::new("python3")
            .args([
                "-m",
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
            ])
            .args(["--port", "0", "--no-dashboard", "--scheduler-file"])
            .arg(&file)
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 starts the scheduler");
        let mut cluster = Cluster {
            address: String::new(),
            scheduler,
            workers: Vec::new(),
            _dir: dir,
        };
        cluster.address = wait_for_address(&file);
        for n in 0..workers {
            let worker = Command::new("python3")
                .args(["-m", "distributed.cli.dask_worker", &cluster.address])
                .args(["--nthreads", "1", "--no-nanny", "--no-dashboard"])
                .args(["--host", "127.0.0.1", "--name", &format!("worker-{n}")])
                .envs(env.iter().copied())
                .current_dir(cluster._dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("python3 starts a worker");
            cluster.workers.push(worker);
        }
        let waited = Command::new("python3")
            .args([
                "-c",
                "import sys; from distributed import Client\n\
                 c = Client(sys.argv[1], timeout=60)\n\
                 c.wait_for_workers(int(sys.argv[2]), timeout=120)\n\
                 c.close()",
                &cluster.address,
                &workers.to_string(),
            ])
            .output()
            .unwrap();
        assert!(
            waited.status.success(),
            "the workers did not connect: {}",
            String::from_utf8_lossy(&waited.stderr)
        );
        cluster
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in self.workers.iter_mut().chain([&mut self.scheduler]) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The scheduler's address, once it has written its file.
fn wait_for_address(file: &Path) -> String {
    let start = Instant::now();
    loop {
        if let Some(address) = std::fs::read(file)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["address"].as_str().map(str::to_string))
        {
            return address;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the scheduler wrote no address"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The driver's command for `update --offline` over `env`'s catalog and data directory.
fn driver(cluster: &Cluster, env: &TestEnv) -> Command {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("contrib/dask/paperdex_dask.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .args(["--scheduler", &cluster.address, "--shards", "2"])
        .args(["--paperdex", env!("CARGO_BIN_EXE_paperdex")])
        .arg("--data-dir")
        .arg(env.data_dir())
        .arg("--catalog")
        .arg(env.catalog_dir())
        .args(["--offline", "update"])
        .current_dir(env.dir.path())
        .env_remove("PAPERDEX_MODEL")
        .env_remove("PAPERDEX_DATA")
        .env_remove("PAPERDEX_CATALOG");
    cmd
}

/// The library one `update --offline` makes, to compare the driver's with.
fn reference() -> TestEnv {
    let env = lab::env(None);
    env.ok(&["update", "--offline"]);
    env
}

/// Checks that `env`'s library is `reference`'s: one text per document, none left over,
/// the same answers, no shard left unmerged.
fn assert_same_library(env: &TestEnv, reference: &TestEnv) {
    let texts = lab::texts(env);
    let names: Vec<String> = lab::ATTACHED
        .iter()
        .map(|(id, _)| format!("{id}.txt"))
        .collect();
    assert_eq!(texts.keys().cloned().collect::<Vec<_>>(), {
        let mut sorted = names;
        sorted.sort();
        sorted
    });
    assert_eq!(texts, lab::texts(reference));
    assert_eq!(lab::answers(env), lab::answers(reference));
    assert!(!env.data_dir().join("shards").exists());
}

#[test]
fn the_driver_builds_the_library_one_update_builds() {
    if !dask_installed() {
        return;
    }
    let cluster = Cluster::start(2, &[]);
    let env = lab::env(None);
    let out = driver(&cluster, &env).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the driver failed: {err}");
    assert!(err.contains("extract: 2 shards submitted"), "{err}");
    assert!(err.contains("extract 1/2: exit 0"), "{err}");
    assert!(err.contains("extract 2/2: exit 0"), "{err}");
    assert!(
        !err.contains("fetch:"),
        "an offline run fetches nothing: {err}"
    );
    // paperdex's own summary, from the index built here.
    assert!(err.contains("Merged the work of shards 1/2, 2/2."), "{err}");
    assert!(err.contains("Index: 7 added"), "{err}");
    assert_same_library(&env, &reference());
}

#[test]
fn a_killed_worker_costs_the_run_nothing() {
    if !dask_installed() {
        return;
    }
    // Every shard waits three seconds once it holds its lock, so a worker can be killed
    // while its shard runs.
    let mut cluster = Cluster::start(2, &[("PAPERDEX_TEST_SHARD_DELAY_MS", "3000")]);
    let env = lab::env(None);
    let run = driver(&cluster, &env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let shards = env.data_dir().join("shards");
    let start = Instant::now();
    while !(shards.join("1-of-2").is_dir() && shards.join("2-of-2").is_dir()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the shards never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // SIGKILL: the worker goes without a word, as a machine pulled from the lab would.
    cluster.workers[0].kill().unwrap();
    cluster.workers[0].wait().unwrap();
    let out = run.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the driver failed: {err}");
    // Each shard is reported once, whichever worker ended up running it.
    for shard in ["1/2", "2/2"] {
        assert_eq!(
            err.matches(&format!("extract {shard}: exit 0")).count(),
            1,
            "{err}"
        );
    }
    assert_same_library(&env, &reference());
    // The run left nothing to do.
    let again = env.ok(&["update", "--offline"]);
    assert!(
        again.stderr().contains("Extract: 0 extracted, 6 unchanged"),
        "{}",
        again.stderr()
    );
}

#[test]
fn with_a_model_the_workers_embed_and_the_index_finds_nothing_left() {
    if !dask_installed() {
        return;
    }
    let Some(model) = common::test_model() else {
        return;
    };
    let cluster = Cluster::start(2, &[]);
    let env = lab::env(None);
    // Named by the environment, as a lab would set it: the driver hands it to the workers.
    let out = driver(&cluster, &env)
        .env("PAPERDEX_MODEL", &model)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the driver failed: {err}");
    assert!(err.contains("embed: 2 shards submitted"), "{err}");
    assert!(err.contains("embed 1/2: exit 0"), "{err}");
    assert!(err.contains("embed 2/2: exit 0"), "{err}");
    let entries = lab::ATTACHED.len() + 1;
    assert!(
        err.contains(&format!("Embed: 0 embedded, {entries} unchanged")),
        "{err}"
    );
    let reference = lab::env(None);
    let model = model.to_str().unwrap();
    reference.ok(&["--model", model, "update", "--offline"]);
    let question = [
        "--model",
        model,
        "how does news of a write reach every replica",
    ];
    let answer = |env: &TestEnv| {
        let mut v = env.search_json(&question);
        for hit in v["hits"].as_array_mut().into_iter().flatten() {
            hit.as_object_mut().unwrap().remove("pdf");
        }
        v
    };
    let answered = answer(&env);
    assert!(
        common::hit_ids(&answered).contains(&"gossip-epidemics".to_string()),
        "{answered}"
    );
    assert_eq!(answered, answer(&reference));
    assert_same_library(&env, &reference);
}
