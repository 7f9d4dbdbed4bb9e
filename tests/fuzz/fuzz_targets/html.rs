//! Fuzzes the web page extractor: arbitrary bytes as a page, served with or without a
//! content type and charset, from a URL or none, read as an article or as a link hub, as the
//! input's first two bytes choose. Sections or a typed error come out, never a panic or a
//! hang. Run from the repository root with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz html tests/fuzz/corpus/html tests/fuzz/seeds/html`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paperdex::extract::html::{extract_html, HtmlLimits};

const CONTENT_TYPES: &[&str] = &[
    "text/html",
    "text/html; charset=utf-8",
    "text/html; charset=ISO-8859-1",
    "text/html; charset=\"Shift_JIS\"",
    "text/html; charset=gb18030",
    "text/html; charset=koi8-r",
    "text/html; charset=utf-16le",
    "application/xhtml+xml; charset=windows-1251",
];

const URLS: &[&str] = &[
    "https://blog.example.com/posts/gossip.html",
    "http://uni.example/cs999/",
    "https://例え.テスト/記事/",
];

fuzz_target!(|data: &[u8]| {
    let (flags, pick, page) = match data {
        [f, p, rest @ ..] => (*f, usize::from(*p), rest),
        _ => return,
    };
    let content_type = (flags & 1 != 0).then(|| CONTENT_TYPES[pick % CONTENT_TYPES.len()]);
    let url = (flags & 2 != 0).then(|| URLS[pick % URLS.len()]);
    let hub = flags & 4 != 0;
    let limits = HtmlLimits {
        max_bytes: 1 << 20,
        max_elements: 20_000,
    };
    if let Ok(page) = extract_html(page, content_type, url, hub, &limits) {
        for s in &page.sections {
            assert!(!s.text.is_empty());
        }
    }
});
