//! Embedding stage of paperdex (catalog -> fetch -> extract -> cite -> index -> **embed** ->
//! search).
//!
//! In: a sentence-transformers model folder (`config.json`, `tokenizer.json`,
//! `model.safetensors`; all-MiniLM-L6-v2 by default) and `(id, text)` pairs, one per catalog
//! entry. Out: one unit-length vector per text (384 numbers for all-MiniLM-L6-v2), kept in
//! `<data-dir>/embed/vectors.bin` and looked up by cosine similarity to a query's vector.
//!
//! - [`Model`] runs the BERT encoder natively on the CPU and pools its output the way
//!   sentence-transformers does (mean over the real tokens, then L2 normalisation), so the
//!   vectors agree with the Python reference. Batches of texts run side by side, one per
//!   core, once the binary has called [`init_threads`].
//! - [`Vectors`] is the stored set: [`Vectors::update`] embeds only texts that are new or
//!   changed since the last run, and [`Vectors::nearest`] ranks every stored vector against a
//!   query vector.
//! - [`run`] keeps the vectors of a catalog's entries up to date, and [`Semantic`] answers
//!   the search stage's questions of meaning from them, loading the model only for a query.
//! - [`locate`] finds the model folder to use, and [`download`] puts all-MiniLM-L6-v2 into the
//!   data directory, verified against checksums pinned here.
//!
//! Like every stage it never prints: progress goes to the caller's callback.

mod download;
mod locate;
mod model;
pub mod passages;
mod semantic;
mod stage;
mod vectors;
mod wordpiece;

#[cfg(test)]
mod tiny;

pub use download::{
    download, install, DownloadError, DownloadOptions, DownloadReport, PinnedFile, HUB_URL,
    MINILM_FILES,
};
pub use locate::{locate, model_dir, ModelLocation, ModelOrigin, MODEL_ENV};
pub use model::{init_threads, BatchOptions, Model, MODEL_FILES};
pub use semantic::Semantic;
pub use stage::{entry_text, run, EmbedOptions, EmbedReport};
pub use vectors::{text_hash, UpdateReport, Vectors};

use anyhow::Result;

/// What the vector store needs from a model; [`Model`] is the real one.
pub trait Embedder: Sync {
    /// A fingerprint of the model's files: vectors made by a different model are never mixed.
    fn identity(&self) -> &str;

    /// The length of every vector this model returns.
    fn dims(&self) -> usize;

    /// One unit-length vector per text, in the order of `texts`.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;
}

impl<T: Embedder + ?Sized> Embedder for &T {
    fn identity(&self) -> &str {
        (**self).identity()
    }
    fn dims(&self) -> usize {
        (**self).dims()
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        (**self).embed(texts)
    }
}
