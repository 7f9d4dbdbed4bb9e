//! The seam between the library and the index that answers its searches. A [`Backend`] takes
//! a [`Request`] and returns finished [`Results`] (hits with passages, facets, corrections and
//! the intent read); the library adds what only the data directory knows (local PDFs,
//! citation counts) and hands them to a front end. Today the one backend is [`Engine`], the
//! local tantivy index with its query planner, fusion with meaning and passage picker; a
//! sharded index serving a lab (see `docs/scale.md`) would be another, and neither the
//! library nor the front ends would know which one answers.

use anyhow::Result;

use super::{Engine, Request, Results};

/// What answers searches for a library.
pub trait Backend: Send + Sync {
    /// Runs a request: ranked hits with their passages, facet counts and corrections.
    fn search(&self, request: &Request) -> Result<Results>;

    /// The entries most like entry `id`, best first.
    fn related(&self, id: &str, limit: usize) -> Result<Results>;

    /// Whether entries can be found by meaning as well as by words.
    fn has_meaning(&self) -> bool;

    /// How many documents the backend holds.
    fn num_docs(&self) -> u64;
}

impl Backend for Engine {
    fn search(&self, request: &Request) -> Result<Results> {
        Engine::search(self, request)
    }

    fn related(&self, id: &str, limit: usize) -> Result<Results> {
        Engine::related(self, id, limit)
    }

    fn has_meaning(&self) -> bool {
        Engine::has_meaning(self)
    }

    fn num_docs(&self) -> u64 {
        Engine::num_docs(self)
    }
}
