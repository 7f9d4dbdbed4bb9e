//! On-disk layout and crash-safe writes of the fetch stage
//! (catalog -> **fetch** -> extract -> index -> search).
//!
//! Everything lands under `<data-dir>/pdf/` (PDFs) or `<data-dir>/html/` (web
//! pages) through a hidden `.part` file that is fsynced and renamed into place,
//! so a killed run never leaves a partial file behind for the extract stage to
//! choke on.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::manifest::Format;

/// Longest id accepted; keeps file names well below file-system limits.
const MAX_ID_LEN: usize = 200;

/// Checks that an id is `[a-z0-9-]+`, the only thing a file name is built from.
pub fn validate_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        bail!("invalid paper id {id:?}: expected [a-z0-9-]+");
    }
    Ok(())
}

/// Returns the folder holding the PDFs, `<data-dir>/pdf`.
pub fn pdf_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("pdf")
}

/// Returns where the PDF of `id` is stored, `<data-dir>/pdf/<id>.pdf`.
///
/// # Panics
/// Panics if `id` is not `[a-z0-9-]+`: callers validate ids first, and a
/// path must never be built from anything else.
pub fn pdf_path(data_dir: &Path, id: &str) -> PathBuf {
    assert!(validate_id(id).is_ok(), "invalid paper id {id:?}");
    pdf_dir(data_dir).join(format!("{id}.pdf"))
}

/// Returns the folder holding the web pages, `<data-dir>/html`.
pub fn html_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("html")
}

/// Returns where the web page of `id` is stored, `<data-dir>/html/<id>.html`.
///
/// # Panics
/// Panics if `id` is not `[a-z0-9-]+`, as [`pdf_path`] does.
pub fn html_path(data_dir: &Path, id: &str) -> PathBuf {
    assert!(validate_id(id).is_ok(), "invalid paper id {id:?}");
    html_dir(data_dir).join(format!("{id}.html"))
}

/// Returns where the document of `id` in `format` is stored.
pub fn document_path(data_dir: &Path, id: &str, format: Format) -> PathBuf {
    match format {
        Format::Pdf => pdf_path(data_dir, id),
        Format::Html => html_path(data_dir, id),
    }
}

/// Returns the temporary file a download of `id` streams into.
pub(super) fn part_path(data_dir: &Path, id: &str) -> PathBuf {
    pdf_dir(data_dir).join(format!(".{id}.pdf.part"))
}

/// Returns the temporary file a web page of `id` streams into.
pub(super) fn html_part_path(data_dir: &Path, id: &str) -> PathBuf {
    html_dir(data_dir).join(format!(".{id}.html.part"))
}

/// Removes `.part` files left by an interrupted run and returns their paths.
pub(super) fn clean_stale_parts(data_dir: &Path) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for dir in [pdf_dir(data_dir), html_dir(data_dir)] {
        removed.extend(clean_parts_in(&dir)?);
    }
    Ok(removed)
}

fn clean_parts_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".part") {
            let path = entry.path();
            fs::remove_file(&path).with_context(|| format!("removing stale {}", path.display()))?;
            removed.push(path);
        }
    }
    Ok(removed)
}

/// Fsyncs a directory so that a rename inside it survives a power loss.
pub(super) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("syncing directory {}", dir.display()))?;
    }
    // Other platforms cannot open a directory as a file; the rename is the best they get.
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Renames a finished, already fsynced temporary file into place durably.
pub(super) fn commit_file(tmp: &Path, dest: &Path) -> Result<()> {
    fs::rename(tmp, dest)
        .with_context(|| format!("renaming {} to {}", tmp.display(), dest.display()))?;
    if let Some(parent) = dest.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

pub(super) use crate::store::{hex, sha256_file, write_atomic};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        assert!(validate_id("lamport-1978-time").is_ok());
        for bad in ["", "../etc", "A", "a/b", "a.pdf", "a b", "é"] {
            assert!(validate_id(bad).is_err(), "{bad:?} accepted");
        }
        assert!(validate_id(&"a".repeat(MAX_ID_LEN + 1)).is_err());
    }

    #[test]
    #[should_panic(expected = "invalid paper id")]
    fn pdf_path_refuses_traversal() {
        let _ = pdf_path(Path::new("/data"), "../x");
    }

    #[test]
    fn pdf_path_layout() {
        assert_eq!(
            pdf_path(Path::new("/data"), "raft"),
            PathBuf::from("/data/pdf/raft.pdf")
        );
        assert_eq!(
            part_path(Path::new("/data"), "raft"),
            PathBuf::from("/data/pdf/.raft.pdf.part")
        );
    }
}
