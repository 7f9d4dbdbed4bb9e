//! The embed stage seen from search (catalog -> fetch -> extract -> index -> embed ->
//! **search**): the stored vectors and the model behind the search stage's `Neighbours`,
//! both read only when a query first needs them, so a keyword search pays for neither.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{anyhow, bail, Result};

use std::collections::HashMap;

use super::{passages, Embedder, Model, ModelLocation, Vectors};
use crate::search::{Near, NearPassage, Neighbours};

/// How a passage's similarity counts against an entry's own: a passage is a narrower text,
/// so it can be nearer a query by chance.
const PASSAGE_WEIGHT: f32 = 1.0;

/// Entries near in meaning, from a data directory's vectors and a model folder.
pub struct Semantic {
    data_dir: PathBuf,
    vectors_path: PathBuf,
    passages_path: PathBuf,
    model_dir: Option<PathBuf>,
    vectors: OnceLock<Option<Vectors>>,
    passages: OnceLock<Option<Vectors>>,
    model: OnceLock<Result<Model, String>>,
}

/// How many passages are looked at per entry asked for: an entry's passages crowd the top.
const PASSAGES_PER_ENTRY: usize = 8;

impl Semantic {
    /// Meaning over the vectors stored in `data_dir`, with the model at `model` (if any) for
    /// queries. Nothing is read yet.
    pub fn new(data_dir: &Path, model: Option<&ModelLocation>) -> Semantic {
        Semantic {
            data_dir: data_dir.to_path_buf(),
            vectors_path: Vectors::path(data_dir),
            passages_path: passages::path(data_dir),
            model_dir: model.map(|m| m.dir.clone()),
            vectors: OnceLock::new(),
            passages: OnceLock::new(),
            model: OnceLock::new(),
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
    fn passages(&self, model: &str) -> Option<&Vectors> {
        self.passages
            .get_or_init(|| {
                Vectors::load(&self.passages_path)
                    .ok()
                    .flatten()
                    .filter(|v| !v.is_empty())
            })
            .as_ref()
            .filter(|v| v.model() == model)
    }

    /// The model, loaded on first use.
    fn model(&self) -> Result<&Model> {
        let dir = self
            .model_dir
            .as_deref()
            .ok_or_else(|| anyhow!("No sentence model is set up."))?;
        let load = || {
            let known = super::stage::known_identity(&self.data_dir, dir);
            super::stage::load_model(known.as_deref(), dir)
        };
        self.model
            .get_or_init(|| load().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow!("{e}"))
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
        let model = self.model()?;
        if model.identity() != vectors.model() {
            bail!(
                "The stored vectors were made with another model than the one in {}; run \
                 `paperdex index` to embed the catalog with it.",
                model.dir().display()
            );
        }
        let query = model.embed(&[query])?;
        let Some(query) = query.first() else {
            return Ok(Vec::new());
        };
        let mut by_entry: HashMap<&str, Near> = HashMap::new();
        for (id, similarity) in vectors.nearest(query, k) {
            by_entry.insert(
                id,
                Near {
                    id: id.to_string(),
                    similarity,
                    passage: None,
                },
            );
        }
        if let Some(passages) = self.passages(vectors.model()) {
            for (row, similarity) in passages.nearest(query, k * PASSAGES_PER_ENTRY) {
                let Some((id, span)) = passages::parse_row(row) else {
                    continue;
                };
                let near = by_entry.entry(id).or_insert_with(|| Near {
                    id: id.to_string(),
                    similarity: vectors.similarity(id, query).unwrap_or(0.0),
                    passage: None,
                });
                // An entry is as near as its nearest passage, when that is nearer than its
                // title and summary; the first passage of an entry seen is its nearest.
                if near.passage.is_none() && similarity * PASSAGE_WEIGHT > near.similarity {
                    near.similarity = similarity * PASSAGE_WEIGHT;
                    near.passage = Some(NearPassage {
                        page: span.page,
                        start: span.start,
                        end: span.end,
                    });
                }
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
            data.path(),
            &entries,
            &crate::index::NoText,
            &location,
            &mut crate::fault::Faults::default(),
            &|_, _| {},
        )
        .unwrap();

        let semantic = Semantic::new(data.path(), Some(&location));
        assert!(semantic.available());
        // The query "alpha alpha" is the text entry alpha was embedded from.
        let near = semantic.nearest("alpha alpha", 3).unwrap();
        assert_eq!(near[0].id, "alpha");
        assert!((near[0].similarity - 1.0).abs() < 1e-4);
        let similar = semantic.similar("beta", 5);
        assert_eq!(similar.len(), 2);
        assert!(similar.iter().all(|(id, _)| id != "beta"));

        let without_model = Semantic::new(data.path(), None);
        assert!(!without_model.available());
        assert_eq!(without_model.similar("beta", 5).len(), 2);
        let empty = tempfile::tempdir().unwrap();
        assert!(!Semantic::new(empty.path(), Some(&location)).available());
    }
}
