//! HTTP side of the fetch stage (catalog -> **fetch** -> extract -> cite -> index -> embed ->
//! search).
//!
//! Downloads one candidate URL of one paper: follows redirects by hand (so that
//! loops, scheme changes and the per-host cap are under our control), applies
//! the timeouts and the size cap while streaming, retries transient failures
//! with exponential backoff, and streams the body through the PDF check into a
//! `.part` file that is renamed into place only once it passed.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::error::Error as StdError;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::StreamExt;
use reqwest::header::{self, HeaderMap};
use reqwest::{StatusCode, Url};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::FailReason;
use super::manifest::{Format, ManifestEntry};
use super::pdf::{PdfSniffer, MAX_LEADING_JUNK};
use super::{FetchEvent, FetchOptions};
use crate::store::{commit, hex, Store};

/// Bytes between two `Progress` events, so a fast link does not flood the callback.
const PROGRESS_STEP: u64 = 256 * 1024;

/// Longest time between two `Progress` events while bytes keep arriving, so a slow download
/// still shows its pace.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Most retries after a DNS failure: a name that does not resolve rarely does 2 s later.
const DNS_RETRIES: u32 = 1;

/// Distinct unreachable hosts, with no answer from any host, after which connection failures
/// are no longer retried, and which a run needs to call the network down at its end.
const OFFLINE_HOSTS: usize = 3;

/// A connection-level failure: no TCP connection to `host` could be made.
#[derive(Debug, Clone)]
struct Unreachable {
    /// `host:port` of the hop that failed.
    host: String,
    /// The name did not resolve.
    dns: bool,
}

/// A remote failure of one URL, with what the server or the network said.
#[derive(Debug, Clone)]
pub(super) struct Failure {
    pub(super) reason: FailReason,
    pub(super) message: String,
    /// Delay the server asked for with `Retry-After`.
    retry_after: Option<Duration>,
    /// Set when the connection itself failed (DNS, refused, connect timeout, unreachable).
    unreachable: Option<Unreachable>,
    /// Decided without a request, from what the run already knows; never retried.
    short_circuit: bool,
    /// Not worth retrying whatever the reason says (the download ran past its deadline).
    final_: bool,
    /// No connection to the host could be made, now or earlier in this run.
    pub(super) connection: bool,
}

impl Failure {
    /// A failure of a landing page: decided by what the page said, so never retried.
    pub(super) fn landing(reason: FailReason, message: String) -> Self {
        let mut f = Failure::new(reason, message);
        f.final_ = true;
        f
    }

    fn new(reason: FailReason, message: impl Into<String>) -> Self {
        Failure {
            reason,
            message: message.into(),
            retry_after: None,
            unreachable: None,
            short_circuit: false,
            final_: false,
            connection: false,
        }
    }
}

/// What the run has learnt about which hosts can be reached at all.
///
/// Once a host has failed at connection level after its retries, further
/// requests to it fail at once (a per-host circuit breaker). Every host is
/// tried at least once, whatever failed before it: a reading list is full of
/// expired domains, and which of them come first says nothing about the
/// network. While no host has answered and [`OFFLINE_HOSTS`] distinct hosts
/// have failed, connection failures are not retried, so a run without a
/// network costs one try per host; the network is called down only at the end,
/// from the whole run: no host answered and at least that many failed.
#[derive(Default)]
struct Reachability {
    /// Some host sent an HTTP response (any status).
    answered: AtomicBool,
    /// Hosts with at least one connection-level failure, and those given up on.
    hosts: Mutex<UnreachableHosts>,
}

#[derive(Default)]
struct UnreachableHosts {
    /// Every `host:port` a connection to which failed at least once.
    failed: HashSet<String>,
    /// `host:port` whose connection failed after its retries, with that failure's reason.
    dead: HashMap<String, FailReason>,
}

impl Reachability {
    fn hosts(&self) -> std::sync::MutexGuard<'_, UnreachableHosts> {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn answered(&self) {
        self.answered.store(true, Ordering::SeqCst);
    }

    /// Notes one connection-level failure.
    fn connection_failed(&self, host: &str) {
        self.hosts().failed.insert(host.to_string());
    }

    /// Opens the breaker of a host whose connection failed after its retries.
    fn give_up(&self, host: &str, reason: FailReason) {
        self.hosts().dead.entry(host.to_string()).or_insert(reason);
    }

    /// Tells whether, so far, nothing answered and enough hosts failed to suspect the network.
    fn seems_down(&self) -> bool {
        !self.answered.load(Ordering::SeqCst) && self.hosts().failed.len() >= OFFLINE_HOSTS
    }

    fn is_dead(&self, host: &str) -> bool {
        self.hosts().dead.contains_key(host)
    }

    /// The failure a request to `host` gets without being sent: only a host that was tried in
    /// this run and could not be reached is skipped.
    fn blocked(&self, host: &str) -> Option<Failure> {
        let reason = *self.hosts().dead.get(host)?;
        let mut failure = Failure::new(
            reason,
            format!("host {host} unreachable earlier in this run ({reason})"),
        );
        failure.short_circuit = true;
        failure.connection = true;
        Some(failure)
    }
}

/// Splits remote failures, which end up in the report, from local ones
/// (disk full, permissions), which abort the run.
enum AttemptError {
    Remote(Failure),
    Local(anyhow::Error),
}

impl From<Failure> for AttemptError {
    fn from(f: Failure) -> Self {
        AttemptError::Remote(f)
    }
}

impl From<anyhow::Error> for AttemptError {
    fn from(e: anyhow::Error) -> Self {
        AttemptError::Local(e)
    }
}

/// What a request may bring back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    /// Only a PDF: a web page is a failure (the PDF a landing page declared).
    Pdf,
    /// A PDF, or a web page that the caller reads for the PDF it declares or keeps.
    PdfOrPage,
}

/// What a successful request chain produced.
#[derive(Debug)]
pub(super) enum Got {
    /// A verified PDF now sits at its final path; `url` is left for the caller.
    Stored(ManifestEntry),
    /// A whole web page sits in `part`, not yet in place: the caller decides whether it is a
    /// landing page, a document or neither.
    Page {
        part: std::path::PathBuf,
        entry: ManifestEntry,
    },
    /// The server confirmed the stored copy with 304.
    NotModified,
}

/// Shared state of all downloads of one run.
pub(super) struct Downloader<'a> {
    client: reqwest::Client,
    opts: &'a FetchOptions,
    store: &'a Store,
    on_event: &'a (dyn Fn(FetchEvent) + Sync),
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    reach: Reachability,
    jitter: RandomState,
}

impl<'a> Downloader<'a> {
    /// Builds the HTTP client; redirects are disabled because they are followed by hand.
    pub(super) fn new(
        opts: &'a FetchOptions,
        store: &'a Store,
        on_event: &'a (dyn Fn(FetchEvent) + Sync),
    ) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .user_agent(opts.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(opts.connect_timeout)
            .read_timeout(opts.read_timeout);
        if !opts.env_proxy {
            builder = builder.no_proxy();
        }
        let client = builder.build().context("building the HTTP client")?;
        Ok(Downloader {
            client,
            opts,
            store,
            on_event,
            hosts: Mutex::new(HashMap::new()),
            reach: Reachability::default(),
            jitter: RandomState::new(),
        })
    }

    /// Tells whether, over the whole run, no host answered and several could not be reached:
    /// the network, not the hosts, is down.
    pub(super) fn network_down(&self) -> bool {
        self.reach.seems_down()
    }

    /// The failure `url` gets without a request, because its host was found unreachable
    /// earlier in this run.
    pub(super) fn precheck(&self, url: &str) -> Option<Failure> {
        let parsed = Url::parse(url).ok()?;
        self.reach.blocked(&host_key(&parsed))
    }

    /// Fetches one URL with retries; `Err` only for local problems that abort the run.
    pub(super) async fn fetch_url(
        &self,
        id: &str,
        url: &str,
        known: Option<&ManifestEntry>,
        want: Want,
    ) -> anyhow::Result<Result<Got, Failure>> {
        let mut retry = 0u32;
        let mut previous: Option<Failure> = None;
        loop {
            match self.attempt(id, url, known, want).await {
                Ok(got) => return Ok(Ok(got)),
                Err(AttemptError::Local(e)) => return Err(e),
                Err(AttemptError::Remote(f)) => {
                    // A retry cut short by the breaker or the offline check says
                    // less than what this URL's own last try ran into.
                    let cut = f.short_circuit;
                    let f = match previous.take() {
                        Some(own) if cut => own,
                        _ => f,
                    };
                    let allowed = match &f.unreachable {
                        Some(u) if u.dns => self.opts.retries.min(DNS_RETRIES),
                        _ => self.opts.retries,
                    };
                    // Another download may have given up on this host while this one
                    // was waiting to retry; and while nothing at all has answered,
                    // retrying a host that cannot be reached only delays the others.
                    let hopeless = f
                        .unreachable
                        .as_ref()
                        .is_some_and(|u| self.reach.is_dead(&u.host) || self.reach.seems_down());
                    if cut || f.final_ || !f.reason.is_transient() || retry >= allowed || hopeless {
                        if let Some(u) = &f.unreachable {
                            self.reach.give_up(&u.host, f.reason);
                        }
                        return Ok(Err(f));
                    }
                    retry += 1;
                    let wait = self.retry_delay(id, retry, f.retry_after);
                    (self.on_event)(FetchEvent::Retrying {
                        id,
                        url,
                        attempt: retry,
                        wait,
                        reason: f.reason,
                        asked: f.retry_after.is_some(),
                    });
                    tokio::time::sleep(wait).await;
                    previous = Some(f);
                }
            }
        }
    }

    /// Computes the wait before retry number `retry` (from 1).
    fn retry_delay(&self, id: &str, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(asked) = retry_after {
            return asked.min(self.opts.max_backoff);
        }
        let base = self
            .opts
            .backoff_base
            .saturating_mul(1u32 << (retry - 1).min(16));
        // Up to 25% jitter keeps parallel retries against one host from lining up.
        let spread = self.jitter.hash_one((id, retry)) % 250;
        let jitter = base.mul_f64(spread as f64 / 1000.0);
        (base + jitter).min(self.opts.max_backoff)
    }

    /// Waits for a slot on `key` (`host:port`).
    async fn host_permit(&self, key: String) -> OwnedSemaphorePermit {
        let sem = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts
                .entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(self.opts.per_host.max(1))))
                .clone()
        };
        sem.acquire_owned()
            .await
            .expect("host semaphores are never closed")
    }

    /// Runs one request chain (one try, redirects included) for `url`.
    async fn attempt(
        &self,
        id: &str,
        url: &str,
        known: Option<&ManifestEntry>,
        want: Want,
    ) -> Result<Got, AttemptError> {
        let mut current = parse_http_url(url)?;
        let mut seen = HashSet::from([current.to_string()]);
        let mut hops = 0usize;
        loop {
            let key = host_key(&current);
            // The host or the network may have been given up by now, also while
            // waiting for the slot.
            let mut blocked = self.reach.blocked(&key);
            // Held until this hop is done (its body included), released before the next.
            let mut _permit = None;
            if blocked.is_none() {
                _permit = Some(self.host_permit(key.clone()).await);
                blocked = self.reach.blocked(&key);
            }
            if let Some(f) = blocked {
                return Err(f.into());
            }
            let mut request = self
                .client
                .get(current.clone())
                .header(header::ACCEPT, "application/pdf,*/*;q=0.5");
            if let Some(entry) = known {
                if let Some(etag) = &entry.etag {
                    request = request.header(header::IF_NONE_MATCH, etag.as_str());
                }
                if let Some(lm) = &entry.last_modified {
                    request = request.header(header::IF_MODIFIED_SINCE, lm.as_str());
                }
            }
            // Bounds the whole wait for headers, whatever reqwest's own timeouts
            // cover, so a server that accepts and then says nothing cannot hang the run.
            let started = Instant::now();
            let limit =
                (self.opts.connect_timeout + self.opts.read_timeout).min(self.opts.deadline);
            let response = match tokio::time::timeout(limit, request.send()).await {
                Err(_) => {
                    return Err(Failure::new(
                        FailReason::Timeout,
                        format!("no response from {current} within {}", seconds(limit)),
                    )
                    .into())
                }
                Ok(Err(e)) => {
                    let mut failure = classify(&e);
                    if let Some(dns) = connection_failure(&e) {
                        self.reach.connection_failed(&key);
                        failure.unreachable = Some(Unreachable { host: key, dns });
                        failure.connection = true;
                    }
                    return Err(failure.into());
                }
                Ok(Ok(r)) => r,
            };
            self.reach.answered();
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let next = redirect_target(&current, status, response.headers())?;
                hops += 1;
                if hops > self.opts.max_redirects {
                    return Err(Failure::new(
                        FailReason::TooManyRedirects,
                        format!(
                            "more than {} redirects, last to {next}",
                            self.opts.max_redirects
                        ),
                    )
                    .into());
                }
                if !seen.insert(next.to_string()) {
                    return Err(Failure::new(
                        FailReason::TooManyRedirects,
                        format!("redirect loop back to {next}"),
                    )
                    .into());
                }
                current = next;
                continue;
            }
            if status == StatusCode::NOT_MODIFIED {
                if known.is_some() {
                    return Ok(Got::NotModified);
                }
                return Err(Failure::new(
                    FailReason::Http(304),
                    format!("{current} answered 304 to an unconditional request"),
                )
                .into());
            }
            if !status.is_success() {
                let mut failure = Failure::new(
                    FailReason::from_status(status.as_u16()),
                    format!("{current} answered HTTP {status}"),
                );
                failure.retry_after = retry_after(response.headers());
                return Err(failure.into());
            }
            return self.receive(id, current, response, started, want).await;
        }
    }

    /// Streams an accepted response into its `.part` file: a PDF is checked and moved into
    /// place, a web page (when `want` takes one) is left for the caller.
    async fn receive(
        &self,
        id: &str,
        final_url: Url,
        response: reqwest::Response,
        started: Instant,
        want: Want,
    ) -> Result<Got, AttemptError> {
        let status = response.status().as_u16();
        let announced = response.content_length();
        if let Some(len) = announced {
            if len > self.opts.max_size {
                return Err(Failure::new(
                    FailReason::TooLarge,
                    format!(
                        "{final_url} announces {len} bytes, over the {} byte cap",
                        self.opts.max_size
                    ),
                )
                .into());
            }
        }
        let text_header = |name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = text_header(header::ETAG);
        let last_modified = text_header(header::LAST_MODIFIED);
        let content_type = text_header(header::CONTENT_TYPE);

        // The first bytes are held until they tell a PDF from a web page; only then is the
        // file created, in the folder of its kind.
        let mut head: Vec<u8> = Vec::new();
        let mut format: Option<Format> = None;
        let mut part = self.store.pdf_part_path(id);
        let mut out: Option<tokio::io::BufWriter<tokio::fs::File>> = None;
        let mut hasher = Sha256::new();
        let mut sniffer = PdfSniffer::default();
        let mut received = 0u64;
        let mut reported = 0u64;
        let mut reported_at = Instant::now();
        let mut body = response.bytes_stream();
        let deadline = started + self.opts.deadline;
        let not_pdf = |head: &[u8], received: u64| {
            Failure::new(
                FailReason::NotPdf,
                format!(
                    "{final_url} sent {} starting {:?} ({} bytes), not a PDF",
                    content_type.as_deref().unwrap_or("no content type"),
                    excerpt(head),
                    received
                ),
            )
        };

        let streamed: Result<(), AttemptError> = async {
            loop {
                let now = Instant::now();
                let left = deadline.saturating_duration_since(now);
                let overdue = || {
                    let mut f = Failure::new(
                        FailReason::Timeout,
                        format!(
                            "{final_url} took longer than the {} limit, with {} received ({})",
                            seconds(self.opts.deadline),
                            bytes_text(received),
                            rate_text(received, started.elapsed())
                        ),
                    );
                    // A server this slow will be as slow on the next try.
                    f.final_ = true;
                    f
                };
                if left.is_zero() {
                    return Err(overdue().into());
                }
                let next = match tokio::time::timeout(self.opts.read_timeout.min(left), body.next())
                    .await
                {
                    Ok(next) => next,
                    Err(_) if Instant::now() >= deadline => return Err(overdue().into()),
                    Err(_) => {
                        return Err(Failure::new(
                            FailReason::Timeout,
                            format!(
                                "{final_url} stalled after {received} bytes for {}",
                                seconds(self.opts.read_timeout)
                            ),
                        )
                        .into())
                    }
                };
                let chunk = match next {
                    None => break,
                    Some(Ok(chunk)) => chunk,
                    Some(Err(e)) => {
                        let reason = if e.is_timeout() {
                            FailReason::Timeout
                        } else if announced.is_some_and(|len| received < len) {
                            FailReason::Truncated
                        } else {
                            FailReason::Network
                        };
                        return Err(Failure::new(
                            reason,
                            format!(
                                "{final_url} broke off after {received} bytes: {}",
                                error_chain(&e)
                            ),
                        )
                        .into());
                    }
                };
                received += chunk.len() as u64;
                if received > self.opts.max_size {
                    return Err(Failure::new(
                        FailReason::TooLarge,
                        format!(
                            "{final_url} sent more than the {} byte cap",
                            self.opts.max_size
                        ),
                    )
                    .into());
                }
                hasher.update(&chunk);
                let pending: &[u8] = if format.is_none() {
                    head.extend_from_slice(&chunk);
                    match sniff(&head, content_type.as_deref(), want, false) {
                        Sniffed::Wait => &[],
                        Sniffed::Not => return Err(not_pdf(&head, received).into()),
                        Sniffed::Is(f) => {
                            format = Some(f);
                            if f == Format::Html {
                                part = self.store.html_part_path(id);
                            }
                            out = Some(self.create_part(&part).await?);
                            &head
                        }
                    }
                } else {
                    &chunk[..]
                };
                if !pending.is_empty() {
                    if format == Some(Format::Pdf) {
                        sniffer
                            .push(pending)
                            .map_err(|_| not_pdf(&head, received))?;
                    }
                    if let Some(out) = out.as_mut() {
                        out.write_all(pending)
                            .await
                            .with_context(|| format!("writing {}", part.display()))?;
                    }
                    if format.is_some() && !head.is_empty() {
                        head.clear();
                        head.shrink_to_fit();
                    }
                }
                if received - reported >= PROGRESS_STEP
                    || reported == 0
                    || reported_at.elapsed() >= PROGRESS_EVERY
                {
                    reported = received;
                    reported_at = Instant::now();
                    (self.on_event)(FetchEvent::Progress {
                        id,
                        bytes: received,
                        total: announced,
                        elapsed: started.elapsed(),
                    });
                }
            }
            if let Some(len) = announced {
                if received != len {
                    return Err(Failure::new(
                        FailReason::Truncated,
                        format!("{final_url} sent {received} of {len} announced bytes"),
                    )
                    .into());
                }
            }
            if format.is_none() {
                // A body shorter than the sniffing window: judged whole.
                match sniff(&head, content_type.as_deref(), want, true) {
                    Sniffed::Is(f) => {
                        format = Some(f);
                        if f == Format::Html {
                            part = self.store.html_part_path(id);
                        }
                        let mut file = self.create_part(&part).await?;
                        if f == Format::Pdf {
                            sniffer.push(&head).map_err(|_| not_pdf(&head, received))?;
                        }
                        file.write_all(&head)
                            .await
                            .with_context(|| format!("writing {}", part.display()))?;
                        out = Some(file);
                    }
                    _ => return Err(not_pdf(&head, received).into()),
                }
            }
            if format == Some(Format::Pdf) {
                sniffer.finish().map_err(|reason| {
                    let what = if reason == FailReason::NotPdf {
                        format!("starting {:?}, not a PDF", sniffer.head_excerpt())
                    } else {
                        "without %%EOF near its end".to_string()
                    };
                    Failure::new(reason, format!("{final_url} sent {received} bytes {what}"))
                })?;
            }
            if let Some(out) = out.as_mut() {
                out.flush()
                    .await
                    .with_context(|| format!("writing {}", part.display()))?;
                out.get_ref()
                    .sync_all()
                    .await
                    .with_context(|| format!("syncing {}", part.display()))?;
            }
            Ok(())
        }
        .await;
        drop(out);
        if let Err(e) = streamed {
            // The partial body is worthless; leaving it would only confuse the next run.
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
        if received > reported {
            (self.on_event)(FetchEvent::Progress {
                id,
                bytes: received,
                total: announced,
                elapsed: started.elapsed(),
            });
        }
        let format = format.unwrap_or_default();
        let now = super::run::now_unix();
        let entry = ManifestEntry {
            url: String::new(),
            final_url: final_url.to_string(),
            status,
            bytes: received,
            sha256: hex(&hasher.finalize()),
            etag,
            last_modified,
            charset: match format {
                Format::Html => content_type.as_deref().and_then(charset_of),
                Format::Pdf => None,
            },
            content_type,
            format,
            landing_url: None,
            fetched_at: now,
            checked_at: now,
            last_error: None,
            last_reason: None,
        };
        if format == Format::Html {
            return Ok(Got::Page { part, entry });
        }
        let dest = self.store.pdf_path(id);
        tokio::task::spawn_blocking(move || commit(&part, &dest))
            .await
            .context("waiting for the file commit")??;
        Ok(Got::Stored(entry))
    }

    /// Creates a `.part` file, and its folder if need be.
    async fn create_part(
        &self,
        part: &Path,
    ) -> Result<tokio::io::BufWriter<tokio::fs::File>, AttemptError> {
        if let Some(dir) = part.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .with_context(|| format!("creating {}", dir.display()))?;
        }
        let file = tokio::fs::File::create(part)
            .await
            .with_context(|| format!("creating {}", part.display()))?;
        Ok(tokio::io::BufWriter::new(file))
    }
}

/// What the first bytes of a body say it is.
enum Sniffed {
    /// Not enough bytes yet.
    Wait,
    Is(Format),
    /// Neither a PDF nor a web page that is wanted.
    Not,
}

/// Tells a PDF (its `%PDF-` magic within the first kilobyte) from a web page (an HTML
/// Content-Type, or a body that opens like HTML) and from anything else. `whole` says the
/// body has ended.
fn sniff(head: &[u8], content_type: Option<&str>, want: Want, whole: bool) -> Sniffed {
    let window = MAX_LEADING_JUNK + b"%PDF-".len();
    if head[..head.len().min(window)]
        .windows(5)
        .any(|w| w == b"%PDF-")
    {
        return Sniffed::Is(Format::Pdf);
    }
    let decided = whole || head.len() >= window;
    if want == Want::PdfOrPage
        && (decided || head.len() >= 64)
        && looks_like_html(head, content_type)
    {
        return Sniffed::Is(Format::Html);
    }
    if decided {
        Sniffed::Not
    } else {
        Sniffed::Wait
    }
}

/// Whether a body is a web page: served as HTML, or opening with markup.
fn looks_like_html(head: &[u8], content_type: Option<&str>) -> bool {
    let declared = content_type.is_some_and(|ct| {
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        mime == "text/html" || mime == "application/xhtml+xml"
    });
    let start = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let skip = start.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let start: Vec<u8> = start[skip..start.len().min(skip + 32)]
        .iter()
        .map(u8::to_ascii_lowercase)
        .collect();
    let markup = [
        &b"<!doctype html"[..],
        b"<html",
        b"<head",
        b"<body",
        b"<!--",
        b"<meta",
        b"<title",
        b"<?xml",
    ]
    .iter()
    .any(|m| start.starts_with(m));
    markup || (declared && start.starts_with(b"<"))
}

/// The `charset` parameter of a Content-Type value; the extractor reads web pages' bytes
/// with the same rule.
pub fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
            .filter(|v| !v.is_empty())
    })
}

/// A short printable excerpt of a body's first bytes, for error details.
fn excerpt(head: &[u8]) -> String {
    let n = head.len().min(40);
    String::from_utf8_lossy(&head[..n])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// A duration as people read it: `30 s`, `1.5 s`, `10 min`.
pub fn seconds(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 120.0 && d.as_secs().is_multiple_of(60) {
        format!("{} min", d.as_secs() / 60)
    } else if secs >= 10.0 || d.subsec_millis() == 0 {
        format!("{} s", secs.round() as u64)
    } else {
        format!("{secs:.1} s")
    }
}

/// A byte count as people read it: `512 bytes`, `12 KB`, `3.4 MB`.
pub fn bytes_text(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} bytes"),
        1_000..1_000_000 => format!("{} KB", n / 1_000),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

/// The pace of a download: `12 KB/s`.
pub fn rate_text(bytes: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(0.001);
    format!("{}/s", bytes_text((bytes as f64 / secs) as u64))
}

/// Key of the host of `url` for the per-host cap and the circuit breaker: `host:port`.
fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or_default()
    )
}

/// Parses a URL and accepts only http and https.
fn parse_http_url(url: &str) -> Result<Url, Failure> {
    let parsed = Url::parse(url)
        .map_err(|e| Failure::new(FailReason::BadUrl, format!("cannot parse {url:?}: {e}")))?;
    check_scheme(&parsed)?;
    Ok(parsed)
}

fn check_scheme(url: &Url) -> Result<(), Failure> {
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(()),
        _ => Err(Failure::new(
            FailReason::BadUrl,
            format!("{url} is not an http(s) URL"),
        )),
    }
}

/// Resolves the `Location` of a redirect against the URL that answered it.
fn redirect_target(current: &Url, status: StatusCode, headers: &HeaderMap) -> Result<Url, Failure> {
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Failure::new(
                FailReason::Http(status.as_u16()),
                format!("{current} answered {status} without a usable Location"),
            )
        })?;
    let next = current.join(location).map_err(|e| {
        Failure::new(
            FailReason::BadUrl,
            format!("{current} redirects to unparsable {location:?}: {e}"),
        )
    })?;
    check_scheme(&next).map_err(|f| {
        Failure::new(
            f.reason,
            format!("{current} redirects to {next}, not http(s)"),
        )
    })?;
    Ok(next)
}

/// Longest `Retry-After` taken literally before the cap applies; beyond it the value is nonsense.
const RETRY_AFTER_SANITY: u64 = 24 * 3600;

/// Reads `Retry-After` in its delay-seconds form; the HTTP-date form falls back to backoff.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs.min(RETRY_AFTER_SANITY)))
}

/// Maps a transport error from reqwest onto a reason.
fn classify(e: &reqwest::Error) -> Failure {
    let chain = error_chain(e);
    let reason = if e.is_timeout() {
        FailReason::Timeout
    } else if e.is_builder() {
        FailReason::BadUrl
    } else if is_tls_error(e, &chain) {
        FailReason::Tls
    } else {
        FailReason::Network
    };
    // reqwest's message already names the URL of the failing hop.
    Failure::new(reason, chain)
}

/// Tells whether a transport error means no connection to the host could be
/// made at all: the name did not resolve, the connection was refused or timed
/// out, or the host or network is unreachable. Returns whether it was DNS.
/// A failed TLS handshake does not count: something answered.
fn connection_failure(e: &reqwest::Error) -> Option<bool> {
    if !e.is_connect() || is_tls_error(e, &error_chain(e)) {
        return None;
    }
    let mut dns = false;
    let mut connect = e.is_timeout();
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(s) = source {
        // hyper-util reports resolver failures as a ConnectError saying "dns error".
        let text = s.to_string();
        if text == "dns error" || text.starts_with("failed to lookup address") {
            dns = true;
        }
        let mut io = s.downcast_ref::<std::io::Error>();
        while let Some(err) = io {
            use std::io::ErrorKind as K;
            if matches!(
                err.kind(),
                K::ConnectionRefused
                    | K::TimedOut
                    | K::NetworkUnreachable
                    | K::HostUnreachable
                    | K::AddrNotAvailable
                    | K::NetworkDown
            ) {
                connect = true;
            }
            io = err
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<std::io::Error>());
        }
        source = s.source();
    }
    (dns || connect).then_some(dns)
}

/// Recognises TLS failures, which reqwest does not expose as a type of their own.
fn is_tls_error(e: &(dyn StdError + 'static), chain: &str) -> bool {
    // tokio-rustls hands every rustls error up as an io::Error of kind InvalidData,
    // which reqwest wraps in another io::Error; those nest through get_ref, not source.
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(s) = source {
        let mut io = s.downcast_ref::<std::io::Error>();
        while let Some(err) = io {
            if err.kind() == std::io::ErrorKind::InvalidData {
                return true;
            }
            io = err
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<std::io::Error>());
        }
        source = s.source();
    }
    let lower = chain.to_ascii_lowercase();
    lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
}

/// Joins an error and its sources into one line, skipping repeated messages.
fn error_chain(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_only() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let opts = FetchOptions {
            backoff_base: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            ..FetchOptions::default()
        };
        let on_event = |_: FetchEvent| {};
        let store = crate::store::Store::new(Path::new("/nonexistent"));
        let dl = Downloader::new(&opts, &store, &on_event).unwrap();
        let d1 = dl.retry_delay("a", 1, None);
        let d2 = dl.retry_delay("a", 2, None);
        assert!(d1 >= Duration::from_millis(100) && d1 < Duration::from_millis(126));
        assert!(d2 >= Duration::from_millis(200) && d2 < Duration::from_millis(251));
        assert_eq!(dl.retry_delay("a", 10, None), Duration::from_secs(1));
        assert_eq!(
            dl.retry_delay("a", 1, Some(Duration::from_secs(3600))),
            Duration::from_secs(1)
        );
    }

    /// A resolver that knows no name at all, like one without a network.
    struct NoDns;

    impl reqwest::dns::Resolve for NoDns {
        fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
            let name = name.as_str().to_string();
            Box::pin(async move { Err(format!("{name}: name unknown").into()) })
        }
    }

    #[test]
    fn dns_failures_are_retried_once_then_the_host_and_network_are_given_up() {
        let opts = FetchOptions {
            retries: 3,
            backoff_base: Duration::from_millis(5),
            env_proxy: false,
            ..FetchOptions::default()
        };
        let retries = Mutex::new(Vec::new());
        let on_event = |ev: FetchEvent| {
            if let FetchEvent::Retrying { url, reason, .. } = ev {
                retries.lock().unwrap().push((url.to_string(), reason));
            }
        };
        let store = crate::store::Store::new(Path::new("/nonexistent"));
        let mut dl = Downloader::new(&opts, &store, &on_event).unwrap();
        // Resolution happens in-process, so nothing leaves the machine.
        dl.client = reqwest::Client::builder()
            .no_proxy()
            .dns_resolver(Arc::new(NoDns))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let fetch = |url: &str| {
            rt.block_on(dl.fetch_url("p", url, None, Want::PdfOrPage))
                .unwrap()
                .unwrap_err()
        };

        let first = fetch("http://one.invalid/a.pdf");
        assert_eq!(first.reason, FailReason::Network);
        assert!(
            first.unreachable.as_ref().is_some_and(|u| u.dns),
            "{first:?}"
        );
        assert_eq!(
            retries.lock().unwrap().clone(),
            vec![("http://one.invalid/a.pdf".to_string(), FailReason::Network)]
        );

        // The same host again fails at once, with no request and no retry.
        let again = fetch("http://one.invalid/b.pdf");
        assert!(again.short_circuit && again.connection, "{again:?}");
        assert!(again.message.contains("unreachable earlier in this run"));
        assert_eq!(again.reason, FailReason::Network);
        assert!(dl.precheck("http://one.invalid/c.pdf").is_some());
        assert!(dl.precheck("http://two.invalid/c.pdf").is_none());
        assert_eq!(retries.lock().unwrap().len(), 1);
        assert!(!dl.network_down());

        fetch("http://two.invalid/a.pdf");
        assert!(!dl.network_down());
        let third = fetch("http://three.invalid/a.pdf");
        assert!(!third.short_circuit);
        assert!(dl.network_down());
        // two retried once; three failed with nothing answering so far, so not again.
        assert_eq!(retries.lock().unwrap().len(), 2);
        // A host not tried yet is never skipped for what other hosts did.
        assert!(dl.precheck("http://four.invalid/a.pdf").is_none());
        let fourth = fetch("http://four.invalid/a.pdf");
        assert!(!fourth.short_circuit, "{fourth:?}");
        assert_eq!(retries.lock().unwrap().len(), 2);
    }

    #[test]
    fn only_http_schemes() {
        assert!(parse_http_url("https://example.org/a.pdf").is_ok());
        for bad in [
            "ftp://example.org/a.pdf",
            "file:///etc/passwd",
            "not a url",
            "data:,x",
        ] {
            assert_eq!(parse_http_url(bad).unwrap_err().reason, FailReason::BadUrl);
        }
    }
}
