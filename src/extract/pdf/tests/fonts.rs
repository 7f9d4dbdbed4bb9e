//! Fonts and encodings: standard and symbol fonts, Differences, ToUnicode maps, Type0,
//! Type3 and CJK fonts, and the encodings built into embedded font programs.

use super::*;

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
