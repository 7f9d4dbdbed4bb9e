//! Whole files: damaged, truncated and hostile ones, encryption, size and time limits, and
//! the structural faults the loader salvages.

use super::*;

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
