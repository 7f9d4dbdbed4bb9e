//! Chinese, Japanese and Korean text for the extract stage of the pipeline
//! (PDF bytes -> text per page): the predefined CMaps a CID font can name
//! as its encoding (code -> CID), and the Adobe character collections
//! (CID -> Unicode), for fonts that carry no ToUnicode map of their own.
//!
//! In: a CMap name (`90ms-RKSJ-H`, `GBK-EUC-V`...) or a collection's
//! ordering (`Japan1`, `GB1`, `CNS1`, `Korea1`) and a CID. Out: a code ->
//! CID map, or a character.
//!
//! The tables are derived by `generate.py` (next to this file) from Adobe's
//! CMap resources, as Debian's poppler-data package installs them; they are
//! stored compressed and unpacked on first use. About 120 KB in all: the
//! four collections' CID -> Unicode maps in full, and the common horizontal
//! CMaps (vertical ones are read with their horizontal twin, whose text is
//! the same). The data carries Adobe's notice:
//!
//! Copyright 1990-2023 Adobe. All rights reserved.
//!
//! Redistribution and use in source and binary forms, with or without
//! modification, are permitted provided that the following conditions are
//! met: Redistributions of source code must retain the above copyright
//! notice, this list of conditions and the following disclaimer.
//! Redistributions in binary form must reproduce the above copyright notice,
//! this list of conditions and the following disclaimer in the documentation
//! and/or other materials provided with the distribution. Neither the name
//! of Adobe nor the names of its contributors may be used to endorse or
//! promote products derived from this software without specific prior
//! written permission.
//!
//! THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS
//! IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO,
//! THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR
//! PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR
//! CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
//! EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO,
//! PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR
//! PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF
//! LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING
//! NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
//! SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

use std::collections::HashMap;
use std::sync::OnceLock;

use lopdf::{dictionary, Stream};

use super::cmap::CMap;

/// An Adobe character collection, as a CID font's `/Ordering` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collection {
    Japan1,
    Gb1,
    Cns1,
    Korea1,
}

impl Collection {
    const ALL: [Collection; 4] = [
        Collection::Japan1,
        Collection::Gb1,
        Collection::Cns1,
        Collection::Korea1,
    ];

    /// The collection an `/Ordering` string names.
    pub(crate) fn from_ordering(ordering: &[u8]) -> Option<Collection> {
        match ordering {
            b"Japan1" => Some(Collection::Japan1),
            b"GB1" => Some(Collection::Gb1),
            b"CNS1" => Some(Collection::Cns1),
            b"Korea1" => Some(Collection::Korea1),
            _ => None,
        }
    }

    /// The collection of a predefined Unicode CMap (`UniJIS-UCS2-H`...).
    pub(crate) fn of_unicode_cmap(name: &[u8]) -> Option<Collection> {
        let name = String::from_utf8_lossy(name);
        let prefixes = [
            ("UniJIS", Collection::Japan1),
            ("UniGB", Collection::Gb1),
            ("UniCNS", Collection::Cns1),
            ("UniKS", Collection::Korea1),
        ];
        prefixes
            .iter()
            .find(|(p, _)| name.starts_with(p))
            .map(|(_, c)| *c)
    }
}

static CID_UNICODE: &[u8] = include_bytes!("cid_unicode.bin");
static CMAPS: &[u8] = include_bytes!("cmaps.bin");

/// Unpacks a zlib stream; lopdf's stream filters already carry an inflater.
fn inflate(data: &[u8]) -> Vec<u8> {
    Stream::new(dictionary! { "Filter" => "FlateDecode" }, data.to_vec())
        .decompressed_content()
        .unwrap_or_default()
}

/// Reads the little-endian base-128 numbers the generator writes.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7F) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    fn zigzag(&mut self) -> Option<i64> {
        let v = self.varint()?;
        Some((v >> 1) as i64 ^ -((v & 1) as i64))
    }
}

/// CID -> character for each collection, in [`Collection::ALL`] order.
fn collections() -> &'static [Vec<u32>] {
    static TABLES: OnceLock<Vec<Vec<u32>>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let data = inflate(CID_UNICODE);
        let mut r = Reader {
            data: &data,
            pos: 0,
        };
        let mut tables = Vec::new();
        for _ in Collection::ALL {
            let mut table = Vec::new();
            let count = r.varint().unwrap_or(0).min(100_000) as usize;
            let mut prev = 0i64;
            for _ in 0..count {
                let Some(delta) = r.zigzag() else { break };
                prev += delta;
                table.push(u32::try_from(prev).unwrap_or(0));
            }
            tables.push(table);
        }
        tables
    })
}

/// The character a CID stands for in a collection, if the collection maps it.
pub(crate) fn cid_to_char(collection: Collection, cid: u32) -> Option<char> {
    let index = Collection::ALL.iter().position(|c| *c == collection)?;
    let scalar = *collections().get(index)?.get(cid as usize)?;
    char::from_u32(scalar).filter(|&c| c != '\0')
}

/// Predefined CMaps by name, each with its collection.
fn cmaps() -> &'static HashMap<Vec<u8>, (Collection, CMap)> {
    static CMAPS_BY_NAME: OnceLock<HashMap<Vec<u8>, (Collection, CMap)>> = OnceLock::new();
    CMAPS_BY_NAME.get_or_init(|| {
        let data = inflate(CMAPS);
        let mut r = Reader {
            data: &data,
            pos: 0,
        };
        let mut out = HashMap::new();
        let count = r.varint().unwrap_or(0);
        for _ in 0..count {
            let Some((name, entry)) = read_cmap(&mut r) else {
                break;
            };
            out.insert(name, entry);
        }
        out
    })
}

fn read_cmap(r: &mut Reader) -> Option<(Vec<u8>, (Collection, CMap))> {
    let name_len = r.byte()? as usize;
    let name = r.bytes(name_len)?.to_vec();
    let collection = *Collection::ALL.get(r.byte()? as usize)?;
    let mut codespaces = Vec::new();
    for _ in 0..r.varint()? {
        let n = r.byte()? as usize;
        let lo = r.bytes(n)?.to_vec();
        let hi = r.bytes(n)?.to_vec();
        codespaces.push((lo, hi));
    }
    let mut ranges = Vec::new();
    let mut next_cid = 0i64;
    for _ in 0..r.varint()? {
        let len = r.byte()?;
        let lo = u32::try_from(r.varint()?).ok()?;
        let hi = lo.checked_add(u32::try_from(r.varint()?).ok()?)?;
        let cid = next_cid + r.zigzag()?;
        next_cid = cid + i64::from(hi - lo) + 1;
        ranges.push((len, lo, hi, u32::try_from(cid).ok()?));
    }
    Some((
        name,
        (collection, CMap::from_cid_ranges(codespaces, ranges)),
    ))
}

/// The predefined CMap a font's `/Encoding` names, with its collection.
///
/// Vertical CMaps share their horizontal twin's table: they differ only in
/// a few punctuation glyphs, whose text is the same.
pub(crate) fn predefined(name: &[u8]) -> Option<(Collection, &'static CMap)> {
    let mut key = name.to_vec();
    if key == b"V" {
        key = b"H".to_vec();
    } else if key.ends_with(b"-V") {
        let n = key.len();
        key[n - 1] = b'H';
    }
    if matches!(key.as_slice(), b"GBKp-EUC-H" | b"GBK2K-H") {
        key = b"GBK-EUC-H".to_vec();
    }
    cmaps().get(&key).map(|(c, m)| (*c, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_map_common_characters() {
        // Japan1: CID 34 is the proportional A, 843 is hiragana a.
        assert_eq!(cid_to_char(Collection::Japan1, 34), Some('A'));
        assert_eq!(cid_to_char(Collection::Japan1, 843), Some('\u{3042}'));
        assert_eq!(cid_to_char(Collection::Gb1, 34), Some('A'));
        assert_eq!(cid_to_char(Collection::Korea1, 34), Some('A'));
        assert_eq!(cid_to_char(Collection::Cns1, 34), Some('A'));
        assert_eq!(cid_to_char(Collection::Japan1, 0), None);
        assert_eq!(cid_to_char(Collection::Japan1, 10_000_000), None);
    }

    #[test]
    fn predefined_cmaps_give_cids() {
        let (collection, rksj) = predefined(b"90ms-RKSJ-V").expect("90ms-RKSJ");
        assert_eq!(collection, Collection::Japan1);
        // Shift-JIS 0x82A0 is hiragana a.
        assert_eq!(rksj.code_len(&[0x82, 0xA0]), 2);
        assert_eq!(rksj.code_len(&[0x41, 0x82]), 1);
        let cid = rksj.cid(0x82A0, 2).expect("cid");
        assert_eq!(cid_to_char(collection, cid), Some('\u{3042}'));
        let (collection, gbk) = predefined(b"GBK-EUC-H").expect("GBK");
        // GBK 0xC4E3 is the character ni (you).
        let cid = gbk.cid(0xC4E3, 2).expect("cid");
        assert_eq!(cid_to_char(collection, cid), Some('\u{4F60}'));
        assert!(predefined(b"NoSuchCMap-H").is_none());
    }
}
