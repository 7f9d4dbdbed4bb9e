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
