//! `paperdex show ID`: one entry's metadata, what the data directory holds for it, and the
//! entries of the library it cites and that cite it.

use std::io;
use std::process::ExitCode;

use anyhow::Result;
use paperdex::output::reports::{CitedJson, EntryJson};

use paperdex::cite::Node;
use paperdex::coverage;
use paperdex::fault::{Fault, Faults};
use paperdex::output::{self, Printer};

use super::{cite, Context};

pub fn run(cx: &Context, id: &str, json: bool) -> Result<ExitCode> {
    let catalog = cx.catalog()?;
    let entry = cite::known(&catalog, id)?;
    let id = entry.id.as_str();
    let mut status = output::local_rows(&coverage::local(&cx.store, entry)?);
    let covered = coverage::entries(&cx.store, std::slice::from_ref(entry))?;
    let source = covered.first().map(coverage::EntryCoverage::source_label);
    if let Some(source) = source {
        status.push(("source".to_string(), source));
    }
    let faults: Vec<Fault> = Faults::load(&cx.store)
        .all()
        .into_iter()
        .filter(|f| f.id == id)
        .collect();
    for f in &faults {
        status.push((
            "failed".to_string(),
            format!(
                "no {} ({} stage): {}",
                f.stage.what(),
                f.stage.name(),
                f.reason
            ),
        ));
    }
    let links = cite::links(&cx.store)?;
    let graph = cite::graph(&catalog, links.as_ref());
    let read = links.as_ref().and_then(|l| l.documents.get(id));
    let cites = graph.cites(id);
    let cited_by = graph.cited_by(id);
    let stdout = io::stdout();
    if json {
        // The files themselves, as paths a script can open, or null.
        let path = |p: std::path::PathBuf| {
            p.exists()
                .then(|| coverage::absolute(&p).display().to_string())
        };
        // Each cited entry carries the reference that names it, so a reader can check it.
        let reference = |cited: &str| {
            read.and_then(|d| d.citations.iter().find(|c| c.id == cited))
                .map(|c| c.reference.as_str())
        };
        let value = EntryJson {
            entry,
            status: status
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            pdf_path: path(cx.store.pdf_path(id)),
            text_path: path(cx.store.text_path(id)),
            page_path: path(cx.store.html_path(id)),
            links_path: path(cx.store.links_path(id)),
            cites: read.map(|_| {
                cites
                    .iter()
                    .map(|n| CitedJson {
                        id: &n.id,
                        title: &n.title,
                        year: n.year,
                        reference: reference(&n.id),
                    })
                    .collect()
            }),
            cited_by: &cited_by,
            faults: &faults,
        };
        output::json(stdout.lock(), &value)?;
    } else {
        let mut printer = Printer::new(stdout.lock(), cx.color);
        printer.entry(entry, &status)?;
        if links.is_some() {
            let cites: Option<&[&Node]> = read.map(|_| cites.as_slice());
            printer.citations(cites, &cited_by)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
