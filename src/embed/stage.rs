//! The embed stage's run over a catalog (catalog -> fetch -> extract -> cite -> index -> **embed**
//! -> search): each entry's title, names and summary go through the model, and the vectors are kept
//! in the data directory. A small stamp of the model folder lets a run over an unchanged library
//! and model finish without loading the model at all.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use std::collections::{HashMap, HashSet};

use super::{passages, text_hash, Embedder, Model, ModelLocation, Vectors, MODEL_FILES};
use crate::catalog::Entry;
use crate::fault::{self, Fault, Faults};
use crate::stage::Stage;
use crate::stage::{Event, Progress};
use crate::store::write_atomic;
use crate::store::Store;
use crate::text::{StoredText, TextSource};

/// What one run of the stage did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EmbedReport {
    /// Entries whose text went through the model.
    pub embedded: usize,
    /// Entries whose stored vector was kept.
    pub reused: usize,
    /// Stored vectors of entries no longer in the catalog.
    pub removed: usize,
    /// Why the stored vectors were all made again, if they were.
    pub discarded: Option<String>,
    /// Entries whose text made the model fail inside paperdex in this run: they have no
    /// vector, the others do.
    pub faults: Vec<Fault>,
    /// Entries that failed so before on the same text: not tried again.
    pub faulted_before: Vec<String>,
    /// What became of the passages of the entries' full text.
    pub passages: passages::PassageStats,
}

/// The model folder as last used, so an unchanged folder need not be read to know that the
/// stored vectors are its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    dir: PathBuf,
    /// Each model file's name, length and modification time in nanoseconds.
    files: Vec<(String, u64, u64)>,
    /// The model's identity, as stored with the vectors.
    identity: String,
}

/// The text an entry is embedded from: its title, the names it is known by, its summary and
/// the ideas it teaches. Its full text is embedded apart, passage by passage.
pub fn entry_text(entry: &Entry) -> String {
    let mut parts = vec![entry.title.trim().to_string()];
    if !entry.aliases.is_empty() {
        parts.push(entry.aliases.join(", "));
    }
    if !entry.summary.trim().is_empty() {
        parts.push(entry.summary.trim().to_string());
    }
    if !entry.concepts.is_empty() {
        parts.push(entry.concepts.join(", "));
    }
    parts.join(". ")
}

/// How the embed stage runs.
#[derive(Debug, Clone)]
pub struct EmbedOptions {
    /// The sentence model to embed with.
    pub model: ModelLocation,
    /// Embed again the texts that failed inside paperdex before.
    pub retry: bool,
}

/// Brings the stored vectors in step with the catalog and the extracted text: one vector per
/// entry from its title, names, summary and concepts, and one per passage of its full text.
/// The model is loaded only when some text is new or changed, or the model folder changed. An
/// entry whose text makes the model fail inside paperdex is recorded as a fault and left
/// without its vector (or passage vectors); the others are embedded. With a store working for
/// a shard, `entries` are the shard's slice and the vectors go to the shard's own files,
/// started from the library's (see `shard::seed_vectors`).
pub fn run(
    store: &Store,
    entries: &[Entry],
    opts: &EmbedOptions,
    progress: &dyn Progress,
) -> Result<EmbedReport> {
    crate::shard::seed_vectors(store)?;
    let texts = StoredText::load(store)?;
    let mut faults = Faults::load(store);
    let before = faults.clone();
    if opts.retry {
        faults.clear_stage(Stage::Embed);
        faults.clear_stage(Stage::Passages);
    }
    let report = embed_library(store, entries, &texts, &opts.model, &mut faults, progress)?;
    if faults != before {
        faults.save(store)?;
    }
    Ok(report)
}

/// The embed stage over the data directory of `store`, with the faults kept in `faults`.
fn embed_library(
    store: &Store,
    entries: &[Entry],
    texts: &dyn TextSource,
    model: &ModelLocation,
    faults: &mut Faults,
    progress: &dyn Progress,
) -> Result<EmbedReport> {
    let ids: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    faults.retain(Stage::Embed, |id| ids.contains(id));
    faults.retain(Stage::Passages, |id| ids.contains(id));
    let mut faulted_before = Vec::new();
    let items: Vec<(&str, String)> = entries
        .iter()
        .map(|e| (e.id.as_str(), entry_text(e)))
        .filter(|(id, text)| {
            // A text that failed before is not tried again until it changes.
            let known = faults
                .known(Stage::Embed, id, &super::text_hash(text))
                .is_some();
            if known {
                faulted_before.push(id.to_string());
            }
            !known
        })
        .collect();
    let skip: HashSet<String> = entries
        .iter()
        .filter(|e| {
            texts.key(&e.id).is_some_and(|k| {
                faults
                    .known(Stage::Passages, &e.id, &passage_fault_key(&k))
                    .is_some()
            })
        })
        .map(|e| e.id.clone())
        .collect();
    faulted_before.extend(skip.iter().cloned());
    faulted_before.sort();
    faulted_before.dedup();
    let path = store.vectors_path();
    let passages_path = store.passages_path();
    let known = known_identity(store, &model.dir);
    let entries_done = known.as_deref().and_then(|id| unchanged(&path, id, &items));
    let with_text: Vec<Entry> = entries
        .iter()
        .filter(|e| !skip.contains(&e.id))
        .cloned()
        .collect();
    let passages_done = known
        .as_deref()
        .is_some_and(|id| passages::current(&passages_path, id, &with_text, texts));
    if let (Some(stats), true) = (&entries_done, passages_done) {
        return Ok(EmbedReport {
            faulted_before,
            ..stats.clone()
        });
    }
    let loaded = load_model(known.as_deref(), &model.dir)?;
    let failing: Vec<String> = entries
        .iter()
        .filter(|e| fault::injected(Stage::Embed, &e.id))
        .map(entry_text)
        .collect();
    let model_used: Box<dyn Embedder + '_> = if failing.is_empty() {
        Box::new(&loaded)
    } else {
        Box::new(Failing {
            model: &loaded,
            texts: failing,
        })
    };
    let mut stats = match entries_done {
        Some(stats) => stats,
        None => embed_entries(&path, &*model_used, &items, faults, progress)?,
    };
    let passage_stats = passages::update(
        &passages_path,
        &*model_used,
        entries,
        texts,
        &skip,
        progress,
    )?;
    for e in entries.iter().filter(|e| !skip.contains(&e.id)) {
        faults.clear(Stage::Passages, &e.id);
    }
    for (id, reason) in &passage_stats.faults {
        let key = texts
            .key(id)
            .map(|k| passage_fault_key(&k))
            .unwrap_or_default();
        faults.record(Stage::Passages, id, &key, reason);
        stats.faults.push(Fault {
            id: id.clone(),
            stage: Stage::Passages,
            reason: reason.clone(),
        });
    }
    stats.passages = passage_stats;
    stats.faulted_before = faulted_before;
    let stamp = Stamp {
        identity: loaded.identity().to_string(),
        ..stamp_of(&model.dir)?
    };
    let bytes = serde_json::to_vec_pretty(&stamp).context("Could not encode the model stamp")?;
    write_atomic(&store.model_stamp_path(), &bytes)?;
    Ok(stats)
}

/// The input a fault of an entry's passage vectors is tied to: its text.
fn passage_fault_key(text_key: &str) -> String {
    format!("passages:{text_key}")
}

/// Embeds the entries' own texts (`items`) into the vectors at `path`, recording the entries
/// whose text makes the model fail.
fn embed_entries(
    path: &Path,
    model: &dyn Embedder,
    items: &[(&str, String)],
    faults: &mut Faults,
    progress: &dyn Progress,
) -> Result<EmbedReport> {
    let step = |done: usize, total: usize| {
        progress.event(Event::Done {
            stage: Stage::Embed,
            id: None,
            done,
            total,
        })
    };
    let (_, report) = Vectors::update(path, model, items, &step)?;
    for (id, _) in items {
        faults.clear(Stage::Embed, id);
    }
    let texts: HashMap<&str, &str> = items.iter().map(|(id, t)| (*id, t.as_str())).collect();
    let mut new_faults = Vec::new();
    for (id, reason) in &report.faults {
        let hash = super::text_hash(texts.get(id.as_str()).copied().unwrap_or_default());
        faults.record(Stage::Embed, id, &hash, reason);
        new_faults.push(Fault {
            id: id.clone(),
            stage: Stage::Embed,
            reason: reason.clone(),
        });
    }
    Ok(EmbedReport {
        embedded: report.embedded.len(),
        reused: report.reused.len(),
        removed: report.removed.len(),
        discarded: report.discarded,
        faults: new_faults,
        ..EmbedReport::default()
    })
}

/// A model that fails on the texts of entries a test asked to fail (see
/// [`fault::injected`]), and embeds the others as the real one does.
struct Failing<'a> {
    model: &'a dyn Embedder,
    texts: Vec<String>,
}

impl Embedder for Failing<'_> {
    fn identity(&self) -> &str {
        self.model.identity()
    }
    fn dims(&self) -> usize {
        self.model.dims()
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.iter().any(|t| self.texts.iter().any(|f| f == t)) {
            panic!("a fault injected for testing in embed");
        }
        self.model.embed(texts)
    }
}

/// Loads the model in `dir`, trusting `known` (from [`known_identity`]) instead of hashing
/// its weights when there is one.
pub(super) fn load_model(known: Option<&str>, dir: &Path) -> Result<Model> {
    match known {
        Some(identity) => Model::load_known(dir, identity),
        None => Model::load(dir),
    }
}

/// The identity of the model in `dir` as stamped when the vectors of `store` were made,
/// if its files have not changed since: it spares hashing the weights again.
pub(super) fn known_identity(store: &Store, dir: &Path) -> Option<String> {
    let stored: Stamp =
        serde_json::from_slice(&std::fs::read(store.model_stamp_path()).ok()?).ok()?;
    let now = stamp_of(dir).ok()?;
    (stored.dir == now.dir && stored.files == now.files).then_some(stored.identity)
}

/// The stats of a run with nothing to do, when the vectors at `path` were made by the model
/// `identity` from exactly these texts; `None` when there is work.
fn unchanged(path: &Path, identity: &str, items: &[(&str, String)]) -> Option<EmbedReport> {
    let vectors = Vectors::load(path).ok()??;
    if vectors.model() != identity || vectors.len() != items.len() {
        return None;
    }
    let same = items
        .iter()
        .all(|(id, text)| vectors.hash(id) == Some(text_hash(text).as_str()));
    same.then(|| EmbedReport {
        reused: items.len(),
        ..EmbedReport::default()
    })
}

/// The stamp of the model folder `dir` as it is now (its identity left empty).
fn stamp_of(dir: &Path) -> Result<Stamp> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut files = Vec::new();
    for name in MODEL_FILES {
        let path = dir.join(name);
        let meta = std::fs::metadata(&path)
            .with_context(|| format!("Could not read {}.", path.display()))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        files.push((name.to_string(), meta.len(), modified));
    }
    Ok(Stamp {
        dir,
        files,
        identity: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::Silent;

    #[test]
    fn an_entry_is_embedded_from_its_title_names_and_summary() {
        let entry = Entry {
            id: "raft".into(),
            title: "In Search of an Understandable Consensus Algorithm".into(),
            aliases: vec!["Raft".into()],
            summary: "A consensus algorithm designed to be easy to teach.".into(),
            ..Entry::default()
        };
        assert_eq!(
            entry_text(&entry),
            "In Search of an Understandable Consensus Algorithm. Raft. \
             A consensus algorithm designed to be easy to teach."
        );
    }

    fn entries(summary: &str) -> Vec<Entry> {
        ["raft", "paxos", "dynamo"]
            .iter()
            .map(|id| Entry {
                id: id.to_string(),
                title: format!("The {id} paper"),
                summary: format!("{summary} {id}"),
                ..Entry::default()
            })
            .collect()
    }

    #[test]
    fn a_second_run_over_the_same_texts_reuses_every_vector_and_a_changed_text_is_redone() {
        let model = super::super::tiny::model_dir();
        let location = ModelLocation {
            dir: model.path().to_path_buf(),
            origin: super::super::ModelOrigin::Explicit,
        };
        let data = tempfile::tempdir().unwrap();
        let first = run(
            &Store::new(data.path()),
            &entries("about"),
            &EmbedOptions {
                model: location.clone(),
                retry: false,
            },
            &Silent,
        )
        .unwrap();
        assert_eq!((first.embedded, first.reused), (3, 0));
        assert!(Store::new(data.path()).model_stamp_path().is_file());
        let again = run(
            &Store::new(data.path()),
            &entries("about"),
            &EmbedOptions {
                model: location.clone(),
                retry: false,
            },
            &Silent,
        )
        .unwrap();
        assert_eq!((again.embedded, again.reused), (0, 3));
        let mut changed = entries("about");
        changed[1].summary = "something else entirely".into();
        changed.pop();
        let third = run(
            &Store::new(data.path()),
            &changed,
            &EmbedOptions {
                model: location.clone(),
                retry: false,
            },
            &Silent,
        )
        .unwrap();
        assert_eq!((third.embedded, third.reused, third.removed), (1, 1, 1));
        let known = known_identity(&Store::new(data.path()), model.path()).unwrap();
        assert_eq!(known, Model::load(model.path()).unwrap().identity());
        // Another model's vectors are never reused.
        super::super::tiny::write_model(model.path(), 7);
        assert_eq!(known_identity(&Store::new(data.path()), model.path()), None);
        let other = run(
            &Store::new(data.path()),
            &changed,
            &EmbedOptions {
                model: location.clone(),
                retry: false,
            },
            &Silent,
        )
        .unwrap();
        assert_eq!(other.embedded, 2);
        assert!(other.discarded.is_some());
    }
}
