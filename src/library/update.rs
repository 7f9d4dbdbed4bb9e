//! The whole pipeline over one data directory, in order, as `paperdex update` runs it: fetch
//! what is new or changed (unless offline), extract the texts, find the citations, bring the
//! index and its vocabulary in step, and embed for search by meaning. Each stage keeps the
//! contract of `stage`; this function only sequences them under the data directory's lock and
//! gathers their reports. A document that fails inside paperdex in any stage costs only
//! itself: the report lists such faults for the front end to tell.

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::cite::{self, CiteOptions, CiteReport};
use crate::embed::{self, EmbedOptions, EmbedReport, ModelLocation};
use crate::extract::{self, ExtractOptions, ExtractReport};
use crate::fault::Fault;
use crate::fetch::{self, FetchOptions, FetchReport};
use crate::index::{self, IndexOptions, IndexReport};
use crate::stage::Progress;
use crate::store::{DataLock, Store};

/// How a run of the pipeline goes.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// How to download; `None` runs offline, from what the data directory holds.
    pub fetch: Option<FetchOptions>,
    /// Whether the texts are extracted at all (`paperdex index` starts at the citations).
    pub extract: bool,
    /// Read scanned PDFs by OCR when Tesseract is installed.
    pub ocr: bool,
    /// Check every stored text against its record, build the index anew, and try again the
    /// documents that failed inside paperdex before.
    pub rebuild: bool,
    /// The catalog folder in use (for its vocabulary files); `None` for the built-in catalog.
    pub catalog_dir: Option<PathBuf>,
    /// The sentence model to embed with; `None` leaves search by words alone.
    pub model: Option<ModelLocation>,
}

/// What a run of the pipeline did, stage by stage.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateReport {
    #[serde(skip)]
    pub fetch: Option<FetchReport>,
    #[serde(skip)]
    pub extract: Option<ExtractReport>,
    #[serde(skip)]
    pub cite: CiteReport,
    pub index: IndexReport,
    pub embed: Option<EmbedReport>,
    /// Why embedding could not run at all (the model could not be loaded, say); search is
    /// then by words alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embed_error: Option<String>,
    /// Documents that failed inside paperdex in this run, in any stage.
    pub faults: Vec<Fault>,
    /// Documents that failed so before and are unchanged: not tried again.
    #[serde(skip)]
    pub faulted_before: Vec<String>,
}

impl UpdateReport {
    /// Whether the library is all it should be: every text written, no document failed
    /// inside paperdex in this run.
    pub fn ok(&self) -> bool {
        self.extract.as_ref().is_none_or(ExtractReport::ok) && self.faults.is_empty()
    }
}

/// Runs the pipeline over `catalog` in the data directory of `store`, whose lock `_lock`
/// holds. Failed downloads are reported and the run goes on with what there is.
pub fn update(
    store: &Store,
    _lock: &DataLock,
    catalog: &Catalog,
    opts: &UpdateOptions,
    progress: &dyn Progress,
) -> Result<UpdateReport> {
    let entries = &catalog.entries;
    let mut report = UpdateReport::default();
    if let Some(fetch) = &opts.fetch {
        report.fetch = Some(fetch::run(store, entries, fetch, progress)?);
    }
    if opts.extract {
        let extract = ExtractOptions {
            verify: opts.rebuild,
            ocr: opts.ocr,
        };
        let extracted = extract::run(store, entries, &extract, progress)?;
        report.faults.extend(extracted.faults.iter().cloned());
        report
            .faulted_before
            .extend(extracted.faulted_before.iter().cloned());
        report.extract = Some(extracted);
    }
    let cite = CiteOptions {
        retry: opts.rebuild,
    };
    report.cite = cite::run(store, entries, &cite, progress)?;
    report.faults.extend(report.cite.faults.iter().cloned());
    report
        .faulted_before
        .extend(report.cite.faulted_before.iter().cloned());
    let index = IndexOptions {
        rebuild: opts.rebuild,
        catalog_dir: opts.catalog_dir.clone(),
    };
    report.index = index::run(store, entries, &index, progress)?;
    report.faults.extend(report.index.faults.iter().cloned());
    report
        .faulted_before
        .extend(report.index.faulted_before.iter().cloned());
    if let Some(model) = &opts.model {
        let embed = EmbedOptions {
            model: model.clone(),
            retry: opts.rebuild,
        };
        // The index is complete without vectors: a model that cannot be used is reported,
        // and search stays by words.
        match embed::run(store, entries, &embed, progress) {
            Ok(embedded) => {
                report.faults.extend(embedded.faults.iter().cloned());
                report
                    .faulted_before
                    .extend(embedded.faulted_before.iter().cloned());
                report.embed = Some(embedded);
            }
            Err(e) => report.embed_error = Some(format!("{e:#}")),
        }
    }
    report.faulted_before.sort();
    report.faulted_before.dedup();
    Ok(report)
}
