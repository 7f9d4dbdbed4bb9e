//! Folding text for comparison: the cite stage compares catalog titles with references typed
//! by other people and extracted from PDFs, so both sides go through the same folding. Unicode
//! compatibility forms and ligatures are decomposed (NFKC's equivalences), accents dropped,
//! letters lowercased, and every word's letters and digits concatenated into one string with
//! a note of what separated each word from the one before: `Paxos  made\nsimple.` and
//! `PAXOS MADE SIM-\nPLE` fold to the same `paxosmadesimple`, while the separators still tell a
//! title's end (a full stop) from a word that goes on (a space, a hyphen).

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// What stands between a folded character and the one before it in the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// Nothing: the two are letters of one word (an apostrophe or a line-end hyphen counts as
    /// nothing, so `Amazon's` and `dis-\ntributed` are single words).
    None,
    /// A hyphen inside a compound word, as in `key-value`.
    Hyphen,
    /// White space only.
    Space,
    /// Punctuation: a full stop, comma, colon, quote, bracket, dash between spaces, ...
    Punct,
}

/// A folded text: the letters and digits of its words, with separators and origins.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    /// Every word's folded letters and digits, concatenated.
    pub chars: Vec<char>,
    /// For each character of `chars`: what separates it from the character before.
    pub gaps: Vec<Gap>,
    /// For each character of `chars`: the byte offset of the original character it came from.
    pub origins: Vec<usize>,
}

impl Folded {
    /// Folds `text`.
    pub fn new(text: &str) -> Folded {
        let mut out = Folded::default();
        let mut pending = Pending::default();
        for (at, c) in text.char_indices() {
            fold_char(c, &mut |f| {
                if f.is_alphanumeric() {
                    let gap = if out.chars.is_empty() {
                        Gap::Punct
                    } else {
                        pending.gap()
                    };
                    out.chars.push(f);
                    out.gaps.push(gap);
                    out.origins.push(at);
                    pending = Pending::default();
                } else {
                    pending.add(f);
                }
            });
        }
        out
    }

    /// Number of folded characters.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether nothing was left after folding.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The folded characters as a string, for searching.
    pub fn string(&self) -> String {
        self.chars.iter().collect()
    }

    /// Whether a word starts at character `i`.
    pub fn word_starts(&self, i: usize) -> bool {
        i < self.len() && self.gaps[i] != Gap::None
    }

    /// Whether a word ends right before character `i` (or at the end).
    pub fn word_ends(&self, i: usize) -> bool {
        i >= self.len() || self.gaps[i] != Gap::None
    }

    /// The start of the word that ends right before character `end`.
    pub fn word_before(&self, end: usize) -> Option<usize> {
        if end == 0 {
            return None;
        }
        let mut i = end - 1;
        while i > 0 && self.gaps[i] == Gap::None {
            i -= 1;
        }
        Some(i)
    }

    /// The words between two character positions, as strings.
    pub fn words(&self, from: usize, to: usize) -> Vec<String> {
        let mut words: Vec<String> = Vec::new();
        for i in from..to.min(self.len()) {
            if i == from || self.gaps[i] != Gap::None {
                words.push(String::new());
            }
            if let Some(w) = words.last_mut() {
                w.push(self.chars[i]);
            }
        }
        words
    }

    /// The index of the first folded character at or after byte `offset` of the original.
    pub fn at_byte(&self, offset: usize) -> usize {
        self.origins.partition_point(|&o| o < offset)
    }
}

/// The separator characters seen since the last letter or digit.
#[derive(Default)]
struct Pending {
    space: bool,
    newline: bool,
    hyphen: bool,
    punct: bool,
}

impl Pending {
    fn add(&mut self, c: char) {
        match c {
            '\n' | '\r' | '\x0c' => self.newline = true,
            c if c.is_whitespace() => self.space = true,
            '-' | '\u{2010}' | '\u{2011}' => self.hyphen = true,
            // An apostrophe belongs to its word: `Amazon's`, `Brewer’s`.
            '\'' | '\u{2019}' | '\u{02bc}' => {}
            _ => self.punct = true,
        }
    }

    fn gap(&self) -> Gap {
        if self.punct || (self.hyphen && self.space) {
            // A hyphen between spaces is a dash: `Paxos Made Live - An Engineering Perspective`.
            Gap::Punct
        } else if self.hyphen && self.newline {
            // A hyphen at the end of a line joins the word split across the lines.
            Gap::None
        } else if self.hyphen {
            Gap::Hyphen
        } else if self.space || self.newline {
            Gap::Space
        } else {
            Gap::None
        }
    }
}

/// Calls `out` with the folded form of `c`: compatibility-decomposed, without accents,
/// lowercased. Letters that do not decompose into a base letter and an accent are spelled out.
fn fold_char(c: char, out: &mut impl FnMut(char)) {
    let spelled: Option<&str> = match c {
        'ı' => Some("i"),
        'ø' | 'Ø' => Some("o"),
        'ł' | 'Ł' => Some("l"),
        'đ' | 'Đ' | 'ð' | 'Ð' => Some("d"),
        'ß' => Some("ss"),
        'æ' | 'Æ' => Some("ae"),
        'œ' | 'Œ' => Some("oe"),
        'þ' | 'Þ' => Some("th"),
        // A soft hyphen only marks where a word may break.
        '\u{00ad}' => Some(""),
        _ => None,
    };
    if let Some(s) = spelled {
        s.chars().for_each(&mut *out);
        return;
    }
    if c.is_ascii() {
        out(c.to_ascii_lowercase());
        return;
    }
    decompose_compatible(c, |d| {
        if !is_combining_mark(d) {
            d.to_lowercase().for_each(&mut *out);
        }
    });
}

/// Folds a short text, such as a surname, into its letters and digits only.
pub fn squash(text: &str) -> String {
    Folded::new(text).string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_accents_ligatures_and_widths_fold_away() {
        assert_eq!(squash("Özalp Babaoğlu"), "ozalpbabaoglu");
        assert_eq!(squash("Preguiça"), "preguica");
        assert_eq!(squash("Altınbüken"), "altinbuken");
        assert_eq!(squash("eﬃcient ﬁle"), "efficientfile");
        assert_eq!(squash("ＰＡＸＯＳ"), "paxos");
        assert_eq!(squash("Amazon’s key-value"), "amazonskeyvalue");
    }

    #[test]
    fn separators_are_kept_as_gaps() {
        let f = Folded::new("Paxos made sim-\nple. ACM key-value, dis\u{00ad}tributed");
        assert_eq!(f.string(), "paxosmadesimpleacmkeyvaluedistributed");
        let words = f.words(0, f.len());
        assert_eq!(
            words,
            vec![
                "paxos",
                "made",
                "simple",
                "acm",
                "key",
                "value",
                "distributed"
            ]
        );
        let at = |w: &str| f.string().find(w).unwrap();
        assert_eq!(f.gaps[at("made")], Gap::Space);
        assert_eq!(f.gaps[at("acm")], Gap::Punct);
        assert_eq!(f.gaps[at("value")], Gap::Hyphen);
        assert_eq!(f.gaps[at("distributed")], Gap::Punct);
        assert!(f.word_ends(at("acm")));
        assert!(!f.word_ends(at("acm") + 1));
        assert_eq!(f.word_before(at("acm")), Some(at("simple")));
    }

    #[test]
    fn a_dash_between_spaces_is_punctuation() {
        let f = Folded::new("Paxos Made Live - An Engineering Perspective");
        let at = f.string().find("an").unwrap();
        assert_eq!(f.gaps[at], Gap::Punct);
        let f = Folded::new("Live – An");
        assert_eq!(f.gaps[4], Gap::Punct);
    }

    #[test]
    fn origins_point_back_into_the_text() {
        let text = "Ö. Lamport";
        let f = Folded::new(text);
        let l = f.string().find('l').unwrap();
        assert_eq!(&text[f.origins[l]..], "Lamport");
        assert_eq!(f.at_byte(text.find('L').unwrap()), l);
    }
}
