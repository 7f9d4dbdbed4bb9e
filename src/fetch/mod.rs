//! Fetch stage of paperdex (catalog -> **fetch** -> extract -> cite -> index -> embed -> search).
//!
//! Takes the papers the catalog lists, downloads their open-access PDFs into
//! `<data-dir>/pdf/<id>.pdf` (following a landing page to the PDF it declares)
//! or, for a web article, its page into `<data-dir>/html/<id>.html`, and records
//! what happened in `<data-dir>/manifest.json`. Downloads run concurrently with a per-host cap,
//! retry transient failures, verify that a body is a whole PDF before keeping
//! it, and write atomically so that an interrupted run is resumed cleanly.
//!
//! The module never prints: progress goes to the caller as the stages' events, and the
//! result is a [`FetchReport`] the front end renders.

mod download;
mod error;
mod landing;
mod manifest;
mod pdf;
mod run;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Duration;

pub use download::{bytes_text, charset_of, rate_text, seconds};
pub use error::FailReason;
pub use landing::names_pdf;
pub use manifest::{recover_manifest, Damaged, Format, Manifest, ManifestEntry, Recovered};
#[cfg(test)]
use run::fetch_all;
pub use run::{attach, attach_reader, run};

/// Longest time one download may take unless told otherwise.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(600);

/// User-Agent sent with every request.
pub const USER_AGENT: &str = concat!("paperdex/", env!("CARGO_PKG_VERSION"));

/// One paper to fetch, as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchItem {
    /// Paper id, `[a-z0-9-]+`; the only source of the stored file name.
    pub id: String,
    /// Candidate URLs, tried in order until one yields a PDF.
    pub urls: Vec<String>,
    /// Whether the paper may be downloaded at all.
    pub open_access: bool,
    /// Whether a web page is a document of its own for this entry (an article, a course
    /// page). A web page from a URL that names a PDF, or for an entry that takes no page, is
    /// only read for the PDF it declares.
    pub web: bool,
}

/// Knobs of a fetch run; [`FetchOptions::default`] suits the real catalog.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// How many papers are downloaded at once.
    pub jobs: usize,
    /// How many requests may be in flight to one host (`host:port`) at once.
    pub per_host: usize,
    /// Largest body accepted, in bytes.
    pub max_size: u64,
    /// Longest wait for a TCP and TLS connection.
    pub connect_timeout: Duration,
    /// Longest silence while waiting for response headers or the next body chunk.
    pub read_timeout: Duration,
    /// Longest time one download may take, from its request to its last byte, however
    /// steadily the bytes come.
    pub deadline: Duration,
    /// How many times a transient failure on one URL is retried.
    pub retries: u32,
    /// First retry delay; doubles with every further retry.
    pub backoff_base: Duration,
    /// Upper bound on any retry delay, including one asked for by `Retry-After`.
    pub max_backoff: Duration,
    /// How many redirects one request may follow.
    pub max_redirects: usize,
    /// Revalidate stored files with conditional requests instead of skipping them.
    pub refresh: bool,
    /// Attempt only papers whose last attempt failed.
    pub retry_failed: bool,
    /// Restrict the run to these ids.
    pub only: Option<Vec<String>>,
    /// User-Agent header value.
    pub user_agent: String,
    /// Honour `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` from the environment.
    pub env_proxy: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            jobs: 4,
            per_host: 2,
            max_size: 100_000_000,
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(30),
            deadline: DEFAULT_DEADLINE,
            retries: 3,
            backoff_base: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_redirects: 10,
            refresh: false,
            retry_failed: false,
            only: None,
            user_agent: USER_AGENT.to_string(),
            env_proxy: true,
        }
    }
}

/// What a run tells of its downloads as they go, before [`run`] turns it into the stages'
/// [`crate::stage::Event`]s.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FetchEvent<'a> {
    /// The run selected `total` papers; one `Finished` follows for each.
    Planned {
        /// Number of papers in this run.
        total: usize,
    },
    /// A request chain for one candidate URL of a paper begins.
    Started {
        /// Paper id.
        id: &'a str,
        /// Candidate URL being tried.
        url: &'a str,
    },
    /// Body bytes arrived for a paper.
    Progress {
        /// Paper id.
        id: &'a str,
        /// Bytes received so far from the current response.
        bytes: u64,
        /// Announced length of the current response, if any.
        total: Option<u64>,
        /// Time since the request of the current response went out.
        elapsed: Duration,
    },
    /// A transient failure will be retried after `wait`.
    Retrying {
        /// Paper id.
        id: &'a str,
        /// URL being retried (the tests check which one).
        #[cfg_attr(not(test), allow(dead_code))]
        url: &'a str,
        /// Number of the retry about to happen, from 1.
        attempt: u32,
        /// Delay before it.
        wait: Duration,
        /// What went wrong.
        reason: FailReason,
        /// The server asked for the wait with `Retry-After`.
        asked: bool,
    },
    /// A paper is done, one way or another.
    Finished {
        /// Paper id.
        id: &'a str,
        /// How it ended.
        outcome: &'a Outcome,
    },
}

/// How one paper of a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new or changed PDF was stored; the new manifest entry is attached.
    Fetched(Box<ManifestEntry>),
    /// The stored PDF is still valid (hash checked, or the server answered 304).
    Unchanged,
    /// The catalog has no URL for this paper.
    SkippedNoUrl,
    /// The paper is not open access.
    SkippedNotOpen,
    /// Every URL failed; `reason` is that of the last one.
    Failed {
        /// Reason of the last failure.
        reason: FailReason,
        /// `url: message` of every URL tried, separated by `; `.
        detail: String,
    },
}

/// Summary of a [`fetch_all`] run, ids grouped by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchReport {
    /// Papers whose PDF was downloaded in this run.
    pub fetched: Vec<String>,
    /// Of those fetched, the ones whose document is a web page.
    pub web_pages: Vec<String>,
    /// Of those fetched, the ones whose PDF a landing page led to.
    pub landing: Vec<String>,
    /// Papers whose stored PDF was kept.
    pub unchanged: Vec<String>,
    /// Papers without any URL.
    pub skipped_no_url: Vec<String>,
    /// Papers that are not open access.
    pub skipped_not_open: Vec<String>,
    /// Papers that could not be fetched: id, reason, detail (`url: message`).
    pub failed: Vec<(String, FailReason, String)>,
    /// Stale `.part` files of an interrupted run that were removed first.
    pub cleaned_parts: usize,
    /// Ids named in [`FetchOptions::only`] that are not among the items.
    pub unknown_only: Vec<String>,
    /// The run found the network down: every host was tried, none answered at
    /// all, and connections to at least 3 distinct hosts failed. Papers that
    /// failed only for want of a connection then keep their manifest record (or
    /// lack of one), since the run learnt nothing about them.
    pub network_down: bool,
}

impl FetchReport {
    /// Groups failed ids by the human label of their reason.
    pub fn failed_by_reason(&self) -> BTreeMap<String, Vec<String>> {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (id, reason, _) in &self.failed {
            map.entry(reason.to_string()).or_default().push(id.clone());
        }
        map
    }

    /// Tells whether nothing failed.
    pub fn ok(&self) -> bool {
        self.failed.is_empty()
    }

    fn record(&mut self, id: &str, outcome: &Outcome) {
        let id = id.to_string();
        match outcome {
            Outcome::Fetched(entry) => {
                if entry.format == Format::Html {
                    self.web_pages.push(id.clone());
                }
                if entry.landing_url.is_some() {
                    self.landing.push(id.clone());
                }
                self.fetched.push(id)
            }
            Outcome::Unchanged => self.unchanged.push(id),
            Outcome::SkippedNoUrl => self.skipped_no_url.push(id),
            Outcome::SkippedNotOpen => self.skipped_not_open.push(id),
            Outcome::Failed { reason, detail } => self.failed.push((id, *reason, detail.clone())),
        }
    }

    fn sort(&mut self) {
        self.fetched.sort();
        self.web_pages.sort();
        self.landing.sort();
        self.unchanged.sort();
        self.skipped_no_url.sort();
        self.skipped_not_open.sort();
        self.failed.sort();
        self.unknown_only.sort();
    }
}
