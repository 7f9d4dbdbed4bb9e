//! Embedded font programs for the extract stage of the pipeline (PDF bytes ->
//! text per page): the built-in encodings of Type1 and CFF fonts, the only
//! source of glyph names when a font dictionary has no `/Encoding`, and the
//! Unicode `cmap` of TrueType fonts for CID fonts without a ToUnicode map.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::encoding::{base_table, glyph_name_to_string};
use super::lexer::{Lexer, Token};

/// Code -> text pairs of an embedded font's built-in encoding (Type1 or CFF).
pub(crate) fn builtin_encoding(
    doc: &Document,
    descriptor: &Dictionary,
    limit: usize,
) -> Option<Vec<(u8, String)>> {
    let (key, cff) = if descriptor.has(b"FontFile") {
        (&b"FontFile"[..], false)
    } else if descriptor.has(b"FontFile3") {
        (&b"FontFile3"[..], true)
    } else {
        return None;
    };
    let obj = descriptor.get(key).ok()?;
    let (_, obj) = doc.dereference(obj).ok()?;
    let Object::Stream(stream) = obj else {
        return None;
    };
    let data = stream
        .decompressed_content_with_limit(limit)
        .ok()
        .or_else(|| (!stream.dict.has(b"Filter")).then(|| stream.content.clone()))?;
    if cff {
        return cff_encoding(&data);
    }
    let clear_len = stream
        .dict
        .get(b"Length1")
        .ok()
        .and_then(|o| o.as_i64().ok())
        .filter(|&n| n > 0)
        .map(|n| n as usize)
        .unwrap_or(data.len())
        .min(data.len());
    let names = type1_encoding(&data[..clear_len])?;
    Some(
        names
            .into_iter()
            .filter_map(|(c, n)| glyph_name_to_string(&n).map(|t| (c, t)))
            .collect(),
    )
}

/// Parses `/Encoding` from the cleartext part of a Type1 font program.
pub(crate) fn type1_encoding(clear: &[u8]) -> Option<Vec<(u8, Vec<u8>)>> {
    let start = find(clear, b"/Encoding")?;
    let rest = &clear[start + 9..];
    // The cleartext part ends at eexec; the encoding never goes beyond it.
    let end = find(rest, b"eexec").unwrap_or(rest.len());
    let rest = &rest[..end];
    let mut out = Vec::new();
    let mut lex = Lexer::new(rest);
    let first = lex.next()?;
    if let Token::Keyword(k) = first {
        if k == b"StandardEncoding" {
            return None;
        }
    }
    // Entries are written `dup <code> /<name> put`; anything else is noise.
    let toks: Vec<Token> = lex.take(20_000).collect();
    let mut i = 0;
    while i + 3 < toks.len() {
        match (&toks[i], &toks[i + 1], &toks[i + 2], &toks[i + 3]) {
            (
                Token::Keyword(b"dup"),
                Token::Number(n),
                Token::Name(name),
                Token::Keyword(b"put"),
            ) => {
                if (0.0..256.0).contains(n) {
                    out.push((*n as u8, name.to_vec()));
                }
                i += 4;
            }
            (Token::Keyword(b"readonly"), _, _, _) | (Token::Keyword(b"def"), _, _, _)
                if !out.is_empty() =>
            {
                break
            }
            _ => i += 1,
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

/// Names of the ISOAdobe standard strings after the StandardEncoding ones
/// (SIDs 150 to 228).
const ISO_ADOBE_TAIL: [&str; 79] = [
    "onesuperior",
    "logicalnot",
    "mu",
    "trademark",
    "Eth",
    "onehalf",
    "plusminus",
    "Thorn",
    "onequarter",
    "divide",
    "brokenbar",
    "degree",
    "thorn",
    "threequarters",
    "twosuperior",
    "registered",
    "minus",
    "eth",
    "multiply",
    "threesuperior",
    "copyright",
    "Aacute",
    "Acircumflex",
    "Adieresis",
    "Agrave",
    "Aring",
    "Atilde",
    "Ccedilla",
    "Eacute",
    "Ecircumflex",
    "Edieresis",
    "Egrave",
    "Iacute",
    "Icircumflex",
    "Idieresis",
    "Igrave",
    "Ntilde",
    "Oacute",
    "Ocircumflex",
    "Odieresis",
    "Ograve",
    "Otilde",
    "Scaron",
    "Uacute",
    "Ucircumflex",
    "Udieresis",
    "Ugrave",
    "Yacute",
    "Ydieresis",
    "Zcaron",
    "aacute",
    "acircumflex",
    "adieresis",
    "agrave",
    "aring",
    "atilde",
    "ccedilla",
    "eacute",
    "ecircumflex",
    "edieresis",
    "egrave",
    "iacute",
    "icircumflex",
    "idieresis",
    "igrave",
    "ntilde",
    "oacute",
    "ocircumflex",
    "odieresis",
    "ograve",
    "otilde",
    "scaron",
    "uacute",
    "ucircumflex",
    "udieresis",
    "ugrave",
    "yacute",
    "ydieresis",
    "zcaron",
];

/// Text of a standard CFF string id, for the ISOAdobe range.
fn standard_sid_text(sid: usize) -> Option<String> {
    // SIDs 1..=149 name the glyphs of StandardEncoding in code order.
    if (1..=149).contains(&sid) {
        let table = base_table(b"StandardEncoding")?;
        return table.iter().flatten().nth(sid - 1).map(|c| c.to_string());
    }
    if (150..=228).contains(&sid) {
        return glyph_name_to_string(ISO_ADOBE_TAIL[sid - 150].as_bytes());
    }
    // From the expert strings, only what body text uses: old-style
    // digits and the f-ligatures TeX fonts rely on.
    match sid {
        239..=248 => char::from_digit((sid - 239) as u32, 10).map(String::from),
        266 => Some("ff".into()),
        267 => Some("ffi".into()),
        268 => Some("ffl".into()),
        _ => None,
    }
}

struct Cursor<'a> {
    d: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn u8(&self, at: usize) -> Option<usize> {
        self.d.get(at).map(|&b| b as usize)
    }
    fn u16(&self, at: usize) -> Option<usize> {
        Some(self.u8(at)? << 8 | self.u8(at + 1)?)
    }
    fn off(&self, at: usize, size: usize) -> Option<usize> {
        (0..size).try_fold(0usize, |acc, k| Some(acc << 8 | self.u8(at + k)?))
    }
    /// Reads an INDEX at `at`: returns its items and the offset after it.
    fn index(&self, at: usize) -> Option<(Vec<&'a [u8]>, usize)> {
        let count = self.u16(at)?;
        if count == 0 {
            return Some((Vec::new(), at + 2));
        }
        let size = self.u8(at + 2)?;
        if !(1..=4).contains(&size) {
            return None;
        }
        let offsets_at = at + 3;
        let data_at = offsets_at + (count + 1) * size - 1;
        let mut items = Vec::with_capacity(count.min(65_536));
        let mut prev = self.off(offsets_at, size)?;
        for i in 1..=count {
            let o = self.off(offsets_at + i * size, size)?;
            items.push(self.d.get(data_at + prev..data_at + o)?);
            prev = o;
        }
        Some((items, data_at + prev))
    }
}

/// Reads the operators of a CFF Top DICT we need: charset, Encoding, CharStrings, ROS.
fn top_dict(d: &[u8]) -> HashMap<u16, f64> {
    let mut out = HashMap::new();
    let mut operands: Vec<f64> = Vec::new();
    let mut i = 0;
    while i < d.len() {
        let b0 = d[i];
        i += 1;
        match b0 {
            0..=21 => {
                let op = if b0 == 12 {
                    let b1 = d.get(i).copied().unwrap_or(0);
                    i += 1;
                    1200 + b1 as u16
                } else {
                    b0 as u16
                };
                if let Some(&v) = operands.first() {
                    out.insert(op, v);
                }
                operands.clear();
            }
            28 => {
                let v = i16::from_be_bytes([
                    d.get(i).copied().unwrap_or(0),
                    d.get(i + 1).copied().unwrap_or(0),
                ]);
                operands.push(v as f64);
                i += 2;
            }
            29 => {
                let mut v = [0u8; 4];
                for (k, slot) in v.iter_mut().enumerate() {
                    *slot = d.get(i + k).copied().unwrap_or(0);
                }
                operands.push(i32::from_be_bytes(v) as f64);
                i += 4;
            }
            30 => {
                // Real numbers only matter as placeholders here.
                while i < d.len() {
                    let b = d[i];
                    i += 1;
                    if b & 0x0f == 0x0f || b >> 4 == 0x0f {
                        break;
                    }
                }
                operands.push(0.0);
            }
            32..=246 => operands.push(b0 as f64 - 139.0),
            247..=250 => {
                let b1 = d.get(i).copied().unwrap_or(0) as f64;
                i += 1;
                operands.push((b0 as f64 - 247.0) * 256.0 + b1 + 108.0);
            }
            251..=254 => {
                let b1 = d.get(i).copied().unwrap_or(0) as f64;
                i += 1;
                operands.push(-(b0 as f64 - 251.0) * 256.0 - b1 - 108.0);
            }
            _ => {}
        }
        if operands.len() > 48 {
            operands.clear();
        }
    }
    out
}

/// Code -> text pairs from a bare CFF font's built-in encoding.
pub(crate) fn cff_encoding(data: &[u8]) -> Option<Vec<(u8, String)>> {
    let c = Cursor { d: data };
    let hdr = c.u8(2)?;
    let (_names, after_names) = c.index(hdr)?;
    let (tops, after_tops) = c.index(after_names)?;
    let (strings, _) = c.index(after_tops)?;
    let top = top_dict(tops.first()?);
    if top.contains_key(&1230) {
        // CID-keyed fonts have no encoding of their own.
        return None;
    }
    let enc_off = top.get(&16).copied().unwrap_or(0.0) as usize;
    if enc_off <= 1 {
        return None;
    }
    let charstrings = top.get(&17).copied()? as usize;
    let n_glyphs = c.u16(charstrings)?.min(65_535);
    let charset_off = top.get(&15).copied().unwrap_or(0.0) as usize;
    // gid -> SID
    let mut sids = vec![0usize; n_glyphs];
    if charset_off == 0 {
        for (g, s) in sids.iter_mut().enumerate() {
            *s = g;
        }
    } else if charset_off > 2 {
        let format = c.u8(charset_off)?;
        let mut at = charset_off + 1;
        let mut g = 1;
        while g < n_glyphs {
            match format {
                0 => {
                    sids[g] = c.u16(at)?;
                    at += 2;
                    g += 1;
                }
                1 | 2 => {
                    let first = c.u16(at)?;
                    let left = if format == 1 {
                        c.u8(at + 2)?
                    } else {
                        c.u16(at + 2)?
                    };
                    at += if format == 1 { 3 } else { 4 };
                    for k in 0..=left {
                        if g >= n_glyphs {
                            break;
                        }
                        sids[g] = first + k;
                        g += 1;
                    }
                }
                _ => return None,
            }
        }
    } else {
        return None;
    }
    let sid_text = |sid: usize| -> Option<String> {
        if sid < 391 {
            standard_sid_text(sid)
        } else {
            glyph_name_to_string(strings.get(sid - 391)?)
        }
    };
    let mut out = Vec::new();
    let format = c.u8(enc_off)?;
    let mut at = enc_off + 1;
    match format & 0x7f {
        0 => {
            let n = c.u8(at)?;
            at += 1;
            for gid in 1..=n {
                let code = c.u8(at)? as u8;
                at += 1;
                if let Some(t) = sids.get(gid).and_then(|&s| sid_text(s)) {
                    out.push((code, t));
                }
            }
        }
        1 => {
            let n = c.u8(at)?;
            at += 1;
            let mut gid = 1;
            for _ in 0..n {
                let first = c.u8(at)?;
                let left = c.u8(at + 1)?;
                at += 2;
                for k in 0..=left {
                    let code = first + k;
                    if code < 256 {
                        if let Some(t) = sids.get(gid).and_then(|&s| sid_text(s)) {
                            out.push((code as u8, t));
                        }
                    }
                    gid += 1;
                }
            }
        }
        _ => return None,
    }
    if format & 0x80 != 0 {
        let n = c.u8(at)?;
        at += 1;
        for _ in 0..n {
            let code = c.u8(at)? as u8;
            let sid = c.u16(at + 1)?;
            at += 3;
            if let Some(t) = sid_text(sid) {
                out.push((code, t));
            }
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

/// Glyph id -> character from an embedded TrueType font's Unicode `cmap`.
///
/// This is the last resort for CID fonts that come without a ToUnicode map:
/// reversing the font's own character map recovers the text.
pub(crate) fn truetype_gid_to_unicode(data: &[u8]) -> Option<HashMap<u16, char>> {
    let c = Cursor { d: data };
    let num_tables = c.u16(4)?;
    let mut cmap_at = None;
    for i in 0..num_tables.min(256) {
        let rec = 12 + 16 * i;
        if data.get(rec..rec + 4)? == b"cmap" {
            cmap_at = Some(c.off(rec + 8, 4)?);
        }
    }
    let cmap_at = cmap_at?;
    let n = c.u16(cmap_at + 2)?;
    // Prefer full Unicode, then BMP Unicode subtables.
    let mut best: Option<(u8, usize)> = None;
    for i in 0..n.min(64) {
        let rec = cmap_at + 4 + 8 * i;
        let (platform, encoding) = (c.u16(rec)?, c.u16(rec + 2)?);
        let rank = match (platform, encoding) {
            (3, 10) | (0, 4) | (0, 6) => 3,
            (3, 1) | (0, _) => 2,
            _ => continue,
        };
        let off = cmap_at + c.off(rec + 4, 4)?;
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, off));
        }
    }
    let (_, sub) = best?;
    let mut map: HashMap<u16, char> = HashMap::new();
    let mut add = |gid: usize, cp: u32| {
        if gid != 0 && gid <= 0xFFFF {
            if let Some(ch) = char::from_u32(cp) {
                map.entry(gid as u16).or_insert(ch);
            }
        }
    };
    match c.u16(sub)? {
        4 => {
            let segs = c.u16(sub + 6)? / 2;
            let ends = sub + 14;
            let starts = ends + 2 * segs + 2;
            let deltas = starts + 2 * segs;
            let ranges = deltas + 2 * segs;
            for s in 0..segs {
                let end = c.u16(ends + 2 * s)?;
                let start = c.u16(starts + 2 * s)?;
                let delta = c.u16(deltas + 2 * s)?;
                let range_off = c.u16(ranges + 2 * s)?;
                if start > end || start == 0xFFFF {
                    continue;
                }
                for code in start..=end {
                    let gid = if range_off == 0 {
                        (code + delta) & 0xFFFF
                    } else {
                        let at = ranges + 2 * s + range_off + 2 * (code - start);
                        match c.u16(at) {
                            Some(0) | None => 0,
                            Some(g) => (g + delta) & 0xFFFF,
                        }
                    };
                    add(gid, code as u32);
                }
            }
        }
        12 => {
            let groups = c.off(sub + 12, 4)?.min(100_000);
            let mut budget = 400_000usize;
            for g in 0..groups {
                let at = sub + 16 + 12 * g;
                let (start, end, gid0) = (c.off(at, 4)?, c.off(at + 4, 4)?, c.off(at + 8, 4)?);
                if start > end {
                    continue;
                }
                let span = (end - start + 1).min(budget);
                budget -= span;
                for k in 0..span {
                    add(gid0 + k, (start + k) as u32);
                }
                if budget == 0 {
                    break;
                }
            }
        }
        _ => return None,
    }
    if map.is_empty() {
        None
    } else {
        Some(map)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_strings() {
        assert_eq!(standard_sid_text(1).as_deref(), Some(" "));
        assert_eq!(standard_sid_text(34).as_deref(), Some("A"));
        assert_eq!(standard_sid_text(109).as_deref(), Some("\u{FB01}"));
        assert_eq!(standard_sid_text(149).as_deref(), Some("ß"));
        assert_eq!(standard_sid_text(228).as_deref(), Some("ž"));
        assert_eq!(standard_sid_text(267).as_deref(), Some("ffi"));
    }

    #[test]
    fn type1_builtin() {
        let src = b"%!PS-AdobeFont-1.0: CMR10\n/Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\ndup 12 /fi put\ndup 65 /A put\nreadonly def\ncurrentfile eexec\n";
        let enc = type1_encoding(src).unwrap();
        assert_eq!(enc, vec![(12, b"fi".to_vec()), (65, b"A".to_vec())]);
    }
}
