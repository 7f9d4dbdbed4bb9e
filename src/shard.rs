//! Shards: the fetch, extract and embed stages split over several processes (or machines
//! sharing one data directory). A shard `I/N` takes the catalog entries whose id hashes to `I`
//! of `N`, so the split never depends on the catalog's order and an entry stays in its shard as
//! other entries come and go. Shards run side by side under a shared hold of the data
//! directory's lock: each writes per-entry files (documents, texts) in place, atomically as
//! always, and keeps its own copy of the files every entry shares (the fetch manifest, the text
//! records, the faults, the vectors and passage vectors of its slice) under `shards/I-of-N/`.
//! The next command that takes the lock alone (`index`, `update`, `attach`, ...) calls
//! [`merge`] first, which folds each shard's entries into the main files and removes the
//! shard's folder, before any stage after extraction reads them.

use std::fmt;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::catalog::Entry;
use crate::embed::{passages, Vectors};
use crate::store::{write_atomic, DataLock, Store};

/// One slice of the catalog: the `index`-th (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Reads `I/N` as the command line writes it; the error is one sentence naming the flag.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let shape = || format!("--shard {text} is not a shard: write it as I/N, such as 1/4");
        let (i, n) = text.trim().split_once('/').ok_or_else(shape)?;
        let i: u32 = i.trim().parse().map_err(|_| shape())?;
        let n: u32 = n.trim().parse().map_err(|_| shape())?;
        if n == 0 {
            return Err(format!(
                "--shard {text} is not a shard: N must be at least 1"
            ));
        }
        if i == 0 || i > n {
            return Err(format!(
                "--shard {text} is not a shard: I must be between 1 and N"
            ));
        }
        Ok(Shard { index: i, count: n })
    }

    /// The shard's folder name, `I-of-N`.
    pub fn name(self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }

    /// The shard a folder named `I-of-N` belongs to, if the name is one.
    pub fn from_name(name: &str) -> Option<Shard> {
        let (i, n) = name.split_once("-of-")?;
        let (index, count) = (i.parse().ok()?, n.parse().ok()?);
        (index >= 1 && index <= count).then_some(Shard { index, count })
    }

    /// Whether the entry `id` belongs to this shard.
    pub fn contains(self, id: &str) -> bool {
        slice_of(id, self.count) == self.index
    }

    /// The catalog entries of this shard, in catalog order.
    pub fn select(self, entries: &[Entry]) -> Vec<Entry> {
        entries
            .iter()
            .filter(|e| self.contains(&e.id))
            .cloned()
            .collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard (from 1) of `count` that the entry `id` belongs to: the first eight bytes of the
/// id's sha256, modulo `count`. A hash of the id alone keeps an entry in its shard whatever
/// else the catalog holds, and in whatever order.
pub fn slice_of(id: &str, count: u32) -> u32 {
    let digest = Sha256::digest(id.as_bytes());
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(head) % u64::from(count.max(1))) as u32 + 1
}

/// The files every entry shares, as a pair of the main file and the shard's copy.
fn shared_files(store: &Store, shard: &Store) -> [(std::path::PathBuf, std::path::PathBuf); 3] {
    [
        (store.manifest_path(), shard.manifest_path()),
        (store.text_status_path(), shard.text_status_path()),
        (store.faults_path(), shard.faults_path()),
    ]
}

/// Opens the data directory of `store` for the work of one shard: takes the shared hold of
/// the data directory's lock (waiting for a command holding it alone when `wait`, after
/// calling `waiting`) and the shard's own lock, and starts the shard's copies of the shared
/// files from the main ones when it has none yet. Returns the store the shard's stages write
/// through.
pub fn open(
    store: &Store,
    shard: Shard,
    wait: bool,
    waiting: &dyn Fn(),
) -> Result<(Store, DataLock)> {
    let lock = store.lock_shard(shard, wait, waiting)?;
    let part = store.for_shard(shard);
    // The main files do not change while any shard folder exists (a command holding the lock
    // alone merges and removes them first), so a copy taken late is the same as one taken
    // early: a shard killed while copying starts the missing copies on its next run.
    for (main, copy) in shared_files(store, &part) {
        if copy.exists() {
            continue;
        }
        match fs::read(&main) {
            Ok(bytes) => write_atomic(&copy, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("Could not read {}", main.display())),
        }
    }
    Ok((part, lock))
}

/// Starts the vectors and passage vectors of the shard that `part` works for from the
/// library's, for the entries of its slice, when it has none of its own yet: the embed stage
/// then reuses every vector whose text is unchanged, and a shard over an embedded library
/// embeds nothing. Main files that cannot be read are passed over: the shard embeds its slice
/// anew. Does nothing for a store that works for no shard.
pub fn seed_vectors(part: &Store) -> Result<()> {
    let Some(shard) = part.shard() else {
        return Ok(());
    };
    let main = part.main();
    let ours = |id: &str| shard.contains(id);
    if !part.vectors_path().exists() {
        if let Some(vectors) = Vectors::load(&main.vectors_path()).ok().flatten() {
            let slice = Vectors::new(vectors.model(), vectors.dims()).fold(&vectors, &ours)?;
            slice.save(&part.vectors_path())?;
        }
    }
    if !part.passages_path().exists() {
        if let Some(stored) = passages::Stored::load(&main.passages_path()).ok().flatten() {
            passages::fold(None, &stored, &ours, &part.passages_path())?;
        }
    }
    let stamp = part.model_stamp_path();
    if !stamp.exists() {
        // The stamp spares the shard hashing the model's weights to know it is the same model.
        if let Ok(bytes) = fs::read(main.model_stamp_path()) {
            write_atomic(&stamp, &bytes)?;
        }
    }
    Ok(())
}

/// What [`merge`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merged {
    /// The shards merged, in order.
    pub shards: Vec<Shard>,
    /// Shards whose vectors were not merged, with why: their entries are embedded again by
    /// the next run of the embed stage.
    pub discarded: Vec<(Shard, String)>,
}

/// Folds the work of every finished shard in the data directory into its main files, and
/// removes the shards' folders. Call it only while holding the data directory's lock alone,
/// so no shard is running.
pub fn merge(store: &Store) -> Result<Merged> {
    let mut merged = Merged::default();
    let dir = store.shards_dir();
    let listing = match fs::read_dir(&dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(merged),
        Err(e) => return Err(e).with_context(|| format!("Could not list {}", dir.display())),
    };
    let mut shards = Vec::new();
    for item in listing {
        let item = item.with_context(|| format!("Could not list {}", dir.display()))?;
        if let Some(shard) = Shard::from_name(&item.file_name().to_string_lossy()) {
            shards.push(shard);
        }
    }
    shards.sort();
    for &shard in &shards {
        let part = store.for_shard(shard);
        for (main, copy) in shared_files(store, &part) {
            if copy.exists() {
                merge_file(&main, &copy, |id| shard.contains(id))
                    .with_context(|| format!("Could not merge shard {shard}"))?;
            }
        }
        if let Some(why) = merge_vectors(store, &part, shard)
            .with_context(|| format!("Could not merge the vectors of shard {shard}"))?
        {
            merged.discarded.push((shard, why));
        }
        let folder = store.shard_dir(shard);
        fs::remove_dir_all(&folder)
            .with_context(|| format!("Could not remove {}", folder.display()))?;
    }
    // Only an empty folder goes: anything else in it is not paperdex's to remove.
    let _ = fs::remove_dir(&dir);
    merged.shards = shards;
    Ok(merged)
}

/// Folds the vectors and passage vectors of the shard that `part` works for into the main
/// files of `store`: for the ids of the shard's slice the shard's win, every other id keeps
/// its own. Each file is replaced whole and atomically; a merge cut short is done again, to
/// the same end, by the next one, since the shard's folder goes only afterwards. Returns why
/// the shard's vectors were set aside instead, when they were made by another model than the
/// library's or cannot be read.
fn merge_vectors(store: &Store, part: &Store, shard: Shard) -> Result<Option<String>> {
    let ours = |id: &str| shard.contains(id);
    let vectors = match Vectors::load(&part.vectors_path()) {
        Ok(vectors) => vectors,
        Err(e) => return Ok(Some(format!("{e:#}"))),
    };
    let stored = match passages::Stored::load(&part.passages_path()) {
        Ok(stored) => stored,
        Err(e) => return Ok(Some(format!("{e:#}"))),
    };
    // A main file that cannot be read is replaced: the embed stage would make it again anyway.
    let main_vectors = Vectors::load(&store.vectors_path()).ok().flatten();
    let main_passages = passages::Stored::load(&store.passages_path())
        .ok()
        .flatten();
    let models: Vec<String> = [
        vectors.as_ref().map(Vectors::model),
        stored.as_ref().map(passages::Stored::model),
        main_vectors.as_ref().map(Vectors::model),
        main_passages.as_ref().map(passages::Stored::model),
    ]
    .into_iter()
    .flatten()
    .map(str::to_string)
    .collect();
    if vectors.is_none() && stored.is_none() {
        return Ok(None);
    }
    if models.iter().any(|m| *m != models[0]) {
        return Ok(Some(
            "it was embedded with another model than the library's vectors".into(),
        ));
    }
    if let Some(vectors) = &vectors {
        let base = main_vectors.unwrap_or_else(|| Vectors::new(vectors.model(), vectors.dims()));
        base.fold(vectors, &ours)?.save(&store.vectors_path())?;
    }
    if let Some(stored) = &stored {
        passages::fold(
            main_passages.as_ref(),
            stored,
            &ours,
            &store.passages_path(),
        )?;
    }
    let stamp = store.model_stamp_path();
    if !stamp.exists() {
        if let Ok(bytes) = fs::read(part.model_stamp_path()) {
            write_atomic(&stamp, &bytes)?;
        }
    }
    Ok(None)
}

/// Merges the shard's copy `part` of a shared file into the main file `main`. Each shared file
/// is a JSON object whose `entries` map is keyed by entry id; the shard's copy is the whole
/// truth for the ids that `ours` accepts (present there: its record; absent: none), and the
/// main file stays the truth for every other id.
fn merge_file(main: &Path, part: &Path, ours: impl Fn(&str) -> bool) -> Result<()> {
    let read = |path: &Path| -> Result<Option<Value>> {
        match fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .with_context(|| format!("{} is not valid JSON", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("Could not read {}", path.display())),
        }
    };
    let Some(Value::Object(theirs)) = read(part)? else {
        anyhow::bail!("{} is not a JSON object", part.display());
    };
    let existed = main.exists();
    let mut merged = match read(main)? {
        Some(Value::Object(map)) => map,
        Some(_) => anyhow::bail!("{} is not a JSON object", main.display()),
        None => Map::new(),
    };
    // Fields besides the entries (the manifest's version) come from the main file when it has
    // them, else from the shard's copy.
    for (key, value) in &theirs {
        if key != "entries" && !merged.contains_key(key) {
            merged.insert(key.clone(), value.clone());
        }
    }
    let mut entries = match merged.remove("entries") {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    entries.retain(|id, _| !ours(id));
    if let Some(Value::Object(part_entries)) = theirs.get("entries") {
        for (id, record) in part_entries {
            if ours(id) {
                entries.insert(id.clone(), record.clone());
            }
        }
    }
    let empty = entries.is_empty();
    merged.insert("entries".into(), Value::Object(entries));
    if empty && !existed {
        return Ok(());
    }
    let mut bytes = serde_json::to_vec_pretty(&Value::Object(merged))
        .with_context(|| format!("Could not encode {}", main.display()))?;
    bytes.push(b'\n');
    write_atomic(main, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("paper-{i}")).collect()
    }

    #[test]
    fn every_id_is_in_exactly_one_shard() {
        for count in [1, 2, 3, 7] {
            for id in ids(200) {
                let owners: Vec<u32> = (1..=count)
                    .filter(|&index| Shard { index, count }.contains(&id))
                    .collect();
                assert_eq!(owners.len(), 1, "{id} of {count}: {owners:?}");
            }
        }
    }

    #[test]
    fn shards_split_the_catalog_roughly_evenly() {
        let all = ids(1000);
        for index in 1..=4 {
            let shard = Shard { index, count: 4 };
            let n = all.iter().filter(|id| shard.contains(id)).count();
            assert!((170..=330).contains(&n), "shard {shard} holds {n} of 1000");
        }
    }

    #[test]
    fn the_slice_depends_on_the_id_alone() {
        let entry = |id: &str| Entry {
            id: id.into(),
            title: id.into(),
            ..Entry::default()
        };
        let forward: Vec<Entry> = ids(50).iter().map(|id| entry(id)).collect();
        let mut backward = forward.clone();
        backward.reverse();
        backward.insert(10, entry("a-newcomer"));
        let shard = Shard { index: 2, count: 3 };
        let mut a: Vec<String> = shard.select(&forward).into_iter().map(|e| e.id).collect();
        let mut b: Vec<String> = shard
            .select(&backward)
            .into_iter()
            .map(|e| e.id)
            .filter(|id| id != "a-newcomer")
            .collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert!(!a.is_empty());
        // Pinned: a change of hash would move every entry of a running lab to another shard.
        assert_eq!(slice_of("raft", 2), 1);
        assert_eq!(
            (1..=5)
                .map(|n| slice_of("time-clocks", n))
                .collect::<Vec<_>>(),
            vec![1, 2, 3, 2, 5]
        );
    }

    #[test]
    fn shard_flags_are_checked() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(
            Shard::parse("3/2").unwrap_err(),
            "--shard 3/2 is not a shard: I must be between 1 and N"
        );
        assert!(Shard::parse("0/2").unwrap_err().contains("between 1 and N"));
        assert!(Shard::parse("1/0").unwrap_err().contains("at least 1"));
        assert!(Shard::parse("two").unwrap_err().contains("write it as I/N"));
        assert_eq!(
            Shard::from_name("2-of-3"),
            Some(Shard { index: 2, count: 3 })
        );
        assert_eq!(Shard::from_name("4-of-3"), None);
        assert_eq!(Shard { index: 2, count: 3 }.name(), "2-of-3");
    }

    #[test]
    fn merging_takes_each_shards_own_entries_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let all = ids(40);
        let one = Shard { index: 1, count: 2 };
        let two = Shard { index: 2, count: 2 };
        // The main manifest knows every id as "old"; a stray id of shard one is in it too.
        let main: Map<String, Value> = all
            .iter()
            .map(|id| (id.clone(), Value::from("old")))
            .collect();
        write_atomic(
            &store.manifest_path(),
            &serde_json::to_vec(&serde_json::json!({"version": 3, "entries": main})).unwrap(),
        )
        .unwrap();
        let gone = all.iter().find(|id| one.contains(id)).unwrap().clone();
        // Each shard's copy starts from the main file, then rewrites its own ids; shard one
        // also dropped one of its ids, and both mangle ids of the other shard, which must not
        // count.
        for shard in [one, two] {
            let copy: Map<String, Value> = all
                .iter()
                .filter(|id| **id != gone)
                .map(|id| (id.clone(), Value::from(format!("new in {}", shard.name()))))
                .collect();
            let part = store.for_shard(shard);
            write_atomic(
                &part.manifest_path(),
                &serde_json::to_vec(&serde_json::json!({"version": 3, "entries": copy})).unwrap(),
            )
            .unwrap();
        }
        let merged = merge(&store).unwrap();
        assert_eq!(merged.shards, vec![one, two]);
        assert!(merged.discarded.is_empty());
        assert!(!store.shards_dir().exists());
        let v: Value = serde_json::from_slice(&fs::read(store.manifest_path()).unwrap()).unwrap();
        assert_eq!(v["version"], 3);
        let entries = v["entries"].as_object().unwrap();
        assert_eq!(entries.len(), all.len() - 1);
        assert!(!entries.contains_key(&gone));
        for (id, value) in entries {
            let owner = if one.contains(id) { one } else { two };
            assert_eq!(
                value,
                &Value::from(format!("new in {}", owner.name())),
                "{id}"
            );
        }
        // Nothing left to merge: a second call changes nothing.
        assert_eq!(merge(&store).unwrap(), Merged::default());
    }

    /// A stand-in sentence model: each text becomes a unit vector drawn from its bytes.
    struct Model(&'static str);

    impl crate::embed::Embedder for Model {
        fn identity(&self) -> &str {
            self.0
        }
        fn dims(&self) -> usize {
            3
        }
        fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
            Ok(texts
                .iter()
                .map(|t| {
                    let mut v = [0.1f32; 3];
                    for (i, b) in t.bytes().enumerate() {
                        v[i % 3] += f32::from(b);
                    }
                    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    v.iter().map(|x| x / n).collect()
                })
                .collect())
        }
    }

    /// Every entry's text as one page of forty words, `version` telling texts apart.
    struct Texts(&'static str);

    impl crate::text::TextSource for Texts {
        fn key(&self, id: &str) -> Option<String> {
            Some(format!("{id}-{}", self.0))
        }
        fn pages(&self, id: &str) -> Result<Option<crate::text::Pages>> {
            let page = vec![format!("{id} {}", self.0); 20].join(" ");
            Ok(Some(crate::text::Pages(vec![page])))
        }
    }

    /// Embeds `ids` with `model` and `texts` into the vectors and passages of `store`.
    fn embed(store: &Store, ids: &[String], model: &Model, texts: &Texts) {
        let items: Vec<(String, String)> = ids
            .iter()
            .map(|id| (id.clone(), format!("{id} {}", texts.0)))
            .collect();
        Vectors::update(&store.vectors_path(), model, &items, &|_, _| {}).unwrap();
        let entries: Vec<Entry> = ids
            .iter()
            .map(|id| Entry {
                id: id.clone(),
                ..Entry::default()
            })
            .collect();
        let none = std::collections::HashSet::new();
        passages::update(
            &store.passages_path(),
            model,
            &entries,
            texts,
            &none,
            &crate::stage::Silent,
        )
        .unwrap();
    }

    #[test]
    fn merging_takes_each_shards_vectors_for_its_own_ids() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let all = ids(30);
        let one = Shard { index: 1, count: 2 };
        let two = Shard { index: 2, count: 2 };
        embed(&store, &all, &Model("m"), &Texts("old"));
        // Shard one starts from the library's vectors of its slice, and nothing else.
        let part = store.for_shard(one);
        seed_vectors(&part).unwrap();
        let seeded = Vectors::load(&part.vectors_path()).unwrap().unwrap();
        let mine: Vec<&String> = all.iter().filter(|id| one.contains(id)).collect();
        assert_eq!(seeded.len(), mine.len());
        assert!(seeded.ids().all(|id| one.contains(id)));
        // It embeds its slice's new texts; a stray id of shard two in its file must not count.
        let mut slice: Vec<String> = mine.iter().map(|id| id.to_string()).collect();
        slice.push(all.iter().find(|id| two.contains(id)).unwrap().clone());
        embed(&part, &slice, &Model("m"), &Texts("new"));
        // Shard two was embedded with another model: it is reported, not merged.
        embed(&store.for_shard(two), &all, &Model("other"), &Texts("new"));

        let merged = merge(&store).unwrap();
        assert_eq!(merged.shards, vec![one, two]);
        assert_eq!(merged.discarded.len(), 1, "{merged:?}");
        assert_eq!(merged.discarded[0].0, two);
        assert!(merged.discarded[0].1.contains("another model"));
        assert!(!store.shards_dir().exists());

        let vectors = Vectors::load(&store.vectors_path()).unwrap().unwrap();
        assert_eq!(vectors.model(), "m");
        assert_eq!(vectors.len(), all.len());
        let stored = passages::Stored::load(&store.passages_path())
            .unwrap()
            .unwrap();
        assert_eq!(stored.model(), "m");
        let probe = Model("m");
        for id in &all {
            let version = if one.contains(id) { "new" } else { "old" };
            let text = format!("{id} {version}");
            assert_eq!(
                vectors.hash(id),
                Some(crate::embed::text_hash(&text).as_str()),
                "{id}"
            );
            // The passage vector of the id is the one of its own text's version.
            let page = vec![text.clone(); 20].join(" ");
            let query = crate::embed::Embedder::embed(&probe, &[&page])
                .unwrap()
                .remove(0);
            let best = stored.best(&query);
            assert!((best[id.as_str()].0 - 1.0).abs() < 1e-5, "{id}");
        }
        // The merged files are current for the texts each id has now: a run of the embed
        // stage over them would reuse every one.
        let wanted: Vec<Entry> = all
            .iter()
            .map(|id| Entry {
                id: id.clone(),
                ..Entry::default()
            })
            .collect();
        struct Now;
        impl crate::text::TextSource for Now {
            fn key(&self, id: &str) -> Option<String> {
                let one = Shard { index: 1, count: 2 };
                Some(format!(
                    "{id}-{}",
                    if one.contains(id) { "new" } else { "old" }
                ))
            }
            fn pages(&self, _id: &str) -> Result<Option<crate::text::Pages>> {
                Ok(None)
            }
        }
        assert!(passages::current(
            &store.passages_path(),
            "m",
            &wanted,
            &Now
        ));
    }

    #[test]
    fn opening_a_shard_copies_the_shared_files_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        write_atomic(&store.faults_path(), b"{\"entries\":{}}").unwrap();
        let shard = Shard { index: 1, count: 2 };
        let (part, lock) = open(&store, shard, false, &|| {}).unwrap();
        assert_eq!(fs::read(part.faults_path()).unwrap(), b"{\"entries\":{}}");
        assert!(!part.manifest_path().exists());
        // A second shard runs beside the first, but the data directory is not for a command
        // that needs it alone.
        let (_other, other_lock) = open(&store, Shard { index: 2, count: 2 }, false, &|| {})
            .expect("shards share the data directory");
        assert!(store.lock().is_err());
        // The same shard twice is refused.
        assert!(open(&store, shard, false, &|| {}).is_err());
        write_atomic(&part.faults_path(), b"{\"entries\":{\"x\":{}}}").unwrap();
        drop((lock, other_lock));
        let (part, _lock) = open(&store, shard, false, &|| {}).unwrap();
        assert_eq!(
            fs::read(part.faults_path()).unwrap(),
            b"{\"entries\":{\"x\":{}}}",
            "a shard's own copy is kept across its runs"
        );
    }
}
