//! Lenient object parsing for the extract stage of the pipeline (PDF bytes
//! -> text per page): reads the objects lopdf refuses for a syntax slip
//! (a font name with a space in it, a stray token in a dictionary), so that
//! the page that uses them still has its fonts and contents.
//!
//! In: the file's bytes and the ids of objects that are referenced but were
//! not loaded. Out: those objects, as far as they can be read.

use std::collections::BTreeSet;

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};

use super::lexer::{unescape_name, Lexer, Token};

/// Objects salvaged from one file at most; a file missing more is garbage.
const MAX_OBJECTS: usize = 256;

/// Nesting of arrays and dictionaries followed inside one object.
const MAX_DEPTH: u32 = 32;

/// Reads each of `missing` from where its `N G obj` header stands in `bytes`.
pub(crate) fn salvage(
    bytes: &[u8],
    missing: &BTreeSet<ObjectId>,
    max_stream: usize,
) -> Vec<(ObjectId, Object)> {
    let mut out = Vec::new();
    for &id in missing.iter().take(MAX_OBJECTS) {
        let Some(start) = find_header(bytes, id) else {
            continue;
        };
        if let Some(obj) = read_object(bytes, start, max_stream) {
            out.push((id, obj));
        }
    }
    out
}

/// Offset just past the last `N G obj` header for `id` that starts a line.
fn find_header(bytes: &[u8], id: ObjectId) -> Option<usize> {
    let header = format!("{} {} obj", id.0, id.1);
    let needle = header.as_bytes();
    let mut found = None;
    let mut from = 0;
    while let Some(p) = bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
    {
        let at = from + p;
        from = at + needle.len();
        // Later definitions (incremental updates) win, as in a reader.
        if at == 0 || matches!(bytes[at - 1], b'\n' | b'\r' | b' ') {
            found = Some(from);
        }
    }
    found
}

fn read_object(bytes: &[u8], start: usize, max_stream: usize) -> Option<Object> {
    let mut lex = Lexer::new(&bytes[start..]);
    let first = lex.next()?;
    let obj = value(first, &mut lex, 0)?;
    let Object::Dictionary(dict) = obj else {
        return Some(obj);
    };
    let before = lex.mark();
    if lex.next() != Some(Token::Keyword(b"stream")) {
        lex.rewind(before);
        return Some(Object::Dictionary(dict));
    }
    // The data starts after the end of line that follows `stream` and ends
    // at `endstream`, whatever /Length says.
    let mut data_start = start + lex.mark();
    if bytes.get(data_start) == Some(&b'\r') {
        data_start += 1;
    }
    if bytes.get(data_start) == Some(&b'\n') {
        data_start += 1;
    }
    let rest = bytes.get(data_start..)?;
    let window = &rest[..rest.len().min(max_stream.saturating_add(9))];
    let end = window.windows(9).position(|w| w == b"endstream")?;
    let mut data = &rest[..end];
    for eol in [b"\n".as_slice(), b"\r"] {
        data = data.strip_suffix(eol).unwrap_or(data);
    }
    let mut stream = Stream::new(dict, Vec::new());
    stream.set_content(data.to_vec());
    Some(Object::Stream(stream))
}

/// The object that starts with `tok`; `None` for a token that is no value.
fn value(tok: Token, lex: &mut Lexer, depth: u32) -> Option<Object> {
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match tok {
        Token::Number(n) => number_or_reference(n, lex),
        Token::Str(s) => Object::String(s, StringFormat::Literal),
        Token::HexStr(s) => Object::String(s, StringFormat::Hexadecimal),
        Token::Name(n) => Object::Name(unescape_name(n)),
        Token::ArrayStart => {
            let mut items = Vec::new();
            while let Some(t) = lex.next() {
                if t == Token::ArrayEnd {
                    break;
                }
                if let Some(v) = value(t, lex, depth + 1) {
                    items.push(v);
                }
            }
            Object::Array(items)
        }
        Token::DictStart => Object::Dictionary(dictionary(lex, depth)),
        Token::Keyword(b"true") => Object::Boolean(true),
        Token::Keyword(b"false") => Object::Boolean(false),
        Token::Keyword(b"null") => Object::Null,
        _ => return None,
    })
}

/// A dictionary's entries up to `>>`; tokens where a key belongs (the second
/// word of a name with a space in it) are skipped.
fn dictionary(lex: &mut Lexer, depth: u32) -> Dictionary {
    let mut dict = Dictionary::new();
    while let Some(t) = lex.next() {
        match t {
            Token::DictEnd => break,
            Token::Name(key) => {
                let key = unescape_name(key);
                let Some(next) = lex.next() else { break };
                if next == Token::DictEnd {
                    break;
                }
                if let Some(v) = value(next, lex, depth + 1) {
                    dict.set(key, v);
                }
            }
            _ => {}
        }
    }
    dict
}

/// A number, or the reference `N G R` it starts.
fn number_or_reference(n: f32, lex: &mut Lexer) -> Object {
    let before = lex.mark();
    if let (Some(Token::Number(g)), Some(Token::Keyword(b"R"))) = (lex.next(), lex.next()) {
        if let (Some(num), Some(gen)) = (whole(n), whole(g)) {
            if let (Ok(num), Ok(gen)) = (u32::try_from(num), u16::try_from(gen)) {
                return Object::Reference((num, gen));
            }
        }
    }
    lex.rewind(before);
    match whole(n) {
        Some(i) => Object::Integer(i),
        None => Object::Real(n),
    }
}

fn whole(n: f32) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() < 16_777_216.0).then_some(n as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_with_a_spaced_name_and_a_stream() {
        let file = b"%PDF-1.4\n7 0 obj\n<< /BaseFont /Arial,Unicode MS /W [1 2.5 3 0 R] \
            /Sub << /Ok true >> >>\nendobj\n8 0 obj\n<< /Length 99 >>\nstream\nBT ET\nendstream\nendobj\n";
        let missing = BTreeSet::from([(7, 0), (8, 0), (9, 0)]);
        let found = salvage(file, &missing, 1 << 20);
        assert_eq!(found.len(), 2);
        let dict = found[0].1.as_dict().expect("dict");
        assert_eq!(
            dict.get(b"BaseFont").unwrap().as_name().unwrap(),
            b"Arial,Unicode"
        );
        let w = dict.get(b"W").unwrap().as_array().unwrap();
        assert_eq!(w[2], Object::Reference((3, 0)));
        assert_eq!(w[1], Object::Real(2.5));
        let stream = found[1].1.as_stream().expect("stream");
        assert_eq!(stream.content, b"BT ET");
    }
}
