//! The embed stage seen from search (catalog -> fetch -> extract -> index -> embed ->
//! **search**): the stored vectors and the model behind the search stage's `Neighbours`,
//! both read only when a query first needs them, so a keyword search pays for neither.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{anyhow, bail, Result};

use super::{Embedder, Model, ModelLocation, Vectors};
use crate::search::Neighbours;

/// Entries near in meaning, from a data directory's vectors and a model folder.
pub struct Semantic {
    data_dir: PathBuf,
    vectors_path: PathBuf,
    model_dir: Option<PathBuf>,
    vectors: OnceLock<Option<Vectors>>,
    model: OnceLock<Result<Model, String>>,
}

impl Semantic {
    /// Meaning over the vectors stored in `data_dir`, with the model at `model` (if any) for
    /// queries. Nothing is read yet.
    pub fn new(data_dir: &Path, model: Option<&ModelLocation>) -> Semantic {
        Semantic {
            data_dir: data_dir.to_path_buf(),
            vectors_path: Vectors::path(data_dir),
            model_dir: model.map(|m| m.dir.clone()),
            vectors: OnceLock::new(),
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

    fn nearest(&self, query: &str, k: usize) -> Result<Vec<(String, f32)>> {
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
        Ok(owned(vectors.nearest(query, k)))
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
            &location,
            &mut crate::fault::Faults::default(),
            &|_, _| {},
        )
        .unwrap();

        let semantic = Semantic::new(data.path(), Some(&location));
        assert!(semantic.available());
        // The query "alpha alpha" is the text entry alpha was embedded from.
        let near = semantic.nearest("alpha alpha", 3).unwrap();
        assert_eq!(near[0].0, "alpha");
        assert!((near[0].1 - 1.0).abs() < 1e-4);
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
