//! The embed stage seen from search (catalog -> fetch -> extract -> cite -> index -> embed ->
//! **search**): the stored vectors and the model behind the search stage's `Neighbours`,
//! both read only when a query first needs them, so a keyword search pays for neither.

use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::{anyhow, Result};

use std::collections::HashMap;

use super::{passages, Embedder, Model, ModelLocation, Vectors};
use crate::search::{Near, NearPassage, Neighbours};
use crate::store::Store;

/// How much an entry's best passage lifts it, per unit of similarity by which that passage
/// stands out above the best passages of most documents. An entry is not simply as near as
/// its nearest passage: of a long paper's hundreds, one is near almost any query by chance,
/// and long papers would crowd out the books and courses that have no passages at all.
const PASSAGE_WEIGHT: f32 = 0.5;

/// Entries near in meaning, from a data directory's vectors and a model folder.
pub struct Semantic {
    store: Store,
    vectors_path: PathBuf,
    passages_path: PathBuf,
    model_dir: Option<PathBuf>,
    vectors: OnceLock<Option<Vectors>>,
    passages: OnceLock<Option<passages::Stored>>,
    model: OnceLock<Result<Model, String>>,
    /// Whether the model stays loaded for many queries (a server), rather than being loaded
    /// for one.
    resident: bool,
}

impl Semantic {
    /// Meaning over the vectors stored in a data directory, with the model at `model` (if
    /// any) for queries. Nothing is read yet.
    pub fn new(store: &Store, model: Option<&ModelLocation>) -> Semantic {
        Semantic {
            store: store.clone(),
            vectors_path: store.vectors_path(),
            passages_path: store.passages_path(),
            model_dir: model.map(|m| m.dir.clone()),
            vectors: OnceLock::new(),
            passages: OnceLock::new(),
            model: OnceLock::new(),
            resident: false,
        }
    }

    /// The same, for a process that answers many queries: the whole model is loaded on the
    /// first and kept.
    pub fn resident(self) -> Semantic {
        Semantic {
            resident: true,
            ..self
        }
    }

    /// The stored vectors; `None` when there are none or they cannot be read (the next
    /// `index` makes them again).
    fn vectors(&self) -> Option<&Vectors> {
        self.vectors
            .get_or_init(|| {
                Vectors::load(&self.vectors_path)
                    .ok()
                    .flatten()
                    .filter(|v| !v.is_empty())
            })
            .as_ref()
    }

    /// The stored passage vectors, made by the same model as the entries'; `None` without.
    fn passages(&self, model: &str) -> Option<&passages::Stored> {
        self.passages
            .get_or_init(|| passages::Stored::load(&self.passages_path).ok().flatten())
            .as_ref()
            .filter(|v| v.model() == model)
    }

    /// The best passage of every entry that has passages, by similarity to `query` (of unit
    /// length), with where it lies.
    fn best_passages(&self, model: &str, query: &[f32]) -> HashMap<&str, (f32, passages::Span)> {
        match self.passages(model) {
            Some(stored) => stored.best(query),
            None => HashMap::new(),
        }
    }

    /// The vector of a query, by a model that must be the one the stored vectors (of
    /// identity `stored`) were made with. A process that answers many queries loads the
    /// whole model once; one that answers a single query loads only what that query needs.
    fn embed_query(&self, query: &str, stored: &str) -> Result<Vec<Vec<f32>>> {
        let dir = self
            .model_dir
            .as_deref()
            .ok_or_else(|| anyhow!("No sentence model is set up."))?;
        let other = || {
            anyhow!(
                "The stored vectors were made with another model than the one in {}; run \
                 `paperdex index` to embed the catalog with it.",
                dir.display()
            )
        };
        if !self.resident {
            if let Some(known) = super::stage::known_identity(&self.store, dir) {
                if known != stored {
                    return Err(other());
                }
                return Model::load_for(dir, &known, &[query])?.embed(&[query]);
            }
        }
        let model = self.model()?;
        if model.identity() != stored {
            return Err(other());
        }
        model.embed(&[query])
    }

    /// The model, loaded on first use.
    fn model(&self) -> Result<&Model> {
        let dir = self
            .model_dir
            .as_deref()
            .ok_or_else(|| anyhow!("No sentence model is set up."))?;
        let load = || {
            let known = super::stage::known_identity(&self.store, dir);
            super::stage::load_model(known.as_deref(), dir)
        };
        self.model
            .get_or_init(|| load().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow!("{e}"))
    }
}

/// The level a document's best passage must pass to stand out: the best passages of the
/// documents, at this quantile.
const STANDOUT_QUANTILE: f32 = 0.9;

/// How near to the query the best passage of a document with passages usually is: the
/// [`STANDOUT_QUANTILE`] of their best passages' similarities; above every one when there
/// are none.
fn standout_level(best: &HashMap<&str, (f32, passages::Span)>) -> f32 {
    let mut all: Vec<f32> = best.values().map(|(s, _)| *s).collect();
    if all.is_empty() {
        return f32::INFINITY;
    }
    all.sort_by(f32::total_cmp);
    let at = ((all.len() - 1) as f32 * STANDOUT_QUANTILE).round() as usize;
    all[at.min(all.len() - 1)]
}

/// An entry's nearness to a query: its own similarity (title, names, summary, concepts),
/// lifted by how far its best passage stands out above `usual`. A passage that stands out is
/// the one to show.
fn combine(id: &str, own: f32, passage: Option<(f32, passages::Span)>, usual: f32) -> Near {
    let weight = PASSAGE_WEIGHT;
    let (lift, shown) = match passage {
        Some((p, span)) if p > usual => (p - usual, Some(span)),
        _ => (0.0, None),
    };
    Near {
        id: id.to_string(),
        similarity: own + weight * lift,
        passage: shown.map(|span| NearPassage {
            page: span.page,
            start: span.start,
            end: span.end,
        }),
    }
}

impl Neighbours for Semantic {
    fn available(&self) -> bool {
        self.model_dir.is_some() && self.vectors_path.is_file()
    }

    fn nearest(&self, query: &str, k: usize) -> Result<Vec<Near>> {
        let Some(vectors) = self.vectors() else {
            return Ok(Vec::new());
        };
        let query = self.embed_query(query, vectors.model())?;
        let Some(query) = query.first() else {
            return Ok(Vec::new());
        };
        let best = self.best_passages(vectors.model(), query);
        // How near the best passage of a document usually is to this query: a passage lifts
        // its entry only by how far it stands out above that.
        let usual = standout_level(&best);
        let mut by_entry: HashMap<&str, Near> = HashMap::new();
        for (id, own) in vectors.nearest(query, k * 2) {
            by_entry.insert(id, combine(id, own, best.get(id).copied(), usual));
        }
        for (id, passage) in &best {
            if passage.0 > usual && !by_entry.contains_key(id) {
                let own = vectors.similarity(id, query).unwrap_or(0.0);
                by_entry.insert(id, combine(id, own, Some(*passage), usual));
            }
        }
        let mut all: Vec<Near> = by_entry.into_values().collect();
        all.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.id.cmp(&b.id)));
        all.truncate(k);
        Ok(all)
    }

    fn similar(&self, id: &str, k: usize) -> Vec<(String, f32)> {
        let Some(vectors) = self.vectors() else {
            return Vec::new();
        };
        let Some(own) = vectors.get(id) else {
            return Vec::new();
        };
        let near = vectors.nearest(own, k + 1);
        owned(near.into_iter().filter(|(other, _)| *other != id).take(k))
    }
}

fn owned<'a>(near: impl IntoIterator<Item = (&'a str, f32)>) -> Vec<(String, f32)> {
    near.into_iter()
        .map(|(id, s)| (id.to_string(), s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Entry;

    #[test]
    fn neighbours_come_from_stored_vectors_and_the_model_is_needed_only_for_queries() {
        let model = super::super::tiny::model_dir();
        let location = ModelLocation {
            dir: model.path().to_path_buf(),
            origin: super::super::ModelOrigin::Explicit,
        };
        let data = tempfile::tempdir().unwrap();
        let entries: Vec<Entry> = ["alpha", "beta", "gamma"]
            .iter()
            .map(|id| Entry {
                id: id.to_string(),
                title: format!("{id} {id}"),
                ..Entry::default()
            })
            .collect();
        super::super::stage::run(
            &Store::new(data.path()),
            &entries,
            &super::super::stage::EmbedOptions {
                model: location.clone(),
                retry: false,
            },
            &crate::stage::Silent,
        )
        .unwrap();

        let semantic = Semantic::new(&Store::new(data.path()), Some(&location));
        assert!(semantic.available());
        // The query "alpha alpha" is the text entry alpha was embedded from.
        let near = semantic.nearest("alpha alpha", 3).unwrap();
        assert_eq!(near[0].id, "alpha");
        assert!((near[0].similarity - 1.0).abs() < 1e-4);
        let similar = semantic.similar("beta", 5);
        assert_eq!(similar.len(), 2);
        assert!(similar.iter().all(|(id, _)| id != "beta"));

        let without_model = Semantic::new(&Store::new(data.path()), None);
        assert!(!without_model.available());
        assert_eq!(without_model.similar("beta", 5).len(), 2);
        let empty = tempfile::tempdir().unwrap();
        assert!(!Semantic::new(&Store::new(empty.path()), Some(&location)).available());
    }
}
