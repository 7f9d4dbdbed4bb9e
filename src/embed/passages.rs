//! Passage vectors of the embed stage (catalog -> fetch -> extract -> index -> **embed** ->
//! search): the full text of each entry, cut into passages of about a hundred words within
//! its pages (or a web page's sections), each with a vector, so a query that describes an
//! idea in plain words meets the paragraph that explains it, not only the entry's title and
//! summary. They are kept in `<data-dir>/embed/passages.bin` (the format of [`Vectors`]), one
//! row per passage, named `ID␟PAGE␟START␟END` (byte offsets within the page) and keyed by the
//! entry's text key, so an entry whose text is unchanged keeps its rows without its text
//! being read again.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::vectors::embed_each;
use super::{Embedder, Vectors};
use crate::catalog::Entry;
use crate::index::TextSource;

/// Words per passage: about 130 of the model's tokens, within the 256 it reads.
const PASSAGE_WORDS: usize = 100;

/// Fewest words a passage needs to be worth a vector: a page's stray last line is not.
const MIN_WORDS: usize = 20;

/// Most passages kept of one entry: a book-length text is sampled evenly rather than embedded
/// whole.
const MAX_PASSAGES: usize = 400;

/// Bumped whenever passages are cut differently, so their vectors are made again.
const PASSAGE_VERSION: u32 = 1;

/// Separates the parts of a row's name; it cannot occur in an id.
const SEP: char = '\u{1f}';

/// Texts embedded between two progress reports.
const CHUNK: usize = 64;

/// Where a passage lies in an entry's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The 1-based page (or section) it is on.
    pub page: usize,
    /// Byte offsets within that page, on character boundaries.
    pub start: usize,
    pub end: usize,
}

/// The passages of a text given as pages: runs of about [`PASSAGE_WORDS`] words, each within
/// one page, evenly sampled down to [`MAX_PASSAGES`].
pub fn split(pages: &[String]) -> Vec<Span> {
    let mut spans = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let words: Vec<(usize, usize)> = word_bounds(page);
        let mut at = 0;
        while at < words.len() {
            let end = (at + PASSAGE_WORDS).min(words.len());
            // A short remainder joins the passage before it rather than standing alone.
            let end = if words.len() - end < MIN_WORDS {
                words.len()
            } else {
                end
            };
            if end - at >= MIN_WORDS {
                spans.push(Span {
                    page: p + 1,
                    start: words[at].0,
                    end: words[end - 1].1,
                });
            }
            at = end;
        }
    }
    if spans.len() > MAX_PASSAGES {
        let n = spans.len();
        spans = (0..MAX_PASSAGES)
            .map(|i| spans[i * n / MAX_PASSAGES])
            .collect();
    }
    spans
}

/// The byte ranges of the whitespace-separated words of `text`.
fn word_bounds(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// The text of a passage, with its lines joined; `None` when the span does not fit the page.
pub fn text_of<'a>(pages: &'a [String], span: &Span) -> Option<&'a str> {
    pages
        .get(span.page.checked_sub(1)?)?
        .get(span.start..span.end)
}

/// The name of a passage's row.
fn row_name(id: &str, span: &Span) -> String {
    format!("{id}{SEP}{}{SEP}{}{SEP}{}", span.page, span.start, span.end)
}

/// The entry and span a row's name stands for.
pub fn parse_row(name: &str) -> Option<(&str, Span)> {
    let mut parts = name.split(SEP);
    let id = parts.next()?;
    let mut number = || parts.next()?.parse::<usize>().ok();
    let span = Span {
        page: number()?,
        start: number()?,
        end: number()?,
    };
    Some((id, span))
}

/// Where a data directory keeps its passage vectors.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("embed").join("passages.bin")
}

/// What one run over the passages did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PassageStats {
    /// Entries whose passages went through the model.
    pub entries: usize,
    /// Passages embedded.
    pub embedded: usize,
    /// Passages whose stored vector was kept.
    pub reused: usize,
    /// Entries whose passages made the model fail inside paperdex, with the reason.
    #[serde(skip)]
    pub faults: Vec<(String, String)>,
}

/// The key a passage row is stored with: the entry's text key and the way passages are cut.
fn key(text_key: &str) -> String {
    format!("{PASSAGE_VERSION}:{text_key}")
}

/// Whether the stored passages at `path`, made by the model `identity`, are those of exactly
/// these entries' texts: then the model need not be loaded at all.
pub fn current(path: &Path, identity: &str, entries: &[Entry], texts: &dyn TextSource) -> bool {
    let Ok(Some(stored)) = Vectors::load(path) else {
        return entries.iter().all(|e| texts.key(&e.id).is_none());
    };
    if stored.model() != identity {
        return false;
    }
    let stored = keys_by_entry(&stored);
    let wanted: HashMap<&str, String> = entries
        .iter()
        .filter_map(|e| texts.key(&e.id).map(|k| (e.id.as_str(), key(&k))))
        .collect();
    wanted.len() == stored.len()
        && wanted
            .iter()
            .all(|(id, k)| stored.get(id).is_some_and(|s| s == k))
}

/// Each entry's key as its stored rows carry it.
fn keys_by_entry(stored: &Vectors) -> HashMap<&str, String> {
    stored
        .rows()
        .filter_map(|(name, hash, _)| parse_row(name).map(|(id, _)| (id, hash.to_string())))
        .collect()
}

/// Brings the passage vectors at `path` in step with the texts of `entries`: an entry whose
/// text key is unchanged keeps its rows, every other entry with text has its passages cut
/// and embedded, and entries without text lose theirs. `skip` names entries not to embed (a
/// text that failed before); `progress` gets `(done, total)` over the passages to embed.
pub fn update(
    path: &Path,
    model: &dyn Embedder,
    entries: &[Entry],
    texts: &dyn TextSource,
    skip: &HashSet<String>,
    progress: &dyn Fn(usize, usize),
) -> Result<PassageStats> {
    let mut stats = PassageStats::default();
    let old = match Vectors::load(path) {
        Ok(Some(old)) if old.model() == model.identity() && old.dims() == model.dims() => old,
        _ => Vectors::new(model.identity(), model.dims()),
    };
    let old_keys = keys_by_entry(&old);
    let mut kept = Vectors::new(model.identity(), model.dims());
    // The passages to embed: (row name, entry id, text).
    let mut todo: Vec<(String, String, String)> = Vec::new();
    let mut changed = false;
    for entry in entries {
        let id = entry.id.as_str();
        let Some(text_key) = texts.key(id) else {
            changed |= old_keys.contains_key(id);
            continue;
        };
        let wanted = key(&text_key);
        if old_keys.get(id) == Some(&wanted) {
            for (name, hash, vector) in old.rows() {
                if parse_row(name).is_some_and(|(owner, _)| owner == id) {
                    kept.push(name, hash, vector);
                    stats.reused += 1;
                }
            }
            continue;
        }
        changed = true;
        if skip.contains(id) {
            continue;
        }
        let Some(pages) = texts.pages(id)? else {
            continue;
        };
        for span in split(&pages.0) {
            if let Some(text) = text_of(&pages.0, &span) {
                todo.push((row_name(id, &span), id.to_string(), text.to_string()));
            }
        }
    }
    changed |= old_keys
        .keys()
        .any(|id| !entries.iter().any(|e| e.id == *id));
    let keys: HashMap<&str, String> = entries
        .iter()
        .filter_map(|e| texts.key(&e.id).map(|k| (e.id.as_str(), key(&k))))
        .collect();
    progress(0, todo.len());
    let mut failed: HashSet<String> = HashSet::new();
    let mut touched: HashSet<String> = HashSet::new();
    for (n, chunk) in todo.chunks(CHUNK).enumerate() {
        let batch: Vec<&str> = chunk.iter().map(|(_, _, t)| t.as_str()).collect();
        for ((name, id, _), vector) in chunk.iter().zip(embed_each(model, &batch)?) {
            if failed.contains(id) {
                continue;
            }
            match vector {
                Ok(vector) => {
                    kept.push(name, &keys[id.as_str()], &vector);
                    stats.embedded += 1;
                    touched.insert(id.clone());
                }
                Err(reason) => {
                    failed.insert(id.clone());
                    stats.faults.push((id.clone(), reason));
                }
            }
        }
        progress(((n + 1) * CHUNK).min(todo.len()), todo.len());
    }
    // An entry that failed keeps no half of its passages.
    if !failed.is_empty() {
        kept.retain(|name| parse_row(name).is_none_or(|(id, _)| !failed.contains(id)));
    }
    stats.entries = touched.len();
    if changed {
        kept.save(path)?;
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(words: usize, word: &str) -> String {
        vec![word; words].join(" ")
    }

    #[test]
    fn passages_stay_within_pages_and_on_character_boundaries() {
        let pages = vec![
            page(250, "—é"),
            page(5, "short"),
            format!("{} {}", page(100, "x"), page(10, "tail")),
        ];
        let spans = split(&pages);
        // 250 words: 100, 100, then the last 50 (a remainder under 20 would have joined).
        let on_first: Vec<&Span> = spans.iter().filter(|s| s.page == 1).collect();
        assert_eq!(on_first.len(), 3);
        assert!(
            spans.iter().all(|s| s.page != 2),
            "five words make no passage"
        );
        // The last ten words of page 3 join the passage before them.
        let third: Vec<&Span> = spans.iter().filter(|s| s.page == 3).collect();
        assert_eq!(third.len(), 1);
        assert!(text_of(&pages, third[0]).unwrap().ends_with("tail"));
        for span in &spans {
            let text = text_of(&pages, span).expect("on boundaries");
            assert!(!text.starts_with(' ') && !text.ends_with(' '));
            let name = row_name("an-id", span);
            assert_eq!(parse_row(&name), Some(("an-id", *span)));
        }
    }

    #[test]
    fn a_long_text_is_sampled_evenly() {
        let pages: Vec<String> = (0..300).map(|_| page(300, "w")).collect();
        let spans = split(&pages);
        assert_eq!(spans.len(), MAX_PASSAGES);
        assert_eq!(spans[0].page, 1);
        assert!(spans.last().unwrap().page >= 299);
    }
}
