//! Landing pages in the fetch stage (catalog -> **fetch** -> extract -> cite -> index -> embed ->
//! search).
//!
//! Publishers, repositories and arXiv answer a paper's link with an HTML page about it, and
//! the page itself says where the PDF is: the `citation_pdf_url` meta tag that indexers read,
//! or a `<link rel="alternate" type="application/pdf">`. Only that declaration is followed,
//! never a guess from the page's links, so a page about something else is not mistaken for
//! the paper.

use dom_query::Document;
use reqwest::Url;

/// Bytes of a page searched for the declaration: it sits in the head, near the start.
const HEAD_BYTES: usize = 1 << 20;

/// The PDF a web page declares as its own, made absolute against where the page was served
/// from (or its `<base href>`); `None` when it declares none, or only itself.
pub(super) fn declared_pdf(page: &[u8], page_url: &Url) -> Option<Url> {
    let html = String::from_utf8_lossy(&page[..page.len().min(HEAD_BYTES)]);
    let doc = Document::from(html.as_ref());
    let base = doc
        .select("base[href]")
        .attr("href")
        .and_then(|href| page_url.join(&href).ok())
        .unwrap_or_else(|| page_url.clone());
    let mut candidates: Vec<String> = Vec::new();
    for meta in doc.select("meta[name]").nodes() {
        let name = meta.attr("name").unwrap_or_default().to_ascii_lowercase();
        if name == "citation_pdf_url" {
            candidates.extend(meta.attr("content").map(|c| c.to_string()));
        }
    }
    for link in doc.select("link[href][type]").nodes() {
        let rel = link.attr("rel").unwrap_or_default().to_ascii_lowercase();
        let kind = link.attr("type").unwrap_or_default().to_ascii_lowercase();
        if rel.split_whitespace().any(|r| r == "alternate") && kind.trim() == "application/pdf" {
            candidates.extend(link.attr("href").map(|h| h.to_string()));
        }
    }
    candidates.iter().find_map(|c| {
        let mut url = base.join(c.trim()).ok()?;
        url.set_fragment(None);
        let usable = matches!(url.scheme(), "http" | "https") && url.host_str().is_some();
        (usable && url != *page_url).then_some(url)
    })
}

/// Whether a URL names a PDF by its form (a path ending in `.pdf`, a `type=pdf` query), so
/// that a web page from it is a wall or a landing page, never the document itself.
pub fn names_pdf(url: &str) -> bool {
    let Ok(url) = Url::parse(url) else {
        return url.to_ascii_lowercase().contains(".pdf");
    };
    url.path().to_ascii_lowercase().ends_with(".pdf")
        || url
            .query_pairs()
            .any(|(_, v)| v.eq_ignore_ascii_case("pdf"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(head: &str) -> Vec<u8> {
        format!("<!doctype html><html><head>{head}</head><body><a href=\"/other.pdf\">a PDF</a></body></html>")
            .into_bytes()
    }

    #[test]
    fn the_declared_pdf_is_found_and_made_absolute() {
        let at = Url::parse("https://arxiv.example/abs/1234.5678").unwrap();
        let meta = page(
            r#"<meta name="citation_title" content="X"><meta name="citation_pdf_url" content="https://arxiv.example/pdf/1234.5678v2">"#,
        );
        assert_eq!(
            declared_pdf(&meta, &at).unwrap().as_str(),
            "https://arxiv.example/pdf/1234.5678v2"
        );
        let link = page(
            r#"<link rel="alternate" type="application/pdf" href="../files/paper.pdf#page=1">"#,
        );
        assert_eq!(
            declared_pdf(&link, &at).unwrap().as_str(),
            "https://arxiv.example/files/paper.pdf"
        );
        let upper = page(r#"<META NAME="Citation_PDF_URL" CONTENT="/p.pdf">"#);
        assert_eq!(
            declared_pdf(&upper, &at).unwrap().as_str(),
            "https://arxiv.example/p.pdf"
        );
    }

    #[test]
    fn a_page_that_declares_nothing_or_itself_leads_nowhere() {
        let at = Url::parse("https://example.org/paper").unwrap();
        // A PDF linked from the body is not a declaration.
        assert_eq!(declared_pdf(&page("<title>x</title>"), &at), None);
        let own = page(r#"<meta name="citation_pdf_url" content="https://example.org/paper">"#);
        assert_eq!(declared_pdf(&own, &at), None);
        let js = page(r#"<meta name="citation_pdf_url" content="javascript:alert(1)">"#);
        assert_eq!(declared_pdf(&js, &at), None);
        let css = page(r#"<link rel="stylesheet" type="text/css" href="/s.css">"#);
        assert_eq!(declared_pdf(&css, &at), None);
    }

    #[test]
    fn urls_that_name_a_pdf() {
        assert!(names_pdf("https://x.org/papers/Raft.PDF"));
        assert!(names_pdf(
            "http://citeseerx.example/viewdoc/download?doi=10.1.1.1&rep=rep1&type=pdf"
        ));
        assert!(!names_pdf("https://x.org/blog/pdf-tips"));
        assert!(!names_pdf("https://arxiv.org/abs/1234.5678"));
    }
}
