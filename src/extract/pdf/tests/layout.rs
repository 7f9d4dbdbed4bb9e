//! Reading order and words: columns, hyphenation, forms and annotations, spacing, rotated,
//! right-to-left and vertical text, and the operators of the content stream.

use super::*;

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
fn text_drawn_twice_for_bold_is_kept_once() {
    let pdf = build(|doc| {
        let res = helvetica(doc);
        let c = b"BT /F1 12 Tf 72 700 Td (Bold Title) Tj ET BT /F1 12 Tf 72.4 700 Td (Bold Title) Tj ET";
        (res, c.to_vec())
    });
    assert_eq!(text_of(&pdf), "Bold Title\n");
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
