//! Passage vectors of the embed stage (catalog -> fetch -> extract -> cite -> index -> **embed** ->
//! search): the full text of each entry, cut into passages of about a hundred words within its
//! pages (or a web page's sections), each with a vector, so a query that describes an idea in plain
//! words meets the paragraph that explains it, not only the entry's title and summary. They are
//! kept in `<data-dir>/embed/passages.bin`: a marker line, a little-endian u64 length, a JSON
//! header of that length (`{"model", "dims", "groups": [{"id", "key", "spans": [[page, start,
//! end]]}]}`, byte offsets within the page, padded with spaces to a multiple of four bytes), then
//! one row of `dims` little-endian f32 per span, in the order of the groups. Each entry's group
//! carries its text key, so an entry whose text is unchanged keeps its rows without its text being
//! read again; the rows are aligned so that a search maps them instead of reading them.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::vectors::embed_each;
use super::Embedder;
use crate::catalog::Entry;
use crate::stage::{Event, Progress, Stage};
use crate::store::write_atomic;
use crate::text::TextSource;

/// Words per passage: about 130 of the model's tokens, within the 256 it reads.
const PASSAGE_WORDS: usize = 100;

/// Fewest words a passage needs to be worth a vector: a page's stray last line is not.
const MIN_WORDS: usize = 20;

/// Most passages kept of one entry: a book-length text is sampled evenly rather than embedded
/// whole.
const MAX_PASSAGES: usize = 400;

/// Bumped whenever passages are cut differently, so their vectors are made again.
const PASSAGE_VERSION: u32 = 1;

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

/// The file's first bytes.
const MAGIC: &[u8; 8] = b"PDXPAS1\n";

/// A run that embeds passages saves what it has this often, so an interrupted run loses
/// little: the corpus's passages take minutes.
const CHECKPOINT: Duration = Duration::from_secs(30);

/// One entry's passages as the file lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Group {
    id: String,
    /// The entry's text key and the way passages were cut: the rows are current while the
    /// entry's key is this.
    key: String,
    /// `[page, start, end]` of each passage, in the order of the rows.
    spans: Vec<[usize; 3]>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    model: String,
    dims: usize,
    groups: Vec<Group>,
}

/// Stored passage vectors: the groups of the header, and the rows, read straight from the
/// mapped file (a one-query search reads them once and never copies them).
pub struct Stored {
    header: Header,
    body: Body,
}

/// The rows' numbers: mapped from the file when it is aligned for f32, else copied.
enum Body {
    Mapped(memmap2::Mmap, usize),
    Owned(Vec<f32>),
}

impl Stored {
    /// Reads the passages at `path`; `None` when there is no such file.
    pub fn load(path: &Path) -> Result<Option<Stored>> {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("Could not read {}.", path.display())),
        };
        // SAFETY: paperdex replaces the file by renaming a new one over it, never by writing
        // into it, so the mapped pages do not change while they are read.
        let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
            .with_context(|| format!("Could not read {}.", path.display()))?;
        Stored::decode(map)
            .map(Some)
            .with_context(|| format!("{} is not a paperdex passage file.", path.display()))
    }

    fn decode(map: memmap2::Mmap) -> Result<Stored> {
        let rest = map
            .strip_prefix(MAGIC.as_slice())
            .context("It does not start with the passage file marker")?;
        let (len, rest) = rest
            .split_first_chunk::<8>()
            .context("Its header length is cut off")?;
        let len = usize::try_from(u64::from_le_bytes(*len))?;
        if rest.len() < len {
            bail!("Its header is cut off");
        }
        let header: Header =
            serde_json::from_slice(&rest[..len]).context("Its header is not valid")?;
        let rows: usize = header.groups.iter().map(|g| g.spans.len()).sum();
        let start = MAGIC.len() + 8 + len;
        let body = &map[start..];
        if header.dims == 0 || body.len() != rows * header.dims * 4 {
            bail!(
                "It holds {} bytes of vectors where {rows} rows need more",
                body.len()
            );
        }
        let aligned = cfg!(target_endian = "little") && body.as_ptr().align_offset(4) == 0;
        let body = if aligned {
            Body::Mapped(map, start)
        } else {
            Body::Owned(
                body.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
            )
        };
        Ok(Stored { header, body })
    }

    /// The identity of the model that made these vectors.
    pub fn model(&self) -> &str {
        &self.header.model
    }

    /// All rows' numbers, row after row.
    fn matrix(&self) -> &[f32] {
        match &self.body {
            Body::Owned(v) => v,
            Body::Mapped(map, start) => {
                let bytes = &map[*start..];
                // SAFETY: `decode` checked that these bytes start on a 4-byte boundary and
                // hold a whole number of little-endian f32s, which any bit pattern is.
                unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<f32>(), bytes.len() / 4) }
            }
        }
    }

    /// The best passage of every entry by cosine similarity to `query` (of unit length).
    pub fn best(&self, query: &[f32]) -> HashMap<&str, (f32, Span)> {
        let dims = self.header.dims;
        let mut out = HashMap::new();
        if query.len() != dims {
            return out;
        }
        let mut rows = self.matrix().chunks_exact(dims);
        for group in &self.header.groups {
            let mut best: Option<(f32, Span)> = None;
            for span in &group.spans {
                let Some(row) = rows.next() else {
                    return out;
                };
                let similarity: f32 = row.iter().zip(query).map(|(a, b)| a * b).sum();
                if best.is_none_or(|(b, _)| similarity > b) {
                    best = Some((
                        similarity,
                        Span {
                            page: span[0],
                            start: span[1],
                            end: span[2],
                        },
                    ));
                }
            }
            if let Some(best) = best {
                out.insert(group.id.as_str(), best);
            }
        }
        out
    }

    /// Each entry's key as stored.
    fn keys(&self) -> HashMap<&str, &str> {
        self.header
            .groups
            .iter()
            .map(|g| (g.id.as_str(), g.key.as_str()))
            .collect()
    }

    /// Each entry's group with its rows, in stored order.
    fn groups(&self) -> impl Iterator<Item = (&Group, &[f32])> {
        let dims = self.header.dims;
        let matrix = self.matrix();
        let mut offset = 0;
        self.header.groups.iter().map(move |group| {
            let rows = &matrix[offset * dims..(offset + group.spans.len()) * dims];
            offset += group.spans.len();
            (group, rows)
        })
    }

    /// An entry's group and rows, when stored.
    fn group(&self, index: usize, offset: usize) -> (&Group, &[f32]) {
        let group = &self.header.groups[index];
        let dims = self.header.dims;
        let rows = &self.matrix()[offset * dims..(offset + group.spans.len()) * dims];
        (group, rows)
    }
}

/// Passage vectors being put together, to be written whole.
struct Building {
    model: String,
    dims: usize,
    groups: Vec<Group>,
    matrix: Vec<f32>,
}

impl Building {
    fn push(&mut self, group: Group, rows: &[f32]) {
        self.matrix.extend_from_slice(rows);
        self.groups.push(group);
    }

    /// Writes the file atomically, its rows aligned for f32 so they can be mapped.
    fn save(&self, path: &Path) -> Result<()> {
        let header = Header {
            model: self.model.clone(),
            dims: self.dims,
            groups: self.groups.clone(),
        };
        let mut json = serde_json::to_vec(&header)?;
        // JSON may end in spaces: they pad the header so the rows start on a 4-byte boundary.
        while !(MAGIC.len() + 8 + json.len()).is_multiple_of(4) {
            json.push(b' ');
        }
        let mut bytes = Vec::with_capacity(16 + json.len() + self.matrix.len() * 4);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(json.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&json);
        for x in &self.matrix {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        write_atomic(path, &bytes)
    }
}

/// Writes to `path` the passages of `main` (when there are any) with the groups of the ids
/// `ours` accepts taken from `part` instead: each such id keeps `part`'s passages, or none when
/// `part` has none, and every other id keeps its passages in `main`. It is how a shard's
/// passages join the library's, and how a shard starts from the library's passages of its
/// slice (with no `main`). Fails, writing nothing, when the two were made by different models.
pub fn fold(
    main: Option<&Stored>,
    part: &Stored,
    ours: &dyn Fn(&str) -> bool,
    path: &Path,
) -> Result<()> {
    if let Some(main) = main {
        if main.model() != part.model() || main.header.dims != part.header.dims {
            bail!("they were made by another model than the passages they would join");
        }
    }
    let mut building = Building {
        model: part.model().to_string(),
        dims: part.header.dims,
        groups: Vec::new(),
        matrix: Vec::new(),
    };
    for (group, rows) in main.into_iter().flat_map(Stored::groups) {
        if !ours(&group.id) {
            building.push(group.clone(), rows);
        }
    }
    let mut seen = HashSet::new();
    for (group, rows) in part.groups() {
        if ours(&group.id) && seen.insert(group.id.as_str()) {
            building.push(group.clone(), rows);
        }
    }
    building.save(path)
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

/// The key an entry's passages are stored with: its text key and the way passages are cut.
fn key(text_key: &str) -> String {
    format!("{PASSAGE_VERSION}:{text_key}")
}

/// Whether the stored passages at `path`, made by the model `identity`, are those of exactly
/// these entries' texts: then the model need not be loaded at all.
pub fn current(path: &Path, identity: &str, entries: &[Entry], texts: &dyn TextSource) -> bool {
    let Ok(Some(stored)) = Stored::load(path) else {
        return entries.iter().all(|e| texts.key(&e.id).is_none());
    };
    if stored.model() != identity {
        return false;
    }
    let stored = stored.keys();
    let wanted: HashMap<&str, String> = entries
        .iter()
        .filter_map(|e| texts.key(&e.id).map(|k| (e.id.as_str(), key(&k))))
        .collect();
    wanted.len() == stored.len()
        && wanted
            .iter()
            .all(|(id, k)| stored.get(id).is_some_and(|s| s == k))
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
    progress: &dyn Progress,
) -> Result<PassageStats> {
    let mut stats = PassageStats::default();
    let old = match Stored::load(path) {
        Ok(Some(old)) if old.model() == model.identity() && old.header.dims == model.dims() => {
            Some(old)
        }
        _ => None,
    };
    // Where each stored entry's rows are: its group and its first row.
    let mut stored: HashMap<&str, (usize, usize)> = HashMap::new();
    if let Some(old) = &old {
        let mut offset = 0;
        for (i, g) in old.header.groups.iter().enumerate() {
            stored.insert(g.id.as_str(), (i, offset));
            offset += g.spans.len();
        }
    }
    let mut building = Building {
        model: model.identity().to_string(),
        dims: model.dims(),
        groups: Vec::new(),
        matrix: Vec::new(),
    };
    // The entries to embed: (id, key, spans, texts).
    let mut todo: Vec<(String, String, Vec<Span>, Vec<String>)> = Vec::new();
    let mut changed = old.is_none();
    for entry in entries {
        let id = entry.id.as_str();
        let Some(text_key) = texts.key(id) else {
            changed |= stored.contains_key(id);
            continue;
        };
        let wanted = key(&text_key);
        if let (Some(old), Some(&(index, offset))) = (&old, stored.get(id)) {
            let (group, rows) = old.group(index, offset);
            if group.key == wanted {
                stats.reused += group.spans.len();
                building.push(group.clone(), rows);
                continue;
            }
        }
        changed = true;
        if skip.contains(id) {
            continue;
        }
        let Some(pages) = texts.pages(id)? else {
            continue;
        };
        let spans = split(&pages.0);
        if spans.is_empty() {
            // A text too short for a passage is stored with none, so that the next run knows
            // it is done and need not load the model for it.
            let group = Group {
                id: id.to_string(),
                key: wanted,
                spans: Vec::new(),
            };
            building.push(group, &[]);
            continue;
        }
        let passages: Vec<String> = spans
            .iter()
            .filter_map(|s| text_of(&pages.0, s).map(str::to_string))
            .collect();
        if passages.len() == spans.len() && !spans.is_empty() {
            todo.push((id.to_string(), wanted, spans, passages));
        }
    }
    let ids: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    changed |= stored.keys().any(|id| !ids.contains(id));
    let total: usize = todo.iter().map(|t| t.3.len()).sum();
    progress.event(Event::Planned {
        stage: Stage::Passages,
        total,
    });
    let mut done = 0;
    let mut saved = Instant::now();
    for (id, key, spans, passages) in todo {
        let mut rows: Vec<f32> = Vec::with_capacity(passages.len() * building.dims);
        let mut fault = None;
        for chunk in passages.chunks(CHUNK) {
            let batch: Vec<&str> = chunk.iter().map(String::as_str).collect();
            for vector in embed_each(model, &batch)? {
                match vector {
                    Ok(vector) => rows.extend_from_slice(&vector),
                    Err(reason) => fault = fault.or(Some(reason)),
                }
            }
            done += chunk.len();
            progress.event(Event::Done {
                stage: Stage::Passages,
                id: Some(&id),
                done,
                total,
            });
            if fault.is_some() {
                break;
            }
        }
        match fault {
            // An entry that failed keeps no half of its passages.
            Some(reason) => stats.faults.push((id, reason)),
            None => {
                stats.embedded += spans.len();
                stats.entries += 1;
                let group = Group {
                    id,
                    key,
                    spans: spans.iter().map(|s| [s.page, s.start, s.end]).collect(),
                };
                building.push(group, &rows);
            }
        }
        if saved.elapsed() >= CHECKPOINT {
            building.save(path)?;
            saved = Instant::now();
        }
    }
    if changed {
        building.save(path)?;
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
        }
    }

    /// Passages of `groups` (id, key, rows of two numbers) by the model `model`, as stored.
    fn stored(dir: &Path, name: &str, model: &str, groups: &[(&str, &str, &[[f32; 2]])]) -> Stored {
        let mut building = Building {
            model: model.into(),
            dims: 2,
            groups: Vec::new(),
            matrix: Vec::new(),
        };
        for (id, key, rows) in groups {
            let group = Group {
                id: id.to_string(),
                key: key.to_string(),
                spans: (0..rows.len()).map(|i| [1, i * 10, i * 10 + 5]).collect(),
            };
            building.push(group, &rows.concat());
        }
        let path = dir.join(name);
        building.save(&path).unwrap();
        Stored::load(&path).unwrap().unwrap()
    }

    #[test]
    fn folding_takes_the_parts_passages_for_its_ids_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let main = stored(
            dir.path(),
            "main.bin",
            "m",
            &[
                ("a", "ka", &[[1.0, 0.0]]),
                ("b", "kb", &[[0.0, 1.0], [1.0, 0.0]]),
                ("c", "kc", &[[0.6, 0.8]]),
            ],
        );
        let part = stored(
            dir.path(),
            "part.bin",
            "m",
            &[
                ("b", "kb2", &[[0.8, 0.6]]),
                ("d", "kd", &[[0.0, 1.0], [0.6, 0.8], [1.0, 0.0]]),
                ("a", "stale", &[[0.0, 1.0]]),
                ("e", "ke", &[]),
            ],
        );
        let ours = |id: &str| ["b", "c", "d", "e"].contains(&id);
        let out = dir.path().join("out.bin");
        fold(Some(&main), &part, &ours, &out).unwrap();
        let merged = Stored::load(&out).unwrap().unwrap();
        let keys = merged.keys();
        let mut ids: Vec<(&str, &str)> = keys.iter().map(|(i, k)| (*i, *k)).collect();
        ids.sort();
        assert_eq!(ids, [("a", "ka"), ("b", "kb2"), ("d", "kd"), ("e", "ke")]);
        // Each group keeps its own rows: the best passage of each id for a query along x.
        let best = merged.best(&[1.0, 0.0]);
        assert_eq!(best["a"].0, 1.0);
        assert_eq!(best["b"].0, 0.8);
        assert_eq!((best["d"].0, best["d"].1.start), (1.0, 20));
        assert!(
            !best.contains_key("e"),
            "a group without passages has no best one"
        );
        // Folded with no main file, the part's own slice alone.
        fold(None, &main, &ours, &out).unwrap();
        let slice = Stored::load(&out).unwrap().unwrap();
        let mut ids: Vec<&str> = slice.keys().into_keys().collect();
        ids.sort();
        assert_eq!(ids, ["b", "c"]);
        // Another model's passages are refused, and nothing is written.
        let other = stored(dir.path(), "other.bin", "m2", &[("b", "kb", &[[1.0, 0.0]])]);
        let err = fold(Some(&main), &other, &ours, &out)
            .unwrap_err()
            .to_string();
        assert!(err.contains("another model"), "{err}");
        assert_eq!(Stored::load(&out).unwrap().unwrap().keys().len(), 2);
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
