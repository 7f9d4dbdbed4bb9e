//! End-to-end tests of the fetch stage (catalog -> **fetch** -> extract -> cite -> index -> embed
//! -> search) against the scripted loopback server: every test checks the stored files, the
//! manifest and the reported reason. This file holds the helpers; the tests are grouped by topic in
//! the files beside it.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::*;
use crate::store::Store;
use crate::testing::{Reply, TestServer};

mod network;
mod responses;
mod runs;
mod saving;
mod web;

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
