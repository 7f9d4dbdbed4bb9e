//! A query's tokens, for the embed stage seen from search: BERT's uncased WordPiece tokenizer
//! (clean, split Chinese characters, strip accents, lowercase; split on whitespace and
//! punctuation; longest known piece first, `##` before pieces inside a word; `[CLS]` and
//! `[SEP]` around) read straight from the model's `tokenizer.json` without building the
//! general tokenizer, whose set-up costs a one-query search more than embedding the query
//! does. It answers only for a tokenizer of exactly that shape and a text without special
//! tokens; otherwise the model's own tokenizer is used.

use std::borrow::Cow;

use serde::Deserialize;
use unicode_categories::UnicodeCategories;
use unicode_normalization::UnicodeNormalization;

/// The parts of `tokenizer.json` that say how it tokenizes, the vocabulary borrowed.
#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow)]
    added_tokens: Vec<Added<'a>>,
    normalizer: Option<Normalizer>,
    pre_tokenizer: Option<Tagged<'a>>,
    post_processor: Option<Post<'a>>,
    #[serde(borrow)]
    model: WordPieceModel<'a>,
}

#[derive(Deserialize)]
struct Added<'a> {
    #[serde(borrow)]
    content: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Normalizer {
    #[serde(rename = "type")]
    kind: String,
    clean_text: bool,
    handle_chinese_chars: bool,
    strip_accents: Option<bool>,
    lowercase: bool,
}

#[derive(Deserialize)]
struct Tagged<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
}

#[derive(Deserialize)]
struct Post<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(default)]
    single: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct WordPieceModel<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(borrow)]
    unk_token: Cow<'a, str>,
    #[serde(borrow)]
    continuing_subword_prefix: Cow<'a, str>,
    max_input_chars_per_word: usize,
    #[serde(borrow)]
    vocab: Vocab<'a>,
}

/// The vocabulary as (piece, id), sorted by piece for binary search.
struct Vocab<'a>(Vec<(Cow<'a, str>, u32)>);

/// A piece as the file has it: borrowed from it, or unescaped when the file escapes it.
struct Piece<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Piece<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Piece<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a piece of a word")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Piece<'a>, E> {
                Ok(Piece(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Piece<'a>, E> {
                Ok(Piece(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(Visit(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Vocab<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Vocab<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of pieces to ids")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Vocab<'a>, M::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(32_000));
                while let Some((piece, id)) = map.next_entry::<Piece<'a>, u32>()? {
                    out.push((piece.0, id));
                }
                out.sort_unstable();
                Ok(Vocab(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// BERT's uncased WordPiece tokenizer, as a model's `tokenizer.json` describes it.
pub struct WordPiece<'a> {
    vocab: Vec<(Cow<'a, str>, u32)>,
    unk: u32,
    cls: u32,
    sep: u32,
    prefix: &'a str,
    max_chars: usize,
    /// Texts holding any of these are left to the model's own tokenizer, which treats them
    /// as special tokens.
    specials: Vec<String>,
}

impl<'a> WordPiece<'a> {
    /// Reads `tokenizer.json`; `None` unless it is exactly BERT's uncased WordPiece with
    /// `[CLS] text [SEP]` around each text.
    pub fn parse(bytes: &'a [u8]) -> Option<WordPiece<'a>> {
        let file: File<'a> = serde_json::from_slice(bytes).ok()?;
        let n = file.normalizer?;
        let lowercase_and_strip = n.lowercase && n.strip_accents.unwrap_or(n.lowercase);
        let plain = n.kind == "BertNormalizer"
            && n.clean_text
            && n.handle_chinese_chars
            && lowercase_and_strip
            && file.pre_tokenizer?.kind == "BertPreTokenizer"
            && file.model.kind == "WordPiece";
        if !plain {
            return None;
        }
        let post = file.post_processor?;
        let single: Vec<String> = post
            .single
            .iter()
            .map(|part| {
                part.pointer("/SpecialToken/id")
                    .or_else(|| part.pointer("/Sequence/id"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        if post.kind != "TemplateProcessing" || single != ["[CLS]", "A", "[SEP]"] {
            return None;
        }
        let vocab = file.model.vocab.0;
        let id = |piece: &str| -> Option<u32> {
            vocab
                .binary_search_by(|(p, _)| p.as_ref().cmp(piece))
                .ok()
                .map(|i| vocab[i].1)
        };
        let unk = id(&file.model.unk_token)?;
        let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
        let prefix = match file.model.continuing_subword_prefix {
            Cow::Borrowed(p) => p,
            Cow::Owned(_) => return None,
        };
        Some(WordPiece {
            vocab,
            unk,
            cls,
            sep,
            prefix,
            max_chars: file.model.max_input_chars_per_word,
            specials: file
                .added_tokens
                .iter()
                .map(|a| a.content.to_string())
                .collect(),
        })
    }

    /// The token ids of `text`, `[CLS]` and `[SEP]` included, cut to `max_tokens`; `None`
    /// for a text holding a special token.
    pub fn encode(&self, text: &str, max_tokens: usize) -> Option<Vec<u32>> {
        if self.specials.iter().any(|s| text.contains(s.as_str())) {
            return None;
        }
        let mut ids = vec![self.cls];
        for word in words(&normalize(text)) {
            self.pieces(&word, &mut ids);
        }
        ids.truncate(max_tokens.max(2) - 1);
        ids.push(self.sep);
        Some(ids)
    }

    fn id(&self, piece: &str) -> Option<u32> {
        self.vocab
            .binary_search_by(|(p, _)| p.as_ref().cmp(piece))
            .ok()
            .map(|i| self.vocab[i].1)
    }

    /// A word's pieces, longest known first; the unknown token for a word too long or with
    /// a part no piece covers.
    fn pieces(&self, word: &str, ids: &mut Vec<u32>) {
        if word.chars().count() > self.max_chars {
            ids.push(self.unk);
            return;
        }
        let mut found = Vec::new();
        let mut start = 0;
        let mut candidate = String::new();
        while start < word.len() {
            let mut end = word.len();
            let mut piece = None;
            while end > start {
                candidate.clear();
                if start > 0 {
                    candidate.push_str(self.prefix);
                }
                candidate.push_str(&word[start..end]);
                if let Some(id) = self.id(&candidate) {
                    piece = Some(id);
                    break;
                }
                end = word[..end]
                    .char_indices()
                    .next_back()
                    .map_or(start, |(i, _)| i);
            }
            let Some(id) = piece else {
                ids.push(self.unk);
                return;
            };
            found.push(id);
            start = end;
        }
        ids.extend(found);
    }
}

/// BERT's normalizing: control characters out, whitespace as spaces, spaces around Chinese
/// characters, accents stripped, lowercase.
fn normalize(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || is_control(c) {
            continue;
        }
        if c.is_whitespace() {
            cleaned.push(' ');
        } else if is_chinese(c) {
            cleaned.push(' ');
            cleaned.push(c);
            cleaned.push(' ');
        } else {
            cleaned.push(c);
        }
    }
    cleaned
        .nfd()
        .filter(|c| !c.is_mark_nonspacing())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Words split at whitespace, each punctuation character a word of its own.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_whitespace() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        } else if is_punctuation(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(c.to_string());
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && c.is_other()
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || c.is_punctuation()
}

fn is_chinese(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B920..=0x2CEAF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts where tokenizers disagree if they are going to: accents, CJK, punctuation,
    /// control characters, emoji, long and unknown words, special tokens.
    pub const TRICKY: &[&str] = &[
        "how does raft elect a leader",
        "Paxos Made Simple!",
        "Babaoğlu and Marzullo's consistent global states",
        "naïve café résumé — “quoted” ‘single’ …",
        "分散システム and 复制 logs",
        "tabs\tand\nnewlines\r\nand\u{7}bells\u{200b}zero-width",
        "emoji 🚀 and symbols ∑ ∞ ≠ ©",
        "supercalifragilisticexpialidocious-antidisestablishmentarianism",
        "x-y_z/a.b,c;d:e'f\"g(h)[i]{j}<k>",
        "ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ and ligatures ﬁ ﬂ",
        "vector clocks vectorclocks vector-clocks",
        "",
        "   ",
    ];

    #[test]
    fn the_tiny_models_tokenizer_is_read_and_agrees_with_the_general_one() {
        let dir = crate::embed::tiny::model_dir();
        let bytes = std::fs::read(dir.path().join("tokenizer.json")).unwrap();
        let model = crate::embed::Model::load(dir.path()).unwrap();
        let ours = WordPiece::parse(&bytes).expect("a plain BERT tokenizer");
        agrees(&ours, &model, TRICKY);
        assert_eq!(ours.encode("[CLS] x", 512), None);
        let short = ours.encode(TRICKY[2], 4).unwrap();
        assert_eq!(short.len(), 4);
        assert_eq!(short.last(), Some(&ours.sep));
    }

    /// Asserts that `ours` gives every text the ids the model's own tokenizer gives it.
    pub fn agrees(ours: &WordPiece, model: &crate::embed::Model, texts: &[&str]) {
        for text in texts {
            let theirs = model.token_ids(text).unwrap();
            let mine = ours.encode(text, model.max_tokens()).unwrap();
            assert_eq!(mine, theirs, "{text:?}");
        }
    }

    #[test]
    fn the_real_models_tokenizer_agrees_with_the_general_one() {
        let Some(dir) = std::env::var_os("PAPERDEX_TEST_MODEL") else {
            return;
        };
        let dir = std::path::PathBuf::from(dir);
        let bytes = std::fs::read(dir.join("tokenizer.json")).unwrap();
        let model = crate::embed::Model::load(&dir).unwrap();
        let ours = WordPiece::parse(&bytes).expect("all-MiniLM-L6-v2's tokenizer is plain BERT");
        agrees(&ours, &model, TRICKY);
        let long = "consensus ".repeat(400);
        agrees(&ours, &model, &[long.as_str()]);
        // Every query of the judged sets, as people type them.
        let root = env!("CARGO_MANIFEST_DIR");
        for (file, column) in [
            ("user-queries.tsv", 1),
            ("user-queries-check.tsv", 1),
            ("queries.tsv", 0),
        ] {
            let text = std::fs::read_to_string(format!("{root}/bench/{file}")).unwrap();
            let queries: Vec<&str> = text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .filter_map(|l| l.split('\t').nth(column))
                .collect();
            agrees(&ours, &model, &queries);
        }
    }

    #[test]
    fn other_tokenizers_are_left_alone() {
        assert!(WordPiece::parse(b"{}").is_none());
        assert!(WordPiece::parse(b"not json").is_none());
    }
}
