//! A tiny random-weight BERT in a sentence-transformers folder, for the embed stage's tests
//! (catalog -> fetch -> extract -> cite -> index -> **embed** -> search): the same architecture and
//! file layout as all-MiniLM-L6-v2, small enough to build and run in milliseconds, so the model
//! code is tested everywhere, without the real 90 MB weights.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use candle_core::{Device, Tensor};
use serde_json::json;
use tempfile::TempDir;

/// Width of the tiny model's vectors.
pub(crate) const HIDDEN: usize = 32;
const LAYERS: usize = 2;
const HEADS: usize = 4;
const INTERMEDIATE: usize = 64;
const POSITIONS: usize = 512;

/// Id of `[CLS]` in the tiny vocabulary.
pub(crate) const CLS: u32 = 2;
/// Id of `[SEP]` in the tiny vocabulary.
pub(crate) const SEP: u32 = 3;

/// The vocabulary; a token's id is its position.
const VOCAB: &[&str] = &[
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "the",
    "raft",
    "log",
    "'",
    "s",
    "leader",
    "##s",
    ",",
    "election",
    "分",
    "consensus",
    "quorum",
    "lease",
    "paxos",
    "vector",
    "clock",
    "gossip",
    "!",
    "?",
    "-",
    ".",
    "replica",
    "##tion",
    "time",
];

/// The ids of `tokens` in the tiny vocabulary.
pub(crate) fn ids(tokens: &[&str]) -> Vec<u32> {
    tokens
        .iter()
        .map(|t| {
            VOCAB
                .iter()
                .position(|v| v == t)
                .expect("token in vocabulary") as u32
        })
        .collect()
}

/// Writes the tiny model into a new temporary folder.
pub(crate) fn model_dir() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_model(dir.path(), 1);
    dir
}

/// Writes `config.json`, `tokenizer.json` and `model.safetensors` of a tiny model whose
/// weights come from `seed`.
pub(crate) fn write_model(dir: &Path, seed: u64) {
    let config = json!({
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": POSITIONS,
        "model_type": "bert",
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "type_vocab_size": 2,
        "vocab_size": VOCAB.len(),
    });
    fs::write(
        dir.join("config.json"),
        serde_json::to_string_pretty(&config).unwrap(),
    )
    .unwrap();
    fs::write(dir.join("tokenizer.json"), tokenizer_json().to_string()).unwrap();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    candle_core::safetensors::save(&weights(&mut rng), dir.join("model.safetensors")).unwrap();
}

/// A BERT uncased WordPiece tokenizer over [`VOCAB`], laid out as all-MiniLM-L6-v2's is,
/// including its fixed 128-token padding and truncation, which the model must override.
fn tokenizer_json() -> serde_json::Value {
    let special = |id: usize| {
        json!({"id": id, "content": VOCAB[id], "single_word": false, "lstrip": false,
               "rstrip": false, "normalized": false, "special": true})
    };
    let vocab: serde_json::Map<String, serde_json::Value> = VOCAB
        .iter()
        .enumerate()
        .map(|(i, t)| (t.to_string(), json!(i)))
        .collect();
    json!({
        "version": "1.0",
        "truncation": {"max_length": 128, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": 128}, "direction": "Right", "pad_to_multiple_of": null,
                    "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": (0..5).map(special).collect::<Vec<_>>(),
        "normalizer": {"type": "BertNormalizer", "clean_text": true,
                       "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [CLS], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [SEP], "tokens": ["[SEP]"]}
            }
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab}
    })
}

/// Random weights under the tensor names of a sentence-transformers BERT.
fn weights(rng: &mut Rng) -> HashMap<String, Tensor> {
    let mut w = HashMap::new();
    let mut put = |name: String, shape: &[usize], centre: f32, rng: &mut Rng| {
        let n: usize = shape.iter().product();
        let data: Vec<f32> = (0..n).map(|_| centre + rng.uniform(0.1)).collect();
        let tensor = Tensor::from_vec(data, shape, &Device::Cpu).unwrap();
        w.insert(name, tensor);
    };
    let e = "embeddings";
    put(
        format!("{e}.word_embeddings.weight"),
        &[VOCAB.len(), HIDDEN],
        0.0,
        rng,
    );
    put(
        format!("{e}.position_embeddings.weight"),
        &[POSITIONS, HIDDEN],
        0.0,
        rng,
    );
    put(
        format!("{e}.token_type_embeddings.weight"),
        &[2, HIDDEN],
        0.0,
        rng,
    );
    put(format!("{e}.LayerNorm.weight"), &[HIDDEN], 1.0, rng);
    put(format!("{e}.LayerNorm.bias"), &[HIDDEN], 0.0, rng);
    for layer in 0..LAYERS {
        let l = format!("encoder.layer.{layer}");
        for part in ["query", "key", "value"] {
            put(
                format!("{l}.attention.self.{part}.weight"),
                &[HIDDEN, HIDDEN],
                0.0,
                rng,
            );
            put(
                format!("{l}.attention.self.{part}.bias"),
                &[HIDDEN],
                0.0,
                rng,
            );
        }
        put(
            format!("{l}.attention.output.dense.weight"),
            &[HIDDEN, HIDDEN],
            0.0,
            rng,
        );
        put(
            format!("{l}.attention.output.dense.bias"),
            &[HIDDEN],
            0.0,
            rng,
        );
        put(
            format!("{l}.attention.output.LayerNorm.weight"),
            &[HIDDEN],
            1.0,
            rng,
        );
        put(
            format!("{l}.attention.output.LayerNorm.bias"),
            &[HIDDEN],
            0.0,
            rng,
        );
        put(
            format!("{l}.intermediate.dense.weight"),
            &[INTERMEDIATE, HIDDEN],
            0.0,
            rng,
        );
        put(
            format!("{l}.intermediate.dense.bias"),
            &[INTERMEDIATE],
            0.0,
            rng,
        );
        put(
            format!("{l}.output.dense.weight"),
            &[HIDDEN, INTERMEDIATE],
            0.0,
            rng,
        );
        put(format!("{l}.output.dense.bias"), &[HIDDEN], 0.0, rng);
        put(format!("{l}.output.LayerNorm.weight"), &[HIDDEN], 1.0, rng);
        put(format!("{l}.output.LayerNorm.bias"), &[HIDDEN], 0.0, rng);
    }
    w
}

/// A small xorshift generator: the same seed gives the same weights on every machine.
struct Rng(u64);

impl Rng {
    /// A number drawn evenly from `[-half_width, half_width)`.
    fn uniform(&mut self, half_width: f32) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let unit = (self.0 >> 40) as f32 / (1u64 << 24) as f32;
        (unit * 2.0 - 1.0) * half_width
    }
}
