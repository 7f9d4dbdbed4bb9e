//! CMap parsing for the extract stage of the pipeline (PDF bytes -> text per
//! page): ToUnicode maps (code -> text) and embedded encoding CMaps
//! (code -> CID), both with their codespace ranges.

use std::collections::HashMap;

use super::lexer::{Lexer, Token};

/// Upper bound on entries kept from one CMap, so a hostile file cannot make
/// us allocate without limit.
const MAX_ENTRIES: usize = 200_000;

#[derive(Debug, Clone)]
struct Codespace {
    lo: Vec<u8>,
    hi: Vec<u8>,
}

#[derive(Debug, Clone)]
enum RangeDst {
    /// UTF-16 units whose last unit is incremented along the range.
    Base(Vec<u16>),
    Array(Vec<String>),
    Cid(u32),
}

#[derive(Debug, Clone)]
struct Range {
    lo: u32,
    hi: u32,
    len: u8,
    dst: RangeDst,
}

/// A parsed CMap: codespace ranges plus code -> text and code -> CID maps.
#[derive(Debug, Clone, Default)]
pub(crate) struct CMap {
    codespaces: Vec<Codespace>,
    chars: HashMap<(u32, u8), String>,
    cids: HashMap<(u32, u8), u32>,
    ranges: Vec<Range>,
}

fn code_of(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0u32, |acc, &b| (acc << 8) | b as u32)
}

/// Decodes UTF-16BE bytes, replacing unpaired surrogates.
pub(crate) fn utf16be_to_string(bytes: &[u8]) -> String {
    char::decode_utf16(units_of(bytes))
        .map(|r| r.unwrap_or('\u{FFFD}'))
        .collect()
}

fn units_of(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks(2)
        .map(|c| {
            if c.len() == 2 {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                c[0] as u16
            }
        })
        .collect()
}

fn dst_string(tok: &Token) -> Option<String> {
    match tok {
        Token::HexStr(b) | Token::Str(b) => Some(utf16be_to_string(b)),
        Token::Name(n) => super::encoding::glyph_name_to_string(n),
        _ => None,
    }
}

impl CMap {
    /// Parses CMap source text, keeping whatever is readable.
    pub(crate) fn parse(data: &[u8]) -> CMap {
        let mut cmap = CMap::default();
        let toks: Vec<Token> = Lexer::new(data).take(4 * MAX_ENTRIES).collect();
        let mut i = 0;
        let mut entries = 0usize;
        while i < toks.len() {
            let Token::Keyword(kw) = &toks[i] else {
                i += 1;
                continue;
            };
            i += 1;
            match *kw {
                b"begincodespacerange" => {
                    while i + 1 < toks.len() {
                        match (&toks[i], &toks[i + 1]) {
                            (Token::HexStr(lo), Token::HexStr(hi))
                                if lo.len() == hi.len()
                                    && !lo.is_empty()
                                    && lo.len() <= 4
                                    && cmap.codespaces.len() < 64 =>
                            {
                                cmap.codespaces.push(Codespace {
                                    lo: lo.clone(),
                                    hi: hi.clone(),
                                });
                                i += 2;
                            }
                            _ => break,
                        }
                    }
                }
                b"beginbfchar" | b"begincidchar" => {
                    let cid = *kw == b"begincidchar";
                    while i + 1 < toks.len() && entries < MAX_ENTRIES {
                        let Token::HexStr(src) = &toks[i] else { break };
                        if src.is_empty() || src.len() > 4 {
                            i += 2;
                            continue;
                        }
                        let key = (code_of(src), src.len() as u8);
                        if cid {
                            if let Token::Number(n) = toks[i + 1] {
                                cmap.cids.insert(key, n.max(0.0) as u32);
                            }
                        } else if let Some(s) = dst_string(&toks[i + 1]) {
                            cmap.chars.insert(key, s);
                        }
                        entries += 1;
                        i += 2;
                    }
                }
                b"beginbfrange" | b"begincidrange" => {
                    let cid = *kw == b"begincidrange";
                    while i + 2 < toks.len() && entries < MAX_ENTRIES {
                        let (Token::HexStr(lo), Token::HexStr(hi)) = (&toks[i], &toks[i + 1])
                        else {
                            break;
                        };
                        if lo.is_empty() || lo.len() > 4 {
                            i += 3;
                            continue;
                        }
                        let (lo_c, hi_c) = (code_of(lo), code_of(hi));
                        let len = lo.len() as u8;
                        i += 2;
                        let dst = match &toks[i] {
                            Token::Number(n) if cid => {
                                i += 1;
                                Some(RangeDst::Cid(n.max(0.0) as u32))
                            }
                            Token::HexStr(b) => {
                                i += 1;
                                Some(RangeDst::Base(units_of(b)))
                            }
                            Token::ArrayStart => {
                                i += 1;
                                let mut items = Vec::new();
                                while i < toks.len() && toks[i] != Token::ArrayEnd {
                                    items.push(dst_string(&toks[i]).unwrap_or_default());
                                    i += 1;
                                }
                                i += 1;
                                Some(RangeDst::Array(items))
                            }
                            _ => {
                                i += 1;
                                None
                            }
                        };
                        if let Some(dst) = dst {
                            if hi_c >= lo_c {
                                cmap.ranges.push(Range {
                                    lo: lo_c,
                                    hi: hi_c,
                                    len,
                                    dst,
                                });
                            }
                        }
                        entries += 1;
                    }
                }
                _ => {}
            }
        }
        // Sorted by start so lookups can binary-search; the sort is stable,
        // so among equal starts the first definition still wins.
        cmap.ranges.sort_by_key(|r| r.lo);
        cmap
    }

    /// A code -> CID map from codespace ranges and `(code length, first
    /// code, last code, first CID)` ranges.
    pub(crate) fn from_cid_ranges(
        codespaces: Vec<(Vec<u8>, Vec<u8>)>,
        ranges: Vec<(u8, u32, u32, u32)>,
    ) -> CMap {
        let mut cmap = CMap {
            codespaces: codespaces
                .into_iter()
                .map(|(lo, hi)| Codespace { lo, hi })
                .collect(),
            ..CMap::default()
        };
        cmap.ranges = ranges
            .into_iter()
            .filter(|&(_, lo, hi, _)| hi >= lo)
            .map(|(len, lo, hi, cid)| Range {
                lo,
                hi,
                len,
                dst: RangeDst::Cid(cid),
            })
            .collect();
        cmap.ranges.sort_by_key(|r| r.lo);
        cmap
    }

    /// Ranges that may contain `code`: those starting at or below it, nearest
    /// first, scanning back a bounded distance since ranges rarely overlap.
    fn candidates(&self, code: u32) -> impl Iterator<Item = &Range> {
        let end = self.ranges.partition_point(|r| r.lo <= code);
        self.ranges[..end].iter().rev().take(64)
    }

    /// Whether the CMap declares any codespace ranges.
    pub(crate) fn has_codespace(&self) -> bool {
        !self.codespaces.is_empty()
    }

    /// Length in bytes of the code starting at `bytes`, by the codespace ranges.
    pub(crate) fn code_len(&self, bytes: &[u8]) -> usize {
        let mut shortest = usize::MAX;
        for n in 1..=4usize.min(bytes.len()) {
            for cs in &self.codespaces {
                if cs.lo.len() != n {
                    continue;
                }
                shortest = shortest.min(n);
                if (0..n).all(|k| bytes[k] >= cs.lo[k] && bytes[k] <= cs.hi[k]) {
                    return n;
                }
            }
        }
        // Unmatched bytes consume the shortest codespace width, as viewers do.
        if shortest == usize::MAX {
            1
        } else {
            shortest.min(bytes.len()).max(1)
        }
    }

    /// Text mapped to `code` of `len` bytes, if any.
    #[cfg(test)]
    pub(crate) fn lookup(&self, code: u32, len: u8) -> Option<String> {
        let mut s = String::new();
        self.lookup_into(code, len, &mut s).then_some(s)
    }

    /// Appends the text mapped to `code` of `len` bytes to `out`; false if unmapped.
    ///
    /// A code the map lacks at its own width is looked up at the other
    /// widths it fits in: some producers write one-byte ToUnicode entries for
    /// two-byte codes, or the other way round.
    pub(crate) fn lookup_into(&self, code: u32, len: u8, out: &mut String) -> bool {
        if self.lookup_exact(code, len, out) {
            return true;
        }
        (1..=4u8)
            .filter(|&n| n != len && (n == 4 || code < 1 << (8 * n as u32)))
            .any(|n| self.lookup_exact(code, n, out))
    }

    fn lookup_exact(&self, code: u32, len: u8, out: &mut String) -> bool {
        if let Some(s) = self.chars.get(&(code, len)) {
            out.push_str(s);
            return true;
        }
        for r in self.candidates(code) {
            if r.len != len || code < r.lo || code > r.hi {
                continue;
            }
            let off = code - r.lo;
            match &r.dst {
                RangeDst::Base(units) => {
                    let n = units.len();
                    let iter = units.iter().enumerate().map(|(k, &u)| {
                        if k + 1 == n {
                            u.wrapping_add(off as u16)
                        } else {
                            u
                        }
                    });
                    out.extend(char::decode_utf16(iter).map(|r| r.unwrap_or('\u{FFFD}')));
                    return true;
                }
                RangeDst::Array(items) => {
                    if let Some(s) = items.get(off as usize) {
                        out.push_str(s);
                        return true;
                    }
                    return false;
                }
                RangeDst::Cid(_) => {}
            }
        }
        false
    }

    /// Whether the CMap maps no code to text (it may still map codes to CIDs).
    pub(crate) fn is_empty_text(&self) -> bool {
        self.chars.is_empty()
            && !self
                .ranges
                .iter()
                .any(|r| !matches!(r.dst, RangeDst::Cid(_)))
    }

    /// CID for `code` of `len` bytes from cidchar/cidrange entries.
    pub(crate) fn cid(&self, code: u32, len: u8) -> Option<u32> {
        if let Some(c) = self.cids.get(&(code, len)) {
            return Some(*c);
        }
        self.candidates(code).find_map(|r| match r.dst {
            RangeDst::Cid(base) if r.len == len && code >= r.lo && code <= r.hi => {
                Some(base.saturating_add(code - r.lo))
            }
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bfchar_bfrange_and_surrogates() {
        let src = b"1 begincodespacerange <0000> <FFFF> endcodespacerange
            2 beginbfchar <0001> <0041> <0002> <D835DC00> endbfchar
            2 beginbfrange <0010> <0012> <0061> <0020> <0021> [<0066006C> <0058>] endbfrange";
        let c = CMap::parse(src);
        assert_eq!(c.lookup(1, 2).as_deref(), Some("A"));
        assert_eq!(c.lookup(2, 2).as_deref(), Some("\u{1D400}"));
        assert_eq!(c.lookup(0x11, 2).as_deref(), Some("b"));
        assert_eq!(c.lookup(0x20, 2).as_deref(), Some("fl"));
        assert_eq!(c.lookup(0x21, 2).as_deref(), Some("X"));
        assert_eq!(c.code_len(&[0, 1]), 2);
    }
}
