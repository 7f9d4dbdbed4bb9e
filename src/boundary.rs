//! Character boundaries for byte offsets, shared by the stages that cut windows out of text
//! by byte counts: the cite stage's reference windows and the search stage's passages. An
//! offset reached by arithmetic (a reach either side of a match, a share of a length) can fall
//! inside a multi-byte character, such as an em dash, a typographic quote, a CJK ideograph or
//! an emoji, and slicing a `str` there panics. These move such an offset to a boundary, on the
//! side that keeps a window within the bounds it was computed in. (`str::floor_char_boundary`
//! does the same but is not stable yet.)

use std::ops::Range;

/// The last character boundary of `text` at or before `at`; the text's length past its end.
pub fn floor(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    let mut at = at;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The first character boundary of `text` at or after `at`; the text's length past its end.
pub fn ceil(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    let mut at = at;
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The whole characters of `text` within `range`: its start moved forward and its end back to
/// the nearest boundaries, inside the text. Never reversed: an empty range when no whole
/// character fits.
pub fn inside(text: &str, range: Range<usize>) -> Range<usize> {
    let start = ceil(text, range.start);
    let end = floor(text, range.end).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One character of each UTF-8 length: é (2), — (3), 中 (3), 𝔸 (4), 🔗 (4).
    const MIXED: &str = "aé—中𝔸🔗z";

    #[test]
    fn offsets_inside_a_character_move_to_its_edges() {
        // é is bytes 1..3, — 3..6, 中 6..9, 𝔸 9..13, 🔗 13..17.
        assert_eq!(floor(MIXED, 2), 1);
        assert_eq!(ceil(MIXED, 2), 3);
        assert_eq!(floor(MIXED, 5), 3);
        assert_eq!(ceil(MIXED, 4), 6);
        assert_eq!(floor(MIXED, 12), 9);
        assert_eq!(ceil(MIXED, 10), 13);
        assert_eq!(floor(MIXED, 16), 13);
        assert_eq!(ceil(MIXED, 14), 17);
        // Boundaries stay where they are, and past the end is the end.
        for at in [0, 1, 3, 6, 9, 13, 17, 18] {
            assert_eq!(floor(MIXED, at), at);
            assert_eq!(ceil(MIXED, at), at);
        }
        assert_eq!(floor(MIXED, 99), MIXED.len());
        assert_eq!(ceil(MIXED, 99), MIXED.len());
        assert_eq!((floor("", 3), ceil("", 3)), (0, 0));
    }

    #[test]
    fn every_range_narrows_to_a_slice() {
        for start in 0..=MIXED.len() + 2 {
            for end in 0..=MIXED.len() + 2 {
                let r = inside(MIXED, start..end);
                assert!(r.start <= r.end && r.end <= MIXED.len());
                assert!(MIXED.get(r.clone()).is_some(), "{start}..{end}: {r:?}");
                // Only ever narrowed, unless the range was reversed or past the end.
                assert!(r.start >= start.min(MIXED.len()));
                assert!(r.end <= end.max(r.start));
            }
        }
        assert_eq!(&MIXED[inside(MIXED, 2..12)], "—中");
        assert_eq!(inside(MIXED, 10..12), 13..13);
    }
}
