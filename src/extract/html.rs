//! Web pages, the other input of the extract stage: HTML bytes -> the text of the article a
//! page carries, split at its headings, with the links it makes.
//!
//! The bytes are decoded in the character set the page declares (a byte-order mark first,
//! then the server's Content-Type, then `<meta charset>`, as browsers do). The main content is
//! found by a Readability-style scorer (`dom_smoothie`), which leaves navigation, sidebars,
//! footers, comments and banners behind; its headings cut the text into sections, which take
//! the role pages have in a PDF. A page with little text and mostly links (a course index, a
//! repository's front page, a video page) is read as a link hub instead: its title, its
//! description and its visible text, without navigation and footers.

use std::collections::HashSet;

use dom_query::{Document, NodeRef};
use dom_smoothie::{Config, Readability, ReadabilityError};
use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use reqwest::Url;

use super::ExtractError;

/// Version of the web page text; bump when it changes, as it keys the text cache.
pub const HTML_EXTRACTOR_VERSION: u32 = 1;

/// Fewest words an article's main content has; less is read as a hub.
const MIN_ARTICLE_WORDS: usize = 50;

/// Largest share of an article's words that may stand in links.
const MAX_LINK_SHARE: f64 = 0.5;

/// Bytes at the start of a page searched for `<meta charset>`, as browsers do.
const META_PRESCAN: usize = 4096;

/// Bounds on the work done for one page.
#[derive(Debug, Clone)]
pub struct HtmlLimits {
    /// Largest page read, in bytes.
    pub max_bytes: usize,
    /// Most elements the main-content scorer looks at.
    pub max_elements: usize,
}

impl Default for HtmlLimits {
    fn default() -> Self {
        HtmlLimits {
            max_bytes: 32 << 20,
            max_elements: 300_000,
        }
    }
}

/// One stretch of a page under one heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading, or the page's title for the text before the first heading.
    pub heading: String,
    /// The text, the heading's own line first.
    pub text: String,
}

/// What a web page says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebPage {
    /// The page's title.
    pub title: String,
    /// Its sections, in order.
    pub sections: Vec<Section>,
    /// Absolute http(s) URLs the text links to, in order of first appearance.
    pub links: Vec<String>,
    /// Words of the text, and how many of them stand in links.
    pub words: usize,
    pub link_words: usize,
    /// Whether the page was read as a link hub rather than an article.
    pub hub: bool,
    /// The character set the page was decoded from, by its WHATWG name.
    pub charset: &'static str,
}

impl WebPage {
    /// The text of each section, as pages.
    pub fn pages(&self) -> Vec<String> {
        self.sections.iter().map(|s| s.text.clone()).collect()
    }

    /// The heading of each section.
    pub fn headings(&self) -> Vec<String> {
        self.sections.iter().map(|s| s.heading.clone()).collect()
    }
}

/// Decodes a page: a byte-order mark wins, then the charset of `content_type`, then the
/// page's own `<meta charset>`; without any, UTF-8 when the bytes are valid UTF-8, else
/// Windows-1252 (which is also what `ISO-8859-1` means on the web).
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> (String, &'static Encoding) {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return (text.into_owned(), encoding);
    }
    let declared = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| meta_charset(&bytes[..bytes.len().min(META_PRESCAN)]))
        // A page cannot declare itself UTF-16 from inside: its meta was readable as ASCII.
        .map(|e| e.output_encoding());
    let encoding = declared.unwrap_or_else(|| {
        if std::str::from_utf8(bytes).is_ok() {
            UTF_8
        } else {
            WINDOWS_1252
        }
    });
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    (text.into_owned(), encoding)
}

/// The `charset` parameter of a Content-Type value, read as the fetch stage reads it.
pub use crate::fetch::charset_of as charset_param;

/// The character set a `<meta charset=...>` or `<meta http-equiv content="...; charset=...">`
/// in the first bytes of a page names.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut at = 0;
    while let Some(found) = find(&lower[at..], b"<meta") {
        let start = at + found;
        let end = find(&lower[start..], b">").map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset") {
            let rest = &tag[c + b"charset".len()..];
            let rest = trim_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_start(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let label: Vec<u8> = rest
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || b"-_:.".contains(b))
                    .copied()
                    .collect();
                if let Some(encoding) = Encoding::for_label(&label) {
                    return Some(encoding);
                }
            }
        }
        at = end;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[skip..]
}

/// Extracts a page's text. `url` (where the page was served from) makes its links absolute;
/// `hub` says the page is known to be a gateway (a course index, a video page), so it is read
/// as a link hub without looking for an article.
pub fn extract_html(
    bytes: &[u8],
    content_type: Option<&str>,
    url: Option<&str>,
    hub: bool,
    limits: &HtmlLimits,
) -> Result<WebPage, ExtractError> {
    if bytes.len() > limits.max_bytes {
        return Err(ExtractError::TooLarge(format!(
            "page of {} bytes exceeds {} bytes",
            bytes.len(),
            limits.max_bytes
        )));
    }
    let (html, encoding) = decode(bytes, content_type);
    let base = url.and_then(|u| Url::parse(u).ok());
    if !hub {
        if let Some(mut page) = article(&html, base.as_ref(), limits)? {
            let enough = page.words >= MIN_ARTICLE_WORDS
                && (page.link_words as f64) <= MAX_LINK_SHARE * page.words as f64;
            if enough {
                page.charset = encoding.name();
                return Ok(page);
            }
        }
    }
    let mut page = hub_page(&html, base.as_ref());
    page.charset = encoding.name();
    if page.words == 0 {
        return Err(ExtractError::Malformed(
            "the page has no visible text".into(),
        ));
    }
    Ok(page)
}

/// The page's main content as found by the Readability scorer, or `None` when it finds none.
fn article(
    html: &str,
    base: Option<&Url>,
    limits: &HtmlLimits,
) -> Result<Option<WebPage>, ExtractError> {
    let config = Config {
        max_elements_to_parse: limits.max_elements,
        ..Config::default()
    };
    // Banners that sit beside the article (cookie notices, newsletter boxes) would be joined to
    // it as siblings, so they go first.
    let doc = Document::from(html);
    for node in doc.select("body *").nodes() {
        if is_banner(node) {
            node.remove_from_parent();
        }
    }
    let h1 = heading_text(&doc.select("h1").text());
    let doc_url = base.map(Url::as_str);
    let mut reader = Readability::with_document(doc, doc_url, Some(config.clone()))
        .or_else(|_| Readability::with_document(Document::from(html), None, Some(config)))
        .map_err(|e| ExtractError::Malformed(e.to_string()))?;
    let found = match reader.parse() {
        Ok(found) => found,
        Err(ReadabilityError::TooManyElements(n, max)) => {
            return Err(ExtractError::TooLarge(format!(
                "page of {n} elements exceeds {max}"
            )))
        }
        Err(_) => return Ok(None),
    };
    // The page's own h1 is the better title when the <title> only adds the site's name to it.
    let title = clean_line(&found.title);
    let title = if !h1.is_empty() && h1.len() < title.len() && title.contains(&h1) {
        h1
    } else {
        title
    };
    let content = Document::fragment(found.content.to_string());
    let base = base_of(&content, base);
    let mut walker = Walker::new(&title, base.as_ref());
    walker.walk(&content.root());
    Ok(Some(walker.finish(title, false)))
}

/// Elements that never carry a page's own text.
const HIDDEN: &str = "script, style, noscript, template, svg, canvas, iframe, object, \
    form, button, select, input, textarea, dialog, [hidden], [aria-hidden=true]";

/// Elements that hold navigation, banners and footers rather than the page's own text.
const CHROME: &str = "nav, header, footer, aside, menu, [role=navigation], [role=banner], \
    [role=contentinfo], [role=complementary], [role=search]";

/// Whole `id` or `class` names that mark site chrome (texinfo's `header` is its navigation).
const CHROME_TOKENS: &[&str] = &["header", "nav", "navigation", "topbar", "top-bar"];

/// Words in an `id` or `class` that mark site chrome: menus, cookie banners, comments.
const CHROME_NAMES: &[&str] = &[
    "cookie",
    "consent",
    "gdpr",
    "navbar",
    "nav-",
    "menu",
    "sidebar",
    "breadcrumb",
    "footer",
    "masthead",
    "banner",
    "comments",
    "share",
    "social",
    "subscribe",
    "newsletter",
    "skip-link",
];

/// A link hub's text: its description and its visible text, without hidden elements,
/// navigation and footers.
fn hub_page(html: &str, base: Option<&Url>) -> WebPage {
    let doc = Document::from(html);
    let title = doc
        .select("meta[property='og:title']")
        .attr("content")
        .map(|t| clean_line(&t))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| clean_line(&doc.select("title").text()));
    let description = ["meta[name=description]", "meta[property='og:description']"]
        .iter()
        .find_map(|sel| {
            doc.select(sel)
                .attr("content")
                .map(|d| clean_line(&d))
                .filter(|d| !d.is_empty())
        });
    let base = base_of(&doc, base);
    doc.select(HIDDEN).remove();
    let body = doc.body().unwrap_or_else(|| doc.root());
    // Chrome is dropped only when something is left: some pages put everything in a header.
    let chrome = doc.select(CHROME);
    let chrome_words: usize = chrome.nodes().iter().map(|n| word_count(&n.text())).sum();
    if word_count(&body.text()) > chrome_words {
        chrome.remove();
    }
    for node in body.descendants() {
        if node.is_element() && is_chrome_name(&node) {
            node.remove_from_parent();
        }
    }
    let mut walker = Walker::new(&title, base.as_ref());
    if let Some(d) = &description {
        walker.push_text(d);
        walker.block();
    }
    walker.walk(&body);
    walker.finish(title, true)
}

/// Words in an `id` or `class` that mark a banner laid over or beside the page.
const BANNER_NAMES: &[&str] = &["cookie", "consent", "gdpr", "newsletter", "subscribe"];

/// Whether an element is a banner by its id or class (and not a large part of the page).
fn is_banner(node: &NodeRef) -> bool {
    names_of(node).is_some_and(|names| BANNER_NAMES.iter().any(|n| names.contains(n)))
        && node.normalized_char_count() < 2000
}

/// An element's id and classes, lowercased, when it has any.
fn names_of(node: &NodeRef) -> Option<String> {
    let mut names = String::new();
    if let Some(id) = node.id_attr() {
        names.push_str(&id.to_ascii_lowercase());
    }
    if let Some(class) = node.class() {
        names.push(' ');
        names.push_str(&class.to_ascii_lowercase());
    }
    (!names.trim().is_empty()).then_some(names)
}

/// Whether an element's id or class names site chrome.
fn is_chrome_name(node: &NodeRef) -> bool {
    let Some(names) = names_of(node) else {
        return false;
    };
    // A page whose whole body wears such a class (`has-sidebar`) keeps it.
    let big = node.normalized_char_count() > 5000;
    let token = names.split_whitespace().any(|t| CHROME_TOKENS.contains(&t));
    !big && (token || CHROME_NAMES.iter().any(|n| names.contains(n)))
}

/// The URL links are resolved against: the page's `<base href>`, else where it came from.
fn base_of(doc: &Document, url: Option<&Url>) -> Option<Url> {
    let declared = doc.select("base[href]").attr("href");
    match (declared, url) {
        (Some(href), Some(url)) => url.join(&href).ok().or_else(|| Some(url.clone())),
        (Some(href), None) => Url::parse(&href).ok(),
        (None, url) => url.cloned(),
    }
}

/// Elements that start a new line of text.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "hr"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "pre"
            | "blockquote"
            | "table"
            | "tr"
            | "thead"
            | "tbody"
            | "caption"
            | "section"
            | "article"
            | "main"
            | "header"
            | "footer"
            | "figure"
            | "figcaption"
            | "address"
            | "details"
            | "summary"
            | "center"
    )
}

/// Walks a tree in document order, gathering text by section and links.
struct Walker<'u> {
    base: Option<&'u Url>,
    sections: Vec<Section>,
    heading: String,
    /// Heading lines of sections that had no text of their own, carried into the next one.
    carried: Vec<String>,
    text: String,
    line: String,
    links: Vec<String>,
    seen: HashSet<String>,
    words: usize,
    link_words: usize,
    in_link: usize,
    in_pre: usize,
}

impl<'u> Walker<'u> {
    fn new(title: &str, base: Option<&'u Url>) -> Walker<'u> {
        Walker {
            base,
            sections: Vec::new(),
            heading: title.to_string(),
            carried: Vec::new(),
            text: String::new(),
            line: String::new(),
            links: Vec::new(),
            seen: HashSet::new(),
            words: 0,
            link_words: 0,
            in_link: 0,
            in_pre: 0,
        }
    }

    fn walk(&mut self, node: &NodeRef) {
        for child in node.children_it(false) {
            if child.is_text() {
                let text = child.text();
                if self.in_pre > 0 {
                    self.push_raw(&text);
                } else {
                    self.push_text(&text);
                }
                continue;
            }
            if !child.is_element() {
                continue;
            }
            let name = child
                .node_name()
                .map(|n| n.to_ascii_lowercase())
                .unwrap_or_default();
            match name.as_str() {
                "script" | "style" | "noscript" | "template" | "svg" | "head" | "title" => {}
                "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                    let heading = heading_text(&child.text());
                    if heading.is_empty() {
                        continue;
                    }
                    self.close_section();
                    self.heading = heading.clone();
                    self.words += word_count(&heading);
                    self.text.push_str(&heading);
                    self.text.push('\n');
                }
                "a" => {
                    if let Some(href) = child.attr("href") {
                        self.link(&href);
                    }
                    self.in_link += 1;
                    self.walk(&child);
                    self.in_link -= 1;
                }
                "pre" => {
                    self.block();
                    self.in_pre += 1;
                    self.walk(&child);
                    self.in_pre -= 1;
                    self.block();
                }
                "td" | "th" => {
                    self.push_text(" ");
                    self.walk(&child);
                    self.push_text(" ");
                }
                "img" => {
                    // An image's words are not the page's text, but an image link is a link.
                }
                _ if is_block(&name) => {
                    self.block();
                    self.walk(&child);
                    self.block();
                }
                _ => self.walk(&child),
            }
        }
    }

    /// Adds running text, its whitespace collapsed.
    fn push_text(&mut self, text: &str) {
        let mut space = text.starts_with(char::is_whitespace);
        for word in text.split_whitespace() {
            let word: String = word
                .chars()
                .filter(|c| !c.is_control() && !is_icon(*c))
                .collect();
            if word.is_empty() {
                continue;
            }
            if space && !self.line.is_empty() && !self.line.ends_with(' ') {
                self.line.push(' ');
            }
            self.line.push_str(&word);
            self.words += 1;
            if self.in_link > 0 {
                self.link_words += 1;
            }
            space = true;
        }
        if text.ends_with(char::is_whitespace) && !self.line.is_empty() && !self.line.ends_with(' ')
        {
            self.line.push(' ');
        }
    }

    /// Adds preformatted text line by line.
    fn push_raw(&mut self, text: &str) {
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.block();
            }
            self.push_text(line);
        }
    }

    /// Ends the current line.
    fn block(&mut self) {
        let line = self.line.trim();
        if !line.is_empty() {
            self.text.push_str(line);
            self.text.push('\n');
        }
        self.line.clear();
    }

    /// Records a link, made absolute, once.
    fn link(&mut self, href: &str) {
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') {
            return;
        }
        let resolved = match self.base {
            Some(base) => base.join(href),
            None => Url::parse(href),
        };
        let Ok(mut url) = resolved else {
            return;
        };
        if !matches!(url.scheme(), "http" | "https") {
            return;
        }
        url.set_fragment(None);
        let same_page = self.base.is_some_and(|b| {
            let mut b = b.clone();
            b.set_fragment(None);
            b == url
        });
        if !same_page && self.seen.insert(url.to_string()) {
            self.links.push(url.into());
        }
    }

    /// Closes the current section: kept when it has text beyond its heading line.
    fn close_section(&mut self) {
        self.block();
        let text = std::mem::take(&mut self.text);
        let body = text.trim();
        let heading_only = body.lines().count() <= 1 && body == self.heading.trim();
        if body.is_empty() {
            return;
        }
        if heading_only {
            self.carried.push(body.to_string());
            return;
        }
        let mut full = self.carried.join("\n");
        if !full.is_empty() {
            full.push('\n');
        }
        full.push_str(body);
        self.carried.clear();
        self.sections.push(Section {
            heading: std::mem::take(&mut self.heading),
            text: full,
        });
    }

    fn finish(mut self, title: String, hub: bool) -> WebPage {
        self.close_section();
        if !self.carried.is_empty() {
            // Headings at the very end with nothing under them still belong to the text.
            let text = self.carried.join("\n");
            match self.sections.last_mut() {
                Some(last) => {
                    last.text.push('\n');
                    last.text.push_str(&text);
                }
                None => self.sections.push(Section {
                    heading: title.clone(),
                    text,
                }),
            }
        }
        WebPage {
            title,
            sections: self.sections,
            links: self.links,
            words: self.words,
            link_words: self.link_words,
            hub,
            charset: "UTF-8",
        }
    }
}

/// A heading as one line, without the permalink mark documentation generators put after it.
fn heading_text(text: &str) -> String {
    let line = clean_line(text);
    line.trim_end_matches(['¶', '#', '§', '🔗', '⚓', ' '])
        .to_string()
}

/// Characters of icon fonts (the private use area), which stand for pictures, not text.
fn is_icon(c: char) -> bool {
    ('\u{e000}'..='\u{f8ff}').contains(&c)
}

/// Text as one line: whitespace collapsed, control characters dropped.
fn clean_line(text: &str) -> String {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| !c.is_control() && !is_icon(*c))
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paragraph(topic: &str, n: usize) -> String {
        let mut p = String::from("<p>");
        for i in 0..n {
            p.push_str(&format!(
                "Sentence {i} explains how {topic} keeps replicas consistent when messages are lost or delayed. "
            ));
        }
        p.push_str("</p>");
        p
    }

    fn article_page() -> String {
        format!(
            r##"<!doctype html><html><head><title>Gossip Notes - Example Blog</title>
<meta name="description" content="Notes on gossip."></head><body>
<header><nav class="navbar"><a href="/">Home</a> <a href="/about">About zebrafish</a> <a href="/archive">Archive</a></nav></header>
<div class="sidebar"><h3>Popular</h3><ul><li><a href="/x">Quokka tips</a></li><li><a href="/y">More quokkas</a></li></ul></div>
<article><h1>Gossip Notes</h1>
{intro}
<h2>Anti-entropy<a class="headerlink" href="#anti-entropy">¶</a><i>{icon}</i></h2>
{ae}
<p>See <a href="../papers/epidemic.pdf">the epidemic paper</a> and <a href="https://example.org/dynamo#s4">Dynamo</a>.</p>
<h2>Rumor mongering</h2>
{rm}
</article>
<div id="cookie-banner">We use cookies. Accept walrus cookies.</div>
<footer>Copyright 2024 Platypus Inc. <a href="/privacy">Privacy</a></footer>
</body></html>"##,
            intro = paragraph("gossip", 8),
            ae = paragraph("anti-entropy", 8),
            icon = '\u{f0c1}',
            rm = paragraph("rumor mongering", 8),
        )
    }

    #[test]
    fn an_article_is_split_at_its_headings_and_leaves_the_chrome_behind() {
        let html = article_page();
        let page = extract_html(
            html.as_bytes(),
            Some("text/html"),
            Some("https://blog.example.com/posts/gossip.html"),
            false,
            &HtmlLimits::default(),
        )
        .unwrap();
        assert!(!page.hub);
        let headings = page.headings();
        assert_eq!(
            headings[headings.len() - 2..],
            ["Anti-entropy".to_string(), "Rumor mongering".to_string()],
            "{headings:?}"
        );
        let all = page.pages().join("\n");
        assert!(all.contains("anti-entropy keeps replicas"), "{all}");
        for chrome in ["zebrafish", "Quokka", "walrus", "Platypus"] {
            assert!(!all.contains(chrome), "{chrome} kept: {all}");
        }
        let ae = &page.sections[page.sections.len() - 2];
        assert!(ae.text.starts_with("Anti-entropy\n"), "{}", ae.text);
        assert!(ae.text.contains("the epidemic paper"));
        assert_eq!(
            page.links,
            vec![
                "https://blog.example.com/papers/epidemic.pdf".to_string(),
                "https://example.org/dynamo".to_string()
            ]
        );
        assert!(!all.contains('\x0c'));
        // The <title> adds the blog's name to the article's h1, which is the better title.
        assert_eq!(page.title, "Gossip Notes");
    }

    #[test]
    fn a_page_of_links_is_a_hub_without_its_navigation() {
        let mut items = String::new();
        for i in 0..40 {
            items.push_str(&format!("<li><a href=\"lec{i}.html\">Lecture {i}</a></li>"));
        }
        let html = format!(
            "<html><head><title>CS 999: Distributed Systems</title><meta name=description content=\"A course on consensus.\"></head>\
             <body><nav><a href=/>University menu walrus</a></nav><main><h1>Schedule</h1><ul>{items}</ul></main>\
             <footer>Footer platypus</footer></body></html>"
        );
        let page = extract_html(
            html.as_bytes(),
            None,
            Some("http://uni.example/cs999/"),
            false,
            &HtmlLimits::default(),
        )
        .unwrap();
        assert!(page.hub);
        let all = page.pages().join("\n");
        assert!(all.contains("A course on consensus."), "{all}");
        assert!(all.contains("Lecture 39"), "{all}");
        assert!(
            !all.contains("walrus") && !all.contains("platypus"),
            "{all}"
        );
        assert_eq!(page.links.len(), 40);
        assert_eq!(page.links[0], "http://uni.example/cs999/lec0.html");
        assert_eq!(page.title, "CS 999: Distributed Systems");
    }

    #[test]
    fn charsets_are_honoured_in_order() {
        // "Café" in Latin-1, declared by the server.
        let latin1 = b"<html><body><p>Caf\xe9 cr\xe8me</p></body></html>";
        let (text, enc) = decode(latin1, Some("text/html; charset=ISO-8859-1"));
        assert!(text.contains("Café crème"), "{text}");
        assert_eq!(enc.name(), "windows-1252");
        // Declared by a meta tag only.
        let meta = b"<html><head><meta charset=\"iso-8859-15\"></head><body>\xa4</body></html>";
        assert!(decode(meta, Some("text/html")).0.contains('€'));
        let equiv = b"<meta http-equiv=Content-Type content='text/html; charset=koi8-r'>\xc1";
        assert!(decode(equiv, None).0.contains('а'));
        // A BOM beats everything else.
        let mut bom = vec![0xef, 0xbb, 0xbf];
        bom.extend_from_slice("<p>naïve</p>".as_bytes());
        assert!(decode(&bom, Some("text/html; charset=iso-8859-1"))
            .0
            .contains("naïve"));
        // Nothing declared: UTF-8 if it is, else Windows-1252.
        assert!(decode("ünïcode".as_bytes(), None).0.contains("ünïcode"));
        assert!(decode(b"\x93quoted\x94", None).0.contains('“'));
        assert_eq!(
            charset_param("text/html; Charset=\"UTF-8\""),
            Some("UTF-8".into())
        );
    }

    #[test]
    fn headings_in_any_script_cut_whole_sections() {
        // Headings of 2-, 3- and 4-byte characters, one ending in a permalink emoji and one in
        // an icon-font glyph; the sections keep every character whole.
        let headings = [
            "Réplication — état “fort”",
            "一致性协议 • 概述",
            "𝔸 Byzantine 😀 agreement🔗",
            "Ωmega\u{f0c1}",
        ];
        let mut html =
            String::from("<html><head><title>Notes — 中文</title></head><body><article>");
        for (i, h) in headings.iter().enumerate() {
            html.push_str(&format!("<h2>{h}</h2>"));
            html.push_str(&paragraph(&format!("section {i} 中文 — é"), 4));
        }
        html.push_str("</article></body></html>");
        let page =
            extract_html(html.as_bytes(), None, None, false, &HtmlLimits::default()).unwrap();
        assert!(!page.hub);
        let got = page.headings();
        let tail = &got[got.len() - headings.len()..];
        assert_eq!(
            tail,
            [
                "Réplication — état “fort”",
                "一致性协议 • 概述",
                "𝔸 Byzantine 😀 agreement",
                "Ωmega"
            ],
            "{got:?}"
        );
        for s in &page.sections[page.sections.len() - headings.len()..] {
            assert!(
                s.text.starts_with(&format!("{}\n", s.heading)),
                "{}",
                s.text
            );
            assert!(s.text.contains("中文 — é keeps replicas"), "{}", s.text);
        }
    }

    #[test]
    fn oversized_pages_are_refused() {
        let limits = HtmlLimits {
            max_bytes: 10,
            ..HtmlLimits::default()
        };
        let err = extract_html(b"<p>far too long</p>", None, None, false, &limits).unwrap_err();
        assert!(matches!(err, ExtractError::TooLarge(_)), "{err}");
    }

    #[test]
    fn preformatted_text_keeps_its_lines() {
        let mut w = Walker::new("T", None);
        let doc = Document::fragment("<pre>line one\n  line two</pre><p>after</p>");
        w.walk(&doc.root());
        let page = w.finish("T".into(), false);
        assert_eq!(page.sections[0].text, "line one\nline two\nafter");
    }
}
