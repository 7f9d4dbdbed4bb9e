//! Character encodings for the extract stage of the pipeline (PDF bytes ->
//! text per page): base encodings of simple fonts, glyph names to Unicode,
//! and metrics of the standard 14 fonts.
//!
//! The encoding tables and the Adobe Glyph List are taken from lopdf through
//! its public font-encoding API rather than duplicated here.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use lopdf::{Dictionary, Document, Object};

/// A 256-entry code -> character table.
pub(crate) type Table = [Option<char>; 256];

fn font_dict_with(encoding: Object) -> Dictionary {
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Encoding", encoding);
    font
}

fn build_table(name: &[u8]) -> Table {
    let doc = Document::new();
    let font = font_dict_with(Object::Name(name.to_vec()));
    let mut table = [None; 256];
    if let Ok(enc) = font.get_font_encoding(&doc) {
        for (code, slot) in table.iter_mut().enumerate() {
            if let Ok(s) = enc.bytes_to_string(&[code as u8]) {
                *slot = s.chars().next();
            }
        }
    }
    table
}

/// The named base encoding's table, for the four encodings PDF defines.
pub(crate) fn base_table(name: &[u8]) -> Option<&'static Table> {
    static WIN: OnceLock<Table> = OnceLock::new();
    static MAC: OnceLock<Table> = OnceLock::new();
    static STD: OnceLock<Table> = OnceLock::new();
    static DOC: OnceLock<Table> = OnceLock::new();
    Some(match name {
        b"WinAnsiEncoding" => WIN.get_or_init(|| build_table(b"WinAnsiEncoding")),
        b"MacRomanEncoding" => MAC.get_or_init(|| build_table(b"MacRomanEncoding")),
        b"StandardEncoding" => STD.get_or_init(|| build_table(b"StandardEncoding")),
        b"PDFDocEncoding" => DOC.get_or_init(|| build_table(b"PDFDocEncoding")),
        _ => return None,
    })
}

fn agl_lookup(name: &[u8]) -> Option<String> {
    static CACHE: OnceLock<Mutex<HashMap<Vec<u8>, Option<String>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(guard) = cache.lock() {
        if let Some(v) = guard.get(name) {
            return v.clone();
        }
    }
    // Code 0 is unassigned in StandardEncoding, so an unknown name (which
    // makes lopdf fall back to that encoding) yields nothing.
    let doc = Document::new();
    let mut enc = Dictionary::new();
    enc.set(
        "Differences",
        Object::Array(vec![Object::Integer(0), Object::Name(name.to_vec())]),
    );
    let font = font_dict_with(Object::Dictionary(enc));
    let value = font
        .get_font_encoding(&doc)
        .ok()
        .and_then(|e| e.bytes_to_string(&[0]).ok())
        .filter(|s| !s.is_empty());
    if let Ok(mut guard) = cache.lock() {
        if guard.len() < 100_000 {
            guard.insert(name.to_vec(), value.clone());
        }
    }
    value
}

fn hex_units(s: &[u8]) -> Option<Vec<u32>> {
    if s.is_empty() || !s.len().is_multiple_of(4) {
        return None;
    }
    s.chunks(4)
        .map(|c| u32::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
        .collect()
}

/// Maps a glyph name to text by the Adobe Glyph List conventions.
pub(crate) fn glyph_name_to_string(name: &[u8]) -> Option<String> {
    let base = match name.iter().position(|&b| b == b'.') {
        Some(0) => return None,
        Some(p) => &name[..p],
        None => name,
    };
    if base.contains(&b'_') {
        let parts: Option<String> = base
            .split(|&b| b == b'_')
            .map(glyph_name_to_string)
            .collect();
        return parts;
    }
    // TeX fonts name their ligatures plainly; expand them directly.
    match base {
        b"ff" => return Some("ff".into()),
        b"fi" => return Some("fi".into()),
        b"fl" => return Some("fl".into()),
        b"ffi" => return Some("ffi".into()),
        b"ffl" => return Some("ffl".into()),
        b"dotlessi" => return Some("ı".into()),
        b"dotlessj" => return Some("ȷ".into()),
        b"visiblespace" => return Some("␣".into()),
        b"angbracketleft" => return Some("⟨".into()),
        b"angbracketright" => return Some("⟩".into()),
        _ => {}
    }
    if let Some(hex) = base.strip_prefix(b"uni") {
        if let Some(units) = hex_units(hex) {
            let s: String = char::decode_utf16(units.iter().map(|&u| u as u16))
                .filter_map(|r| r.ok())
                .collect();
            if !s.is_empty() {
                return Some(s);
            }
        }
    }
    if let Some(hex) = base.strip_prefix(b"u") {
        if (4..=6).contains(&hex.len()) && hex.iter().all(|b| b.is_ascii_hexdigit()) {
            let v = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            return char::from_u32(v).map(String::from);
        }
    }
    if let Some(v) = agl_lookup(base) {
        return Some(v);
    }
    // Some producers name a glyph by the character itself ("/#28" for "(").
    if let [b] = base {
        if b.is_ascii_graphic() {
            return Some((*b as char).to_string());
        }
    }
    // Names like "g42" or "cid17" carry no meaning.
    None
}

/// Expands ligatures and presentation forms into plain letters and folds
/// typographic spaces into a regular space.
pub(crate) fn push_normalized(out: &mut String, c: char) {
    match c {
        '\u{FB00}' => out.push_str("ff"),
        '\u{FB01}' => out.push_str("fi"),
        '\u{FB02}' => out.push_str("fl"),
        '\u{FB03}' => out.push_str("ffi"),
        '\u{FB04}' => out.push_str("ffl"),
        '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
            out.push(' ')
        }
        // A soft hyphen that is drawn is a visible hyphen at a line break.
        '\u{00AD}' => out.push('-'),
        '\u{200B}'..='\u{200D}' | '\u{FEFF}' | '\0' => {}
        '\u{FF01}'..='\u{FF5E}' => {
            out.push(char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c));
        }
        c if (c as u32) < 0x20 && c != '\t' => {}
        c => out.push(c),
    }
}

#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 222, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    222, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

#[rustfmt::skip]
const TIMES: [u16; 95] = [
    250, 333, 408, 500, 500, 833, 778, 333, 333, 333, 500, 564, 250, 333, 250, 278,
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444,
    921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722,
    556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500,
    333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
    500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
];

#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 278, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    278, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

#[rustfmt::skip]
const TIMES_BOLD: [u16; 95] = [
    250, 333, 555, 500, 500, 1000, 833, 333, 333, 333, 500, 570, 250, 333, 250, 278,
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500,
    930, 722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667, 944, 722, 778,
    611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667, 333, 278, 333, 581, 500,
    333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556, 278, 833, 556, 500,
    556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444, 394, 220, 394, 520,
];

#[rustfmt::skip]
const TIMES_ITALIC: [u16; 95] = [
    250, 333, 420, 500, 500, 833, 778, 333, 333, 333, 500, 675, 250, 333, 250, 278,
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 675, 675, 675, 500,
    920, 611, 611, 667, 722, 611, 611, 722, 722, 333, 444, 667, 556, 833, 667, 722,
    611, 722, 611, 500, 556, 722, 611, 833, 611, 556, 556, 389, 278, 389, 422, 500,
    333, 500, 500, 444, 500, 444, 278, 500, 500, 278, 278, 444, 278, 722, 500, 500,
    500, 500, 389, 389, 278, 500, 444, 667, 444, 444, 389, 400, 275, 400, 541,
];

#[rustfmt::skip]
const TIMES_BOLD_ITALIC: [u16; 95] = [
    250, 389, 555, 500, 500, 833, 778, 333, 333, 333, 500, 570, 250, 333, 250, 278,
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500,
    832, 667, 667, 667, 722, 667, 667, 722, 778, 389, 500, 667, 611, 889, 722, 722,
    611, 722, 667, 556, 611, 722, 667, 889, 667, 611, 611, 333, 278, 333, 570, 500,
    333, 500, 500, 444, 500, 444, 333, 500, 556, 278, 278, 500, 278, 778, 556, 500,
    500, 500, 389, 389, 278, 556, 444, 667, 500, 444, 389, 348, 220, 348, 570,
];

/// Width in 1/1000 em of `c` in the standard 14 font `base_font`, if it is one.
///
/// The tables are the Adobe metrics for printable ASCII (checked against
/// the metric-compatible URW clones); other characters get the width of `n`.
pub(crate) fn standard_width(base_font: &[u8], c: Option<char>) -> Option<f32> {
    // Subset prefixes ("ABCDEF+Times-Roman") do not change the metrics.
    let name = match base_font.iter().position(|&b| b == b'+') {
        Some(p) => &base_font[p + 1..],
        None => base_font,
    };
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    let bold = lower.contains("bold");
    let italic = lower.contains("italic") || lower.contains("oblique");
    let table = if lower.starts_with("courier") {
        return Some(600.0);
    } else if lower.starts_with("helvetica") || lower.starts_with("arial") {
        if bold {
            &HELVETICA_BOLD
        } else {
            &HELVETICA
        }
    } else if lower.starts_with("times") {
        match (bold, italic) {
            (true, true) => &TIMES_BOLD_ITALIC,
            (true, false) => &TIMES_BOLD,
            (false, true) => &TIMES_ITALIC,
            (false, false) => &TIMES,
        }
    } else if lower.starts_with("symbol") || lower.starts_with("zapfdingbats") {
        return Some(600.0);
    } else {
        return None;
    };
    let w = match c {
        // A code the encoding leaves empty draws nothing and does not advance.
        None => 0.0,
        Some(c) if (' '..='~').contains(&c) => table[c as usize - 32] as f32,
        Some('’') | Some('‘') => table[(b'\'' - 32) as usize] as f32,
        _ => table[(b'n' - 32) as usize] as f32,
    };
    Some(w)
}

/// Whether `base_font` names the Symbol font, which has its own encoding.
pub(crate) fn is_symbol_font(base_font: &[u8]) -> bool {
    let name = match base_font.iter().position(|&b| b == b'+') {
        Some(p) => &base_font[p + 1..],
        None => base_font,
    };
    name.starts_with(b"Symbol")
}

/// The Symbol font's built-in encoding: Greek letters and the mathematical
/// signs that papers use; other codes keep their ASCII meaning.
pub(crate) fn symbol_table() -> &'static Table {
    static SYMBOL: OnceLock<Table> = OnceLock::new();
    SYMBOL.get_or_init(|| {
        let mut t: Table = [None; 256];
        for c in 0x20u8..0x7f {
            t[c as usize] = Some(c as char);
        }
        let upper = "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ";
        let lower = "αβχδεφγηιϕκλμνοπθρστυϖωξψζ";
        for (i, c) in upper.chars().enumerate() {
            t[b'A' as usize + i] = Some(c);
        }
        for (i, c) in lower.chars().enumerate() {
            t[b'a' as usize + i] = Some(c);
        }
        let extra: [(u8, char); 40] = [
            (0x22, '∀'),
            (0x24, '∃'),
            (0x27, '∋'),
            (0x2A, '∗'),
            (0x2D, '−'),
            (0x40, '≅'),
            (0x5C, '∴'),
            (0x5E, '⊥'),
            (0x7E, '∼'),
            (0xA2, '′'),
            (0xA3, '≤'),
            (0xA5, '∞'),
            (0xAB, '↔'),
            (0xAC, '←'),
            (0xAD, '↑'),
            (0xAE, '→'),
            (0xAF, '↓'),
            (0xB0, '°'),
            (0xB1, '±'),
            (0xB2, '″'),
            (0xB3, '≥'),
            (0xB4, '×'),
            (0xB5, '∝'),
            (0xB6, '∂'),
            (0xB7, '•'),
            (0xB8, '÷'),
            (0xB9, '≠'),
            (0xBA, '≡'),
            (0xBB, '≈'),
            (0xBC, '…'),
            (0xC6, '∅'),
            (0xC7, '∩'),
            (0xC8, '∪'),
            (0xCE, '∈'),
            (0xD1, '∇'),
            (0xD6, '√'),
            (0xD9, '∧'),
            (0xDA, '∨'),
            (0xDE, '⇒'),
            (0xE5, '∑'),
        ];
        for (code, c) in extra {
            t[code as usize] = Some(c);
        }
        t
    })
}

/// The combining mark for a spacing accent glyph, as TeX draws accents.
pub(crate) fn combining_of(c: char) -> Option<char> {
    Some(match c {
        '`' | '\u{02CB}' => '\u{0300}',
        '\u{00B4}' | '\u{02CA}' => '\u{0301}',
        '^' | '\u{02C6}' => '\u{0302}',
        '~' | '\u{02DC}' => '\u{0303}',
        '\u{00AF}' | '\u{02C9}' => '\u{0304}',
        '\u{02D8}' => '\u{0306}',
        '\u{02D9}' => '\u{0307}',
        '\u{00A8}' => '\u{0308}',
        '\u{02DA}' => '\u{030A}',
        '\u{02DD}' => '\u{030B}',
        '\u{02C7}' => '\u{030C}',
        '\u{00B8}' => '\u{0327}',
        '\u{02DB}' => '\u{0328}',
        _ => return None,
    })
}

/// The precomposed letter for `base` carrying `mark`, if Unicode has one.
pub(crate) fn compose(base: char, mark: char) -> Option<char> {
    // A dotless i under an accent is how TeX writes an accented i.
    let base = if base == '\u{0131}' { 'i' } else { base };
    COMPOSED
        .iter()
        .find(|&&(b, m, _)| b == base && m == mark)
        .map(|&(_, _, c)| c)
}

/// Precomposed letters: (base, combining mark, composed), from Unicode NFC.
#[rustfmt::skip]
const COMPOSED: [(char, char, char); 251] = [
    ('a', '\u{0300}', '\u{00E0}'), ('e', '\u{0300}', '\u{00E8}'),
    ('i', '\u{0300}', '\u{00EC}'), ('n', '\u{0300}', '\u{01F9}'),
    ('o', '\u{0300}', '\u{00F2}'), ('u', '\u{0300}', '\u{00F9}'),
    ('w', '\u{0300}', '\u{1E81}'), ('y', '\u{0300}', '\u{1EF3}'),
    ('A', '\u{0300}', '\u{00C0}'), ('E', '\u{0300}', '\u{00C8}'),
    ('I', '\u{0300}', '\u{00CC}'), ('N', '\u{0300}', '\u{01F8}'),
    ('O', '\u{0300}', '\u{00D2}'), ('U', '\u{0300}', '\u{00D9}'),
    ('W', '\u{0300}', '\u{1E80}'), ('Y', '\u{0300}', '\u{1EF2}'),
    ('a', '\u{0301}', '\u{00E1}'), ('c', '\u{0301}', '\u{0107}'),
    ('e', '\u{0301}', '\u{00E9}'), ('g', '\u{0301}', '\u{01F5}'),
    ('i', '\u{0301}', '\u{00ED}'), ('k', '\u{0301}', '\u{1E31}'),
    ('l', '\u{0301}', '\u{013A}'), ('m', '\u{0301}', '\u{1E3F}'),
    ('n', '\u{0301}', '\u{0144}'), ('o', '\u{0301}', '\u{00F3}'),
    ('p', '\u{0301}', '\u{1E55}'), ('r', '\u{0301}', '\u{0155}'),
    ('s', '\u{0301}', '\u{015B}'), ('u', '\u{0301}', '\u{00FA}'),
    ('w', '\u{0301}', '\u{1E83}'), ('y', '\u{0301}', '\u{00FD}'),
    ('z', '\u{0301}', '\u{017A}'), ('A', '\u{0301}', '\u{00C1}'),
    ('C', '\u{0301}', '\u{0106}'), ('E', '\u{0301}', '\u{00C9}'),
    ('G', '\u{0301}', '\u{01F4}'), ('I', '\u{0301}', '\u{00CD}'),
    ('K', '\u{0301}', '\u{1E30}'), ('L', '\u{0301}', '\u{0139}'),
    ('M', '\u{0301}', '\u{1E3E}'), ('N', '\u{0301}', '\u{0143}'),
    ('O', '\u{0301}', '\u{00D3}'), ('P', '\u{0301}', '\u{1E54}'),
    ('R', '\u{0301}', '\u{0154}'), ('S', '\u{0301}', '\u{015A}'),
    ('U', '\u{0301}', '\u{00DA}'), ('W', '\u{0301}', '\u{1E82}'),
    ('Y', '\u{0301}', '\u{00DD}'), ('Z', '\u{0301}', '\u{0179}'),
    ('a', '\u{0302}', '\u{00E2}'), ('c', '\u{0302}', '\u{0109}'),
    ('e', '\u{0302}', '\u{00EA}'), ('g', '\u{0302}', '\u{011D}'),
    ('h', '\u{0302}', '\u{0125}'), ('i', '\u{0302}', '\u{00EE}'),
    ('j', '\u{0302}', '\u{0135}'), ('o', '\u{0302}', '\u{00F4}'),
    ('s', '\u{0302}', '\u{015D}'), ('u', '\u{0302}', '\u{00FB}'),
    ('w', '\u{0302}', '\u{0175}'), ('y', '\u{0302}', '\u{0177}'),
    ('z', '\u{0302}', '\u{1E91}'), ('A', '\u{0302}', '\u{00C2}'),
    ('C', '\u{0302}', '\u{0108}'), ('E', '\u{0302}', '\u{00CA}'),
    ('G', '\u{0302}', '\u{011C}'), ('H', '\u{0302}', '\u{0124}'),
    ('I', '\u{0302}', '\u{00CE}'), ('J', '\u{0302}', '\u{0134}'),
    ('O', '\u{0302}', '\u{00D4}'), ('S', '\u{0302}', '\u{015C}'),
    ('U', '\u{0302}', '\u{00DB}'), ('W', '\u{0302}', '\u{0174}'),
    ('Y', '\u{0302}', '\u{0176}'), ('Z', '\u{0302}', '\u{1E90}'),
    ('a', '\u{0303}', '\u{00E3}'), ('e', '\u{0303}', '\u{1EBD}'),
    ('i', '\u{0303}', '\u{0129}'), ('n', '\u{0303}', '\u{00F1}'),
    ('o', '\u{0303}', '\u{00F5}'), ('u', '\u{0303}', '\u{0169}'),
    ('v', '\u{0303}', '\u{1E7D}'), ('y', '\u{0303}', '\u{1EF9}'),
    ('A', '\u{0303}', '\u{00C3}'), ('E', '\u{0303}', '\u{1EBC}'),
    ('I', '\u{0303}', '\u{0128}'), ('N', '\u{0303}', '\u{00D1}'),
    ('O', '\u{0303}', '\u{00D5}'), ('U', '\u{0303}', '\u{0168}'),
    ('V', '\u{0303}', '\u{1E7C}'), ('Y', '\u{0303}', '\u{1EF8}'),
    ('a', '\u{0304}', '\u{0101}'), ('e', '\u{0304}', '\u{0113}'),
    ('g', '\u{0304}', '\u{1E21}'), ('i', '\u{0304}', '\u{012B}'),
    ('o', '\u{0304}', '\u{014D}'), ('u', '\u{0304}', '\u{016B}'),
    ('y', '\u{0304}', '\u{0233}'), ('A', '\u{0304}', '\u{0100}'),
    ('E', '\u{0304}', '\u{0112}'), ('G', '\u{0304}', '\u{1E20}'),
    ('I', '\u{0304}', '\u{012A}'), ('O', '\u{0304}', '\u{014C}'),
    ('U', '\u{0304}', '\u{016A}'), ('Y', '\u{0304}', '\u{0232}'),
    ('a', '\u{0306}', '\u{0103}'), ('e', '\u{0306}', '\u{0115}'),
    ('g', '\u{0306}', '\u{011F}'), ('i', '\u{0306}', '\u{012D}'),
    ('o', '\u{0306}', '\u{014F}'), ('u', '\u{0306}', '\u{016D}'),
    ('A', '\u{0306}', '\u{0102}'), ('E', '\u{0306}', '\u{0114}'),
    ('G', '\u{0306}', '\u{011E}'), ('I', '\u{0306}', '\u{012C}'),
    ('O', '\u{0306}', '\u{014E}'), ('U', '\u{0306}', '\u{016C}'),
    ('a', '\u{0307}', '\u{0227}'), ('b', '\u{0307}', '\u{1E03}'),
    ('c', '\u{0307}', '\u{010B}'), ('d', '\u{0307}', '\u{1E0B}'),
    ('e', '\u{0307}', '\u{0117}'), ('f', '\u{0307}', '\u{1E1F}'),
    ('g', '\u{0307}', '\u{0121}'), ('h', '\u{0307}', '\u{1E23}'),
    ('m', '\u{0307}', '\u{1E41}'), ('n', '\u{0307}', '\u{1E45}'),
    ('o', '\u{0307}', '\u{022F}'), ('p', '\u{0307}', '\u{1E57}'),
    ('r', '\u{0307}', '\u{1E59}'), ('s', '\u{0307}', '\u{1E61}'),
    ('t', '\u{0307}', '\u{1E6B}'), ('w', '\u{0307}', '\u{1E87}'),
    ('x', '\u{0307}', '\u{1E8B}'), ('y', '\u{0307}', '\u{1E8F}'),
    ('z', '\u{0307}', '\u{017C}'), ('A', '\u{0307}', '\u{0226}'),
    ('B', '\u{0307}', '\u{1E02}'), ('C', '\u{0307}', '\u{010A}'),
    ('D', '\u{0307}', '\u{1E0A}'), ('E', '\u{0307}', '\u{0116}'),
    ('F', '\u{0307}', '\u{1E1E}'), ('G', '\u{0307}', '\u{0120}'),
    ('H', '\u{0307}', '\u{1E22}'), ('I', '\u{0307}', '\u{0130}'),
    ('M', '\u{0307}', '\u{1E40}'), ('N', '\u{0307}', '\u{1E44}'),
    ('O', '\u{0307}', '\u{022E}'), ('P', '\u{0307}', '\u{1E56}'),
    ('R', '\u{0307}', '\u{1E58}'), ('S', '\u{0307}', '\u{1E60}'),
    ('T', '\u{0307}', '\u{1E6A}'), ('W', '\u{0307}', '\u{1E86}'),
    ('X', '\u{0307}', '\u{1E8A}'), ('Y', '\u{0307}', '\u{1E8E}'),
    ('Z', '\u{0307}', '\u{017B}'), ('a', '\u{0308}', '\u{00E4}'),
    ('e', '\u{0308}', '\u{00EB}'), ('h', '\u{0308}', '\u{1E27}'),
    ('i', '\u{0308}', '\u{00EF}'), ('o', '\u{0308}', '\u{00F6}'),
    ('t', '\u{0308}', '\u{1E97}'), ('u', '\u{0308}', '\u{00FC}'),
    ('w', '\u{0308}', '\u{1E85}'), ('x', '\u{0308}', '\u{1E8D}'),
    ('y', '\u{0308}', '\u{00FF}'), ('A', '\u{0308}', '\u{00C4}'),
    ('E', '\u{0308}', '\u{00CB}'), ('H', '\u{0308}', '\u{1E26}'),
    ('I', '\u{0308}', '\u{00CF}'), ('O', '\u{0308}', '\u{00D6}'),
    ('U', '\u{0308}', '\u{00DC}'), ('W', '\u{0308}', '\u{1E84}'),
    ('X', '\u{0308}', '\u{1E8C}'), ('Y', '\u{0308}', '\u{0178}'),
    ('a', '\u{030A}', '\u{00E5}'), ('u', '\u{030A}', '\u{016F}'),
    ('w', '\u{030A}', '\u{1E98}'), ('y', '\u{030A}', '\u{1E99}'),
    ('A', '\u{030A}', '\u{00C5}'), ('U', '\u{030A}', '\u{016E}'),
    ('o', '\u{030B}', '\u{0151}'), ('u', '\u{030B}', '\u{0171}'),
    ('O', '\u{030B}', '\u{0150}'), ('U', '\u{030B}', '\u{0170}'),
    ('a', '\u{030C}', '\u{01CE}'), ('c', '\u{030C}', '\u{010D}'),
    ('d', '\u{030C}', '\u{010F}'), ('e', '\u{030C}', '\u{011B}'),
    ('g', '\u{030C}', '\u{01E7}'), ('h', '\u{030C}', '\u{021F}'),
    ('i', '\u{030C}', '\u{01D0}'), ('j', '\u{030C}', '\u{01F0}'),
    ('k', '\u{030C}', '\u{01E9}'), ('l', '\u{030C}', '\u{013E}'),
    ('n', '\u{030C}', '\u{0148}'), ('o', '\u{030C}', '\u{01D2}'),
    ('r', '\u{030C}', '\u{0159}'), ('s', '\u{030C}', '\u{0161}'),
    ('t', '\u{030C}', '\u{0165}'), ('u', '\u{030C}', '\u{01D4}'),
    ('z', '\u{030C}', '\u{017E}'), ('A', '\u{030C}', '\u{01CD}'),
    ('C', '\u{030C}', '\u{010C}'), ('D', '\u{030C}', '\u{010E}'),
    ('E', '\u{030C}', '\u{011A}'), ('G', '\u{030C}', '\u{01E6}'),
    ('H', '\u{030C}', '\u{021E}'), ('I', '\u{030C}', '\u{01CF}'),
    ('K', '\u{030C}', '\u{01E8}'), ('L', '\u{030C}', '\u{013D}'),
    ('N', '\u{030C}', '\u{0147}'), ('O', '\u{030C}', '\u{01D1}'),
    ('R', '\u{030C}', '\u{0158}'), ('S', '\u{030C}', '\u{0160}'),
    ('T', '\u{030C}', '\u{0164}'), ('U', '\u{030C}', '\u{01D3}'),
    ('Z', '\u{030C}', '\u{017D}'), ('c', '\u{0327}', '\u{00E7}'),
    ('d', '\u{0327}', '\u{1E11}'), ('e', '\u{0327}', '\u{0229}'),
    ('g', '\u{0327}', '\u{0123}'), ('h', '\u{0327}', '\u{1E29}'),
    ('k', '\u{0327}', '\u{0137}'), ('l', '\u{0327}', '\u{013C}'),
    ('n', '\u{0327}', '\u{0146}'), ('r', '\u{0327}', '\u{0157}'),
    ('s', '\u{0327}', '\u{015F}'), ('t', '\u{0327}', '\u{0163}'),
    ('C', '\u{0327}', '\u{00C7}'), ('D', '\u{0327}', '\u{1E10}'),
    ('E', '\u{0327}', '\u{0228}'), ('G', '\u{0327}', '\u{0122}'),
    ('H', '\u{0327}', '\u{1E28}'), ('K', '\u{0327}', '\u{0136}'),
    ('L', '\u{0327}', '\u{013B}'), ('N', '\u{0327}', '\u{0145}'),
    ('R', '\u{0327}', '\u{0156}'), ('S', '\u{0327}', '\u{015E}'),
    ('T', '\u{0327}', '\u{0162}'), ('a', '\u{0328}', '\u{0105}'),
    ('e', '\u{0328}', '\u{0119}'), ('i', '\u{0328}', '\u{012F}'),
    ('o', '\u{0328}', '\u{01EB}'), ('u', '\u{0328}', '\u{0173}'),
    ('A', '\u{0328}', '\u{0104}'), ('E', '\u{0328}', '\u{0118}'),
    ('I', '\u{0328}', '\u{012E}'), ('O', '\u{0328}', '\u{01EA}'),
    ('U', '\u{0328}', '\u{0172}'),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_name_to_string(b"A").as_deref(), Some("A"));
        assert_eq!(glyph_name_to_string(b"quoteright").as_deref(), Some("’"));
        assert_eq!(glyph_name_to_string(b"uni00410042").as_deref(), Some("AB"));
        assert_eq!(
            glyph_name_to_string(b"u1D400").as_deref(),
            Some("\u{1D400}")
        );
        assert_eq!(glyph_name_to_string(b"f_i").as_deref(), Some("fi"));
        assert_eq!(glyph_name_to_string(b"a.sc").as_deref(), Some("a"));
        assert_eq!(glyph_name_to_string(b"g42"), None);
        assert_eq!(glyph_name_to_string(b"(").as_deref(), Some("("));
    }

    #[test]
    fn base_tables() {
        let t = base_table(b"WinAnsiEncoding").unwrap();
        assert_eq!(t[b'A' as usize], Some('A'));
        assert_eq!(t[0x93], Some('“'));
    }

    #[test]
    fn accents_compose() {
        assert_eq!(compose('g', combining_of('\u{02D8}').unwrap()), Some('ğ'));
        assert_eq!(compose('\u{0131}', '\u{0301}'), Some('í'));
        assert_eq!(compose('q', '\u{0301}'), None);
    }
}
