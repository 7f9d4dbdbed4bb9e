//! English words, part of the query planner: a word a reader typed that is a real English word
//! (`brain`, `intro`, `gossip`) is never replaced by a spelling correction, however rare it is
//! in the library; at most a correction is offered beside it. The list is SCOWL's American
//! words of four letters or more (see `words.txt` and `generate.py` beside this file), kept
//! sorted in the binary and searched in place, so a search pays nothing to load it.

/// The list: a header of `#` lines, then one lowercase word a line, sorted bytewise.
const WORDS: &str = include_str!("words.txt");

/// The words part of the list, past its header.
fn words() -> &'static str {
    let mut at = 0;
    for line in WORDS.split_inclusive('\n') {
        if !line.starts_with('#') {
            break;
        }
        at += line.len();
    }
    &WORDS[at..]
}

/// Whether `word` (lowercase) is an English word of the list.
pub fn is_word(word: &str) -> bool {
    let list = words().as_bytes();
    let wanted = word.as_bytes();
    // Binary search over lines of different lengths: each probe moves back to the start of
    // the line it lands in.
    let (mut lo, mut hi) = (0usize, list.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = list[..mid]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let start = start.max(lo);
        let end = list[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(list.len(), |i| start + i);
        match list[start..end].cmp(wanted) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = end + 1,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_words_are_known_and_typos_are_not() {
        for word in [
            "brain",
            "intro",
            "gossip",
            "protocols",
            "aardvark",
            "zucchini",
        ] {
            assert!(is_word(word), "{word}");
        }
        for word in [
            "brian",
            "intra",
            "protocals",
            "replicaton",
            "paxso",
            "",
            "zzzz",
        ] {
            assert!(!is_word(word), "{word}");
        }
    }

    #[test]
    fn every_listed_word_is_found() {
        let list: Vec<&str> = words().lines().collect();
        assert!(list.len() > 50_000);
        assert!(list.windows(2).all(|w| w[0] < w[1]), "the list is sorted");
        for word in list.iter().step_by(97) {
            assert!(is_word(word), "{word}");
        }
        assert!(is_word(list[0]) && is_word(list[list.len() - 1]));
    }
}
