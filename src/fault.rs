//! Faults: what keeps one bad document from stopping the library. Every stage that works
//! document by document (extract with OCR, cite, index, embed, and passage picking at query
//! time) runs each document's part inside [`catch`], so a bug that one document's text trips
//! (a panic) costs that document only: the stage records a [`Fault`] for it, by id, with a
//! one-line reason, and goes on with the rest. Faults are kept in `faults.json` in the data
//! directory with the input each one failed on, so an unchanged document is not tried again
//! (and does not fail the next run again) until its input or the program changes; `status`
//! and `show` read them. Failures that are not a document's fault (a full disk, permissions)
//! are not faults: they stay errors of the run.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::stage::Stage;
use crate::store::{write_atomic, Store};

/// The version of paperdex that recorded a fault: a new version tries the document again.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Longest reason kept, in characters: a panic's message may quote a whole page.
const REASON_CHARS: usize = 240;

/// One document's failure in one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The stage's key of the input that failed (a hash of the document or its text): the
    /// document is tried again when it changes.
    pub key: String,
    /// The paperdex version that failed on it.
    pub version: String,
    /// One line saying what went wrong.
    pub reason: String,
    /// When, in seconds since the epoch.
    pub at: u64,
}

/// A fault as stages report it to their callers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    pub id: String,
    pub stage: Stage,
    pub reason: String,
}

/// Every document's faults, as stored in `faults.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Faults {
    /// By entry id, then by stage.
    pub entries: BTreeMap<String, BTreeMap<Stage, Record>>,
}

impl Faults {
    /// Loads the data directory's faults; none when there are none yet. A damaged file is
    /// read as empty: at worst a bad document is tried, and fails, once more.
    pub fn load(store: &Store) -> Faults {
        fs::read(store.faults_path())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Writes the faults back, or removes the file when there are none.
    pub fn save(&self, store: &Store) -> Result<()> {
        let path = store.faults_path();
        if self.entries.is_empty() {
            return match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(e).with_context(|| format!("Could not remove {}", path.display()))
                }
                _ => Ok(()),
            };
        }
        let bytes = serde_json::to_vec_pretty(self).context("Could not encode the faults")?;
        write_atomic(&path, &bytes)
    }

    /// The fault `id` had in `stage` on this very input with this version of paperdex: such
    /// a document is not tried again.
    pub fn known(&self, stage: Stage, id: &str, key: &str) -> Option<&Record> {
        self.entries
            .get(id)?
            .get(&stage)
            .filter(|r| r.key == key && r.version == VERSION)
    }

    /// Whether `id` has a fault in `stage` that a new input or version should retry.
    pub fn has(&self, stage: Stage, id: &str) -> bool {
        self.entries.get(id).is_some_and(|s| s.contains_key(&stage))
    }

    /// Records that `id` failed in `stage` on the input `key`.
    pub fn record(&mut self, stage: Stage, id: &str, key: &str, reason: &str) {
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.entries.entry(id.to_string()).or_default().insert(
            stage,
            Record {
                key: key.to_string(),
                version: VERSION.to_string(),
                reason: reason.to_string(),
                at,
            },
        );
    }

    /// Forgets `id`'s fault in `stage`, after the stage got through it.
    pub fn clear(&mut self, stage: Stage, id: &str) {
        if let Some(stages) = self.entries.get_mut(id) {
            stages.remove(&stage);
            if stages.is_empty() {
                self.entries.remove(id);
            }
        }
    }

    /// Forgets every fault of `stage` whose entry `keep` rejects (gone from the catalog, or
    /// without a document any more).
    pub fn retain(&mut self, stage: Stage, keep: impl Fn(&str) -> bool) {
        let gone: Vec<String> = self
            .entries
            .iter()
            .filter(|(id, stages)| stages.contains_key(&stage) && !keep(id))
            .map(|(id, _)| id.clone())
            .collect();
        for id in gone {
            self.clear(stage, &id);
        }
    }

    /// Forgets every fault of `stage`, for a run that tries everything again.
    pub fn clear_stage(&mut self, stage: Stage) {
        self.retain(stage, |_| false);
    }

    /// Every fault, by entry id and then stage.
    pub fn all(&self) -> Vec<Fault> {
        self.entries
            .iter()
            .flat_map(|(id, stages)| {
                stages.iter().map(|(stage, r)| Fault {
                    id: id.clone(),
                    stage: *stage,
                    reason: r.reason.clone(),
                })
            })
            .collect()
    }
}

thread_local! {
    /// The message and place of the last panic on this thread, kept by the hook for
    /// [`catch`], which runs on the same thread.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The last panic of any thread, for the binary's report of a panic that nothing caught.
static LAST_ANYWHERE: Mutex<Option<String>> = Mutex::new(None);

/// Replaces the default panic hook, which prints, with one that only remembers the message
/// and place: a caught panic is reported as a fault of its document, and one that reaches
/// the binary as one line of its own.
pub fn install_hook() {
    panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = format!("{}{at}", payload_text(info.payload()));
        LAST.with(|last| *last.borrow_mut() = Some(message.clone()));
        *LAST_ANYWHERE.lock().unwrap_or_else(|p| p.into_inner()) = Some(message);
    }));
}

/// The message of the last panic anywhere, taken; for a panic that nothing caught.
pub fn take_last_panic() -> Option<String> {
    LAST_ANYWHERE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into())
}

/// Runs `work`, turning a panic inside it into an error holding a one-line reason, so the
/// caller can record it against the document at hand and go on.
pub fn catch<T>(work: impl FnOnce() -> T) -> std::result::Result<T, String> {
    LAST.with(|last| last.borrow_mut().take());
    panic::catch_unwind(AssertUnwindSafe(work)).map_err(|payload| {
        let message = LAST
            .with(|last| last.borrow_mut().take())
            .unwrap_or_else(|| payload_text(payload.as_ref()));
        reason(&message)
    })
}

/// A panic's message as a one-line reason: an internal error, shortened, without control
/// characters.
fn reason(message: &str) -> String {
    let line: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = line.chars().take(REASON_CHARS).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    format!("internal error ({short})")
}

/// For tests of the binary: makes `stage` fail on document `id` when `PAPERDEX_TEST_FAULT`
/// names them (`cite:ID`, several separated by commas). Compiled into debug builds only.
pub fn inject(stage: Stage, id: &str) {
    inject_at(stage.name(), id);
}

/// Like [`inject`], at a point of the work that is not a stage: `passage` for the passages
/// picked at query time.
pub fn inject_at(point: &str, id: &str) {
    if injected_at(point, id) {
        panic!("a fault injected for testing in {point} of {id}");
    }
}

/// Whether `PAPERDEX_TEST_FAULT` asks `stage` to fail on `id`; always false in release
/// builds.
pub fn injected(stage: Stage, id: &str) -> bool {
    injected_at(stage.name(), id)
}

fn injected_at(point: &str, id: &str) -> bool {
    #[cfg(debug_assertions)]
    {
        let Ok(spec) = std::env::var("PAPERDEX_TEST_FAULT") else {
            return false;
        };
        spec.split(',').any(|one| {
            one.split_once(':')
                .is_some_and(|(p, i)| p.trim() == point && i.trim() == id)
        })
    }
    #[cfg(not(debug_assertions))]
    {
        let _ = (point, id);
        false
    }
}

/// For tests of the binary: the word that makes the index's tokenizer panic when
/// `PAPERDEX_TEST_FAULT` holds `tokenizer:WORD`, so a failure inside the index writer's
/// own threads can be tested. Debug builds only; `None` in release builds.
pub fn injected_word() -> Option<&'static str> {
    #[cfg(debug_assertions)]
    {
        static WORD: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
        WORD.get_or_init(|| {
            let spec = std::env::var("PAPERDEX_TEST_FAULT").ok()?;
            spec.split(',')
                .find_map(|one| one.trim().strip_prefix("tokenizer:").map(str::to_string))
        })
        .as_deref()
    }
    #[cfg(not(debug_assertions))]
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_one_line_reason_and_the_value_passes_through() {
        assert_eq!(catch(|| 7), Ok(7));
        let text = "ab—cd";
        let err = catch(|| {
            let cut = 3;
            text[..cut].len()
        })
        .unwrap_err();
        assert!(err.starts_with("internal error ("), "{err}");
        assert!(err.contains("char boundary"), "{err}");
        assert!(!err.contains('\n'));
        let long = catch(|| panic!("{}", "x\n".repeat(1000))).unwrap_err();
        assert!(long.chars().count() < REASON_CHARS + 40, "{long}");
        assert!(!long.contains('\n'));
    }

    #[test]
    fn faults_are_known_by_input_and_version_and_saved() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let mut faults = Faults::load(&store);
        faults.record(Stage::Cite, "a", "k1", "internal error (x)");
        faults.record(Stage::Index, "a", "p", "internal error (y)");
        assert!(faults.known(Stage::Cite, "a", "k1").is_some());
        assert!(faults.known(Stage::Cite, "a", "k2").is_none());
        assert!(faults.known(Stage::Embed, "a", "k1").is_none());
        faults.save(&store).unwrap();
        let mut back = Faults::load(&store);
        assert_eq!(back, faults);
        back.entries
            .get_mut("a")
            .unwrap()
            .get_mut(&Stage::Cite)
            .unwrap()
            .version = "0.0.0".into();
        assert!(back.known(Stage::Cite, "a", "k1").is_none());
        assert!(back.has(Stage::Cite, "a"));
        back.retain(Stage::Cite, |id| id != "a");
        assert!(!back.has(Stage::Cite, "a"));
        assert_eq!(back.all().len(), 1);
        back.clear(Stage::Index, "a");
        back.save(&store).unwrap();
        assert!(!store.faults_path().exists());
    }
}
