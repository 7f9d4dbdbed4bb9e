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
    // Single letters and digits spelled as names ("a", "one") are in the AGL;
    // names like "g42" or "cid17" carry no meaning, so give up.
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
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{FEFF}' | '\0' => {}
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

/// Width in 1/1000 em of `c` in the standard 14 font `base_font`, if it is one.
///
/// Bold and italic faces reuse the regular face's widths: close enough to
/// place word breaks, which is all the widths are used for.
pub(crate) fn standard_width(base_font: &[u8], c: Option<char>) -> Option<f32> {
    // Subset prefixes ("ABCDEF+Times-Roman") do not change the metrics.
    let name = match base_font.iter().position(|&b| b == b'+') {
        Some(p) => &base_font[p + 1..],
        None => base_font,
    };
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    let table = if lower.starts_with("courier") {
        return Some(600.0);
    } else if lower.starts_with("helvetica") || lower.starts_with("arial") {
        &HELVETICA
    } else if lower.starts_with("times") {
        &TIMES
    } else if lower.starts_with("symbol") || lower.starts_with("zapfdingbats") {
        return Some(600.0);
    } else {
        return None;
    };
    let w = match c {
        Some(c) if (' '..='~').contains(&c) => table[c as usize - 32] as f32,
        Some('’') | Some('‘') => table[(b'\'' - 32) as usize] as f32,
        _ => table[(b'n' - 32) as usize] as f32,
    };
    Some(w)
}

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
    }

    #[test]
    fn base_tables() {
        let t = base_table(b"WinAnsiEncoding").unwrap();
        assert_eq!(t[b'A' as usize], Some('A'));
        assert_eq!(t[0x93], Some('“'));
    }
}
