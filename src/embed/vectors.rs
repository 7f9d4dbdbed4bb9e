//! Stored entry vectors of the embed stage (catalog -> fetch -> extract -> cite -> index ->
//! **embed** -> search): one file, `<data-dir>/embed/vectors.bin`, holding every entry's vector
//! with the hash of the text it was made from and the identity of the model that made it, so a
//! rerun embeds only what changed; and the brute-force nearest-neighbour search over it.
//!
//! The file is a magic line, a little-endian u64 length, a JSON header of that length
//! (`{"model", "dims", "rows": [{"id", "hash"}]}`), then one row of `dims` little-endian f32
//! per header row, in the same order. It is always replaced whole, atomically.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Embedder;
use crate::store::{hex, write_atomic};

const MAGIC: &[u8; 8] = b"PDXVEC1\n";

/// Texts embedded between two progress reports; large enough to keep both cores busy.
const CHUNK: usize = 64;

/// A long update saves what it has this often, so an interrupted run loses little.
const CHECKPOINT: Duration = Duration::from_secs(2);

/// Rows from which [`Vectors::nearest`] splits the scan over rayon's threads.
const PARALLEL_ROWS: usize = 16_384;

/// The hash a stored vector is keyed by: lowercase hex sha256 of the embedded text.
pub fn text_hash(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// The vectors of a set of entries, all of one model, in one contiguous matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Vectors {
    model: String,
    dims: usize,
    rows: Vec<Row>,
    matrix: Vec<f32>,
    by_id: HashMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Row {
    id: String,
    hash: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    model: String,
    dims: usize,
    rows: Vec<Row>,
}

/// What [`Vectors::update`] did, entry ids grouped by what happened to them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateReport {
    /// Entries whose text was new or changed and went through the model.
    pub embedded: Vec<String>,
    /// Entries whose stored vector still matched their text.
    pub reused: Vec<String>,
    /// Stored entries that are no longer among the inputs.
    pub removed: Vec<String>,
    /// Why no stored vector could be reused at all (another model, an unreadable file).
    pub discarded: Option<String>,
    /// Entries whose text made the model fail inside paperdex, with the reason: they have no
    /// vector, the others do.
    pub faults: Vec<(String, String)>,
}

/// Embeds a batch of texts; when the model fails inside paperdex on the batch, each text is
/// embedded alone, so only the texts that make it fail go without a vector.
pub(super) fn embed_each(
    model: &dyn Embedder,
    texts: &[&str],
) -> Result<Vec<std::result::Result<Vec<f32>, String>>> {
    let checked = |embedded: Vec<Vec<f32>>, n: usize| -> Result<Vec<Vec<f32>>> {
        if embedded.len() != n || embedded.iter().any(|v| v.len() != model.dims()) {
            bail!("The model returned vectors of the wrong number or length.");
        }
        Ok(embedded)
    };
    match crate::fault::catch(|| model.embed(texts)) {
        Ok(embedded) => Ok(checked(embedded?, texts.len())?
            .into_iter()
            .map(Ok)
            .collect()),
        Err(_) if texts.len() > 1 => texts
            .iter()
            .map(|text| match crate::fault::catch(|| model.embed(&[text])) {
                Ok(one) => Ok(Ok(checked(one?, 1)?.remove(0))),
                Err(reason) => Ok(Err(reason)),
            })
            .collect(),
        Err(reason) => Ok(vec![Err(reason)]),
    }
}

impl Vectors {
    /// An empty set for vectors of `dims` numbers made by the model `model`.
    pub fn new(model: &str, dims: usize) -> Vectors {
        Vectors {
            model: model.to_string(),
            dims,
            rows: Vec::new(),
            matrix: Vec::new(),
            by_id: HashMap::new(),
        }
    }

    /// Reads the vectors at `path`; `None` when there is no such file yet.
    pub fn load(path: &Path) -> Result<Option<Vectors>> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("Could not read {}.", path.display())),
        };
        Vectors::decode(&bytes)
            .map(Some)
            .with_context(|| format!("{} is not a paperdex vector file.", path.display()))
    }

    fn decode(bytes: &[u8]) -> Result<Vectors> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .context("It does not start with the vector file marker")?;
        let (len, rest) = rest
            .split_first_chunk::<8>()
            .context("Its header length is cut off")?;
        let len = usize::try_from(u64::from_le_bytes(*len))?;
        if rest.len() < len {
            bail!("Its header is cut off");
        }
        let (header, body) = rest.split_at(len);
        let header: Header = serde_json::from_slice(header).context("Its header is not valid")?;
        if header.dims == 0 || body.len() != header.rows.len() * header.dims * 4 {
            bail!(
                "It holds {} bytes of vectors where {} rows of {} numbers need {}",
                body.len(),
                header.rows.len(),
                header.dims,
                header.rows.len() * header.dims * 4
            );
        }
        let matrix = body
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(Vectors::from_parts(
            header.model,
            header.dims,
            header.rows,
            matrix,
        ))
    }

    fn from_parts(model: String, dims: usize, rows: Vec<Row>, matrix: Vec<f32>) -> Vectors {
        let by_id = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        Vectors {
            model,
            dims,
            rows,
            matrix,
            by_id,
        }
    }

    /// Writes the vectors to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let header = serde_json::to_vec(&Header {
            model: self.model.clone(),
            dims: self.dims,
            rows: self.rows.clone(),
        })?;
        let mut bytes = Vec::with_capacity(16 + header.len() + self.matrix.len() * 4);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&header);
        for x in &self.matrix {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        write_atomic(path, &bytes)
    }

    /// The identity of the model that made these vectors.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The length of each vector.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// How many entries have a vector.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no entry has a vector.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The ids of the entries with a vector, in stored order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().map(|r| r.id.as_str())
    }

    /// The vector of entry `id`.
    pub fn get(&self, id: &str) -> Option<&[f32]> {
        let row = *self.by_id.get(id)?;
        Some(&self.matrix[row * self.dims..(row + 1) * self.dims])
    }

    /// The cosine similarity of entry `id`'s vector to `query` (of unit length).
    pub fn similarity(&self, id: &str, query: &[f32]) -> Option<f32> {
        let v = self.get(id)?;
        (v.len() == query.len()).then(|| dot(v, query))
    }

    /// The hash of the text entry `id`'s vector was made from.
    pub fn hash(&self, id: &str) -> Option<&str> {
        Some(&self.rows[*self.by_id.get(id)?].hash)
    }

    /// These vectors with the rows of the ids `ours` accepts taken from `part` instead: each
    /// such id keeps `part`'s row, or none when `part` has none, and every other id keeps its
    /// row here. It is how a shard's vectors join the library's (and how a shard starts from
    /// the library's rows of its slice, folded into an empty set). Fails when `part` was made
    /// by another model, whose vectors cannot be compared with these.
    pub fn fold(&self, part: &Vectors, ours: &dyn Fn(&str) -> bool) -> Result<Vectors> {
        if part.model != self.model || part.dims != self.dims {
            bail!("they were made by another model than the vectors they would join");
        }
        let mut out = Vectors::new(&self.model, self.dims);
        let kept = self.rows.iter().enumerate().filter(|(_, r)| !ours(&r.id));
        let taken = part.rows.iter().enumerate().filter(|(_, r)| ours(&r.id));
        for (i, row) in kept {
            out.push(
                &row.id,
                &row.hash,
                &self.matrix[i * self.dims..(i + 1) * self.dims],
            );
        }
        for (i, row) in taken {
            if !out.by_id.contains_key(&row.id) {
                out.push(
                    &row.id,
                    &row.hash,
                    &part.matrix[i * part.dims..(i + 1) * part.dims],
                );
            }
        }
        Ok(out)
    }

    /// Appends a row; a later row of the same id shadows nothing, so callers pass each id once.
    fn push(&mut self, id: &str, hash: &str, vector: &[f32]) {
        self.by_id.insert(id.to_string(), self.rows.len());
        self.rows.push(Row {
            id: id.to_string(),
            hash: hash.to_string(),
        });
        self.matrix.extend_from_slice(vector);
    }

    /// The `k` entries whose vectors are closest to `query` by cosine similarity, best
    /// first, with that similarity. Every row is scored: a tight scan of one contiguous
    /// matrix beats an approximate index at the sizes of a reading list.
    pub fn nearest(&self, query: &[f32], k: usize) -> Vec<(&str, f32)> {
        if query.len() != self.dims || k == 0 || self.is_empty() {
            return Vec::new();
        }
        // Stored vectors have unit length; scaling the query makes every dot a cosine.
        let norm = dot(query, query).sqrt().max(1e-12);
        let query: Vec<f32> = query.iter().map(|x| x / norm).collect();
        let score = |row: &[f32]| dot(row, &query);
        let scores: Vec<f32> = if self.len() >= PARALLEL_ROWS {
            self.matrix.par_chunks_exact(self.dims).map(score).collect()
        } else {
            self.matrix.chunks_exact(self.dims).map(score).collect()
        };
        let mut order: Vec<usize> = (0..scores.len()).collect();
        let best_first = |a: &usize, b: &usize| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b));
        if k < order.len() {
            order.select_nth_unstable_by(k, best_first);
            order.truncate(k);
        }
        order.sort_unstable_by(best_first);
        order
            .into_iter()
            .map(|i| (self.rows[i].id.as_str(), scores[i]))
            .collect()
    }

    /// Brings the vectors at `path` up to date with `items` (`(id, text)`, each id once):
    /// a stored vector is reused when the same model made it from the same text, every
    /// other text is embedded, and ids no longer among `items` are dropped. `progress` gets
    /// `(done, total)` over the texts to embed. The file is rewritten only when something
    /// changed, and saved every few seconds along the way, so an interrupted run keeps what
    /// it had embedded.
    pub fn update<I, T>(
        path: &Path,
        model: &dyn Embedder,
        items: &[(I, T)],
        progress: &dyn Fn(usize, usize),
    ) -> Result<(Vectors, UpdateReport)>
    where
        I: AsRef<str>,
        T: AsRef<str>,
    {
        let mut report = UpdateReport::default();
        let old = match Vectors::load(path) {
            Ok(Some(old)) if old.model == model.identity() && old.dims == model.dims() => old,
            Ok(Some(_)) => {
                report.discarded = Some("they were made by another model".into());
                Vectors::new(model.identity(), model.dims())
            }
            Ok(None) => Vectors::new(model.identity(), model.dims()),
            Err(e) => {
                report.discarded = Some(format!("{e:#}"));
                Vectors::new(model.identity(), model.dims())
            }
        };
        let by_hash: HashMap<&str, usize> = old
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.hash.as_str(), i))
            .collect();

        let mut seen = HashSet::new();
        let items: Vec<(&str, &str, String)> = items
            .iter()
            .filter(|(id, _)| seen.insert(id.as_ref()))
            .map(|(id, text)| (id.as_ref(), text.as_ref(), text_hash(text.as_ref())))
            .collect();
        let mut vectors = Vectors::new(model.identity(), model.dims());
        let mut todo = Vec::new();
        for (i, (id, _, hash)) in items.iter().enumerate() {
            match by_hash.get(hash.as_str()) {
                Some(&row) => {
                    vectors.push(id, hash, &old.matrix[row * old.dims..(row + 1) * old.dims]);
                    report.reused.push(id.to_string());
                }
                None => todo.push(i),
            }
        }
        let wanted: HashSet<&str> = items.iter().map(|(id, _, _)| *id).collect();
        report.removed = old
            .ids()
            .filter(|id| !wanted.contains(id))
            .map(str::to_string)
            .collect();

        // Similar lengths together, so the model's batches pad little.
        todo.sort_by_key(|&i| std::cmp::Reverse(items[i].1.len()));
        progress(0, todo.len());
        let mut saved = Instant::now();
        for (n, chunk) in todo.chunks(CHUNK).enumerate() {
            let texts: Vec<&str> = chunk.iter().map(|&i| items[i].1).collect();
            for (&i, vector) in chunk.iter().zip(embed_each(model, &texts)?) {
                let (id, _, hash) = &items[i];
                match vector {
                    Ok(vector) => {
                        vectors.push(id, hash, &vector);
                        report.embedded.push(id.to_string());
                    }
                    Err(reason) => report.faults.push((id.to_string(), reason)),
                }
            }
            let done = ((n + 1) * CHUNK).min(todo.len());
            progress(done, todo.len());
            if done < todo.len() && saved.elapsed() >= CHECKPOINT {
                vectors.save(path)?;
                saved = Instant::now();
            }
        }

        // Rows in the order of the inputs, whatever order they were embedded in.
        let order: HashMap<&str, usize> = items
            .iter()
            .enumerate()
            .map(|(i, (id, _, _))| (*id, i))
            .collect();
        let mut rows: Vec<usize> = (0..vectors.len()).collect();
        rows.sort_by_key(|&r| order[vectors.rows[r].id.as_str()]);
        let mut sorted = Vectors::new(model.identity(), model.dims());
        for r in rows {
            let row = &vectors.rows[r];
            sorted.push(
                &row.id,
                &row.hash,
                &vectors.matrix[r * vectors.dims..(r + 1) * vectors.dims],
            );
        }
        let unchanged = report.discarded.is_none() && sorted.rows == old.rows;
        if !unchanged {
            sorted.save(path)?;
        }
        Ok((sorted, report))
    }
}

/// The dot product, with eight running sums so the compiler can keep them in one SIMD register.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for i in 0..8 {
            sums[i] += x[i] * y[i];
        }
    }
    sums.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A stand-in model that records what it was asked to embed: each text becomes a unit
    /// vector along a direction derived from its bytes.
    struct Counting {
        identity: String,
        calls: Mutex<Vec<String>>,
    }

    impl Counting {
        fn new(identity: &str) -> Counting {
            Counting {
                identity: identity.into(),
                calls: Mutex::new(Vec::new()),
            }
        }

        fn embedded(&self) -> Vec<String> {
            let mut calls = self.calls.lock().unwrap().clone();
            calls.sort();
            calls
        }
    }

    fn direction(text: &str) -> Vec<f32> {
        let mut v = vec![0.1f32; 4];
        for (i, b) in text.bytes().enumerate() {
            v[i % 4] += b as f32;
        }
        let norm = dot(&v, &v).sqrt();
        v.iter().map(|x| x / norm).collect()
    }

    impl Embedder for Counting {
        fn identity(&self) -> &str {
            &self.identity
        }
        fn dims(&self) -> usize {
            4
        }
        fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
            let mut calls = self.calls.lock().unwrap();
            calls.extend(texts.iter().map(|t| t.to_string()));
            Ok(texts.iter().map(|t| direction(t)).collect())
        }
    }

    fn items(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_rerun_embeds_only_new_and_changed_texts_and_drops_removed_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = crate::store::Store::new(dir.path()).vectors_path();
        let first = items(&[
            ("raft", "Raft. Consensus."),
            ("paxos", "Paxos."),
            ("zab", "Zab."),
        ]);
        let model = Counting::new("m1");
        let (stored, report) = Vectors::update(&path, &model, &first, &|_, _| {}).unwrap();
        assert_eq!(report.embedded.len(), 3);
        assert!(report.reused.is_empty() && report.removed.is_empty());
        assert_eq!(stored.ids().collect::<Vec<_>>(), ["raft", "paxos", "zab"]);

        let second = items(&[
            ("paxos", "Paxos made simple."),
            ("raft", "Raft. Consensus."),
            ("gfs", "GFS."),
        ]);
        let model = Counting::new("m1");
        let (stored, report) = Vectors::update(&path, &model, &second, &|_, _| {}).unwrap();
        assert_eq!(model.embedded(), ["GFS.", "Paxos made simple."]);
        assert_eq!(report.reused, ["raft"]);
        assert_eq!(report.removed, ["zab"]);
        let mut embedded = report.embedded.clone();
        embedded.sort();
        assert_eq!(embedded, ["gfs", "paxos"]);
        // Stored in input order, and what was saved is what was returned.
        assert_eq!(stored.ids().collect::<Vec<_>>(), ["paxos", "raft", "gfs"]);
        assert_eq!(Vectors::load(&path).unwrap().unwrap(), stored);
        assert_eq!(
            stored.get("paxos").unwrap(),
            direction("Paxos made simple.").as_slice()
        );
        assert_eq!(stored.hash("raft").unwrap(), text_hash("Raft. Consensus."));

        // Nothing changed: nothing is embedded and the file is not rewritten.
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let model = Counting::new("m1");
        let (_, report) = Vectors::update(&path, &model, &second, &|_, _| {}).unwrap();
        assert!(model.embedded().is_empty() && report.embedded.is_empty());
        assert_eq!(report.reused.len(), 3);
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            before
        );
    }

    #[test]
    fn vectors_of_another_model_or_an_unreadable_file_are_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = crate::store::Store::new(dir.path()).vectors_path();
        let list = items(&[("raft", "Raft."), ("paxos", "Paxos.")]);
        Vectors::update(&path, &Counting::new("m1"), &list, &|_, _| {}).unwrap();

        let other = Counting::new("m2");
        let (stored, report) = Vectors::update(&path, &other, &list, &|_, _| {}).unwrap();
        assert_eq!(other.embedded().len(), 2);
        assert!(report.discarded.unwrap().contains("another model"));
        assert_eq!(stored.model(), "m2");

        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(Vectors::load(&path).is_err());
        let again = Counting::new("m2");
        let (_, report) = Vectors::update(&path, &again, &list, &|_, _| {}).unwrap();
        assert_eq!(again.embedded().len(), 2);
        let why = report.discarded.unwrap();
        assert!(why.contains("is not a paperdex vector file"), "{why}");
        assert!(Vectors::load(&path).unwrap().is_some());
    }

    #[test]
    fn progress_counts_up_to_the_texts_to_embed() {
        let dir = tempfile::tempdir().unwrap();
        let path = crate::store::Store::new(dir.path()).vectors_path();
        let list: Vec<(String, String)> = (0..150)
            .map(|i| (format!("e{i}"), format!("text number {i}")))
            .collect();
        let seen = Mutex::new(Vec::new());
        let model = Counting::new("m1");
        Vectors::update(&path, &model, &list, &|done, total| {
            seen.lock().unwrap().push((done, total))
        })
        .unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [(0, 150), (64, 150), (128, 150), (150, 150)]
        );
        // A duplicated id is embedded once.
        let mut dup = list.clone();
        dup.push(("e0".into(), "another text".into()));
        let (stored, report) = Vectors::update(&path, &model, &dup, &|_, _| {}).unwrap();
        assert_eq!(stored.len(), 150);
        assert!(report.embedded.is_empty());
    }

    #[test]
    fn folding_takes_the_parts_rows_for_its_ids_and_keeps_the_others() {
        let mut main = Vectors::new("m", 2);
        main.push("a", "ha", &[1.0, 0.0]);
        main.push("b", "hb", &[0.0, 1.0]);
        main.push("c", "hc", &[0.6, 0.8]);
        let mut part = Vectors::new("m", 2);
        part.push("b", "hb2", &[0.8, 0.6]);
        part.push("d", "hd", &[1.0, 0.0]);
        // "a" is stale in the part and not its own: the main row stays.
        part.push("a", "stale", &[0.0, 1.0]);
        // The part's ids are b, c and d: b is replaced, c (gone from the part) dropped, d added.
        let ours = |id: &str| ["b", "c", "d"].contains(&id);
        let merged = main.fold(&part, &ours).unwrap();
        assert_eq!(merged.ids().collect::<Vec<_>>(), ["a", "b", "d"]);
        assert_eq!(merged.get("a").unwrap(), [1.0, 0.0]);
        assert_eq!(merged.hash("b"), Some("hb2"));
        assert_eq!(merged.get("b").unwrap(), [0.8, 0.6]);
        assert_eq!(merged.get("c"), None);
        // Folding into an empty set takes the part's slice alone.
        let slice = Vectors::new("m", 2).fold(&main, &ours).unwrap();
        assert_eq!(slice.ids().collect::<Vec<_>>(), ["b", "c"]);
        // Another model's vectors are refused.
        let other = Vectors::new("m2", 2);
        let err = main.fold(&other, &ours).unwrap_err().to_string();
        assert!(err.contains("another model"), "{err}");
    }

    #[test]
    fn nearest_ranks_by_cosine_and_keeps_k() {
        let mut v = Vectors::new("m", 3);
        v.push("x", "h1", &[1.0, 0.0, 0.0]);
        v.push("y", "h2", &[0.0, 1.0, 0.0]);
        v.push("xy", "h3", &[0.6, 0.8, 0.0]);
        v.push("z", "h4", &[0.0, 0.0, 1.0]);
        // The query need not have unit length.
        let hits = v.nearest(&[2.0, 1.0, 0.0], 3);
        let ids: Vec<&str> = hits.iter().map(|h| h.0).collect();
        assert_eq!(ids, ["x", "xy", "y"]);
        let expect = 2.0 / 5f32.sqrt();
        assert!((hits[0].1 - expect).abs() < 1e-6);
        assert_eq!(v.nearest(&[0.0, 0.0, 1.0], 10).len(), 4);
        assert!(v.nearest(&[1.0, 0.0], 2).is_empty(), "wrong width");
        assert!(v.nearest(&[1.0, 0.0, 0.0], 0).is_empty());
    }

    #[test]
    fn the_parallel_scan_ranks_as_the_plain_one() {
        let dims = 20;
        let mut v = Vectors::new("m", dims);
        let mut state = 7u32;
        for i in 0..PARALLEL_ROWS + 5 {
            let row: Vec<f32> = (0..dims)
                .map(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
                })
                .collect();
            let n = dot(&row, &row).sqrt();
            let row: Vec<f32> = row.iter().map(|x| x / n).collect();
            v.push(&format!("e{i}"), "h", &row);
        }
        let query = v.get("e42").unwrap().to_vec();
        let hits = v.nearest(&query, 5);
        assert_eq!(hits[0].0, "e42");
        assert!((hits[0].1 - 1.0).abs() < 1e-5);
        // The same ranking as scoring every row by hand.
        let mut all: Vec<(usize, f32)> = (0..v.len())
            .map(|r| (r, dot(&v.matrix[r * dims..(r + 1) * dims], &query)))
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1));
        let expect: Vec<String> = all[..5].iter().map(|(r, _)| format!("e{r}")).collect();
        assert_eq!(
            hits.iter().map(|h| h.0.to_string()).collect::<Vec<_>>(),
            expect
        );
    }

    #[test]
    fn dot_handles_lengths_off_the_simd_width() {
        let a: Vec<f32> = (0..13).map(|i| i as f32).collect();
        let expect: f32 = a.iter().map(|x| x * x).sum();
        assert_eq!(dot(&a, &a), expect);
    }
}
