//! Fonts for the extract stage of the pipeline (PDF bytes -> text per page):
//! turns the byte strings shown by text operators into Unicode text and glyph
//! advances.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::cjk::{self, Collection};
use super::cmap::CMap;
use super::encoding::{
    base_table, glyph_name_to_string, is_symbol_font, standard_width, symbol_table,
};
use super::fontfile;

enum Kind {
    Simple {
        text: Vec<Option<Box<str>>>,
        widths: Vec<f32>,
    },
    Composite {
        encoding: Option<Box<CMap>>,
        to_unicode: Option<Box<CMap>>,
        /// Code is UCS-2 itself (the predefined Uni*-UCS2/UTF16 CMaps).
        unicode_codes: bool,
        /// Codes may be one or two bytes: split them by the ToUnicode codespace.
        variable_width: bool,
        widths: HashMap<u32, f32>,
        default_width: f32,
        /// The Adobe character collection the CIDs belong to, whose
        /// CID -> Unicode map stands in for a missing ToUnicode.
        collection: Option<Collection>,
        /// Text recovered from an embedded TrueType font when there is no ToUnicode.
        gid_text: Option<Box<GidText>>,
    },
}

/// CID -> glyph id -> character, from an embedded TrueType program.
struct GidText {
    /// CIDToGIDMap; `None` means Identity.
    cid_to_gid: Option<Vec<u16>>,
    chars: HashMap<u16, char>,
}

impl GidText {
    fn lookup(&self, cid: u32) -> Option<char> {
        let gid = match &self.cid_to_gid {
            Some(map) => *map.get(cid as usize)?,
            None => u16::try_from(cid).ok()?,
        };
        self.chars.get(&gid).copied()
    }
}

fn gid_text(doc: &Document, cid_font: &Dictionary, limit: usize) -> Option<GidText> {
    let descriptor = get(doc, cid_font, b"FontDescriptor")?.as_dict().ok()?;
    let program = stream_data(doc, descriptor, b"FontFile2", limit)?;
    let chars = fontfile::truetype_gid_to_unicode(&program)?;
    let cid_to_gid = match get(doc, cid_font, b"CIDToGIDMap") {
        Some(Object::Stream(st)) => {
            let bytes = st.decompressed_content_with_limit(limit).ok()?;
            Some(
                bytes
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect(),
            )
        }
        _ => None,
    };
    Some(GidText { cid_to_gid, chars })
}

/// A font resolved enough to extract text with it.
pub(crate) struct Font {
    kind: Kind,
    /// Multiplier that turns the font's stated size into its em size.
    pub em_scale: f32,
    /// For vertical writing (a `-V` CMap): the advance down the column, in
    /// text space per unit of font size (negative, as it goes down).
    pub vertical: Option<f32>,
}

fn resolve<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Object> {
    doc.dereference(obj).ok().map(|(_, o)| o)
}

fn get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    dict.get(key).ok().and_then(|o| resolve(doc, o))
}

fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

fn stream_data(doc: &Document, dict: &Dictionary, key: &[u8], limit: usize) -> Option<Vec<u8>> {
    let stream = get(doc, dict, key)?.as_stream().ok()?;
    stream
        .decompressed_content_with_limit(limit)
        .ok()
        .or_else(|| {
            if stream.dict.has(b"Filter") {
                None
            } else {
                Some(stream.content.clone())
            }
        })
}

impl Font {
    /// A placeholder font for when `Tf` names a font that cannot be found.
    pub(crate) fn fallback() -> Font {
        let table = base_table(b"StandardEncoding");
        let text = (0..256)
            .map(|c| {
                table
                    .and_then(|t| t[c])
                    .map(|ch| ch.to_string().into_boxed_str())
            })
            .collect();
        Font {
            kind: Kind::Simple {
                text,
                widths: vec![0.5; 256],
            },
            em_scale: 1.0,
            vertical: None,
        }
    }

    /// Builds a font from its dictionary; never fails, degrading to unknown glyphs.
    pub(crate) fn load(doc: &Document, dict: &Dictionary, limit: usize) -> Font {
        let subtype = get(doc, dict, b"Subtype")
            .and_then(|o| o.as_name().ok())
            .unwrap_or(b"Type1");
        if subtype == b"Type0" {
            return Self::load_composite(doc, dict, limit);
        }
        let to_unicode = stream_data(doc, dict, b"ToUnicode", limit).map(|d| CMap::parse(&d));
        let descriptor = get(doc, dict, b"FontDescriptor").and_then(|o| o.as_dict().ok());
        let base_font = get(doc, dict, b"BaseFont")
            .and_then(|o| o.as_name().ok())
            .unwrap_or(b"");

        // Glyph names per code: built-in encoding of the embedded font first,
        // then the base encoding, then Differences on top.
        let mut names: Vec<Option<Vec<u8>>> = vec![None; 256];
        let mut builtin_text: Vec<Option<String>> = vec![None; 256];
        let mut has_builtin = false;
        let mut table: Option<&'static [Option<char>; 256]> = None;
        let enc = get(doc, dict, b"Encoding");
        let mut base_name: Option<&[u8]> = None;
        let mut differences: Option<&Vec<Object>> = None;
        match enc {
            Some(Object::Name(n)) => base_name = Some(n),
            Some(Object::Dictionary(d)) => {
                base_name = get(doc, d, b"BaseEncoding").and_then(|o| o.as_name().ok());
                differences = get(doc, d, b"Differences").and_then(|o| o.as_array().ok());
            }
            _ => {}
        }
        if let Some(t) = base_name.and_then(base_table) {
            table = Some(t);
        } else if let Some(desc) = descriptor {
            if let Some(builtin) = fontfile::builtin_encoding(doc, desc, limit) {
                for (code, t) in builtin {
                    builtin_text[code as usize] = Some(t);
                }
                has_builtin = true;
            }
        }
        if table.is_none() && !has_builtin && is_symbol_font(base_font) {
            table = Some(symbol_table());
        }
        if table.is_none() {
            let symbolic_tt = subtype == b"TrueType";
            table = base_table(if symbolic_tt {
                b"WinAnsiEncoding"
            } else {
                b"StandardEncoding"
            });
        }
        if let Some(diff) = differences {
            let mut code: i64 = 0;
            for item in diff {
                match item {
                    Object::Integer(i) => code = *i,
                    Object::Real(r) => code = *r as i64,
                    Object::Name(n) => {
                        if (0..256).contains(&code) {
                            names[code as usize] = Some(n.clone());
                        }
                        code = code.saturating_add(1);
                    }
                    _ => {}
                }
            }
        }

        let hex_names = uses_hex_names(&names);
        // Numeric names are character codes in some fonts ("a224" at 224)
        // and mere glyph numbers in others ("a40" at 101); most of them
        // sitting at their own code tells the first kind.
        let (mut numeric, mut at_own_code) = (0, 0);
        for (code, n) in names.iter().enumerate() {
            if let Some(v) = n.as_deref().and_then(|n| numeric_glyph_name(n, hex_names)) {
                numeric += 1;
                at_own_code += usize::from(v as usize == code);
            }
        }
        let numbers_are_codes = numeric > 0 && 2 * at_own_code >= numeric;
        let win_ansi = base_table(b"WinAnsiEncoding");
        let mut text: Vec<Option<Box<str>>> = Vec::with_capacity(256);
        for code in 0..256usize {
            let mut t: Option<String> = None;
            if let Some(cm) = &to_unicode {
                let mut s = String::new();
                if cm.lookup_into(code as u32, 1, &mut s) {
                    t = Some(s);
                }
            }
            if t.is_none() {
                if let Some(n) = &names[code] {
                    // Names that are character codes ("68", "a224", "C4b")
                    // are read as WinAnsi; other meaningless
                    // names ("g3") get the code itself, which is right for
                    // the many fonts that keep ASCII codes.
                    t = glyph_name_to_string(n)
                        .or_else(|| {
                            let v =
                                numeric_glyph_name(n, hex_names).filter(|_| numbers_are_codes)?;
                            win_ansi.and_then(|t| t[v as usize]).map(String::from)
                        })
                        .or_else(|| {
                            (0x21..0x7f)
                                .contains(&code)
                                .then(|| (code as u8 as char).to_string())
                        });
                } else if has_builtin {
                    t = builtin_text[code].clone();
                } else if let Some(tb) = table {
                    t = tb[code].map(String::from);
                }
            }
            text.push(t.map(String::into_boxed_str));
        }

        // Widths: /Widths from FirstChar, else the standard 14 metrics.
        let is_type3 = subtype == b"Type3";
        let matrix: Vec<f32> = get(doc, dict, b"FontMatrix")
            .and_then(|o| o.as_array().ok())
            .map(|a| a.iter().filter_map(num).collect())
            .unwrap_or_default();
        let (hscale, em_scale) = if is_type3 && matrix.len() == 6 {
            let h = if matrix[0].abs() > 0.0 {
                matrix[0].abs()
            } else {
                0.001
            };
            let em = type3_em(doc, dict, &text, h)
                .map(|em| em * (matrix[3] / matrix[0]).abs())
                .filter(|em| em.is_finite() && *em > 0.0)
                .unwrap_or(1.0);
            (h, em.clamp(1e-3, 1e3))
        } else {
            (0.001, 1.0)
        };
        let missing = descriptor
            .and_then(|d| get(doc, d, b"MissingWidth"))
            .and_then(num);
        let first = get(doc, dict, b"FirstChar").and_then(num).unwrap_or(0.0) as i64;
        let widths_arr = get(doc, dict, b"Widths").and_then(|o| o.as_array().ok());
        let mut widths = vec![0.0f32; 256];
        for (code, w) in widths.iter_mut().enumerate() {
            let ch = text[code].as_deref().and_then(|s| s.chars().next());
            let from_arr = widths_arr.and_then(|a| {
                let idx = code as i64 - first;
                if idx >= 0 {
                    a.get(idx as usize)
                        .and_then(|o| resolve(doc, o))
                        .and_then(num)
                } else {
                    None
                }
            });
            let units = match (from_arr, widths_arr) {
                (Some(v), _) => v,
                (None, Some(_)) => missing.unwrap_or(0.0),
                (None, None) => standard_width(base_font, ch)
                    .or(missing)
                    .unwrap_or(if is_type3 { 0.0 } else { 500.0 }),
            };
            *w = units * hscale;
        }
        Font {
            kind: Kind::Simple { text, widths },
            em_scale,
            vertical: None,
        }
    }

    fn load_composite(doc: &Document, dict: &Dictionary, limit: usize) -> Font {
        let to_unicode = stream_data(doc, dict, b"ToUnicode", limit)
            .map(|d| CMap::parse(&d))
            .filter(|c| !c.is_empty_text());
        let mut encoding = None;
        // `/ToUnicode /Identity-H`, a name where a stream belongs, is
        // written by producers whose codes are UCS-2 already.
        let mut unicode_codes = get(doc, dict, b"ToUnicode")
            .and_then(|o| o.as_name().ok())
            .is_some_and(|n| n.starts_with(b"Identity"));
        let mut variable_width = false;
        let mut collection = None;
        let mut vertical = false;
        match get(doc, dict, b"Encoding") {
            Some(Object::Name(n)) => {
                let s = String::from_utf8_lossy(n);
                vertical = s.ends_with("-V") || s == "V";
                unicode_codes |= s.contains("UCS2") || s.contains("UTF16");
                if let Some((c, cmap)) = cjk::predefined(n) {
                    encoding = Some(cmap.clone());
                    collection = Some(c);
                } else {
                    collection = Collection::of_unicode_cmap(n);
                    // Identity and the Unicode CMaps are two bytes wide; for
                    // other predefined CMaps (mixed one- and two-byte codes,
                    // as in Shift-JIS) the ToUnicode codespace is the best
                    // description.
                    variable_width = !s.starts_with("Identity") && !unicode_codes;
                }
            }
            Some(Object::Stream(st)) => {
                let data = st
                    .decompressed_content_with_limit(limit)
                    .unwrap_or_else(|_| st.content.clone());
                vertical = st.dict.get(b"WMode").and_then(Object::as_i64).ok() == Some(1)
                    || data.windows(12).any(|w| w == b"/WMode 1 def");
                let cm = CMap::parse(&data);
                if cm.has_codespace() {
                    encoding = Some(cm);
                }
            }
            _ => {}
        }
        let descendant = get(doc, dict, b"DescendantFonts")
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|o| resolve(doc, o))
            .and_then(|o| o.as_dict().ok());
        let mut widths = HashMap::new();
        let mut default_width = 1000.0;
        if collection.is_none() {
            collection = descendant
                .and_then(|d| get(doc, d, b"CIDSystemInfo"))
                .and_then(|o| o.as_dict().ok())
                .and_then(|info| get(doc, info, b"Ordering"))
                .and_then(|o| o.as_str().ok())
                .and_then(Collection::from_ordering);
        }
        if let Some(cid) = descendant {
            if let Some(dw) = get(doc, cid, b"DW").and_then(num) {
                default_width = dw;
            }
            if let Some(w) = get(doc, cid, b"W").and_then(|o| o.as_array().ok()) {
                let mut i = 0;
                while i < w.len() && widths.len() < 200_000 {
                    let Some(first) = resolve(doc, &w[i]).and_then(num) else {
                        break;
                    };
                    match w.get(i + 1).and_then(|o| resolve(doc, o)) {
                        Some(Object::Array(list)) => {
                            for (k, v) in list.iter().enumerate() {
                                if let Some(v) = resolve(doc, v).and_then(num) {
                                    widths.insert((first as u32).saturating_add(k as u32), v);
                                }
                            }
                            i += 2;
                        }
                        Some(o) => {
                            let last = num(o).unwrap_or(first);
                            let v = w
                                .get(i + 2)
                                .and_then(|o| resolve(doc, o))
                                .and_then(num)
                                .unwrap_or(default_width);
                            let (a, b) = (first.max(0.0) as u32, last.max(0.0) as u32);
                            if b >= a && b - a < 70_000 {
                                for c in a..=b {
                                    widths.insert(c, v);
                                }
                            }
                            i += 3;
                        }
                        None => break,
                    }
                }
            }
        }
        Font {
            kind: Kind::Composite {
                collection,
                gid_text: if to_unicode.is_none() && !unicode_codes {
                    descendant
                        .and_then(|d| gid_text(doc, d, limit))
                        .map(Box::new)
                } else {
                    None
                },
                encoding: encoding.map(Box::new),
                to_unicode: to_unicode.map(Box::new),
                unicode_codes,
                variable_width,
                widths,
                default_width,
            },
            em_scale: 1.0,
            vertical: vertical.then(|| {
                // DW2's second number is the vertical advance (default one
                // em down); per-CID W2 entries are rare enough to skip.
                descendant
                    .and_then(|d| get(doc, d, b"DW2"))
                    .and_then(|o| o.as_array().ok())
                    .and_then(|a| a.get(1))
                    .and_then(|o| resolve(doc, o))
                    .and_then(num)
                    .filter(|v| *v != 0.0 && v.is_finite())
                    .unwrap_or(-1000.0)
                    / 1000.0
            }),
        }
    }

    /// Decodes `bytes` into glyphs, calling `f(text, width, word_space)` for each.
    ///
    /// `text` is empty when the glyph has no known Unicode; `width` is the
    /// advance in text space per unit of font size; `word_space` is set for
    /// the single-byte code 32, to which `Tw` applies.
    pub(crate) fn decode(&self, bytes: &[u8], f: &mut dyn FnMut(&str, f32, bool)) {
        match &self.kind {
            Kind::Simple { text, widths } => {
                for &b in bytes {
                    f(
                        text[b as usize].as_deref().unwrap_or(""),
                        widths[b as usize],
                        b == 32,
                    );
                }
            }
            Kind::Composite {
                encoding,
                to_unicode,
                unicode_codes,
                variable_width,
                widths,
                default_width,
                collection,
                gid_text,
            } => {
                let mut tmp = String::new();
                let mut i = 0;
                while i < bytes.len() {
                    let n = code_len(
                        encoding
                            .as_deref()
                            .or(to_unicode.as_deref().filter(|_| *variable_width)),
                        &bytes[i..],
                    );
                    let code = code_of(&bytes[i..i + n]);
                    let cid = encoding
                        .as_ref()
                        .and_then(|e| e.cid(code, n as u8))
                        .unwrap_or(code);
                    let w = widths.get(&cid).copied().unwrap_or(*default_width);
                    tmp.clear();
                    if let Some(t) = to_unicode {
                        t.lookup_into(code, n as u8, &mut tmp);
                    }
                    if tmp.is_empty() && *unicode_codes {
                        if let Some(c) = char::from_u32(code) {
                            tmp.push(c);
                        }
                    }
                    if tmp.is_empty() && !*unicode_codes {
                        if let Some(c) = collection.and_then(|k| cjk::cid_to_char(k, cid)) {
                            tmp.push(c);
                        }
                    }
                    if tmp.is_empty() {
                        if let Some(g) = gid_text {
                            if let Some(c) = g.lookup(cid) {
                                tmp.push(c);
                            }
                        }
                    }
                    f(&tmp, w * 0.001, n == 1 && bytes[i] == 32);
                    i += n;
                }
            }
        }
    }
}

/// The em of a Type3 font in text space per unit of font size.
///
/// Type3 glyphs are drawn on any grid, so neither the font matrix nor the
/// bounding box says how large the letters are. Their advances do: each
/// letter's width against its width in a common text face (Times) estimates
/// the em, and the median of those estimates is robust to odd glyphs. Without
/// known letters, the median advance stands for half an em.
fn type3_em(doc: &Document, dict: &Dictionary, text: &[Option<Box<str>>], h: f32) -> Option<f32> {
    let first = get(doc, dict, b"FirstChar").and_then(num).unwrap_or(0.0) as i64;
    let widths = get(doc, dict, b"Widths")?.as_array().ok()?;
    let mut by_letter = Vec::new();
    let mut all = Vec::new();
    for (i, w) in widths.iter().enumerate().take(256) {
        let Some(w) = resolve(doc, w).and_then(num).map(|w| w.abs() * h) else {
            continue;
        };
        if w <= 0.0 || !w.is_finite() {
            continue;
        }
        all.push(w);
        let code = first + i as i64;
        let ch = usize::try_from(code)
            .ok()
            .and_then(|c| text.get(c))
            .and_then(|t| t.as_deref())
            .and_then(|t| {
                let mut cs = t.chars();
                cs.next().filter(|_| cs.next().is_none())
            });
        if let Some(c) = ch.filter(char::is_ascii_alphanumeric) {
            if let Some(std) = standard_width(b"Times-Roman", Some(c)).filter(|s| *s > 0.0) {
                by_letter.push(w / (std / 1000.0));
            }
        }
    }
    let median = |v: &mut Vec<f32>| {
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied()
    };
    if by_letter.len() >= 2 {
        median(&mut by_letter)
    } else {
        median(&mut all).map(|w| 2.0 * w)
    }
}

/// Whether the glyph names of a font are two hex digits after at most one
/// letter ("C4b"), the form some producers use for every code; names with
/// no hex letter among them are read as decimal.
fn uses_hex_names(names: &[Option<Vec<u8>>]) -> bool {
    let mut any_hex_letter = false;
    for n in names.iter().flatten() {
        let digits = match n.as_slice() {
            [a, d @ ..] if a.is_ascii_alphabetic() && d.len() == 2 => d,
            d if d.len() == 2 => d,
            _ => return false,
        };
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return false;
        }
        any_hex_letter |= digits.iter().any(u8::is_ascii_alphabetic);
    }
    any_hex_letter
}

/// The character code a numeric glyph name stands for: decimal digits
/// after at most two letters ("68", "a224", "cs12"), or, in a font of hex
/// names, two hex digits after at most one letter.
fn numeric_glyph_name(name: &[u8], hex: bool) -> Option<u8> {
    let letters = name.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if hex {
        let digits = name.get(letters.min(1)..)?;
        let s = std::str::from_utf8(digits).ok()?;
        return u8::from_str_radix(s, 16).ok().filter(|v| *v >= 0x20);
    }
    if letters > 2 {
        return None;
    }
    let digits = &name[letters..];
    if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    u8::try_from(v).ok().filter(|v| *v >= 0x20)
}

fn code_of(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |acc, &b| (acc << 8) | b as u32)
}

fn code_len(codespace: Option<&CMap>, bytes: &[u8]) -> usize {
    let n = codespace
        .filter(|c| c.has_codespace())
        .map_or(2, |c| c.code_len(bytes));
    n.clamp(1, bytes.len().max(1))
}
