//! Loading for the extract stage of the pipeline (PDF bytes -> text per page):
//! turns the bytes into a lopdf document and repairs what viewers tolerate but
//! the parser does not: a lost header or trailer, streams without a usable
//! `/Length`, objects the cross-reference table misses, and encryption set up
//! in ways the parser cannot decrypt by itself.

use std::collections::{BTreeSet, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

use lopdf::{Dictionary, Document, FilterFunc, LoadOptions, Object, ObjectId};

use super::{salvage, ExtractError, Limits};

/// Stand-in for the trailer's `/Encrypt` key, of the same length so that
/// every byte offset in the file stays valid, when the parser must not see it.
const HIDDEN_ENCRYPT: &[u8] = b"/NoCrypt";

/// Stand-in for `/ObjStm`, so the parser keeps encrypted object streams as
/// plain streams instead of dropping them for failing to decode.
const SEALED_OBJSTM: &[u8] = b"SealedObjStm";

/// Loads a document from its bytes, repairing what can be repaired.
pub(super) fn load(bytes: &[u8], limits: &Limits) -> Result<Document, ExtractError> {
    let head = &bytes[..bytes.len().min(1024)];
    let with_header;
    let (bytes, headless) = if head.windows(5).any(|w| w == b"%PDF-") {
        (bytes, false)
    } else if head.windows(4).any(|w| w == b" obj") {
        // A file that lost its header still has its objects; the offsets
        // in its cross-reference table no longer fit, so it is rebuilt.
        with_header = [b"%PDF-1.7\n".as_slice(), bytes].concat();
        (with_header.as_slice(), true)
    } else {
        return Err(ExtractError::Malformed("no %PDF header".into()));
    };
    let mut doc = open(bytes, limits, headless, None)?;
    if needs_own_decryption(&doc) {
        doc = open_encrypted(bytes, limits, headless)?;
    }
    // lopdf decrypts with the empty user password while loading and drops
    // /Encrypt; if it is still there, a real password is needed.
    if doc.is_encrypted() {
        return Err(ExtractError::Encrypted);
    }
    fill_unterminated_streams(&mut doc, bytes, limits.max_stream_bytes);
    if !doc.was_encrypted() && !dangling_references(&doc).is_empty() {
        recover_objects(&mut doc, bytes, limits);
        // What a scan cannot parse either is read leniently, a few rounds
        // deep, as salvaged objects refer to others (a font to its program).
        for _ in 0..4 {
            let missing = dangling_references(&doc);
            let found = salvage::salvage(bytes, &missing, limits.max_stream_bytes);
            if found.is_empty() {
                break;
            }
            doc.objects.extend(found);
        }
    }
    Ok(doc)
}

/// Loads with lopdf, retrying a file cut short with a trailer of our own.
fn open(
    bytes: &[u8],
    limits: &Limits,
    reconstruct: bool,
    filter: Option<FilterFunc>,
) -> Result<Document, ExtractError> {
    match load_with(bytes, limits, reconstruct, filter) {
        Err(ExtractError::Malformed(first)) => {
            // A file cut short loses its trailer, which lopdf needs even to
            // rebuild the cross-reference table; give it one and retry.
            let repaired = with_trailer(bytes);
            load_with(&repaired, limits, true, filter).map_err(|e| match e {
                ExtractError::Malformed(_) => ExtractError::Malformed(first),
                other => other,
            })
        }
        other => other,
    }
}

fn load_with(
    bytes: &[u8],
    limits: &Limits,
    reconstruct: bool,
    filter: Option<FilterFunc>,
) -> Result<Document, ExtractError> {
    let options = LoadOptions {
        max_decompressed_size: Some(limits.max_stream_bytes),
        force_reconstruct: reconstruct,
        filter,
        ..LoadOptions::default()
    };
    // lopdf is hardened, but a parser bug on a hostile file must not take
    // the caller's thread down with it.
    let loaded = catch_unwind(AssertUnwindSafe(|| {
        Document::load_mem_with_options(bytes, options)
    }))
    .map_err(|_| ExtractError::Malformed("parser failure".into()))?;
    match loaded {
        Ok(doc) => Ok(doc),
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            Err(ExtractError::TooLarge(format!(
                "a stream decompresses to more than {} bytes",
                limits.max_stream_bytes
            )))
        }
        Err(lopdf::Error::InvalidPassword) | Err(lopdf::Error::Decryption(_)) => {
            Err(ExtractError::Encrypted)
        }
        Err(e) => Err(ExtractError::Malformed(e.to_string().to_lowercase())),
    }
}

/// The file with a trailer appended that points at its catalog, or at a
/// stand-in catalog when none survives (pages are then found by scanning).
fn with_trailer(bytes: &[u8]) -> Vec<u8> {
    let catalog = find_catalog(bytes);
    let mut out = Vec::with_capacity(bytes.len() + 128);
    out.extend_from_slice(bytes);
    let root = match catalog {
        Some((num, gen)) => format!("{num} {gen} R"),
        None => {
            out.extend_from_slice(b"\n999999 0 obj\n<< /Type /Catalog >>\nendobj\n");
            "999999 0 R".to_string()
        }
    };
    out.extend_from_slice(format!("\ntrailer\n<< /Root {root} >>\n%%EOF\n").as_bytes());
    out
}

/// Object number and generation of the first object declaring `/Type /Catalog`.
fn find_catalog(bytes: &[u8]) -> Option<(u32, u16)> {
    let mut from = 0;
    while let Some(pos) = find_from(bytes, b"/Catalog", from) {
        from = pos + 8;
        let head = &bytes[pos.saturating_sub(256)..pos];
        let Some(obj) = rfind(head, b" obj") else {
            continue;
        };
        let before = &head[..obj];
        let text = String::from_utf8_lossy(&before[before.len().saturating_sub(24)..]);
        let mut nums = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .rev();
        let gen = nums.next().and_then(|t| t.parse().ok());
        let num = nums.next().and_then(|t| t.parse().ok());
        if let (Some(num), Some(gen)) = (num, gen) {
            return Some((num, gen));
        }
    }
    None
}

fn find_from(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Whether lopdf could not decrypt the document as it should have: the
/// empty password did not open it, or its crypt filters were indirect
/// objects, which lopdf does not follow (it then decrypts with the wrong
/// cipher and leaves the filter dictionaries behind).
fn needs_own_decryption(doc: &Document) -> bool {
    doc.is_encrypted()
        || (doc.was_encrypted()
            && doc
                .objects
                .values()
                .any(|o| o.as_dict().is_ok_and(|d| d.has(b"CFM"))))
}

/// Loads an encrypted file with its encryption hidden from lopdf, then
/// decrypts it here, or leaves it as it is when its streams are not encrypted
/// at all (only its attachments are, behind a password we do not have).
fn open_encrypted(
    bytes: &[u8],
    limits: &Limits,
    reconstruct: bool,
) -> Result<Document, ExtractError> {
    let hidden = hide_encrypt(bytes);
    let probe = open(&hidden, limits, reconstruct, Some(seal_object_streams))?;
    let encrypt = encrypt_dictionary(&probe).ok_or(ExtractError::Encrypted)?;
    let version = encrypt.get(b"V").and_then(Object::as_i64).unwrap_or(0);
    let stream_filter = encrypt.get(b"StmF").and_then(Object::as_name).ok();
    if version >= 4 && matches!(stream_filter, None | Some(b"Identity")) {
        // Streams are stored in the clear: the file reads as if unencrypted.
        let mut doc = open(&hidden, limits, reconstruct, None)?;
        doc.trailer.remove(&HIDDEN_ENCRYPT[1..]);
        return Ok(doc);
    }
    let mut doc = probe;
    // The dictionary keeps its object number: decryption skips that object,
    // whose strings were never encrypted.
    let id = match doc.trailer.remove(&HIDDEN_ENCRYPT[1..]) {
        Some(Object::Reference(id)) => id,
        _ => doc.new_object_id(),
    };
    for obj in doc.objects.values_mut() {
        if let Object::Stream(s) = obj {
            if s.dict.has_type(SEALED_OBJSTM) {
                s.dict.set("Type", Object::Name(b"ObjStm".to_vec()));
            }
        }
    }
    doc.objects.insert(id, Object::Dictionary(encrypt));
    doc.trailer.set("Encrypt", Object::Reference(id));
    let decrypted = catch_unwind(AssertUnwindSafe(|| doc.decrypt("")))
        .map_err(|_| ExtractError::Malformed("decryption failure".into()))?;
    match decrypted {
        Ok(()) => Ok(doc),
        Err(_) => Err(ExtractError::Encrypted),
    }
}

/// The file with every `/Encrypt` key renamed, at the same length.
fn hide_encrypt(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut from = 0;
    while let Some(pos) = find_from(bytes, b"/Encrypt", from) {
        from = pos + 8;
        // `/EncryptMetadata` is another key.
        if bytes.get(from).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        out[pos..from].copy_from_slice(HIDDEN_ENCRYPT);
    }
    out
}

/// Load filter that renames the type of object streams; see [`SEALED_OBJSTM`].
fn seal_object_streams(id: ObjectId, obj: &mut Object) -> Option<(ObjectId, Object)> {
    if let Object::Stream(s) = obj {
        if s.dict.has_type(b"ObjStm") {
            s.dict.set("Type", Object::Name(SEALED_OBJSTM.to_vec()));
        }
    }
    Some((id, Object::Null))
}

/// The hidden encryption dictionary with its crypt filters resolved inline,
/// which is where lopdf looks for them.
fn encrypt_dictionary(doc: &Document) -> Option<Dictionary> {
    let resolve = |o: &Object| -> Option<Object> {
        match o {
            Object::Reference(id) => doc.get_object(*id).ok().cloned(),
            other => Some(other.clone()),
        }
    };
    let mut dict = resolve(doc.trailer.get(&HIDDEN_ENCRYPT[1..]).ok()?)?
        .as_dict()
        .ok()?
        .clone();
    if let Some(Object::Dictionary(filters)) = dict.get(b"CF").ok().and_then(resolve) {
        let mut inline = Dictionary::new();
        for (name, filter) in filters.iter() {
            if let Some(f) = resolve(filter) {
                inline.set(name.clone(), f);
            }
        }
        dict.set("CF", Object::Dictionary(inline));
    }
    Some(dict)
}

/// Gives streams that lopdf left empty for want of a usable `/Length` the
/// bytes up to their `endstream`.
fn fill_unterminated_streams(doc: &mut Document, bytes: &[u8], limit: usize) {
    // lopdf counts positions from the header, as a file may start with junk.
    let base = bytes.windows(5).position(|w| w == b"%PDF-").unwrap_or(0);
    let buf = &bytes[base..];
    for obj in doc.objects.values_mut() {
        let Object::Stream(s) = obj else { continue };
        if !s.content.is_empty() {
            continue;
        }
        let Some(data) = s.start_position.and_then(|p| buf.get(p..)) else {
            continue;
        };
        let window = &data[..data.len().min(limit.saturating_add(9))];
        let Some(end) = find_from(window, b"endstream", 0) else {
            continue;
        };
        let mut content = &data[..end];
        for eol in [b"\n".as_slice(), b"\r"] {
            content = content.strip_suffix(eol).unwrap_or(content);
        }
        if !content.is_empty() {
            s.set_content(content.to_vec());
        }
    }
}

/// Objects that objects reachable from the trailer refer to but that are
/// not there (a bounded number of them).
fn dangling_references(doc: &Document) -> BTreeSet<ObjectId> {
    let mut missing = BTreeSet::new();
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut stack: Vec<&Object> = doc.trailer.iter().map(|(_, v)| v).collect();
    while let Some(o) = stack.pop() {
        match o {
            Object::Reference(id) if seen.insert(*id) => match doc.objects.get(id) {
                Some(target) => stack.push(target),
                None if missing.len() < 1024 => {
                    missing.insert(*id);
                }
                None => {}
            },
            Object::Array(items) => stack.extend(items.iter()),
            Object::Dictionary(d) => stack.extend(d.iter().map(|(_, v)| v)),
            Object::Stream(s) => stack.extend(s.dict.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    missing
}

/// Adds the objects a full scan of the file finds but the first load missed:
/// objects left out of a partial cross-reference table, and streams whose
/// `endstream` follows a space rather than a line end.
fn recover_objects(doc: &mut Document, bytes: &[u8], limits: &Limits) {
    let patched = eol_before_endstream(bytes);
    let bytes = patched.as_deref().unwrap_or(bytes);
    let Ok(mut scanned) = load_with(bytes, limits, true, None) else {
        return;
    };
    if scanned.is_encrypted() {
        return;
    }
    fill_unterminated_streams(&mut scanned, bytes, limits.max_stream_bytes);
    let known: BTreeSet<ObjectId> = doc.objects.keys().copied().collect();
    for (id, obj) in scanned.objects {
        if !known.contains(&id) {
            doc.objects.insert(id, obj);
        }
    }
}

/// The file with a line end in place of the space or tab that precedes each
/// `endstream`, if there is any, so that lopdf can find where the stream ends.
fn eol_before_endstream(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut from = 0;
    while let Some(pos) = find_from(bytes, b"endstream", from) {
        from = pos + 9;
        if pos > 0 && matches!(bytes[pos - 1], b' ' | b'\t') {
            out.get_or_insert_with(|| bytes.to_vec())[pos - 1] = b'\n';
        }
    }
    out
}
