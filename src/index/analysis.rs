//! Text analysis for the index stage, shared with the search stage so that a query's words
//! become the same terms as a document's: words are split at punctuation, possessives and
//! acronym plurals dropped (`Brewer's`, `CRDTs`), hyphenated compounds also indexed joined
//! (`map-reduce` gives `map`, `reduce` and `mapreduce`), British spellings turned American,
//! accents folded, and, for the natural-language fields, words stemmed.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream,
    Tokenizer,
};
use tantivy::Index;

/// The analyzer of the natural-language fields: normalized and stemmed.
pub const STEMMED: &str = "paperdex";

/// The analyzer of the `words` field: normalized but not stemmed, so typo corrections and
/// prefixes can be looked up and shown as real words.
pub const WORDS: &str = "paperdex_words";

/// Longest token kept, in bytes; longer ones are noise (hashes, URLs, runs of digits).
const MAX_TOKEN_BYTES: usize = 40;

/// Most parts of a hyphenated compound that are also indexed joined.
const MAX_COMPOUND_PARTS: usize = 4;

/// The stemmed analyzer.
pub fn stemmed() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The analyzer of surface words.
pub fn words() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(AsciiFoldingFilter)
        .build()
}

/// Makes both analyzers known to an index; needed every time one is opened.
pub fn register(index: &Index) {
    index.tokenizers().register(STEMMED, stemmed());
    index.tokenizers().register(WORDS, words());
}

/// The terms an analyzer makes of `text`, in order, with their positions.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().clone());
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02bc}')
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Splits text into words and normalizes each (see the module's description).
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            cursor: 0,
            token: &mut self.token,
            position: usize::MAX,
            pending: Vec::new(),
        }
    }
}

/// The tokens of one text, produced one at a time.
pub struct WordStream<'a> {
    text: &'a str,
    cursor: usize,
    token: &'a mut Token,
    /// The position given to the last word.
    position: usize,
    /// Tokens of a compound still to emit, last first: (from, to, position, joined).
    pending: Vec<(usize, usize, usize, bool)>,
}

impl WordStream<'_> {
    /// The byte range of the next word from `from`: alphanumeric characters, with single
    /// apostrophes inside (`brewer's`, `don't`).
    fn next_word(&self, from: usize) -> Option<(usize, usize)> {
        let rest = &self.text[from..];
        let start = from + rest.find(|c: char| c.is_alphanumeric())?;
        Some((start, self.word_end(start)))
    }

    fn word_end(&self, start: usize) -> usize {
        let mut end = start;
        let mut chars = self.text[start..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c.is_alphanumeric() {
                end = start + i + c.len_utf8();
            } else if is_apostrophe(c) && chars.peek().is_some_and(|(_, n)| n.is_alphanumeric()) {
                continue;
            } else {
                break;
            }
        }
        end
    }

    /// The words of a hyphenated compound starting with the word `first`.
    fn compound(&self, first: (usize, usize)) -> Vec<(usize, usize)> {
        let mut parts = vec![first];
        while parts.len() < MAX_COMPOUND_PARTS {
            let end = parts[parts.len() - 1].1;
            let mut chars = self.text[end..].chars();
            let (Some(h), Some(next)) = (chars.next(), chars.next()) else {
                break;
            };
            if !is_hyphen(h) || !next.is_alphanumeric() {
                break;
            }
            let start = end + h.len_utf8();
            parts.push((start, self.word_end(start)));
        }
        parts
    }

    fn emit(&mut self, from: usize, to: usize, position: usize, joined: bool) {
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = position;
        self.token.position_length = 1;
        self.token.text.clear();
        if joined {
            for c in self.text[from..to].chars() {
                if c.is_alphanumeric() {
                    self.token.text.push(c);
                }
            }
            normalize(&mut self.token.text, false);
        } else {
            let word = &self.text[from..to];
            let word = strip_possessive(word);
            let acronym_plural = is_acronym_plural(word);
            for c in word.chars() {
                if !is_apostrophe(c) {
                    self.token.text.push(c);
                }
            }
            normalize(&mut self.token.text, acronym_plural);
        }
        if crate::fault::injected_word().is_some_and(|w| self.token.text == w) {
            panic!("a fault injected for testing in the tokenizer");
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some((from, to, position, joined)) = self.pending.pop() {
            self.emit(from, to, position, joined);
            return true;
        }
        let Some(first) = self.next_word(self.cursor) else {
            self.cursor = self.text.len();
            return false;
        };
        let parts = self.compound(first);
        self.cursor = parts[parts.len() - 1].1;
        let base = self.position.wrapping_add(1);
        self.position = base.wrapping_add(parts.len() - 1);
        if parts.len() > 1 {
            // The joined form stands at the last part's position, so a phrase that goes on
            // after the compound still lines up.
            let last = parts.len() - 1;
            self.pending
                .push((parts[0].0, parts[last].1, base + last, true));
            for (i, &(from, to)) in parts.iter().enumerate().skip(1).rev() {
                self.pending.push((from, to, base + i, false));
            }
        }
        self.emit(parts[0].0, parts[0].1, base, false);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Drops a possessive ending: `Brewer's` is about Brewer.
fn strip_possessive(word: &str) -> &str {
    for ending in ["'s", "'S", "\u{2019}s", "\u{2019}S", "\u{02bc}s"] {
        if let Some(head) = word.strip_suffix(ending).filter(|h| !h.is_empty()) {
            return head;
        }
    }
    word
}

/// Whether a word is an acronym's plural: capitals or digits, at least two capitals, then a
/// lowercase `s` (`CRDTs`, `VMs`, `2PCs`). English stemming leaves them alone because they
/// have no vowel.
fn is_acronym_plural(word: &str) -> bool {
    let Some(head) = word.strip_suffix('s') else {
        return false;
    };
    head.len() >= 2
        && head
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && head.chars().filter(|c| c.is_ascii_uppercase()).count() >= 2
}

/// Lowercases a word in place, drops an acronym's plural `s`, and spells it the American way.
fn normalize(word: &mut String, acronym_plural: bool) {
    if acronym_plural {
        word.pop();
    }
    if word.is_ascii() {
        word.make_ascii_lowercase();
    } else {
        *word = word.to_lowercase();
    }
    if let Some(american) = americanize(word) {
        *word = american;
    }
}

/// British words that end in -ise (or take its endings) but are spelt so in American English
/// too; they must not become -ize.
const ISE_WORDS: &[&str] = &[
    "advertise",
    "advise",
    "anise",
    "appraise",
    "apprise",
    "arise",
    "braise",
    "bruise",
    "chaise",
    "chastise",
    "circumcise",
    "clockwise",
    "comprise",
    "compromise",
    "concise",
    "cruise",
    "demise",
    "despise",
    "devise",
    "disguise",
    "enterprise",
    "excise",
    "exercise",
    "expertise",
    "franchise",
    "guise",
    "improvise",
    "incise",
    "likewise",
    "merchandise",
    "mortise",
    "noise",
    "otherwise",
    "paradise",
    "poise",
    "porpoise",
    "praise",
    "precise",
    "premise",
    "promise",
    "raise",
    "reprise",
    "revise",
    "rise",
    "sunrise",
    "supervise",
    "surmise",
    "surprise",
    "televise",
    "tortoise",
    "treatise",
    "turquoise",
    "uprise",
    "valise",
    "vise",
    "wise",
];

/// Prefixes that leave an -ise word's spelling as it is (`unwise`, `preconcise`).
const ISE_PREFIXES: &[&str] = &["un", "re", "pre", "mis", "non", "counter", "self", "over"];

/// -ise endings and their American forms; longest first so the longest ending wins.
const ISE_ENDINGS: &[(&str, &str)] = &[
    ("isations", "izations"),
    ("isation", "ization"),
    ("isability", "izability"),
    ("isable", "izable"),
    ("isers", "izers"),
    ("ising", "izing"),
    ("ises", "izes"),
    ("ised", "ized"),
    ("iser", "izer"),
    ("ise", "ize"),
];

/// British -our stems whose American form drops the `u` (`behaviour`, `behavioural`).
const OUR_STEMS: &[&str] = &[
    "armour",
    "behaviour",
    "clamour",
    "colour",
    "endeavour",
    "favour",
    "fervour",
    "flavour",
    "harbour",
    "honour",
    "humour",
    "labour",
    "neighbour",
    "odour",
    "parlour",
    "rigour",
    "rumour",
    "savour",
    "splendour",
    "tumour",
    "valour",
    "vapour",
    "vigour",
];

/// Whole British words with another American spelling.
const BRITISH_WORDS: &[(&str, &str)] = &[
    ("acknowledgement", "acknowledgment"),
    ("acknowledgements", "acknowledgments"),
    ("ageing", "aging"),
    ("artefact", "artifact"),
    ("artefacts", "artifacts"),
    ("calibre", "caliber"),
    ("centre", "center"),
    ("centred", "centered"),
    ("centres", "centers"),
    ("defence", "defense"),
    ("defences", "defenses"),
    ("enrol", "enroll"),
    ("fibre", "fiber"),
    ("fibres", "fibers"),
    ("fulfil", "fulfill"),
    ("grey", "gray"),
    ("judgement", "judgment"),
    ("judgements", "judgments"),
    ("licence", "license"),
    ("licences", "licenses"),
    ("litre", "liter"),
    ("litres", "liters"),
    ("metre", "meter"),
    ("metres", "meters"),
    ("offence", "offense"),
    ("programme", "program"),
    ("programmes", "programs"),
    ("sceptical", "skeptical"),
    ("theatre", "theater"),
];

/// The American spelling of a lowercase British word, if it has another one.
pub fn americanize(word: &str) -> Option<String> {
    if !word.is_ascii() || word.len() < 4 {
        return None;
    }
    if let Ok(i) = BRITISH_WORDS.binary_search_by(|(b, _)| b.cmp(&word)) {
        return Some(BRITISH_WORDS[i].1.to_string());
    }
    for stem in OUR_STEMS {
        if let Some(rest) = word.strip_prefix(stem) {
            return Some(format!("{}or{rest}", &stem[..stem.len() - 3]));
        }
    }
    for (ending, american) in [
        ("ysing", "yzing"),
        ("ysed", "yzed"),
        ("yser", "yzer"),
        ("yses", "yzes"),
        ("yse", "yze"),
    ] {
        if let Some(base) = word.strip_suffix(ending) {
            // analyse, paralyse, catalyse, hydrolyse: the -lyse verbs.
            if base.len() >= 3 && base.ends_with('l') {
                return Some(format!("{base}{american}"));
            }
        }
    }
    for ending in ["logues", "logued", "logue"] {
        if let Some(base) = word.strip_suffix(ending) {
            if base.len() >= 2 {
                let tail = &ending["logue".len()..];
                let tail = if tail == "d" { "ed" } else { tail };
                return Some(format!("{base}log{tail}"));
            }
        }
    }
    for (ending, american) in ISE_ENDINGS {
        if let Some(base) = word.strip_suffix(ending) {
            if base.len() < 3 || is_ise_word(&format!("{base}ise")) {
                return None;
            }
            return Some(format!("{base}{american}"));
        }
    }
    None
}

fn is_ise_word(base: &str) -> bool {
    let known = |w: &str| ISE_WORDS.contains(&w);
    known(base)
        || ISE_PREFIXES
            .iter()
            .any(|p| base.strip_prefix(p).is_some_and(known))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize)> {
        tokens(analyzer, text)
            .into_iter()
            .map(|t| (t.text, t.position))
            .collect()
    }

    fn texts(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        tokens(analyzer, text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn british_and_american_spellings_meet() {
        let mut a = stemmed();
        for (british, american) in [
            ("linearisable", "linearizable"),
            ("serialisation", "serialization"),
            ("optimised", "optimized"),
            ("synchronising", "synchronizing"),
            ("behaviour", "behavior"),
            ("behavioural", "behavioral"),
            ("analyse", "analyze"),
            ("hydrolysed", "hydrolyzed"),
            ("catalogue", "catalog"),
            ("centre", "center"),
            ("defence", "defense"),
            ("categorise", "categorize"),
            ("theorise", "theorize"),
            ("prioritise", "prioritize"),
        ] {
            assert_eq!(texts(&mut a, british), texts(&mut a, american), "{british}");
        }
        for same in [
            "promise",
            "exercise",
            "otherwise",
            "surprised",
            "advertising",
            "rising",
            "precise",
            "enterprises",
            "revised",
            "four",
            "hour",
        ] {
            assert_eq!(americanize(same), None, "{same}");
        }
    }

    #[test]
    fn possessives_acronym_plurals_and_accents() {
        let mut a = stemmed();
        assert_eq!(
            texts(&mut a, "Brewer's conjecture"),
            texts(&mut a, "brewer conjecture")
        );
        assert_eq!(texts(&mut a, "Brewer’s"), vec!["brewer"]);
        assert_eq!(texts(&mut a, "CRDTs"), texts(&mut a, "CRDT"));
        assert_eq!(texts(&mut a, "2PCs and VMs"), texts(&mut a, "2PC and VM"));
        // A lowercase word ending in s is stemmed as usual, not treated as an acronym.
        assert_eq!(texts(&mut a, "clocks"), vec!["clock"]);
        assert_eq!(texts(&mut a, "CAS"), vec!["cas"]);
        assert_eq!(texts(&mut a, "Babaoğlu"), texts(&mut a, "Babaoglu"));
        assert_eq!(texts(&mut a, "don't"), vec!["dont"]);
    }

    #[test]
    fn compounds_are_indexed_apart_and_joined() {
        let mut w = words();
        assert_eq!(
            terms(&mut w, "a map-reduce job"),
            vec![
                ("a".to_string(), 0),
                ("map".to_string(), 1),
                ("reduce".to_string(), 2),
                ("mapreduce".to_string(), 2),
                ("job".to_string(), 3),
            ]
        );
        assert_eq!(
            texts(&mut w, "two-phase-commit"),
            vec!["two", "phase", "commit", "twophasecommit"]
        );
        // A dash between numbers or before a space is not a compound.
        assert_eq!(texts(&mut w, "pages 3 - 7"), vec!["pages", "3", "7"]);
        let t = tokens(&mut w, "x vector-clocks");
        let joined = t.iter().find(|t| t.text == "vectorclocks").unwrap();
        assert_eq!(
            &"x vector-clocks"[joined.offset_from..joined.offset_to],
            "vector-clocks"
        );
    }

    #[test]
    fn offsets_point_at_the_original_text() {
        let text = "Lamport’s clocks, CRDTs";
        let mut a = stemmed();
        for t in tokens(&mut a, text) {
            let original = &text[t.offset_from..t.offset_to];
            assert!(
                original.chars().next().unwrap().is_alphanumeric(),
                "{original}"
            );
        }
    }
}
