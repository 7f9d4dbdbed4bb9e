//! PDF acceptance check of the fetch stage (catalog -> **fetch** -> extract -> cite -> index ->
//! embed -> search).
//!
//! Publishers happily answer 200 with an HTML landing page or a login wall, so
//! a body is kept only when it looks like a whole PDF: the `%PDF-` magic within
//! the first kilobyte and an `%%EOF` marker close to the end. The check runs on
//! the stream, so an HTML page is rejected after its first kilobyte.

use super::error::FailReason;

/// How many bytes may precede `%PDF-`; some generators emit a BOM or junk first.
pub(super) const MAX_LEADING_JUNK: usize = 1024;
/// How far from the end the `%%EOF` marker may sit; trailing whitespace or an
/// appended signature block is common.
pub(super) const EOF_WINDOW: usize = 1024;

const MAGIC: &[u8] = b"%PDF-";
const EOF_MARK: &[u8] = b"%%EOF";

/// Incremental checker fed with the body chunk by chunk.
#[derive(Debug, Default)]
pub(super) struct PdfSniffer {
    head: Vec<u8>,
    magic_seen: bool,
    tail: Vec<u8>,
}

impl PdfSniffer {
    /// Feeds one chunk, failing with `NotPdf` as soon as the head rules a PDF out.
    pub(super) fn push(&mut self, chunk: &[u8]) -> Result<(), FailReason> {
        let head_cap = MAX_LEADING_JUNK + MAGIC.len();
        if !self.magic_seen && self.head.len() < head_cap {
            let take = chunk.len().min(head_cap - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
            self.magic_seen = contains(&self.head, MAGIC);
            if !self.magic_seen && self.head.len() >= head_cap {
                return Err(FailReason::NotPdf);
            }
        }
        if chunk.len() >= EOF_WINDOW {
            self.tail.clear();
            self.tail
                .extend_from_slice(&chunk[chunk.len() - EOF_WINDOW..]);
        } else {
            self.tail.extend_from_slice(chunk);
            if self.tail.len() > EOF_WINDOW {
                let excess = self.tail.len() - EOF_WINDOW;
                self.tail.drain(..excess);
            }
        }
        Ok(())
    }

    /// Judges the complete body: `NotPdf` without the magic, `Truncated` without `%%EOF`.
    pub(super) fn finish(&self) -> Result<(), FailReason> {
        if !self.magic_seen {
            return Err(FailReason::NotPdf);
        }
        if !contains(&self.tail, EOF_MARK) {
            return Err(FailReason::Truncated);
        }
        Ok(())
    }

    /// Returns a short printable excerpt of the first bytes, for error details.
    pub(super) fn head_excerpt(&self) -> String {
        let n = self.head.len().min(40);
        String::from_utf8_lossy(&self.head[..n])
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .trim()
            .to_string()
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(chunks: &[&[u8]]) -> Result<(), FailReason> {
        let mut s = PdfSniffer::default();
        for c in chunks {
            s.push(c)?;
        }
        s.finish()
    }

    #[test]
    fn accepts_minimal_pdf_in_any_chunking() {
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
        assert_eq!(judge(&[pdf]), Ok(()));
        let parts: Vec<&[u8]> = pdf.chunks(3).collect();
        assert_eq!(judge(&parts), Ok(()));
    }

    #[test]
    fn allows_leading_junk_up_to_the_limit() {
        let mut body = vec![b' '; MAX_LEADING_JUNK];
        body.extend_from_slice(b"%PDF-1.7\n%%EOF");
        assert_eq!(judge(&[&body]), Ok(()));
        let mut too_much = vec![b' '; MAX_LEADING_JUNK + 1];
        too_much.extend_from_slice(b"%PDF-1.7\n%%EOF");
        assert_eq!(judge(&[&too_much]), Err(FailReason::NotPdf));
    }

    #[test]
    fn rejects_html_early() {
        let html = vec![b'x'; 4096];
        let mut s = PdfSniffer::default();
        assert_eq!(s.push(&html), Err(FailReason::NotPdf));
        assert_eq!(judge(&[b"<html>login</html>"]), Err(FailReason::NotPdf));
    }

    #[test]
    fn missing_eof_marker_means_truncated() {
        assert_eq!(judge(&[b"%PDF-1.4\n1 0 obj"]), Err(FailReason::Truncated));
        let mut far = b"%PDF-1.4\n%%EOF".to_vec();
        far.extend(vec![b'\n'; EOF_WINDOW]);
        assert_eq!(judge(&[&far]), Err(FailReason::Truncated));
    }

    #[test]
    fn eof_marker_split_across_chunks_is_found() {
        assert_eq!(judge(&[b"%PDF-1.4\n%%E", b"OF\n"]), Ok(()));
    }
}
