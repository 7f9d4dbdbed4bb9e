//! Catalog import: turns an awesome-style markdown reading list into catalog TOML, so a user
//! can add any other list to the pipeline. Headings become topics; each list item's first
//! web link becomes an entry whose title, URL, kind and access are guessed from the line. A
//! relative link (`papers/raft.pdf`) is resolved against a base URL when one is given.

use std::collections::HashSet;

use reqwest::Url;
use serde::Serialize;

use super::{slug, Access, Entry};

/// Longest id an import generates, in bytes.
const MAX_ID: usize = 60;

/// Parses a markdown list into entries, in the order they appear.
pub fn from_markdown(text: &str, source: &str) -> Vec<Entry> {
    import(text, source).entries
}

/// What an import made of a markdown list.
#[derive(Debug, Clone, Default)]
pub struct Import {
    /// The entries, in the order they appear.
    pub entries: Vec<Entry>,
    /// List items that became no entry, as (1-based line, text): they hold no web link.
    pub skipped: Vec<(usize, String)>,
    /// Lines (1-based) of list items whose link is relative, left out for want of a base URL.
    pub relative: Vec<usize>,
}

/// Parses a markdown list into entries, and says which list items became none.
pub fn import(text: &str, source: &str) -> Import {
    import_from(text, source, None)
}

/// Parses a markdown list as [`import`] does, resolving relative links against `base` when it
/// is given (else counting them in [`Import::relative`]).
pub fn import_from(text: &str, source: &str, base: Option<&Url>) -> Import {
    let headings: Vec<(usize, &str)> = text.lines().filter_map(heading).collect();
    // A list's own title is usually its one top-level heading; it names no topic.
    let skip_level = match headings.iter().filter(|(l, _)| *l == 1).count() {
        1 => 1,
        _ => 0,
    };
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut ids = HashSet::new();
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    let mut relative = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if let Some((level, title)) = heading(line) {
            stack.retain(|(l, _)| *l < level);
            let s = slug(title);
            if level > skip_level && !s.is_empty() {
                stack.push((level, s));
            }
            continue;
        }
        let Some(item) = list_item(line) else {
            continue;
        };
        let (title, url) = match first_link(item, base) {
            Link::Web(title, url) => (title, url),
            Link::Relative => {
                relative.push(n + 1);
                continue;
            }
            Link::None => {
                if !item.trim().is_empty() {
                    skipped.push((n + 1, item.trim().to_string()));
                }
                continue;
            }
        };
        let topic = stack
            .iter()
            .map(|(_, s)| s.as_str())
            .collect::<Vec<_>>()
            .join("/");
        let mut id = short_slug(&title);
        if id.is_empty() {
            id = "entry".to_string();
        }
        let base = id.clone();
        let mut n = 2;
        while !ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        entries.push(Entry {
            id,
            kind: Some(guess_kind(&title, &url, &topic, item).to_string()),
            access: guess_access(item, &url),
            title,
            authors: Vec::new(),
            year: None,
            topics: if topic.is_empty() {
                vec![]
            } else {
                vec![topic]
            },
            urls: vec![url],
            summary: String::new(),
            sources: vec![source.to_string()],
            ..Entry::default()
        });
    }
    Import {
        entries,
        skipped,
        relative,
    }
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start();
    let level = t.bytes().take_while(|&b| b == b'#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &t[level..];
    rest.starts_with(' ').then(|| (level, rest.trim()))
}

/// The text of a bulleted (`-`, `*`, `+`) or numbered (`1.`, `1)`) list item.
fn list_item(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if let Some(item) = ["- ", "* ", "+ "]
        .iter()
        .find_map(|marker| t.strip_prefix(marker))
    {
        return Some(item);
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    // CommonMark allows up to nine digits in a list number.
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = &t[digits..];
    rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "))
}

/// What link a list item gives its entry.
enum Link {
    /// A title and an absolute web URL.
    Web(String, String),
    /// Only a relative link (`papers/raft.pdf`), and no base URL to resolve it against.
    Relative,
    /// No link with a title.
    None,
}

/// The first `[text](http...)` link of a line whose text is a real title, not an icon; with
/// `base`, a relative link counts, resolved against it. Anchors within the list (`#raft`)
/// and other schemes (`mailto:`) are no links to a work.
fn first_link(item: &str, base: Option<&Url>) -> Link {
    let mut rest = item;
    let mut relative = false;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find("](") else {
            break;
        };
        let text = &after[..close];
        let tail = &after[close + 2..];
        let Some(end) = tail.find(')') else {
            break;
        };
        let url = tail[..end].trim();
        rest = &tail[end..];
        let title = text.trim().trim_matches('*').trim();
        let icon = title.starts_with(':') && title.ends_with(':');
        if title.is_empty() || icon {
            continue;
        }
        if url.starts_with("http://") || url.starts_with("https://") {
            return Link::Web(title.to_string(), url.to_string());
        }
        let scheme = url.split_once(':').is_some_and(|(s, _)| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if url.is_empty() || url.starts_with('#') || scheme {
            continue;
        }
        match base.and_then(|b| b.join(url).ok()) {
            Some(resolved) => return Link::Web(title.to_string(), resolved.to_string()),
            None => relative = true,
        }
    }
    if relative {
        Link::Relative
    } else {
        Link::None
    }
}

fn short_slug(title: &str) -> String {
    let full = slug(title);
    if full.len() <= MAX_ID {
        return full;
    }
    let cut = full[..MAX_ID].rfind('-').unwrap_or(MAX_ID);
    full[..cut].to_string()
}

fn guess_kind(title: &str, url: &str, topic: &str, item: &str) -> &'static str {
    let u = url.to_lowercase();
    let t = format!("{} {}", title.to_lowercase(), item.to_lowercase());
    let section = topic.split('/').next().unwrap_or("");
    if u.contains("youtube.com") || u.contains("youtu.be") || u.contains("vimeo.com") {
        "video"
    } else if section.starts_with("book") || u.contains("amazon.") || u.contains("manning.com") {
        "book"
    } else if section.starts_with("course") || t.contains("course") || t.contains("lecture") {
        "course"
    } else if section.starts_with("video") {
        "video"
    } else if section.starts_with("talk") {
        "talk"
    } else if u.contains("github.com") && !u.ends_with(".pdf") {
        "code"
    } else if u.contains("wikipedia.org") {
        "article"
    } else if u.ends_with(".pdf") || section.starts_with("paper") || t.contains("paper") {
        "paper"
    } else if u.contains("blog") || u.contains("medium.com") || section.starts_with("blog") {
        "blog"
    } else {
        "article"
    }
}

fn guess_access(item: &str, url: &str) -> Option<Access> {
    let t = item.to_lowercase();
    if t.contains("paywall") || url.contains("amazon.") {
        Some(Access::Paywall)
    } else if t.contains("registration") {
        Some(Access::Registration)
    } else if t.contains("[free]") {
        Some(Access::Open)
    } else {
        None
    }
}

#[derive(Serialize)]
struct TomlFile<'a> {
    entry: Vec<TomlEntry<'a>>,
}

#[derive(Serialize)]
struct TomlEntry<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    topics: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    urls: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    access: Option<Access>,
    sources: &'a [String],
    summary: &'a str,
}

/// Renders entries as a catalog TOML file.
pub fn to_toml(entries: &[Entry], source: &str) -> String {
    let file = TomlFile {
        entry: entries
            .iter()
            .map(|e| TomlEntry {
                id: &e.id,
                title: &e.title,
                kind: e.kind.as_deref(),
                topics: &e.topics,
                urls: &e.urls,
                access: e.access,
                sources: &e.sources,
                summary: &e.summary,
            })
            .collect(),
    };
    let body = toml::to_string(&file).unwrap_or_default();
    format!("# Entries imported from the reading list {source:?}; fill in authors, years and summaries.\n\n{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::parse_file;

    const LIST: &str = "# My list\n\nIntro [not an item](https://x.org).\n\n## Books\n- [Designing Things](https://www.amazon.com/dp/1) [paywall]\n\n## Papers\n### Storage & Databases\n- [Dynamo: A Store](https://example.org/dynamo.pdf) and a [blog](https://blog.example.org)\n- [:scroll:](local.pdf) [Chord](http://example.org/chord)\n* [Dynamo: A Store](https://mirror.example.org/d.pdf)\n## Videos\n- [A Talk](https://www.youtube.com/watch?v=1)\n";

    #[test]
    fn headings_become_topics_and_links_entries() {
        let e = from_markdown(LIST, "mine");
        let got: Vec<(&str, &str, &str, &str)> = e
            .iter()
            .map(|e| {
                (
                    e.id.as_str(),
                    e.kind.as_deref().unwrap(),
                    e.topics.first().map(String::as_str).unwrap_or(""),
                    e.urls[0].as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "designing-things",
                    "book",
                    "books",
                    "https://www.amazon.com/dp/1"
                ),
                (
                    "dynamo-a-store",
                    "paper",
                    "papers/storage-databases",
                    "https://example.org/dynamo.pdf"
                ),
                (
                    "chord",
                    "paper",
                    "papers/storage-databases",
                    "http://example.org/chord"
                ),
                (
                    "dynamo-a-store-2",
                    "paper",
                    "papers/storage-databases",
                    "https://mirror.example.org/d.pdf"
                ),
                (
                    "a-talk",
                    "video",
                    "videos",
                    "https://www.youtube.com/watch?v=1"
                ),
            ]
        );
        assert_eq!(e[0].access, Some(Access::Paywall));
        assert_eq!(e[1].sources, vec!["mine".to_string()]);
    }

    #[test]
    fn output_is_a_valid_catalog() {
        let entries = from_markdown(LIST, "mine");
        let text = to_toml(&entries, "mine");
        let (parsed, problems) = parse_file("mine.toml", &text);
        assert!(problems.is_empty(), "{problems:?}\n{text}");
        assert_eq!(parsed.len(), entries.len());
        assert_eq!(parsed[2].0, entries[2]);
    }

    #[test]
    fn numbered_items_are_entries_and_items_without_links_are_reported() {
        let list = "## Papers\n1. [Paxos Made Simple](https://example.org/p.pdf)\n2) [Raft](https://example.org/r.pdf)\n3. Viewstamped Replication (no link)\n2024. A year, not an item\n";
        let got = import(list, "mine");
        let ids: Vec<&str> = got.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, vec!["paxos-made-simple", "raft"]);
        assert_eq!(
            got.skipped,
            vec![
                (4, "Viewstamped Replication (no link)".to_string()),
                (5, "A year, not an item".to_string())
            ]
        );
    }

    #[test]
    fn long_titles_make_short_ids() {
        let id = short_slug(&"word ".repeat(40));
        assert!(id.len() <= MAX_ID && !id.ends_with('-'), "{id}");
    }

    #[test]
    fn relative_links_are_resolved_against_a_base_or_counted() {
        let list = "## Papers\n- [Raft](papers/raft.pdf)\n- [Paxos](../paxos.pdf)\n- [Notes](#notes)\n- [Mail](mailto:a@b.org)\n- [Chord](https://example.org/chord.pdf)\n";
        let without = import(list, "mine");
        assert_eq!(without.entries.len(), 1);
        assert_eq!(without.relative, vec![2, 3]);
        assert_eq!(without.skipped.len(), 2);
        let base = Url::parse("https://example.org/list/").unwrap();
        let with = import_from(list, "mine", Some(&base));
        let urls: Vec<&str> = with.entries.iter().map(|e| e.urls[0].as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://example.org/list/papers/raft.pdf",
                "https://example.org/paxos.pdf",
                "https://example.org/chord.pdf"
            ]
        );
        assert!(with.relative.is_empty());
    }
}
