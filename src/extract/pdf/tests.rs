//! Tests for the extract stage of the pipeline (PDF bytes -> text per page),
//! on small PDFs built in memory with lopdf.

use lopdf::{dictionary, Dictionary, Document, Object, Stream};

use super::*;

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

#[test]
fn standard_font_with_kerning() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let content = b"BT /F1 12 Tf 72 700 Td [(Hello)-300(W)30(orld)] TJ \
            0 -14 Td (\x93quoted\x94 text) Tj ET"
            .to_vec();
        (res, content)
    });
    assert_eq!(text_of(&pdf), "Hello World\n\u{201c}quoted\u{201d} text\n");
}

#[test]
fn differences_with_ligature_names() {
    let pdf = build(|doc| {
        let font = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Times-Roman",
            "Encoding" => dictionary! {
                "Type" => "Encoding",
                "BaseEncoding" => "WinAnsiEncoding",
                "Differences" => vec![1.into(), Object::Name(b"ffi".to_vec()), Object::Name(b"fl".to_vec())],
            },
        });
        let res = dictionary! { "Font" => dictionary! { "F1" => font } };
        (
            res,
            b"BT /F1 10 Tf 72 700 Td (e\x01cient \x02ow) Tj ET".to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "efficient flow\n");
}

#[test]
fn type0_identity_with_tounicode() {
    let pdf = build(|doc| {
        let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0001> <0048> <0005> <FB01> endbfchar
1 beginbfrange <0002> <0004> [<0069> <0020> <D835DC00>] endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end"
            .to_vec();
        let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap));
        let descendant = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "BaseFont" => "Test",
            "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
            "DW" => 600,
            "W" => vec![1.into(), vec![700.into(), 300.into(), 250.into()].into()],
        });
        let font = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => "Test",
            "Encoding" => "Identity-H",
            "DescendantFonts" => vec![descendant.into()],
            "ToUnicode" => to_unicode,
        });
        let res = dictionary! { "Font" => dictionary! { "F1" => font } };
        (
            res,
            b"BT /F1 12 Tf 72 700 Td <00010002000300050004> Tj ET".to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "Hi fi\u{1D400}\n");
}

#[test]
fn two_columns_read_in_order() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let mut c = String::from("BT /F1 10 Tf\n");
        for i in 0..12 {
            let y = 700 - i * 12;
            c.push_str(&format!("1 0 0 1 72 {y} Tm (left line {i} words) Tj\n"));
            c.push_str(&format!("1 0 0 1 320 {y} Tm (right line {i} words) Tj\n"));
        }
        c.push_str("ET");
        (res, c.into_bytes())
    });
    let mut want = String::new();
    for i in 0..12 {
        want.push_str(&format!("left line {i} words\n"));
    }
    for i in 0..12 {
        want.push_str(&format!("right line {i} words\n"));
    }
    assert_eq!(text_of(&pdf), want);
}

#[test]
fn hyphenated_word_is_joined() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let c =
            b"BT /F1 10 Tf 72 700 Td (Replicated distrib-) Tj 0 -12 Td (uted systems, Zoo-) Tj \
            0 -12 Td (Keeper, pages 10-) Tj 0 -12 Td (12) Tj ET";
        (res, c.to_vec())
    });
    assert_eq!(
        text_of(&pdf),
        "Replicated distributed systems, ZooKeeper, pages 10-\n12\n"
    );
}

#[test]
fn form_xobject_text() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let form = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 300.into(), 100.into()],
                "Matrix" => vec![1.into(), 0.into(), 0.into(), 1.into(), 0.into(), (-50).into()],
                "Resources" => res.clone(),
            },
            b"BT /F1 10 Tf 72 600 Td (inside the form) Tj ET".to_vec(),
        ));
        let mut page_res = res;
        page_res.set("XObject", dictionary! { "X1" => form });
        (
            page_res,
            b"BT /F1 10 Tf 72 700 Td (before) Tj ET q /X1 Do Q".to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "before\ninside the form\n");
}

#[test]
fn empty_password_is_decrypted_and_real_password_is_refused() {
    use lopdf::{EncryptionState, EncryptionVersion, Permissions};
    let plain = build(|doc| {
        let res = helvetica(doc);
        (res, b"BT /F1 12 Tf 72 700 Td (secret text) Tj ET".to_vec())
    });
    for (user, expect_text) in [("", true), ("hunter2", false)] {
        let mut doc = Document::load_mem(&plain).expect("load");
        doc.trailer.set(
            "ID",
            vec![
                Object::string_literal(b"0123456789abcdef".to_vec()),
                Object::string_literal(b"0123456789abcdef".to_vec()),
            ],
        );
        let version = EncryptionVersion::V2 {
            document: &doc,
            owner_password: "owner",
            user_password: user,
            key_length: 128,
            permissions: Permissions::default(),
        };
        let state = EncryptionState::try_from(version).expect("state");
        doc.encrypt(&state).expect("encrypt");
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("save");
        let result = extract_bytes(&bytes, &Limits::default());
        if expect_text {
            assert_eq!(result.expect("decrypted").text(), "secret text\n");
        } else {
            assert!(matches!(result, Err(ExtractError::Encrypted)), "{result:?}");
        }
    }
}

#[test]
fn truncated_file_is_malformed() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        (res, b"BT /F1 12 Tf 72 700 Td (text) Tj ET".to_vec())
    });
    let cut = &pdf[..40];
    let result = extract_bytes(cut, &Limits::default());
    assert!(
        matches!(result, Err(ExtractError::Malformed(_))),
        "{result:?}"
    );
}

#[test]
fn garbage_is_malformed() {
    let garbage: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let result = extract_bytes(&garbage, &Limits::default());
    assert!(
        matches!(result, Err(ExtractError::Malformed(_))),
        "{result:?}"
    );
    let mut fake = b"%PDF-1.4\n".to_vec();
    fake.extend_from_slice(&garbage);
    let result = extract_bytes(&fake, &Limits::default());
    assert!(
        matches!(result, Err(ExtractError::Malformed(_))),
        "{result:?}"
    );
}

#[test]
fn oversized_stream_is_too_large() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let mut c = Vec::new();
        for _ in 0..500 {
            c.extend_from_slice(b"BT /F1 12 Tf 72 700 Td (text) Tj ET\n");
        }
        (res, c)
    });
    let limits = Limits {
        max_stream_bytes: 4096,
        ..Limits::default()
    };
    let result = extract_bytes(&pdf, &limits);
    assert!(
        matches!(result, Err(ExtractError::TooLarge(_))),
        "{result:?}"
    );
}

#[test]
fn empty_page_has_no_text_layer() {
    let pdf = build(|_| (dictionary! {}, b"0 0 m 100 100 l S".to_vec()));
    let result = extract_bytes(&pdf, &Limits::default());
    assert!(
        matches!(result, Err(ExtractError::NoTextLayer)),
        "{result:?}"
    );
    assert_eq!(
        result.unwrap_err().to_string(),
        "no text layer (scanned pages?)"
    );
}

#[test]
fn hostile_content_does_not_panic() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let c = b"q q q Q Q Q Q Q BT /F9 1e38 Tf [(x) 1e38 (y)] TJ /F1 0 Tf (z) Tj \
            1 2 3 Tm T* ' \" [[[[ (((( <<< /X1 Do BI /W 1 ID \xff\xfe EI ET"
            .to_vec();
        (res, c)
    });
    let _ = extract_bytes(&pdf, &Limits::default());
}

#[test]
fn exhausted_time_budget_is_timeout() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        (res, b"BT /F1 12 Tf 72 700 Td (text) Tj ET".to_vec())
    });
    let limits = Limits {
        time_budget: Duration::ZERO,
        ..Limits::default()
    };
    let result = extract_bytes(&pdf, &limits);
    assert!(matches!(result, Err(ExtractError::Timeout)), "{result:?}");
}

#[test]
fn self_referencing_form_terminates() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let form_id = doc.new_object_id();
        let mut form_res = res.clone();
        form_res.set("XObject", dictionary! { "Me" => form_id });
        let form = Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 300.into(), 100.into()],
                "Resources" => form_res,
            },
            b"BT /F1 10 Tf 72 600 Td (loop) Tj ET /Me Do".to_vec(),
        );
        doc.objects.insert(form_id, Object::Stream(form));
        let mut page_res = res;
        page_res.set("XObject", dictionary! { "X1" => form_id });
        (page_res, b"/X1 Do".to_vec())
    });
    assert_eq!(text_of(&pdf), "loop\n");
}

#[test]
fn text_drawn_twice_for_bold_is_kept_once() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let c = b"BT /F1 12 Tf 72 700 Td (Bold Title) Tj ET BT /F1 12 Tf 72.4 700 Td (Bold Title) Tj ET";
        (res, c.to_vec())
    });
    assert_eq!(text_of(&pdf), "Bold Title\n");
}

#[test]
fn tex_accent_is_composed() {
    let pdf = build(|doc| {
        let font = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Times-Roman",
            "Encoding" => dictionary! {
                "Differences" => vec![1.into(), Object::Name(b"breve".to_vec())],
            },
        });
        let res = dictionary! { "Font" => dictionary! { "F1" => font } };
        (
            res,
            b"BT /F1 10 Tf 72 700 Td [(Babao\x01) 500 (glu)] TJ ET".to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "Babao\u{11f}lu\n");
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

#[test]
fn cid_truetype_without_tounicode_uses_font_cmap() {
    let pdf = build(|doc| {
        let program = doc.add_object(Stream::new(dictionary! {}, tiny_truetype()));
        let descriptor = doc.add_object(dictionary! {
            "Type" => "FontDescriptor",
            "FontName" => "Tiny",
            "FontFile2" => program,
        });
        let descendant = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "BaseFont" => "Tiny",
            "FontDescriptor" => descriptor,
            "CIDToGIDMap" => "Identity",
            "DW" => 600,
        });
        let font = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => "Tiny",
            "Encoding" => "Identity-H",
            "DescendantFonts" => vec![descendant.into()],
        });
        let res = dictionary! { "Font" => dictionary! { "F1" => font } };
        (res, b"BT /F1 12 Tf 72 700 Td <00050006> Tj ET".to_vec())
    });
    assert_eq!(text_of(&pdf), "AB\n");
}

#[test]
fn file_cut_before_its_trailer_still_yields_text() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        (res, b"BT /F1 12 Tf 72 700 Td (survivor) Tj ET".to_vec())
    });
    let xref = pdf
        .windows(4)
        .rposition(|w| w == b"xref")
        .expect("xref keyword");
    let result = extract_bytes(&pdf[..xref], &Limits::default());
    assert_eq!(result.expect("recovered").text(), "survivor\n");
}

#[test]
fn symbol_font_uses_its_own_encoding() {
    let pdf = build(|doc| {
        let font = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Symbol",
        });
        let res = dictionary! { "Font" => dictionary! { "F1" => font } };
        (res, b"BT /F1 10 Tf 72 700 Td (a \\273 b) Tj ET".to_vec())
    });
    assert_eq!(text_of(&pdf), "\u{3b1} \u{2248} \u{3b2}\n");
}

#[test]
fn diagonal_watermark_is_read_as_words() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let c = b"BT /F1 10 Tf 72 700 Td (Body text here) Tj ET \
            BT /F1 40 Tf 0.7071 0.7071 -0.7071 0.7071 150 300 Tm (DRAFT COPY) Tj ET";
        (res, c.to_vec())
    });
    assert_eq!(text_of(&pdf), "Body text here\nDRAFT COPY\n");
}

#[test]
fn aes256_with_empty_user_password_is_decrypted() {
    use lopdf::encryption::crypt_filters::{Aes256CryptFilter, CryptFilter};
    use lopdf::{EncryptionState, EncryptionVersion, Permissions};
    use std::collections::BTreeMap;
    use std::sync::Arc;
    let plain = build(|doc| {
        let res = helvetica(doc);
        (res, b"BT /F1 12 Tf 72 700 Td (aes text) Tj ET".to_vec())
    });
    let mut doc = Document::load_mem(&plain).expect("load");
    let filter: Arc<dyn CryptFilter> = Arc::new(Aes256CryptFilter);
    let mut filters = BTreeMap::new();
    filters.insert(b"StdCF".to_vec(), filter);
    let key = [7u8; 32];
    let version = EncryptionVersion::V5 {
        encrypt_metadata: true,
        crypt_filters: filters,
        file_encryption_key: &key,
        stream_filter: b"StdCF".to_vec(),
        string_filter: b"StdCF".to_vec(),
        owner_password: "owner",
        user_password: "",
        permissions: Permissions::default(),
    };
    let state = EncryptionState::try_from(version).expect("state");
    doc.encrypt(&state).expect("encrypt");
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("save");
    let result = extract_bytes(&bytes, &Limits::default());
    assert_eq!(result.expect("decrypted").text(), "aes text\n");
}

#[test]
fn missing_file_is_io_error() {
    let result = extract_file(Path::new("/nonexistent/paper.pdf"), &Limits::default());
    let err = result.unwrap_err();
    assert!(matches!(err, ExtractError::Io(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot read file: no such file or directory (os error 2)"
    );
}

#[test]
fn hyphen_at_column_end_is_not_joined_across_columns() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let mut c = String::from("BT /F1 10 Tf\n");
        for i in 0..12 {
            let y = 700 - i * 12;
            let left = if i == 11 {
                "left end distrib-".to_string()
            } else {
                format!("left line {i} words")
            };
            let right = if i == 0 {
                "uted right start".to_string()
            } else {
                format!("right line {i} words")
            };
            c.push_str(&format!("1 0 0 1 72 {y} Tm ({left}) Tj\n"));
            c.push_str(&format!("1 0 0 1 320 {y} Tm ({right}) Tj\n"));
        }
        c.push_str("ET");
        (res, c.into_bytes())
    });
    let text = text_of(&pdf);
    assert!(
        text.contains("left end distrib-\nuted right start\n"),
        "{text}"
    );
}

#[test]
fn actual_text_replaces_its_glyphs() {
    let pdf = build(|doc| {
        let mut res = helvetica(doc);
        let props = doc.add_object(dictionary! {
            "ActualText" => Object::string_literal(b"\xfe\xff\x00f\x00l".to_vec()),
        });
        res.set("Properties", dictionary! { "P1" => props });
        let c = b"BT /F1 10 Tf 72 700 Td (e) Tj /Span <</ActualText (ffi) /Lang (en)>> BDC (\x01) Tj EMC \
            (cient ) Tj /Span /P1 BDC (\x02) Tj EMC (ow) Tj ET";
        (res, c.to_vec())
    });
    assert_eq!(text_of(&pdf), "efficient flow\n");
}

#[test]
fn mixed_width_predefined_cmap_uses_tounicode_codespace() {
    let pdf = build(|doc| {
        let cmap = b"begincmap 2 begincodespacerange <00> <80> <8140> <9FFC> endcodespacerange
2 beginbfchar <41> <0041> <82A0> <3042> endbfchar endcmap"
            .to_vec();
        let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap));
        let descendant = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType0",
            "BaseFont" => "Mincho",
            "DW" => 1000,
        });
        let font = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => "Mincho",
            "Encoding" => "90ms-RKSJ-H",
            "DescendantFonts" => vec![descendant.into()],
            "ToUnicode" => to_unicode,
        });
        let res = dictionary! { "Font" => dictionary! { "F1" => font } };
        (res, b"BT /F1 12 Tf 72 700 Td <4182A041> Tj ET".to_vec())
    });
    assert_eq!(text_of(&pdf), "A\u{3042}A\n");
}

#[test]
fn scaled_small_caps_stay_one_word_but_indices_split() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let c = b"BT /F1 12 Tf 72 700 Td (S) Tj /F1 9 Tf (MALL CAPS) Tj ET \
            BT /F1 12 Tf 72 680 Td (counter) Tj /F1 8 Tf 40.02 -3 Td (p) Tj ET";
        (res, c.to_vec())
    });
    assert_eq!(text_of(&pdf), "SMALL CAPS\ncounter p\n");
}

#[test]
fn type3_font_with_differences_and_font_matrix() {
    let pdf = build(|doc| {
        let font = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type3",
            "FontBBox" => vec![0.into(), 0.into(), 0.into(), 0.into()],
            "FontMatrix" => vec![0.01.into(), 0.into(), 0.into(), 0.01.into(), 0.into(), 0.into()],
            "FirstChar" => 1,
            "LastChar" => 3,
            "Widths" => vec![50.into(), 50.into(), 25.into()],
            "Encoding" => dictionary! {
                "Type" => "Encoding",
                "Differences" => vec![1.into(), Object::Name(b"H".to_vec()), Object::Name(b"i".to_vec()), Object::Name(b"fi".to_vec())],
            },
            "CharProcs" => dictionary! {},
            "Resources" => dictionary! {},
        });
        let res = dictionary! { "Font" => dictionary! { "T3" => font } };
        (
            res,
            b"BT /T3 10 Tf 72 700 Td [(\x01\x02) -400 (\x03\x02)] TJ ET".to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "Hi fii\n");
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

#[test]
fn type1_builtin_encoding_from_font_program() {
    let pdf = build(|doc| {
        let program = b"%!PS-AdobeFont-1.0: Embedded\n/Encoding 256 array\n\
            0 1 255 {1 index exch /.notdef put} for\n\
            dup 1 /T put dup 2 /e put dup 3 /x put dup 4 /fi put\nreadonly def\n\
            currentfile eexec\n"
            .to_vec();
        let res = font_with_program(doc, "FontFile", program);
        (
            res,
            b"BT /F1 10 Tf 72 700 Td (\x01\x02\x03\x03 \x04) Tj ET".to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "Texx fi\n");
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

#[test]
fn cff_builtin_encoding_from_font_program() {
    let pdf = build(|doc| {
        let res = font_with_program(doc, "FontFile3", tiny_cff());
        (
            res,
            b"BT /F1 10 Tf 72 700 Td (\x01 e\x02 e\x03) Tj ET".to_vec(),
        )
    });
    // 'e' is not in the built-in encoding, so it has no text.
    assert_eq!(text_of(&pdf), "A fi ffi\n");
}

#[test]
fn unbounded_time_budget_does_not_overflow() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        (res, b"BT /F1 12 Tf 72 700 Td (text) Tj ET".to_vec())
    });
    let limits = Limits {
        time_budget: Duration::MAX,
        ..Limits::default()
    };
    assert_eq!(extract_bytes(&pdf, &limits).expect("text").text(), "text\n");
}

#[test]
fn font_program_and_cmap_parsers_survive_corrupt_input() {
    // A small xorshift generator keeps the test deterministic without a crate.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let seeds = [
        tiny_cff(),
        tiny_truetype(),
        b"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <00> <05> [<41> <42>] endbfrange".to_vec(),
        b"/Encoding 256 array dup 1 /A put readonly def".to_vec(),
    ];
    for round in 0..4000 {
        let mut data = seeds[round % seeds.len()].clone();
        let flips = 1 + (next() % 8) as usize;
        for _ in 0..flips {
            if data.is_empty() {
                break;
            }
            let at = (next() as usize) % data.len();
            data[at] = next() as u8;
        }
        if next() % 4 == 0 {
            let cut = (next() as usize) % (data.len() + 1);
            data.truncate(cut);
        }
        let _ = super::fontfile::cff_encoding(&data);
        let _ = super::fontfile::truetype_gid_to_unicode(&data);
        let _ = super::fontfile::type1_encoding(&data);
        let cmap = super::cmap::CMap::parse(&data);
        let mut out = String::new();
        for code in [0u32, 1, 2, 0x41, 0xFFFF] {
            cmap.lookup_into(code, 1, &mut out);
            cmap.lookup_into(code, 2, &mut out);
            let _ = cmap.cid(code, 2);
        }
        let _ = cmap.code_len(&data);
    }
}

#[test]
fn character_spacing_counts_into_the_gap_not_the_glyph() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        // The last letter of ONE is followed by 6 points of character
        // spacing and nothing else: a word gap. Tight negative spacing
        // inside TIGHT must not split it.
        let content = b"BT /F1 10 Tf 72 700 Td (ON) Tj 6 Tc (E) Tj 0 Tc (TWO) Tj \
            0 -14 Td -1.5 Tc (TIGHT) Tj ET"
            .to_vec();
        (res, content)
    });
    assert_eq!(text_of(&pdf), "ONE TWO\nTIGHT\n");
}

#[test]
fn letter_spaced_heading_is_one_word() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        // Tracking of about a fifth of an em on every letter: wider than a
        // word gap in running text, but the same between all letters.
        let content = b"BT /F1 10 Tf 72 700 Td 2 Tc (Introduction) Tj \
            0 -14 Td (The) Tj 29 0 Td (Problem) Tj ET"
            .to_vec();
        (res, content)
    });
    assert_eq!(text_of(&pdf), "Introduction\nThe Problem\n");
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

#[test]
fn file_without_header_is_read() {
    let content = "<< /Length 38 >>\nstream\nBT /F1 20 Tf 10 20 Td (Headless) Tj ET\nendstream";
    let pdf = raw_pdf(
        "%\u{e2}\u{e3}\n",
        &[RAW_CATALOG, RAW_PAGES, RAW_PAGE, RAW_FONT, content],
    );
    assert_eq!(text_of(&pdf), "Headless\n");
}

#[test]
fn stream_without_length_ends_at_endstream() {
    let content = "<< >>\nstream\nBT /F1 20 Tf 10 20 Td (No length) Tj ET\n\nendstream";
    let pdf = raw_pdf(
        "%PDF-1.4\n",
        &[RAW_CATALOG, RAW_PAGES, RAW_PAGE, RAW_FONT, content],
    );
    assert_eq!(text_of(&pdf), "No length\n");
}

#[test]
fn endstream_after_a_space_keeps_the_stream() {
    let data = "BT /F1 20 Tf 10 20 Td (Spaced end) Tj ET";
    let content = format!("<< /Length {} >>\nstream\n{data} endstream", data.len());
    let pdf = raw_pdf(
        "%PDF-1.4\n",
        &[RAW_CATALOG, RAW_PAGES, RAW_PAGE, RAW_FONT, &content],
    );
    assert_eq!(text_of(&pdf), "Spaced end\n");
}

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

#[test]
fn aes256_with_indirect_crypt_filter_is_decrypted() {
    let plain = build(|doc| {
        let res = helvetica(doc);
        (
            res,
            b"BT /F1 12 Tf 72 700 Td (indirect filter) Tj ET".to_vec(),
        )
    });
    let bytes = aes256_encrypted(&plain, "", b"StdCF", |doc| {
        // Move the crypt filter dictionaries out into objects of their own.
        let enc_id = doc.trailer.get(b"Encrypt").unwrap().as_reference().unwrap();
        let cf = doc
            .get_dictionary(enc_id)
            .unwrap()
            .get(b"CF")
            .unwrap()
            .clone();
        let mut cf = cf.as_dict().unwrap().clone();
        let std_cf = cf.get(b"StdCF").unwrap().clone();
        let std_id = doc.add_object(std_cf);
        cf.set("StdCF", std_id);
        let cf_id = doc.add_object(cf);
        let enc = doc.get_object_mut(enc_id).unwrap().as_dict_mut().unwrap();
        enc.set("CF", cf_id);
    });
    let result = extract_bytes(&bytes, &Limits::default());
    assert_eq!(result.expect("decrypted").text(), "indirect filter\n");
}

#[test]
fn only_attachments_encrypted_is_read_without_password() {
    let plain = build(|doc| {
        let res = helvetica(doc);
        (
            res,
            b"BT /F1 12 Tf 72 700 Td (clear content) Tj ET".to_vec(),
        )
    });
    let bytes = aes256_encrypted(&plain, "secret", b"Identity", |doc| {
        let enc_id = doc.trailer.get(b"Encrypt").unwrap().as_reference().unwrap();
        let enc = doc.get_object_mut(enc_id).unwrap().as_dict_mut().unwrap();
        enc.set("EFF", "StdCF");
    });
    let result = extract_bytes(&bytes, &Limits::default());
    assert_eq!(result.expect("readable").text(), "clear content\n");
}

#[test]
fn stray_operators_and_signs_inside_tj_arrays() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        // An operator and a bare sign inside arrays are ignored; an array
        // left open ends at the next text operator, which still runs.
        let content = b"BT /F1 10 Tf 72 700 Td [(Grandes) 0.0 Tc -250.0 (Clients)] TJ \
            0 -14 Td [(ex)-(ten)-4(sive)] TJ 0 -14 Td [(open) TJ 0 -14 Td (next) Tj ET"
            .to_vec();
        (res, content)
    });
    assert_eq!(text_of(&pdf), "Grandes Clients\nextensive\nopen\nnext\n");
}

#[test]
fn unencoded_codes_of_a_standard_font_take_no_room() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        // Two-byte codes shown with a one-byte font: every other byte is a
        // code with no glyph, which must not open gaps between the letters.
        (
            res,
            b"BT /F1 10 Tf 72 700 Td <00440045004600470048> Tj ET".to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "DEFGH\n");
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

#[test]
fn tounicode_named_identity_means_unicode_codes() {
    let pdf = build(|doc| {
        let res = type0_font(doc, Object::Name(b"Identity-H".to_vec()));
        (
            res,
            b"BT /F1 12 Tf 72 700 Td <005600FD0062006100760061> Tj ET".to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "V\u{fd}bava\n");
}

#[test]
fn one_byte_tounicode_maps_two_byte_codes() {
    let pdf = build(|doc| {
        let cmap = b"begincmap 1 begincodespacerange <00> <FF> endcodespacerange
2 beginbfchar <01> <0043> <02> <0061> endbfchar
1 beginbfrange <03> <04> <006E> endbfrange endcmap"
            .to_vec();
        let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap));
        let res = type0_font(doc, to_unicode.into());
        (res, b"BT /F1 12 Tf 72 700 Td <000100020003> Tj ET".to_vec())
    });
    assert_eq!(text_of(&pdf), "Can\n");
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

#[test]
fn type3_size_comes_from_letter_widths_not_the_box() {
    let pdf = build(|doc| {
        // Glyphs on a grid of 200 units to the em with a tiny font size and
        // a box that says nothing: the letters' advances give the em.
        let names = ["q", "u", "a", "n", "t", "i", "l", "e", "o"];
        let times = [
            500.0, 500.0, 444.0, 500.0, 278.0, 278.0, 278.0, 444.0, 500.0,
        ];
        let widths: Vec<f32> = times.iter().map(|w| w * 0.2).collect();
        let res = type3_font(
            doc,
            [1.0, 0.0, 0.0, -1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, -1.0],
            1,
            &names,
            &widths,
        );
        // A small overlap inside the word, a gap of a third of an em after it.
        (
            res,
            b"BT /T3 0.12 Tf 1 0 0 -1 72 700 Tm [(\x01\x02\x03\x04)4001(\x05\x06\x07\x08) -66000 (\x05\x09)] TJ ET"
                .to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "quantile to\n");
}

#[test]
fn type3_numeric_glyph_names_are_character_codes() {
    let pdf = build(|doc| {
        let mut names = vec!["a49"];
        names.extend(std::iter::repeat_n("a0", 174));
        names.extend(["a224", "a225", "a226"]);
        let widths = vec![50.0; names.len()];
        let res = type3_font(
            doc,
            [0.01, 0.0, 0.0, 0.01, 0.0, 0.0],
            [0.0, 0.0, 100.0, 100.0],
            49,
            &names,
            &widths,
        );
        (
            res,
            b"BT /T3 10 Tf 72 700 Td (\xe0\xe1\xe2) Tj 0 -14 Td (1) Tj ET".to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "\u{e0}\u{e1}\u{e2}\n1\n");
}

#[test]
fn large_symbol_between_lines_does_not_merge_them() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let content = b"BT /F1 10 Tf 72 700 Td (the first line of text) Tj ET \
            BT /F1 16 Tf 200 694.5 Td (*) Tj ET \
            BT /F1 10 Tf 72 689.5 Td (and the second line) Tj ET"
            .to_vec();
        (res, content)
    });
    let text = text_of(&pdf);
    assert!(text.ends_with("\nand the second line\n"), "{text:?}");
}

#[test]
fn annotation_appearances_are_text_on_the_page() {
    let mut doc = Document::with_version("1.5");
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let res = dictionary! { "Font" => dictionary! { "F1" => font } };
    let form = |doc: &mut Document, text: &str| {
        let content = format!("/Tx BMC BT /F1 10 Tf 2 4 Td ({text}) Tj ET EMC");
        doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 200.into(), 20.into()],
                "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            },
            content.into_bytes(),
        ))
    };
    let note = form(&mut doc, "free text note");
    let on = form(&mut doc, "chosen value");
    let off = form(&mut doc, "state not shown");
    let hidden = form(&mut doc, "hidden field");
    let rect = |y: i64| vec![72.into(), y.into(), 272.into(), (y + 20).into()];
    let annots: Vec<Object> = vec![
        doc.add_object(dictionary! {
            "Type" => "Annot", "Subtype" => "FreeText", "Rect" => rect(600),
            "AP" => dictionary! { "N" => note },
        })
        .into(),
        doc.add_object(dictionary! {
            "Type" => "Annot", "Subtype" => "Widget", "Rect" => rect(500), "AS" => "On",
            "AP" => dictionary! { "N" => dictionary! { "On" => on, "Off" => off } },
        })
        .into(),
        doc.add_object(dictionary! {
            "Type" => "Annot", "Subtype" => "Widget", "Rect" => rect(400), "F" => 2,
            "AP" => dictionary! { "N" => hidden },
        })
        .into(),
    ];
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 72 700 Td (page text) Tj ET".to_vec(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Resources" => res, "Annots" => annots,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut pdf = Vec::new();
    doc.save_to(&mut pdf).expect("save");
    assert_eq!(text_of(&pdf), "page text\nfree text note\nchosen value\n");
}

#[test]
fn right_to_left_lines_come_out_in_reading_order() {
    let pdf = build(|doc| {
        let res = type0_font(doc, Object::Name(b"Identity-H".to_vec()));
        // Glyphs drawn left to right as they appear: "שלום 15" set right
        // to left shows the number on the left.
        (
            res,
            b"BT /F1 12 Tf 72 700 Td <00310035002005DD05D505DC05E9> Tj ET".to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "\u{5e9}\u{5dc}\u{5d5}\u{5dd} 15\n");
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

#[test]
fn predefined_cjk_cmap_without_tounicode() {
    let pdf = build(|doc| {
        let res = cjk_font(doc, "90ms-RKSJ-H", "Japan1");
        // Shift-JIS: hiragana a i u, then the one-byte ASCII "Ok".
        (
            res,
            b"BT /F1 12 Tf 72 700 Td <82A082A282A44F6B> Tj ET".to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "\u{3042}\u{3044}\u{3046}Ok\n");
}

#[test]
fn identity_cids_of_an_adobe_collection_without_tounicode() {
    let pdf = build(|doc| {
        let res = cjk_font(doc, "Identity-V", "Japan1");
        // CIDs 843 and 845 (hiragana a, i), then 34 (a proportional A).
        (res, b"BT /F1 12 Tf 72 700 Td <034B034D0022> Tj ET".to_vec())
    });
    assert_eq!(text_of(&pdf), "\u{3042}\u{3044}A\n");
}

#[test]
fn object_with_a_spaced_name_is_salvaged() {
    let data = "BT /F1 20 Tf 10 20 Td (Salvaged) Tj ET";
    let content = format!(
        "<< /Length {} /Name /Arial Unicode MS >>\nstream\n{data}\nendstream",
        data.len()
    );
    let pdf = raw_pdf(
        "%PDF-1.4\n",
        &[RAW_CATALOG, RAW_PAGES, RAW_PAGE, RAW_FONT, &content],
    );
    assert_eq!(text_of(&pdf), "Salvaged\n");
}

#[test]
fn line_at_a_slight_angle_keeps_its_words() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        // Three degrees off the horizontal.
        let content = b"BT /F1 20 Tf 0.9986 0.0523 -0.0523 0.9986 72 700 Tm \
            (One-Stop solution) Tj ET"
            .to_vec();
        (res, content)
    });
    assert_eq!(text_of(&pdf), "One-Stop solution\n");
}

#[test]
fn size_change_with_a_small_gap_separates_words() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        // YOUR at 12 points, then One at 11 points after a gap of less than
        // a tenth of an em: where the size changes, that is a word space.
        let content = b"BT /F1 12 Tf 72 700 Td (YOUR) Tj ET \
            BT /F1 11 Tf 107.6 700 Td (One) Tj ET"
            .to_vec();
        (res, content)
    });
    assert_eq!(text_of(&pdf), "YOUR One\n");
}

#[test]
fn vertical_writing_reads_columns_from_the_right() {
    let pdf = build(|doc| {
        let res = cjk_font(doc, "Identity-V", "Japan1");
        // Two columns, each going down; the right one is read first.
        (
            res,
            b"BT /F1 12 Tf 1 0 0 1 300 700 Tm <034B034D> Tj 1 0 0 1 270 700 Tm <034F0351> Tj ET"
                .to_vec(),
        )
    });
    assert_eq!(text_of(&pdf), "\u{3042}\u{3044}\n\u{3046}\u{3048}\n");
}
