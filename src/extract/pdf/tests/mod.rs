//! Tests for the extract stage of the pipeline (PDF bytes -> text per page),
//! on small PDFs built in memory with lopdf. This file holds the builders of those PDFs and
//! their fonts; the tests are grouped by topic in the files beside it.

use lopdf::{dictionary, Dictionary, Document, Object, Stream};

use super::*;

mod files;
mod fonts;
mod layout;

/// Builds a one-page PDF; `setup` adds objects and returns the page's
/// resources and content stream.
fn build(setup: impl FnOnce(&mut Document) -> (Dictionary, Vec<u8>)) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let (resources, content) = setup(&mut doc);
    let content_id = doc.add_object(Stream::new(dictionary! {}, content));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Contents" => content_id,
        "Resources" => resources,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

fn helvetica(doc: &mut Document) -> Dictionary {
    let font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    dictionary! { "Font" => dictionary! { "F1" => font } }
}

fn text_of(pdf: &[u8]) -> String {
    extract_bytes(pdf, &Limits::default())
        .expect("extract")
        .text()
}

/// A TrueType program holding only a format 4 `cmap`: 'A' -> 5, 'B' -> 6.
fn tiny_truetype() -> Vec<u8> {
    let be = |v: u16| v.to_be_bytes();
    let mut sub = Vec::new();
    let segs: [(u16, u16, u16); 2] = [(0x41, 0x42, 5u16.wrapping_sub(0x41)), (0xFFFF, 0xFFFF, 1)];
    for v in [4u16, 0, 0, 4, 0, 0, 0] {
        sub.extend_from_slice(&be(v));
    }
    segs.iter().for_each(|s| sub.extend_from_slice(&be(s.1)));
    sub.extend_from_slice(&be(0));
    segs.iter().for_each(|s| sub.extend_from_slice(&be(s.0)));
    segs.iter().for_each(|s| sub.extend_from_slice(&be(s.2)));
    segs.iter().for_each(|_| sub.extend_from_slice(&be(0)));
    let mut cmap = Vec::new();
    for v in [0u16, 1, 3, 1] {
        cmap.extend_from_slice(&be(v));
    }
    cmap.extend_from_slice(&12u32.to_be_bytes());
    cmap.extend_from_slice(&sub);
    let mut font = Vec::new();
    font.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [1u16, 0, 0, 0] {
        font.extend_from_slice(&be(v));
    }
    font.extend_from_slice(b"cmap");
    font.extend_from_slice(&0u32.to_be_bytes());
    font.extend_from_slice(&28u32.to_be_bytes());
    font.extend_from_slice(&(cmap.len() as u32).to_be_bytes());
    font.extend_from_slice(&cmap);
    font
}

fn font_with_program(doc: &mut Document, key: &str, program: Vec<u8>) -> Dictionary {
    let file = doc.add_object(Stream::new(dictionary! {}, program));
    let mut descriptor = dictionary! { "Type" => "FontDescriptor", "FontName" => "Embedded" };
    descriptor.set(key, file);
    let descriptor = doc.add_object(descriptor);
    let font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Embedded",
        "FirstChar" => 0,
        "Widths" => vec![500.into(); 256],
        "FontDescriptor" => descriptor,
    });
    dictionary! { "Font" => dictionary! { "F1" => font } }
}

/// A CFF font whose built-in encoding maps 1 -> A (SID 34), 2 -> fi (SID 109)
/// and 3 -> ffi (SID 267).
fn tiny_cff() -> Vec<u8> {
    fn index(items: &[&[u8]]) -> Vec<u8> {
        let mut out = (items.len() as u16).to_be_bytes().to_vec();
        if items.is_empty() {
            return out;
        }
        out.push(2);
        let mut off = 1u16;
        out.extend_from_slice(&off.to_be_bytes());
        for it in items {
            off += it.len() as u16;
            out.extend_from_slice(&off.to_be_bytes());
        }
        for it in items {
            out.extend_from_slice(it);
        }
        out
    }
    // Operands as 3-byte shortints (28 hi lo) so the Top DICT size is fixed.
    let top = |charset: u16, encoding: u16, charstrings: u16| {
        let mut d = Vec::new();
        for (v, op) in [(charset, 15u8), (encoding, 16), (charstrings, 17)] {
            d.push(28);
            d.extend_from_slice(&v.to_be_bytes());
            d.push(op);
        }
        d
    };
    let header = [1u8, 0, 4, 2];
    let names = index(&[b"Tiny"]);
    let top_len = index(&[&top(0, 0, 0)]).len();
    let strings = index(&[]);
    let gsubrs = index(&[]);
    let base = header.len() + names.len() + top_len + strings.len() + gsubrs.len();
    let charstrings = index(&[b"\x0e", b"\x0e", b"\x0e", b"\x0e"]);
    let charset: Vec<u8> = [0u8, 0, 34, 0, 109, 1, 11].to_vec();
    let encoding: Vec<u8> = vec![0, 3, 1, 2, 3];
    let cs_off = base;
    let charset_off = cs_off + charstrings.len();
    let enc_off = charset_off + charset.len();
    let mut out = header.to_vec();
    out.extend_from_slice(&names);
    out.extend_from_slice(&index(&[&top(
        charset_off as u16,
        enc_off as u16,
        cs_off as u16,
    )]));
    out.extend_from_slice(&strings);
    out.extend_from_slice(&gsubrs);
    out.extend_from_slice(&charstrings);
    out.extend_from_slice(&charset);
    out.extend_from_slice(&encoding);
    out
}

/// Assembles a PDF from the bodies of objects 1, 2, ... with a correct
/// cross-reference table, for files lopdf's writer would never produce.
pub(crate) fn raw_pdf(header: &str, objects: &[&str]) -> Vec<u8> {
    let mut out = header.as_bytes().to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

const RAW_CATALOG: &str = "<< /Type /Catalog /Pages 2 0 R >>";
const RAW_PAGES: &str = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
const RAW_PAGE: &str = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 50] \
    /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>";
const RAW_FONT: &str = "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>";

/// Encrypts `plain` with AES-256 (revision 6) under `user`, with the given
/// filters for streams and strings, and applies `edit` before saving.
fn aes256_encrypted(
    plain: &[u8],
    user: &str,
    filter: &[u8],
    edit: impl FnOnce(&mut Document),
) -> Vec<u8> {
    use lopdf::encryption::crypt_filters::{Aes256CryptFilter, CryptFilter};
    use lopdf::{EncryptionState, EncryptionVersion, Permissions};
    use std::collections::BTreeMap;
    use std::sync::Arc;
    let mut doc = Document::load_mem(plain).expect("load");
    let aes: Arc<dyn CryptFilter> = Arc::new(Aes256CryptFilter);
    let filters = BTreeMap::from([(b"StdCF".to_vec(), aes)]);
    let key = [7u8; 32];
    let version = EncryptionVersion::V5 {
        encrypt_metadata: true,
        crypt_filters: filters,
        file_encryption_key: &key,
        stream_filter: filter.to_vec(),
        string_filter: filter.to_vec(),
        owner_password: "owner",
        user_password: user,
        permissions: Permissions::default(),
    };
    let state = EncryptionState::try_from(version).expect("state");
    doc.encrypt(&state).expect("encrypt");
    edit(&mut doc);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("save");
    bytes
}

/// A Type0 font over Identity-H with `to_unicode` as its ToUnicode entry.
fn type0_font(doc: &mut Document, to_unicode: Object) -> Dictionary {
    let descendant = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => "Test",
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
        "DW" => 500,
    });
    let font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "Test",
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![descendant.into()],
        "ToUnicode" => to_unicode,
    });
    dictionary! { "Font" => dictionary! { "F1" => font } }
}

/// A Type3 font over codes `first..` with the given glyph names and widths.
fn type3_font(
    doc: &mut Document,
    matrix: [f32; 6],
    bbox: [f32; 4],
    first: i64,
    names: &[&str],
    widths: &[f32],
) -> Dictionary {
    let mut differences = vec![Object::Integer(first)];
    differences.extend(names.iter().map(|n| Object::Name(n.as_bytes().to_vec())));
    let font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type3",
        "FontBBox" => bbox.iter().map(|&v| Object::Real(v)).collect::<Vec<_>>(),
        "FontMatrix" => matrix.iter().map(|&v| Object::Real(v)).collect::<Vec<_>>(),
        "FirstChar" => first,
        "LastChar" => first + names.len() as i64 - 1,
        "Widths" => widths.iter().map(|&v| Object::Real(v)).collect::<Vec<_>>(),
        "Encoding" => dictionary! { "Type" => "Encoding", "Differences" => differences },
        "CharProcs" => dictionary! {},
        "Resources" => dictionary! {},
    });
    dictionary! { "Font" => dictionary! { "T3" => font } }
}

/// A Type0 font over the predefined CMap `encoding`, with CIDs of the
/// Adobe collection `ordering` and no ToUnicode.
fn cjk_font(doc: &mut Document, encoding: &str, ordering: &str) -> Dictionary {
    let descendant = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType0",
        "BaseFont" => "HeiseiMin-W3",
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal(ordering), "Supplement" => 2 },
        "DW" => 1000,
        "W" => vec![231.into(), 632.into(), 500.into()],
    });
    let font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "HeiseiMin-W3",
        "Encoding" => encoding,
        "DescendantFonts" => vec![descendant.into()],
    });
    dictionary! { "Font" => dictionary! { "F1" => font } }
}
