//! The PDF route's file handling: which file an id names (never one outside the data
//! directory's PDF folder) and which bytes a `Range` header asks for, as PDF viewers fetch a
//! large file piece by piece.

use std::path::PathBuf;

use crate::catalog;
use crate::store::Store;

/// The part of a file a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// No range, or one this server does not split (several ranges): the whole file.
    Whole,
    /// Bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// A range that starts past the end of the file.
    Unsatisfiable,
}

/// Reads a `Range` header for a file of `len` bytes. Only the `bytes` unit and a single range
/// are honoured; anything else gets the whole file, which RFC 9110 allows.
pub fn parse_range(header: Option<&str>, len: u64) -> ByteRange {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return ByteRange::Whole;
    };
    if spec.contains(',') {
        return ByteRange::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return ByteRange::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    let number = |s: &str| s.parse::<u64>().ok();
    match (a.is_empty(), b.is_empty()) {
        // The last `b` bytes.
        (true, false) => match number(b) {
            Some(0) => ByteRange::Unsatisfiable,
            Some(n) if len > 0 => ByteRange::Part {
                start: len.saturating_sub(n),
                end: len - 1,
            },
            Some(_) => ByteRange::Unsatisfiable,
            None => ByteRange::Whole,
        },
        (false, _) => {
            let Some(start) = number(a) else {
                return ByteRange::Whole;
            };
            let end = if b.is_empty() {
                Some(u64::MAX)
            } else {
                number(b)
            };
            match end {
                None => ByteRange::Whole,
                Some(end) if end < start => ByteRange::Whole,
                Some(_) if start >= len => ByteRange::Unsatisfiable,
                Some(end) => ByteRange::Part {
                    start,
                    end: end.min(len - 1),
                },
            }
        }
        (true, true) => ByteRange::Whole,
    }
}

/// The PDF of entry `id` when the id is well formed, the file exists and, symbolic links
/// followed, it lies inside the data directory.
pub fn locate(store: &Store, id: &str) -> Option<PathBuf> {
    if !catalog::valid_id(id) {
        return None;
    }
    let path = store.pdf_path(id);
    let real = path.canonicalize().ok()?;
    let root = store.root().canonicalize().ok()?;
    (real.starts_with(&root) && real.is_file()).then_some(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        use ByteRange::*;
        assert_eq!(parse_range(None, 100), Whole);
        assert_eq!(
            parse_range(Some("bytes=0-99"), 1000),
            Part { start: 0, end: 99 }
        );
        assert_eq!(
            parse_range(Some("bytes=900-"), 1000),
            Part {
                start: 900,
                end: 999
            }
        );
        assert_eq!(
            parse_range(Some("bytes=-100"), 1000),
            Part {
                start: 900,
                end: 999
            }
        );
        assert_eq!(
            parse_range(Some("bytes=-5000"), 1000),
            Part { start: 0, end: 999 }
        );
        assert_eq!(
            parse_range(Some("bytes=10-5000"), 1000),
            Part {
                start: 10,
                end: 999
            }
        );
        assert_eq!(parse_range(Some("bytes=1000-"), 1000), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 1000), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 1000), Whole);
        assert_eq!(parse_range(Some("bytes=9-3"), 1000), Whole);
        assert_eq!(parse_range(Some("items=0-1"), 1000), Whole);
        assert_eq!(parse_range(Some("bytes=x-"), 1000), Whole);
    }

    #[test]
    fn ids_cannot_climb_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        std::fs::create_dir_all(store.pdf_dir()).unwrap();
        std::fs::write(store.pdf_path("paper"), b"%PDF-1.5").unwrap();
        std::fs::write(dir.path().join("secret.pdf"), b"secret").unwrap();
        assert!(locate(&store, "paper").is_some());
        for id in [
            "../secret",
            "..",
            "a/../../secret",
            "/etc/passwd",
            "",
            "missing",
        ] {
            assert_eq!(locate(&store, id), None, "{id}");
        }
    }
}
