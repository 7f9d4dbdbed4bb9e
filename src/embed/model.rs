//! The sentence-embedding model of the embed stage (catalog -> fetch -> extract -> cite -> index ->
//! **embed** -> search): a BERT encoder from a sentence-transformers folder, run on the CPU with
//! candle, whose token vectors are averaged over the real tokens and scaled to unit length, as
//! sentence-transformers' Pooling and Normalize modules do.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use rayon::prelude::*;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokenizers::{Tokenizer, TruncationParams};

use super::wordpiece::WordPiece;
use super::Embedder;
use crate::store::hex;

/// The files a model folder must hold.
pub const MODEL_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// Longest input in tokens, [CLS] and [SEP] included, when the folder does not say: the
/// length all-MiniLM-L6-v2 was trained with. Longer texts are cut, as sentence-transformers
/// cuts them.
const DEFAULT_MAX_TOKENS: usize = 256;

/// How [`Model::embed`] schedules its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Texts run through the encoder together. Texts are sorted by length first, so a batch
    /// pads little; larger batches give the matrix products more rows to work with.
    pub batch_size: usize,
    /// Run several batches at the same time on rayon's threads, instead of one batch at a
    /// time with candle splitting each matrix product over the threads.
    pub parallel_batches: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        // Measured on the catalog (bench/embed.py): batches of 4 to 32 cost about the same
        // CPU time; small ones share out evenly over the cores.
        BatchOptions {
            batch_size: 8,
            parallel_batches: true,
        }
    }
}

/// Sets the process up so that whole batches run side by side, one per core, while candle
/// keeps each matrix product on the thread that asked for it. Call it first thing in `main`,
/// before any other thread starts; it does nothing when `RAYON_NUM_THREADS` is already set.
///
/// candle splits every product over its own threads and spin-waits between them, which on
/// two cores made the catalog's embedding slower than on one; batches side by side were
/// twice as fast (bench/embed.py). candle takes its thread count from `RAYON_NUM_THREADS`
/// at each product, so rayon's global pool is built with every core first, and only then is
/// the variable set to 1.
pub fn init_threads() {
    if std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Fails only when the pool exists already, which then keeps the size it was given.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .build_global();
    std::env::set_var("RAYON_NUM_THREADS", "1");
}

/// A loaded sentence-embedding model.
pub struct Model {
    dir: PathBuf,
    bert: BertModel,
    /// The model's own tokenizer; `None` for a model loaded for given texts whose tokens
    /// were read without it.
    tokenizer: Option<Tokenizer>,
    /// Token ids of the texts a model was loaded for.
    known: HashMap<String, Vec<u32>>,
    identity: String,
    dims: usize,
    max_tokens: usize,
    pad_id: u32,
    options: BatchOptions,
    /// For a model loaded for given texts only: where each of their token ids stands in its
    /// cut-down table of word vectors.
    rows: Option<HashMap<u32, u32>>,
}

/// The part of `sentence_bert_config.json` that matters here.
#[derive(Deserialize)]
struct SentenceConfig {
    max_seq_length: Option<usize>,
}

/// The part of `1_Pooling/config.json` that matters here.
#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
}

impl Model {
    /// Loads the model in `dir` with the default [`BatchOptions`].
    pub fn load(dir: &Path) -> Result<Model> {
        Model::load_with(dir, BatchOptions::default())
    }

    /// Loads the model in `dir`, which must hold [`MODEL_FILES`]; `sentence_bert_config.json`
    /// and `1_Pooling/config.json` are read when present.
    pub fn load_with(dir: &Path, options: BatchOptions) -> Result<Model> {
        Model::load_inner(dir, options, None)
    }

    /// Loads the model in `dir` whose identity is already known (from a stamp of its files
    /// made when it was last hashed), skipping the hash of its weights: most of the time a
    /// query's first use of the model would take.
    pub fn load_known(dir: &Path, identity: &str) -> Result<Model> {
        Model::load_inner(dir, BatchOptions::default(), Some(identity.to_string()))
    }

    /// Loads the model in `dir`, whose identity is `identity`, able to embed `texts` only:
    /// the weights are mapped rather than read, of the table of word vectors (half the model)
    /// only the rows of the texts' tokens are copied, and a plain BERT tokenizer is read
    /// without being built. A query is embedded this way at a fraction of a full load's time
    /// and memory.
    pub fn load_for(dir: &Path, identity: &str, texts: &[&str]) -> Result<Model> {
        let (config, _, max_tokens) = config_of(dir)?;
        let tokenizer_path = dir.join("tokenizer.json");
        let tokenizer_bytes = read(&tokenizer_path)?;
        let fast = WordPiece::parse(&tokenizer_bytes);
        let mut known: HashMap<String, Vec<u32>> = HashMap::new();
        let mut general: Option<Tokenizer> = None;
        for text in texts {
            let ids = match fast.as_ref().and_then(|w| w.encode(text, max_tokens)) {
                Some(ids) => ids,
                None => {
                    if general.is_none() {
                        general =
                            Some(tokenizer_of(&tokenizer_path, &tokenizer_bytes, max_tokens)?);
                    }
                    encode(general.as_ref().expect("built above"), text)?
                }
            };
            known.insert(text.to_string(), ids);
        }
        let mut wanted: Vec<u32> = vec![config.pad_token_id as u32];
        wanted.extend(known.values().flatten().copied());
        wanted.sort_unstable();
        wanted.dedup();
        let weights_path = dir.join("model.safetensors");
        let mut cut = config.clone();
        cut.vocab_size = wanted.len();
        let backend = QueryWeights::open(&weights_path, wanted.clone())?;
        let vb = VarBuilder::from_backend(Box::new(backend), DType::F32, Device::Cpu);
        let bert = BertModel::load(vb, &cut).map_err(|e| {
            anyhow!(
                "{} does not hold the weights config.json describes: {e}",
                weights_path.display()
            )
        })?;
        let rows = wanted
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i as u32))
            .collect();
        Ok(Model {
            dir: dir.to_path_buf(),
            bert,
            tokenizer: general,
            known,
            identity: identity.to_string(),
            dims: config.hidden_size,
            max_tokens,
            pad_id: config.pad_token_id as u32,
            options: BatchOptions::default(),
            rows: Some(rows),
        })
    }

    fn load_inner(dir: &Path, options: BatchOptions, known: Option<String>) -> Result<Model> {
        let (config, config_bytes, max_tokens) = config_of(dir)?;
        let tokenizer_path = dir.join("tokenizer.json");
        let tokenizer_bytes = read(&tokenizer_path)?;
        let tokenizer = tokenizer_of(&tokenizer_path, &tokenizer_bytes, max_tokens)?;
        let weights_path = dir.join("model.safetensors");
        let weights = read(&weights_path)?;
        let identity =
            known.unwrap_or_else(|| identity(&[&config_bytes, &tokenizer_bytes, &weights]));
        let bert = VarBuilder::from_slice_safetensors(&weights, DType::F32, &Device::Cpu)
            .and_then(|vb| BertModel::load(vb, &config))
            .map_err(|e| {
                anyhow!(
                    "{} does not hold the weights config.json describes: {e}",
                    weights_path.display()
                )
            })?;
        Ok(Model {
            dir: dir.to_path_buf(),
            bert,
            identity,
            dims: config.hidden_size,
            max_tokens,
            pad_id: config.pad_token_id as u32,
            tokenizer: Some(tokenizer),
            known: HashMap::new(),
            options: BatchOptions {
                batch_size: options.batch_size.max(1),
                ..options
            },
            rows: None,
        })
    }

    /// The folder the model was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The longest input in tokens; longer texts are cut to it.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// The token ids the encoder sees for `text`, [CLS] and [SEP] included, after cutting.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        if let Some(ids) = self.known.get(text) {
            return Ok(ids.clone());
        }
        match &self.tokenizer {
            Some(tokenizer) => encode(tokenizer, text),
            None => bail!("This copy of the model was loaded for other texts than this one."),
        }
    }

    /// One unit-length vector per text, in the order of `texts`.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let tokens: Vec<Vec<u32>> = texts
            .par_iter()
            .map(|text| self.token_ids(text))
            .collect::<Result<_>>()?;
        // Longest first, so each batch holds texts of about one length and pads little.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| Reverse(tokens[i].len()));
        let batches: Vec<&[usize]> = order.chunks(self.options.batch_size).collect();
        let run = |batch: &&[usize]| -> Result<Vec<Vec<f32>>> {
            let inputs: Vec<&[u32]> = batch.iter().map(|&i| tokens[i].as_slice()).collect();
            self.encode_batch(&inputs)
        };
        let pooled: Vec<Vec<Vec<f32>>> = if self.options.parallel_batches {
            batches.par_iter().map(run).collect::<Result<_>>()?
        } else {
            batches.iter().map(run).collect::<Result<_>>()?
        };
        let mut out = vec![Vec::new(); texts.len()];
        for (batch, vectors) in batches.iter().zip(pooled) {
            for (&i, vector) in batch.iter().zip(vectors) {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    /// Runs one batch of token sequences through the encoder, padded to the longest.
    fn encode_batch(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>> {
        let width = batch.iter().map(|t| t.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(batch.len() * width);
        let mut mask = Vec::with_capacity(batch.len() * width);
        let row = |id: u32| -> Result<u32> {
            match &self.rows {
                None => Ok(id),
                Some(rows) => rows.get(&id).copied().ok_or_else(|| {
                    anyhow!("This copy of the model was loaded for other texts than this one.")
                }),
            }
        };
        for tokens in batch {
            for &id in *tokens {
                ids.push(row(id)?);
            }
            ids.resize(ids.len() + width - tokens.len(), row(self.pad_id)?);
            mask.resize(mask.len() + tokens.len(), 1u32);
            mask.resize(mask.len() + width - tokens.len(), 0u32);
        }
        let shape = (batch.len(), width);
        let hidden = (|| {
            let ids = Tensor::from_vec(ids, shape, &Device::Cpu)?;
            let mask = Tensor::from_vec(mask, shape, &Device::Cpu)?;
            let types = ids.zeros_like()?;
            let hidden = self.bert.forward(&ids, &types, Some(&mask))?;
            hidden.flatten_all()?.to_vec1::<f32>()
        })()
        .map_err(|e| anyhow!("The model {} failed on a batch: {e}", self.dir.display()))?;
        let lens: Vec<usize> = batch.iter().map(|t| t.len()).collect();
        Ok(mean_pool(&hidden, &lens, width, self.dims))
    }
}

impl Embedder for Model {
    fn identity(&self) -> &str {
        &self.identity
    }

    fn dims(&self) -> usize {
        self.dims
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Model::embed(self, texts)
    }
}

/// Reads a model folder's configuration, checking that the folder holds a model paperdex
/// can run: the configuration, its bytes, and the longest input in tokens.
fn config_of(dir: &Path) -> Result<(Config, Vec<u8>, usize)> {
    if !dir.is_dir() {
        bail!("The model folder {} does not exist.", dir.display());
    }
    for name in MODEL_FILES {
        if !dir.join(name).is_file() {
            bail!(
                "The model folder {} has no {name}; a model folder holds {}.",
                dir.display(),
                MODEL_FILES.join(", ")
            );
        }
    }
    let config_path = dir.join("config.json");
    let config_bytes = read(&config_path)?;
    let config: Config = serde_json::from_slice(&config_bytes).with_context(|| {
        format!(
            "{} is not the configuration of a BERT model.",
            config_path.display()
        )
    })?;
    let max_tokens = max_tokens(dir)?.min(config.max_position_embeddings);
    check_pooling(dir)?;
    Ok((config, config_bytes, max_tokens))
}

/// The model's own tokenizer from `tokenizer.json` (`bytes`, read from `path`), cutting texts
/// to `max_tokens` and padding none.
fn tokenizer_of(path: &Path, bytes: &[u8], max_tokens: usize) -> Result<Tokenizer> {
    let mut tokenizer = Tokenizer::from_bytes(bytes).map_err(|e| {
        anyhow!(
            "{} is not a tokenizer paperdex can read: {e}",
            path.display()
        )
    })?;
    // The file may ask for fixed-length padding; batches are padded here, to their longest
    // text only.
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: max_tokens,
            ..Default::default()
        }))
        .map_err(|e| anyhow!("Could not set the tokenizer's length limit: {e}"))?;
    Ok(tokenizer)
}

/// The token ids of `text` by the model's own tokenizer, `[CLS]` and `[SEP]` included.
fn encode(tokenizer: &Tokenizer, text: &str) -> Result<Vec<u32>> {
    let encoding = tokenizer
        .encode_fast(text, true)
        .map_err(|e| anyhow!("Could not split a text into tokens: {e}"))?;
    Ok(encoding.get_ids().to_vec())
}

/// The weights of a model mapped from its file, the table of word vectors cut down to the
/// rows of the tokens wanted (in `rows`' order).
struct QueryWeights {
    map: memmap2::Mmap,
    /// Where the tensors' data starts in the file.
    data: usize,
    tensors: HashMap<String, safetensors::tensor::TensorInfo>,
    rows: Vec<u32>,
}

impl QueryWeights {
    /// Maps the weights file. The pages of every tensor but the word vectors are loaded in
    /// one go, since they are all read and faulting them in page by page costs more than
    /// copying them; of the word vectors only a few rows are read.
    fn open(path: &Path, rows: Vec<u32>) -> Result<QueryWeights> {
        let file =
            fs::File::open(path).with_context(|| format!("Could not read {}.", path.display()))?;
        // SAFETY: the mapping lives while the model is built, and the model folder is never
        // written by paperdex; a file changed underneath would give wrong numbers, not unsafety
        // beyond what reading it would.
        let map = unsafe { memmap2::MmapOptions::new().map(&file) }
            .with_context(|| format!("Could not read {}.", path.display()))?;
        let (header, metadata) = safetensors::SafeTensors::read_metadata(&map)
            .map_err(|e| anyhow!("{} is not a safetensors file: {e}", path.display()))?;
        let tensors: HashMap<String, safetensors::tensor::TensorInfo> = metadata
            .tensors()
            .into_iter()
            .map(|(name, info)| (name, info.clone()))
            .collect();
        #[cfg(target_os = "linux")]
        for (name, info) in &tensors {
            if !name.ends_with("word_embeddings.weight") {
                let (from, to) = info.data_offsets;
                // Only a hint: an older kernel without it faults the pages in as they are read.
                let _ =
                    map.advise_range(memmap2::Advice::PopulateRead, 8 + header + from, to - from);
            }
        }
        Ok(QueryWeights {
            map,
            data: 8 + header,
            tensors,
            rows,
        })
    }

    /// The bytes and shape of tensor `name`, which must hold f32.
    fn f32s(&self, name: &str) -> candle_core::Result<(&[u8], &[usize])> {
        let Some(info) = self.tensors.get(name) else {
            candle_core::bail!("the weights hold no tensor {name}");
        };
        if info.dtype != safetensors::Dtype::F32 {
            candle_core::bail!("{name} does not hold f32");
        }
        let (from, to) = info.data_offsets;
        let Some(bytes) = self.map.get(self.data + from..self.data + to) else {
            candle_core::bail!("{name} lies outside the weights file");
        };
        Ok((bytes, &info.shape))
    }

    /// The wanted rows of the word-vector table `name`.
    fn rows_of(&self, name: &str, dev: &Device) -> candle_core::Result<Tensor> {
        let (data, shape) = self.f32s(name)?;
        let [vocab, dims] = shape[..] else {
            candle_core::bail!("the word vectors {name} are not a table");
        };
        let mut out = Vec::with_capacity(self.rows.len() * dims);
        for &row in &self.rows {
            let row = row as usize;
            if row >= vocab {
                candle_core::bail!("token {row} is outside the word vectors of {name}");
            }
            let bytes = &data[row * dims * 4..(row + 1) * dims * 4];
            out.extend(
                bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
        }
        Tensor::from_vec(out, (self.rows.len(), dims), dev)
    }
}

impl candle_nn::var_builder::SimpleBackend for QueryWeights {
    fn get(
        &self,
        shape: candle_core::Shape,
        name: &str,
        _: candle_nn::Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        let tensor = self.get_unchecked(name, dtype, dev)?;
        if tensor.shape() != &shape {
            candle_core::bail!(
                "{name} holds {:?} where {:?} was expected",
                tensor.shape(),
                shape
            );
        }
        Ok(tensor)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        let tensor = if name.ends_with("word_embeddings.weight") {
            self.rows_of(name, dev)?
        } else {
            let (bytes, shape) = self.f32s(name)?;
            Tensor::from_raw_buffer(bytes, DType::F32, shape, dev)?
        };
        tensor.to_dtype(dtype)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("Could not read {}.", path.display()))
}

/// The input length from `sentence_bert_config.json`, or the default without one.
fn max_tokens(dir: &Path) -> Result<usize> {
    let path = dir.join("sentence_bert_config.json");
    if !path.is_file() {
        return Ok(DEFAULT_MAX_TOKENS);
    }
    let config: SentenceConfig = serde_json::from_slice(&read(&path)?)
        .with_context(|| format!("{} is not valid JSON.", path.display()))?;
    Ok(config.max_seq_length.unwrap_or(DEFAULT_MAX_TOKENS).max(2))
}

/// Refuses a folder whose pooling is not the mean of token vectors, the only one built here.
fn check_pooling(dir: &Path) -> Result<()> {
    let path = dir.join("1_Pooling").join("config.json");
    if !path.is_file() {
        return Ok(());
    }
    let config: PoolingConfig = serde_json::from_slice(&read(&path)?)
        .with_context(|| format!("{} is not valid JSON.", path.display()))?;
    if !config.pooling_mode_mean_tokens {
        bail!(
            "{} asks for a pooling other than the mean of token vectors, which paperdex does not do.",
            path.display()
        );
    }
    Ok(())
}

/// A fingerprint over the model's files: the sha256 of their sha256s, in a fixed order.
fn identity(files: &[&[u8]]) -> String {
    let mut all = Sha256::new();
    for bytes in files {
        all.update(Sha256::digest(bytes));
    }
    hex(&all.finalize())
}

/// Averages each sequence's first `len` token vectors (of `dims` numbers, `width` per
/// sequence in `hidden`) and scales the mean to unit length. The bounds on the divisors are
/// sentence-transformers' own, so an empty sequence or a zero mean stays finite.
fn mean_pool(hidden: &[f32], lens: &[usize], width: usize, dims: usize) -> Vec<Vec<f32>> {
    lens.iter()
        .enumerate()
        .map(|(row, &len)| {
            let mut sum = vec![0f32; dims];
            let start = row * width * dims;
            for token in hidden[start..start + len * dims].chunks_exact(dims) {
                for (s, x) in sum.iter_mut().zip(token) {
                    *s += x;
                }
            }
            let count = (len as f32).max(1e-9);
            sum.iter_mut().for_each(|s| *s /= count);
            let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            sum.iter_mut().for_each(|s| *s /= norm);
            sum
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::tiny;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn norm(a: &[f32]) -> f32 {
        a.iter().map(|x| x * x).sum::<f32>().sqrt()
    }

    #[test]
    fn mean_pool_ignores_padding_and_normalises() {
        // Two sequences of width 3, dims 2: the second has one real token and two pads.
        let hidden = [
            1.0, 0.0, 3.0, 4.0, 100.0, 100.0, //
            0.0, 2.0, 9.0, 9.0, 9.0, 9.0,
        ];
        let pooled = mean_pool(&hidden, &[2, 1], 3, 2);
        let (a, b) = (&pooled[0], &pooled[1]);
        // The mean of (1,0) and (3,4) is (2,2); scaled to unit length.
        let h = 1.0 / 2f32.sqrt();
        assert!((a[0] - h).abs() < 1e-6 && (a[1] - h).abs() < 1e-6, "{a:?}");
        assert_eq!(b, &vec![0.0, 1.0]);
        // A sequence without tokens stays finite instead of dividing by zero.
        let empty = mean_pool(&hidden, &[0], 3, 2);
        assert_eq!(empty, vec![vec![0.0, 0.0]]);
    }

    #[test]
    fn vectors_have_the_models_width_and_unit_length() {
        let dir = tiny::model_dir();
        let model = Model::load(dir.path()).unwrap();
        let texts = ["the raft log", "", "Ünïcödé — punctuation!?", "分布式 系统"];
        let vectors = model.embed(&texts).unwrap();
        assert_eq!(vectors.len(), texts.len());
        for v in &vectors {
            assert_eq!(v.len(), tiny::HIDDEN);
            assert!((norm(v) - 1.0).abs() < 1e-5, "norm {}", norm(v));
        }
        assert!(cosine(&vectors[0], &vectors[3]) < 0.9999, "different texts");
        assert!(model.embed(&[]).unwrap().is_empty());
    }

    #[test]
    fn a_model_loaded_for_a_query_embeds_it_as_the_whole_model_does() {
        let dir = tiny::model_dir();
        let whole = Model::load(dir.path()).unwrap();
        for query in [
            "how does raft elect a leader",
            "Paxos, quorums — and [MASK] leases?",
            "",
        ] {
            let cut = Model::load_for(dir.path(), whole.identity(), &[query]).unwrap();
            let a = whole.embed(&[query]).unwrap().remove(0);
            let b = cut.embed(&[query]).unwrap().remove(0);
            let diff = a.iter().zip(&b).map(|(x, y)| (x - y).abs());
            assert!(diff.fold(0f32, f32::max) < 1e-6, "{query:?}");
            assert_eq!(cut.identity(), whole.identity());
            assert_eq!(
                cut.token_ids(query).unwrap(),
                whole.token_ids(query).unwrap()
            );
        }
    }

    #[test]
    fn a_batch_gives_the_vectors_of_one_by_one_in_input_order() {
        let dir = tiny::model_dir();
        for parallel_batches in [false, true] {
            let options = BatchOptions {
                batch_size: 3,
                parallel_batches,
            };
            let model = Model::load_with(dir.path(), options).unwrap();
            let texts: Vec<String> = (0..8)
                .map(|i| "consensus quorum lease ".repeat(i * 3 + 1))
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let batched = model.embed(&refs).unwrap();
            for (text, v) in refs.iter().zip(&batched) {
                let alone = model.embed(&[text]).unwrap().remove(0);
                assert!(cosine(v, &alone) > 0.99999, "{text:?}");
                let diff = v.iter().zip(&alone).map(|(a, b)| (a - b).abs());
                assert!(diff.fold(0f32, f32::max) < 1e-5, "{text:?}");
            }
        }
    }

    #[test]
    fn long_texts_are_cut_to_the_token_limit() {
        let dir = tiny::model_dir();
        let model = Model::load(dir.path()).unwrap();
        assert_eq!(model.max_tokens(), 256);
        let long = "paxos ".repeat(400);
        let ids = model.token_ids(&long).unwrap();
        assert_eq!(ids.len(), 256);
        assert_eq!(ids.first(), Some(&tiny::CLS));
        assert_eq!(ids.last(), Some(&tiny::SEP));
        // What lies past the limit does not change the vector.
        let longer = format!("{long} raft raft raft");
        let v = model.embed(&[&long, &longer]).unwrap();
        assert_eq!(v[0], v[1]);
    }

    #[test]
    fn the_same_input_gives_the_same_vector_every_time() {
        let dir = tiny::model_dir();
        let first = Model::load(dir.path()).unwrap();
        let second = Model::load(dir.path()).unwrap();
        let texts = ["vector clocks", "gossip"];
        let a = first.embed(&texts).unwrap();
        assert_eq!(a, first.embed(&texts).unwrap());
        assert_eq!(a, second.embed(&texts).unwrap());
        assert_eq!(first.identity(), second.identity());
    }

    #[test]
    fn tokens_follow_the_bert_rules_of_the_tokenizer_file() {
        let dir = tiny::model_dir();
        let model = Model::load(dir.path()).unwrap();
        // Lower-cased, accents stripped, punctuation split off, "##" continuations.
        let ids = model.token_ids("Raft's LEADERS, élection").unwrap();
        let expect = tiny::ids(&[
            "[CLS]", "raft", "'", "s", "leader", "##s", ",", "election", "[SEP]",
        ]);
        assert_eq!(ids, expect);
        // Each CJK ideograph is a word of its own; unknown ones become [UNK].
        let ids = model.token_ids("分布式").unwrap();
        assert_eq!(ids, tiny::ids(&["[CLS]", "分", "[UNK]", "[UNK]", "[SEP]"]));
    }

    #[test]
    fn a_missing_file_is_named_with_its_folder() {
        let dir = tiny::model_dir();
        fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
        let err = Model::load(dir.path()).err().unwrap().to_string();
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
        assert!(err.contains("has no tokenizer.json"), "{err}");
        let missing = dir.path().join("nowhere");
        let err = Model::load(&missing).err().unwrap().to_string();
        assert!(err.contains("does not exist"), "{err}");
    }

    #[test]
    fn weights_that_do_not_fit_the_config_are_refused() {
        let dir = tiny::model_dir();
        let config = dir.path().join("config.json");
        let text = fs::read_to_string(&config).unwrap();
        fs::write(
            &config,
            text.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"),
        )
        .unwrap();
        let err = Model::load(dir.path()).err().unwrap().to_string();
        assert!(
            err.contains("does not hold the weights config.json describes"),
            "{err}"
        );
    }

    #[test]
    fn a_pooling_other_than_the_mean_is_refused() {
        let dir = tiny::model_dir();
        let pooling = dir.path().join("1_Pooling");
        fs::create_dir_all(&pooling).unwrap();
        fs::write(
            pooling.join("config.json"),
            r#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#,
        )
        .unwrap();
        let err = Model::load(dir.path()).err().unwrap().to_string();
        assert!(err.contains("pooling other than the mean"), "{err}");
    }
}
