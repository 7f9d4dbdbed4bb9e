//! The JSON reports of the commands that are not a search, as typed structs: each `--json`
//! prints one of these (or a type of the library's own, such as `search::Results`), so the
//! shape of every object is written down in one place, field by field, rather than
//! assembled in a command. Field names are part of the interface scripts rely on.

use serde::Serialize;

use std::collections::BTreeMap;

use crate::catalog::{Entry, Problem};
use crate::cite::{Node, Step};
use crate::embed::EmbedReport;
use crate::extract::ExtractReport;
use crate::fault::Fault;
use crate::fetch::FetchReport;
use crate::index::IndexReport;

/// `paperdex path ID --json`: what to read before an entry.
#[derive(Debug, Serialize)]
pub struct PathReport<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub year: Option<i64>,
    /// Whether the entry's own text was read, so that an empty `before` means it cites no
    /// other entry rather than that its citations are unknown.
    pub read: bool,
    /// Whether the path followed citations off the entry's subject.
    pub wide: bool,
    /// The entries to read first, in order.
    pub before: &'a [Step],
    /// Groups of entries that cite each other, placed by year.
    pub cycles: &'a [Vec<String>],
}

/// `paperdex reading-order --json`: entries ordered so that cited works come first.
#[derive(Debug, Serialize)]
pub struct OrderReport<'a> {
    /// The topics asked for; empty for the whole library.
    pub topics: &'a [String],
    pub order: &'a [Step],
    pub cycles: &'a [Vec<String>],
}

/// `paperdex model status --json`: which sentence model is used and how much is embedded.
#[derive(Debug, Serialize)]
pub struct ModelReport {
    /// The model folder, or null when there is none.
    pub model: Option<String>,
    /// Where the folder was named: `--model`, `PAPERDEX_MODEL`, or the data folder.
    pub origin: Option<&'static str>,
    pub embedded_entries: usize,
}

/// `paperdex catalog check --json`: what was read and every problem found, in file and line
/// order.
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    /// The catalog checked: a folder, or the built-in catalog.
    pub catalog: &'a str,
    pub files: usize,
    pub entries: usize,
    pub vocabulary_groups: usize,
    pub problems: Vec<ProblemReport<'a>>,
}

/// One problem of a catalog file.
#[derive(Debug, Serialize)]
pub struct ProblemReport<'a> {
    pub file: &'a str,
    pub line: usize,
    pub message: &'a str,
}

impl<'a> From<&'a Problem> for ProblemReport<'a> {
    fn from(p: &'a Problem) -> Self {
        ProblemReport {
            file: &p.file,
            line: p.line,
            message: &p.message,
        }
    }
}

/// What a fetch did (`fetch --json`, and the `fetch` part of `update --json`): ids by
/// outcome, and each failure with its reason and detail.
#[derive(Debug, Serialize)]
pub struct FetchJson<'a> {
    pub fetched: &'a [String],
    pub unchanged: &'a [String],
    pub failed: Vec<IdAnd<'a>>,
    pub skipped_no_url: &'a [String],
    pub skipped_not_open: &'a [String],
    /// Entries fetched as web pages rather than PDFs.
    pub web_pages: &'a [String],
    /// PDFs found through a landing page.
    pub landing: &'a [String],
    /// Whether no host answered at all.
    pub network_down: bool,
    pub unknown_only: &'a [String],
}

/// An entry id with why, as failures are listed.
#[derive(Debug, Serialize)]
pub struct IdAnd<'a> {
    pub id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

impl<'a> From<&'a FetchReport> for FetchJson<'a> {
    fn from(r: &'a FetchReport) -> Self {
        FetchJson {
            fetched: &r.fetched,
            unchanged: &r.unchanged,
            failed: r
                .failed
                .iter()
                .map(|(id, reason, detail)| IdAnd {
                    id,
                    reason: Some(reason.to_string()),
                    detail: Some(detail),
                    error: None,
                })
                .collect(),
            skipped_no_url: &r.skipped_no_url,
            skipped_not_open: &r.skipped_not_open,
            web_pages: &r.web_pages,
            landing: &r.landing,
            network_down: r.network_down,
            unknown_only: &r.unknown_only,
        }
    }
}

/// What an extraction did (the `extract` part of `update --json`).
#[derive(Debug, Serialize)]
pub struct ExtractJson<'a> {
    pub extracted: &'a [String],
    /// Texts already up to date.
    pub unchanged: &'a [String],
    /// Documents that gave no text, with the reason.
    pub without_text: Vec<IdAnd<'a>>,
    /// Documents that gave no text before and have not changed.
    pub without_text_before: &'a [String],
    /// Texts found missing or damaged and extracted again.
    pub repaired: &'a [String],
    /// Documents read by OCR.
    pub ocr: &'a [String],
    /// Scans without a text layer.
    pub scanned: &'a [String],
    /// The OCR program that is missing, if one is.
    pub ocr_missing: Option<&'a str>,
    /// Texts that could not be written, with the error.
    pub errors: Vec<IdAnd<'a>>,
}

impl<'a> From<&'a ExtractReport> for ExtractJson<'a> {
    fn from(r: &'a ExtractReport) -> Self {
        let with = |list: &'a [(String, String)], error: bool| -> Vec<IdAnd<'a>> {
            list.iter()
                .map(|(id, text)| IdAnd {
                    id,
                    reason: (!error).then(|| text.clone()),
                    detail: None,
                    error: error.then_some(text.as_str()),
                })
                .collect()
        };
        ExtractJson {
            extracted: &r.extracted,
            unchanged: &r.cached,
            without_text: with(&r.failed, false),
            without_text_before: &r.failed_before,
            repaired: &r.repaired,
            ocr: &r.ocr,
            scanned: &r.scanned,
            ocr_missing: r.ocr_missing.as_deref(),
            errors: with(&r.io_errors, true),
        }
    }
}

/// `paperdex update --json` (and `index --json`): what each stage did, and the documents that
/// failed inside paperdex in this run.
#[derive(Debug, Serialize)]
pub struct UpdateJson<'a> {
    /// Null when the run was offline.
    pub fetch: Option<FetchJson<'a>>,
    /// Null when the run did not extract.
    pub extract: Option<ExtractJson<'a>>,
    pub index: &'a IndexReport,
    /// Null when there was no sentence model.
    pub embed: Option<&'a EmbedReport>,
    pub faults: &'a [Fault],
}

/// `paperdex show ID --json`: the entry's catalog fields, what the data directory holds of it
/// (the rows `show` prints, by their labels: `pdf` or `page` or `document`, `text`, `source`,
/// `failed`, ...), the paths of its files, and its citations.
#[derive(Debug, Serialize)]
pub struct EntryJson<'a> {
    #[serde(flatten)]
    pub entry: &'a Entry,
    #[serde(flatten)]
    pub status: BTreeMap<&'a str, &'a str>,
    /// The files themselves, as absolute paths a script can open, or null.
    pub pdf_path: Option<String>,
    pub text_path: Option<String>,
    pub page_path: Option<String>,
    pub links_path: Option<String>,
    /// The entries of the library it cites, each with the reference that names it; null when
    /// its text was not read, so unknown is not mistaken for none.
    pub cites: Option<Vec<CitedJson<'a>>>,
    pub cited_by: &'a [&'a Node],
    pub faults: &'a [Fault],
}

/// An entry cited, with the line of the reference list that names it.
#[derive(Debug, Serialize)]
pub struct CitedJson<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub year: Option<i64>,
    pub reference: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_keep_the_field_names_scripts_read() {
        let problem = Problem {
            file: "a.toml".into(),
            line: 3,
            message: "bad".into(),
        };
        let check = CheckReport {
            catalog: "catalog/",
            files: 1,
            entries: 2,
            vocabulary_groups: 0,
            problems: vec![(&problem).into()],
        };
        let v = serde_json::to_value(&check).unwrap();
        assert_eq!(v["problems"][0]["line"], 3);
        assert_eq!(v["entries"], 2);
        let model = serde_json::to_value(ModelReport {
            model: None,
            origin: None,
            embedded_entries: 5,
        })
        .unwrap();
        assert!(model["model"].is_null());
        assert_eq!(model["embedded_entries"], 5);
        let path = serde_json::to_value(PathReport {
            id: "raft",
            title: "Raft",
            year: Some(2014),
            read: false,
            wide: false,
            before: &[],
            cycles: &[],
        })
        .unwrap();
        assert_eq!(path["read"], false);
        assert!(path["before"].as_array().unwrap().is_empty());
    }
}
