//! The contract every pipeline stage keeps. A stage (fetch, extract, cite, index, embed) runs
//! as `run(&Store, &[Entry], &Options, &dyn Progress) -> Result<Report>`: it reads what the
//! stages before it left in the data directory (`Store` is the only map of it), does its work
//! on the catalog's entries, writes its results there, and returns a report of plain data
//! that a front end renders. It never prints: what it is doing goes to the caller's
//! [`Progress`], as [`Event`]s, the one kind of event every stage sends.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A stage of the pipeline, and of faults: the embed stage's passages are apart, as one
/// document's passages may fail where its title and summary did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Downloading PDFs and web pages.
    Fetch,
    /// Reading the text of its PDF or web page, OCR included.
    Extract,
    /// Finding the entries its references name.
    Cite,
    /// Adding its text to the search index.
    Index,
    /// Turning its title and summary into a vector for search by meaning.
    Embed,
    /// Turning the passages of its full text into vectors for search by meaning.
    Passages,
}

impl Stage {
    /// The stage's name, as a summary line starts with it (`Extract: ...`) and a fault's
    /// record names it.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Fetch => "fetch",
            Stage::Extract => "extract",
            Stage::Cite => "cite",
            Stage::Index => "index",
            Stage::Embed => "embed",
            Stage::Passages => "passages",
        }
    }

    /// What a document goes without when it fails in this stage, as `show` and `status` say.
    pub fn what(self) -> &'static str {
        match self {
            Stage::Fetch => "document",
            Stage::Extract => "text",
            Stage::Cite => "citations",
            Stage::Index => "full text in the index",
            Stage::Embed => "vector",
            Stage::Passages => "passage vectors",
        }
    }
}

/// What a stage tells its caller while it runs.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The stage has `total` items of work (documents to read, texts to embed).
    Planned { stage: Stage, total: usize },
    /// Work on one item begins: a document, or a download of `url` when there is one.
    Started {
        stage: Stage,
        id: &'a str,
        url: Option<&'a str>,
    },
    /// More work is done, `done` of `total` so far; `id` names the item just done, when the
    /// work goes item by item rather than in batches.
    Done {
        stage: Stage,
        id: Option<&'a str>,
        done: usize,
        total: usize,
    },
    /// Bytes of a download arrived: so far, of how many if announced, in how long.
    Received {
        id: &'a str,
        bytes: u64,
        of: Option<u64>,
        elapsed: Duration,
    },
    /// A download failed for a passing reason and will be tried again after `wait`.
    Retrying {
        id: &'a str,
        attempt: u32,
        wait: Duration,
        reason: &'a str,
        /// The server asked for the wait (`Retry-After`).
        asked: bool,
    },
    /// A download brought a new or changed document of `bytes` bytes.
    Fetched { id: &'a str, bytes: u64 },
    /// OCR of a scan read one more page: `done` of its `total` pages so far. A scan of
    /// hundreds of pages takes many minutes, during which the stage's count stands still.
    Ocr {
        id: &'a str,
        done: usize,
        total: usize,
    },
}

/// Where a stage sends its events; any `Fn(Event)` is one.
pub trait Progress: Sync {
    fn event(&self, event: Event<'_>);
}

impl<F: Fn(Event<'_>) + Sync> Progress for F {
    fn event(&self, event: Event<'_>) {
        self(event)
    }
}

/// A progress that is told nothing, for callers that do not show any.
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _: Event<'_>) {}
}
