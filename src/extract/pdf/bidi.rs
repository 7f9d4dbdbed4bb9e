//! Right-to-left text for the extract stage of the pipeline (PDF bytes ->
//! text per page): a line is laid out in visual order, left to right, which
//! for Hebrew and Arabic is backwards; this turns it into logical (reading)
//! order, as pdftotext writes it.
//!
//! This is a small part of the Unicode bidirectional algorithm, enough for
//! lines of running text: the line reads right to left when it has more
//! right-to-left letters than left-to-right ones, and runs of the other
//! direction (numbers and Latin words inside Hebrew, a Hebrew name inside
//! English) keep their own order.

use std::borrow::Cow;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Right-to-left letter.
    R,
    /// Left-to-right letter.
    L,
    /// Digit: left to right, even inside right-to-left text.
    Digit,
    /// Space, punctuation, symbols: they take the direction around them.
    Neutral,
}

fn class(c: char) -> Class {
    match c {
        '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}'
            if c.is_alphabetic() || is_rtl_mark(c) =>
        {
            Class::R
        }
        // Arabic-Indic digits are digits too.
        c if c.is_numeric() => Class::Digit,
        c if c.is_alphabetic() => Class::L,
        _ => Class::Neutral,
    }
}

/// Right-to-left combining marks (vowel points, harakat) travel with their letter.
fn is_rtl_mark(c: char) -> bool {
    matches!(c, '\u{0591}'..='\u{05C7}' | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}')
}

/// The line in logical order; borrowed unchanged when it has no
/// right-to-left letters.
pub(crate) fn logical_order(line: &str) -> Cow<'_, str> {
    if line.is_ascii() || !line.chars().any(|c| class(c) == Class::R) {
        return Cow::Borrowed(line);
    }
    let mut chars: Vec<char> = line.chars().collect();
    let classes: Vec<Class> = chars.iter().map(|&c| class(c)).collect();
    let rtl = classes.iter().filter(|&&k| k == Class::R).count();
    let ltr = classes.iter().filter(|&&k| k == Class::L).count();
    if rtl >= ltr {
        // Read the whole line from the right, then put back the runs that
        // read left to right.
        chars.reverse();
        let classes: Vec<Class> = classes.into_iter().rev().collect();
        // A run that starts with a letter takes the numbers after it
        // along; a number that follows right-to-left text stands alone.
        let mut i = 0;
        while i < chars.len() {
            let end = match classes[i] {
                Class::L => run_end(&classes, i, |k| k != Class::R, |k| k != Class::Neutral),
                Class::Digit => run_end(
                    &classes,
                    i,
                    |k| matches!(k, Class::Digit | Class::Neutral),
                    |k| k == Class::Digit,
                ),
                _ => {
                    i += 1;
                    continue;
                }
            };
            chars[i..=end].reverse();
            i = end + 1;
        }
    } else {
        // A left-to-right line: only its right-to-left runs turn around,
        // and the numbers inside them turn back.
        let mut i = 0;
        while i < chars.len() {
            if classes[i] != Class::R {
                i += 1;
                continue;
            }
            let end = run_end(&classes, i, |k| k != Class::L, |k| k == Class::R);
            chars[i..=end].reverse();
            let turned = classes_of(&chars[..=end]);
            let mut j = i;
            while j <= end {
                if turned[j] == Class::Digit {
                    let k = run_end(
                        &turned,
                        j,
                        |k| matches!(k, Class::Digit | Class::Neutral),
                        |k| k == Class::Digit,
                    );
                    chars[j..=k].reverse();
                    j = k + 1;
                } else {
                    j += 1;
                }
            }
            i = end + 1;
        }
    }
    Cow::Owned(chars.into_iter().collect())
}

/// Where the run starting at `start` ends: the last position that `ends`
/// accepts before the first one that `within` refuses.
fn run_end(
    classes: &[Class],
    start: usize,
    within: impl Fn(Class) -> bool,
    ends: impl Fn(Class) -> bool,
) -> usize {
    let mut end = start;
    for (j, &k) in classes.iter().enumerate().skip(start + 1) {
        if !within(k) {
            break;
        }
        if ends(k) {
            end = j;
        }
    }
    end
}

fn classes_of(chars: &[char]) -> Vec<Class> {
    chars.iter().map(|&c| class(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn left_to_right_text_is_untouched() {
        assert!(matches!(logical_order("plain text 42"), Cow::Borrowed(_)));
        assert_eq!(
            logical_order("na\u{ef}ve caf\u{e9}"),
            "na\u{ef}ve caf\u{e9}"
        );
    }

    #[test]
    fn hebrew_line_reads_from_the_right_with_numbers_kept() {
        // Visual order of "שלום עולם 15 abc": the number and the Latin word
        // keep their order, the Hebrew words are read from the right.
        assert_eq!(logical_order("abc 15 םלוע םולש"), "שלום עולם 15 abc");
    }

    #[test]
    fn hebrew_name_inside_english_turns_around() {
        // Visual order of "the name שלום 12 עולם here".
        assert_eq!(
            logical_order("the name םלוע 12 םולש here"),
            "the name שלום 12 עולם here"
        );
    }
}
