//! Orchestration of the fetch stage (catalog -> **fetch** -> extract -> cite -> index -> embed ->
//! search).
//!
//! Selects which papers a run touches, drives their downloads concurrently on a
//! private tokio runtime, saves the manifest every few seconds and at the end
//! (saving it after every paper made a run quadratic in the catalog's size),
//! and adopts hand-downloaded PDFs through [`attach`].

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::download::{Downloader, Failure, Got, Want};
use super::error::FailReason;
use super::landing;
use super::manifest::{Format, Manifest, ManifestEntry, ATTACHED_SCHEME};
use super::pdf::PdfSniffer;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{FetchEvent, FetchItem, FetchOptions, FetchReport, Outcome};
use crate::catalog::Entry;
use crate::stage::{Event, Progress, Stage};
use crate::store::{commit, sha256_file, validate_id, Store};

/// Returns the current time in unix seconds.
pub(super) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Downloads the documents of the catalog's entries into the data directory: a PDF where an
/// entry's link gives one (or a landing page declares one), otherwise its web page; entries
/// that are not open access are skipped. Reports what happened to each.
pub fn run(
    store: &Store,
    entries: &[Entry],
    opts: &FetchOptions,
    progress: &dyn Progress,
) -> Result<FetchReport> {
    let items: Vec<FetchItem> = entries
        .iter()
        .map(|e| FetchItem {
            id: e.id.clone(),
            urls: e.urls.clone(),
            open_access: e.open_access(),
            web: true,
        })
        .collect();
    let total = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let on_event = |event: FetchEvent| match event {
        FetchEvent::Planned { total: n } => {
            total.store(n, Ordering::SeqCst);
            progress.event(Event::Planned {
                stage: Stage::Fetch,
                total: n,
            });
        }
        FetchEvent::Started { id, url } => progress.event(Event::Started {
            stage: Stage::Fetch,
            id,
            url: Some(url),
        }),
        FetchEvent::Progress {
            id,
            bytes,
            total,
            elapsed,
        } => progress.event(Event::Received {
            id,
            bytes,
            of: total,
            elapsed,
        }),
        FetchEvent::Retrying {
            id,
            attempt,
            wait,
            reason,
            asked,
            ..
        } => {
            let reason = reason.to_string();
            progress.event(Event::Retrying {
                id,
                attempt,
                wait,
                reason: &reason,
                asked,
            });
        }
        FetchEvent::Finished { id, outcome } => {
            if let Outcome::Fetched(m) = outcome {
                progress.event(Event::Fetched { id, bytes: m.bytes });
            }
            progress.event(Event::Done {
                stage: Stage::Fetch,
                id: Some(id),
                done: done.fetch_add(1, Ordering::SeqCst) + 1,
                total: total.load(Ordering::SeqCst),
            });
        }
    };
    fetch_all(&items, store, opts, &on_event)
}

/// Downloads the PDFs of `items` into `data_dir` and reports what happened.
///
/// Builds its own tokio runtime, so it must not be called from inside one.
/// Remote failures end up in the report; `Err` means a local problem (bad id,
/// unwritable data directory, unreadable manifest) that stopped the run.
pub(crate) fn fetch_all(
    items: &[FetchItem],
    store: &Store,
    opts: &FetchOptions,
    on_event: &(dyn Fn(FetchEvent) + Sync),
) -> Result<FetchReport> {
    let mut ids = BTreeSet::new();
    for item in items {
        validate_id(&item.id).context("refusing to fetch")?;
        if !ids.insert(item.id.as_str()) {
            bail!("paper id {:?} is listed twice", item.id);
        }
    }
    if let Some(only) = &opts.only {
        for id in only {
            validate_id(id).context("--only names an invalid id")?;
        }
    }
    if tokio::runtime::Handle::try_current().is_ok() {
        bail!("fetch_all runs its own runtime and cannot be called from async code");
    }
    let dir = store.pdf_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let cleaned = store.clean_parts_of(items.iter().map(|item| item.id.as_str()))?;
    let mut manifest = Manifest::load(store)?;

    let selected: Vec<&FetchItem> = items
        .iter()
        .filter(|item| {
            opts.only
                .as_ref()
                .is_none_or(|only| only.contains(&item.id))
        })
        .filter(|item| {
            !opts.retry_failed || manifest.get(&item.id).is_some_and(ManifestEntry::failed)
        })
        .collect();
    let selected = interleave_by_host(selected);
    on_event(FetchEvent::Planned {
        total: selected.len(),
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the download runtime")?;
    let mut report =
        runtime.block_on(run_items(&selected, store, opts, &mut manifest, on_event))?;
    report.cleaned_parts = cleaned.len();
    if let Some(only) = &opts.only {
        report.unknown_only = only
            .iter()
            .filter(|id| !ids.contains(id.as_str()))
            .cloned()
            .collect();
    }
    report.sort();
    Ok(report)
}

/// How often a run saves the manifest while it goes; it is saved at the end too.
const SAVE_EVERY: Duration = Duration::from_secs(2);

/// What finishing one paper produced: its outcome and the manifest entry to store.
struct Done {
    outcome: Outcome,
    entry: Option<ManifestEntry>,
    /// Every URL failed for want of a connection: if the whole network turns out to be
    /// down, the run learnt nothing about this paper and its entry is not stored.
    unreachable: bool,
}

#[cfg(test)]
thread_local! {
    /// Manifest saves of the runs on this thread, for tests of how often it is written.
    pub(super) static SAVES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Saves the manifest, counting saves in tests.
fn save(manifest: &Manifest, store: &Store) -> Result<()> {
    #[cfg(test)]
    SAVES.with(|s| s.set(s.get() + 1));
    manifest.save(store)
}

async fn run_items(
    selected: &[&FetchItem],
    store: &Store,
    opts: &FetchOptions,
    manifest: &mut Manifest,
    on_event: &(dyn Fn(FetchEvent) + Sync),
) -> Result<FetchReport> {
    let downloader = Downloader::new(opts, store, on_event)?;
    let downloader = &downloader;
    let jobs = selected
        .iter()
        .map(|item| {
            let prior = manifest.get(&item.id).cloned();
            async move {
                let done = process(downloader, item, prior, store, opts, on_event).await;
                (*item, done)
            }
        })
        .collect::<Vec<_>>();
    let mut running = futures_util::stream::iter(jobs).buffer_unordered(opts.jobs.max(1));
    let mut report = FetchReport::default();
    let mut unsaved = false;
    let mut saved_at = Instant::now();
    // Entries of papers no host of which could be reached, held until the run knows
    // whether the network itself was down.
    let mut unreachable = Vec::new();
    loop {
        // Saves on time even while every job is still busy, so a run killed during a long
        // download keeps the papers finished before it.
        let next = if unsaved {
            let due = tokio::time::Instant::from_std(saved_at + SAVE_EVERY);
            tokio::select! {
                next = running.next() => next,
                _ = tokio::time::sleep_until(due) => {
                    save(manifest, store)?;
                    unsaved = false;
                    saved_at = Instant::now();
                    continue;
                }
            }
        } else {
            running.next().await
        };
        let Some((item, done)) = next else {
            break;
        };
        let done = match done {
            Ok(done) => done,
            Err(e) => {
                if unsaved {
                    // Keep what the run learnt before the local failure stopped it.
                    let _ = save(manifest, store);
                }
                return Err(e.context(format!("Could not fetch {}", item.id)));
            }
        };
        match done.entry {
            Some(entry) if done.unreachable => unreachable.push((item.id.clone(), entry)),
            Some(entry) => {
                manifest.insert(item.id.clone(), entry);
                unsaved = true;
            }
            None => {}
        }
        on_event(FetchEvent::Finished {
            id: &item.id,
            outcome: &done.outcome,
        });
        report.record(&item.id, &done.outcome);
        if unsaved && saved_at.elapsed() >= SAVE_EVERY {
            save(manifest, store)?;
            unsaved = false;
            saved_at = Instant::now();
        }
    }
    report.network_down = downloader.network_down();
    if !report.network_down {
        unsaved |= !unreachable.is_empty();
        for (id, entry) in unreachable {
            manifest.insert(id, entry);
        }
    }
    if unsaved {
        save(manifest, store)?;
    }
    Ok(report)
}

/// Decides and performs what one paper needs.
async fn process(
    downloader: &Downloader<'_>,
    item: &FetchItem,
    prior: Option<ManifestEntry>,
    store: &Store,
    opts: &FetchOptions,
    on_event: &(dyn Fn(FetchEvent) + Sync),
) -> Result<Done> {
    let dest = match &prior {
        Some(entry) => store.document_path(&item.id, entry.format),
        None => store.pdf_path(&item.id),
    };
    let intact = match &prior {
        Some(entry) if entry.has_file() => stored_file_matches(&dest, entry).await?,
        _ => false,
    };
    // A paper picked by retry_failed must really be attempted again, even if an
    // older copy is still intact; with that copy the request is conditional.
    let revalidate =
        opts.refresh || (opts.retry_failed && prior.as_ref().is_some_and(ManifestEntry::failed));
    // A hand-attached file was put there on purpose, usually because the URLs do
    // not yield the PDF, so no refresh replaces it while it is intact.
    let attached = prior.as_ref().is_some_and(ManifestEntry::is_attached);
    let nothing_to_try = !item.open_access || item.urls.is_empty();
    if intact && (!revalidate || attached || nothing_to_try) {
        return Ok(Done {
            outcome: Outcome::Unchanged,
            entry: None,
            unreachable: false,
        });
    }
    if !item.open_access {
        return Ok(Done {
            outcome: Outcome::SkippedNotOpen,
            entry: None,
            unreachable: false,
        });
    }
    if item.urls.is_empty() {
        return Ok(Done {
            outcome: Outcome::SkippedNoUrl,
            entry: None,
            unreachable: false,
        });
    }
    let mut details = Vec::new();
    let mut last_reason = None;
    // Whether every URL failed for want of a connection.
    let mut unreachable = true;
    for url in &item.urls {
        // Hosts found unreachable earlier in this run fail without a request.
        let failure = match downloader.precheck(url) {
            Some(failure) => failure,
            None => {
                on_event(FetchEvent::Started { id: &item.id, url });
                // Validators only mean something to the URL that sent them; a landing page's
                // PDF came from another URL.
                let known = prior.as_ref().filter(|p| {
                    intact
                        && p.url == *url
                        && p.landing_url.is_none()
                        && (p.etag.is_some() || p.last_modified.is_some())
                });
                let got = downloader
                    .fetch_url(&item.id, url, known, Want::PdfOrPage)
                    .await?;
                let stored = match got {
                    Ok(Got::Page { part, entry }) => {
                        let prior_pdf =
                            intact && prior.as_ref().is_some_and(|p| p.format == Format::Pdf);
                        settle_page(
                            downloader, item, url, part, entry, prior_pdf, store, on_event,
                        )
                        .await?
                    }
                    Ok(Got::Stored(entry)) => Ok(entry),
                    Ok(Got::NotModified) => {
                        let mut entry = prior.clone().unwrap_or_default();
                        entry.checked_at = now_unix();
                        entry.last_error = None;
                        entry.last_reason = None;
                        return Ok(Done {
                            outcome: Outcome::Unchanged,
                            entry: Some(entry),
                            unreachable: false,
                        });
                    }
                    Err(failure) => Err(failure),
                };
                match stored {
                    Ok(mut entry) => {
                        entry.url = url.clone();
                        let same =
                            intact && prior.as_ref().is_some_and(|p| p.sha256 == entry.sha256);
                        // One document per entry: a PDF replaces a page and a page a PDF.
                        let other = match entry.format {
                            Format::Pdf => store.html_path(&item.id),
                            Format::Html => store.pdf_path(&item.id),
                        };
                        remove_if_present(&other).await?;
                        let outcome = if same {
                            Outcome::Unchanged
                        } else {
                            Outcome::Fetched(Box::new(entry.clone()))
                        };
                        return Ok(Done {
                            outcome,
                            entry: Some(entry),
                            unreachable: false,
                        });
                    }
                    Err(failure) => failure,
                }
            }
        };
        unreachable &= failure.connection;
        details.push(format!("{url}: {}", failure.message));
        last_reason = Some(failure.reason);
    }
    let reason = last_reason.expect("at least one URL was tried");
    let detail = details.join("; ");
    let mut entry = prior.unwrap_or_default();
    if !intact {
        // Whatever the entry said about a stored file is no longer true.
        entry = ManifestEntry {
            last_error: entry.last_error,
            last_reason: entry.last_reason,
            ..ManifestEntry::default()
        };
    }
    entry.checked_at = now_unix();
    entry.last_error = Some(detail.clone());
    entry.last_reason = Some(reason);
    Ok(Done {
        outcome: Outcome::Failed { reason, detail },
        entry: Some(entry),
        unreachable,
    })
}

/// Decides what a web page that a URL answered with is: a landing page whose declared PDF is
/// fetched in its stead (its URL recorded as `landing_url`), a document of its own (moved into
/// `html/<id>.html`), or neither, a failure. `prior_pdf` says an intact PDF is stored, which a
/// page that leads nowhere does not replace.
#[allow(clippy::too_many_arguments)]
async fn settle_page(
    downloader: &Downloader<'_>,
    item: &FetchItem,
    url: &str,
    part: PathBuf,
    page: ManifestEntry,
    prior_pdf: bool,
    store: &Store,
    on_event: &(dyn Fn(FetchEvent) + Sync),
) -> Result<Result<ManifestEntry, Failure>> {
    let read = part.clone();
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(&read))
        .await
        .context("waiting for a downloaded page")?
        .with_context(|| format!("reading {}", part.display()))?;
    let page_url = reqwest::Url::parse(&page.final_url).ok();
    let declared = page_url
        .as_ref()
        .and_then(|at| landing::declared_pdf(&bytes, at));
    drop(bytes);
    if let Some(pdf) = declared {
        remove_if_present(&part).await?;
        on_event(FetchEvent::Started {
            id: &item.id,
            url: pdf.as_str(),
        });
        return Ok(
            match downloader
                .fetch_url(&item.id, pdf.as_str(), None, Want::Pdf)
                .await?
            {
                Ok(Got::Stored(mut entry)) => {
                    entry.landing_url = Some(page.final_url);
                    Ok(entry)
                }
                Ok(got) => {
                    if let Got::Page { part, .. } = got {
                        remove_if_present(&part).await?;
                    }
                    Err(Failure::landing(
                        FailReason::NotPdf,
                        format!("{} declares {pdf}, which sent no PDF", page.final_url),
                    ))
                }
                Err(failure) => Err(Failure::landing(
                    failure.reason,
                    format!(
                        "{} declares its PDF at {pdf}, which failed: {}",
                        page.final_url, failure.message
                    ),
                )),
            },
        );
    }
    if !item.web || landing::names_pdf(url) || prior_pdf {
        remove_if_present(&part).await?;
        return Ok(Err(Failure::landing(
            FailReason::NotPdf,
            format!("{} sent a web page that declares no PDF", page.final_url),
        )));
    }
    let dest = store.html_path(&item.id);
    tokio::task::spawn_blocking(move || commit(&part, &dest))
        .await
        .context("waiting for the file commit")??;
    Ok(Ok(page))
}

/// Removes a file if it is there.
async fn remove_if_present(path: &Path) -> Result<()> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

/// Tells whether the stored file exists and has the size and hash the manifest recorded.
async fn stored_file_matches(dest: &Path, entry: &ManifestEntry) -> Result<bool> {
    match tokio::fs::metadata(dest).await {
        Ok(meta) if meta.len() == entry.bytes => {}
        Ok(_) => return Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e).with_context(|| format!("inspecting {}", dest.display())),
    }
    let path = dest.to_path_buf();
    let (_, sha) = tokio::task::spawn_blocking(move || sha256_file(&path))
        .await
        .context("waiting for the hash of the stored file")??;
    Ok(sha == entry.sha256)
}

/// Orders items so that consecutive ones hit different hosts, which keeps the
/// job slots from all waiting on the per-host cap of a single host.
fn interleave_by_host(items: Vec<&FetchItem>) -> Vec<&FetchItem> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<&FetchItem>> = HashMap::new();
    for item in items {
        let host = item
            .urls
            .first()
            .and_then(|u| reqwest::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        if !groups.contains_key(&host) {
            order.push(host.clone());
        }
        groups.entry(host).or_default().push(item);
    }
    let mut queues: Vec<std::vec::IntoIter<&FetchItem>> = order
        .iter()
        .map(|h| groups.remove(h).unwrap_or_default().into_iter())
        .collect();
    let mut out = Vec::new();
    loop {
        let before = out.len();
        for queue in &mut queues {
            out.extend(queue.next());
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Adopts a hand-downloaded PDF as the file of `id`, checked like a download.
///
/// The file is copied (never moved) to `<data-dir>/pdf/<id>.pdf` and recorded
/// in the manifest with a `file://` URL and status 0. A file that is not a
/// whole PDF, or is longer than `max_bytes`, is refused; the error then
/// downcasts to [`super::FailReason`].
pub fn attach(id: &str, file: &Path, store: &Store, max_bytes: u64) -> Result<ManifestEntry> {
    let source = std::fs::canonicalize(file)
        .with_context(|| format!("Could not find {}", file.display()))?;
    let mut input = std::fs::File::open(&source)
        .with_context(|| format!("Could not open {}", source.display()))?;
    attach_reader(
        id,
        &mut input,
        &source.display().to_string(),
        store,
        max_bytes,
    )
}

/// Adopts a PDF read from `input` (a file, standard input) as the file of `id`, like
/// [`attach`]; `origin` names where it came from, for the manifest and messages.
pub fn attach_reader(
    id: &str,
    input: &mut dyn Read,
    origin: &str,
    store: &Store,
    max_bytes: u64,
) -> Result<ManifestEntry> {
    validate_id(id).context("Refusing to attach")?;
    let dir = store.pdf_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("Could not create {}", dir.display()))?;
    let part = store.pdf_part_path(id);
    let copied = copy_checked(input, origin, &part, max_bytes);
    let (bytes, sha256) = match copied {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
    };
    commit(&part, &store.pdf_path(id))?;
    // The PDF is the entry's document now, in place of any web page fetched for it.
    let page = store.html_path(id);
    match std::fs::remove_file(&page) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("Could not remove {}", page.display())),
    }
    let url = format!("{ATTACHED_SCHEME}{origin}");
    let now = now_unix();
    let entry = ManifestEntry {
        final_url: url.clone(),
        url,
        status: 0,
        bytes,
        sha256,
        content_type: Some("application/pdf".to_string()),
        fetched_at: now,
        checked_at: now,
        ..ManifestEntry::default()
    };
    let mut manifest = Manifest::load(store)?;
    manifest.insert(id, entry.clone());
    manifest.save(store)?;
    Ok(entry)
}

/// Copies `input` to `part` through the PDF check, fsyncs, and returns size and hash.
fn copy_checked(
    input: &mut dyn Read,
    origin: &str,
    part: &Path,
    max_bytes: u64,
) -> Result<(u64, String)> {
    let mut output = std::fs::File::create(part)
        .with_context(|| format!("Could not create {}", part.display()))?;
    let mut sniffer = PdfSniffer::default();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    let refuse =
        |reason| anyhow::Error::new(reason).context(format!("{origin} is not a usable PDF"));
    loop {
        let n = input
            .read(&mut buf)
            .with_context(|| format!("Could not read {origin}"))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > max_bytes {
            return Err(
                anyhow::Error::new(super::FailReason::TooLarge).context(format!(
                    "{origin} is larger than the {} paperdex extracts text from",
                    super::bytes_text(max_bytes)
                )),
            );
        }
        sniffer.push(&buf[..n]).map_err(refuse)?;
        hasher.update(&buf[..n]);
        output
            .write_all(&buf[..n])
            .with_context(|| format!("Could not write {}", part.display()))?;
    }
    sniffer.finish().map_err(refuse)?;
    output
        .sync_all()
        .with_context(|| format!("Could not write {}", part.display()))?;
    Ok((total, crate::store::hex(&hasher.finalize())))
}
