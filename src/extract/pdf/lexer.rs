//! Tokenizer for content streams and CMaps in the extract stage of the pipeline
//! (PDF bytes -> text per page).
//!
//! It never fails: malformed input degrades into stray keywords or ends the
//! stream, because a partly readable page is worth more than an error.

/// One lexical token of a content stream.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token<'a> {
    Number(f32),
    Str(Vec<u8>),
    HexStr(Vec<u8>),
    Name(&'a [u8]),
    ArrayStart,
    ArrayEnd,
    DictStart,
    DictEnd,
    /// An operator or any other bare keyword (`true`, `null`, `Tj`, ...).
    Keyword(&'a [u8]),
}

/// Streaming tokenizer over a byte slice.
pub(crate) struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl<'a> Lexer<'a> {
    /// Creates a lexer positioned at the start of `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Lexer { data, pos: 0 }
    }

    fn skip_ws(&mut self) {
        while self.pos < self.data.len() {
            let b = self.data[self.pos];
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while self.pos < self.data.len()
                    && self.data[self.pos] != b'\n'
                    && self.data[self.pos] != b'\r'
                {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Skips inline image data that follows an `ID` operator.
    ///
    /// Binary image bytes would otherwise be tokenized as garbage operators,
    /// so the data is skipped up to an `EI` that stands alone between
    /// whitespace.
    pub(crate) fn skip_inline_image(&mut self) {
        // One whitespace byte separates ID from the data.
        self.pos += 1;
        let d = self.data;
        while self.pos + 1 < d.len() {
            if d[self.pos] == b'E'
                && d[self.pos + 1] == b'I'
                && self.pos > 0
                && is_white(d[self.pos - 1])
                && (self.pos + 2 >= d.len() || is_white(d[self.pos + 2]))
            {
                self.pos += 2;
                return;
            }
            self.pos += 1;
        }
        self.pos = d.len();
    }

    fn literal_string(&mut self) -> Vec<u8> {
        // Caller consumed '('.
        let d = self.data;
        let mut out = Vec::new();
        let mut depth = 1u32;
        while self.pos < d.len() {
            let b = d[self.pos];
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return out;
                    }
                    out.push(b);
                }
                b'\\' => {
                    if self.pos >= d.len() {
                        break;
                    }
                    let e = d[self.pos];
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.pos < d.len() && d[self.pos] == b'\n' {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v: u32 = (e - b'0') as u32;
                            for _ in 0..2 {
                                if self.pos < d.len() && (b'0'..=b'7').contains(&d[self.pos]) {
                                    v = v * 8 + (d[self.pos] - b'0') as u32;
                                    self.pos += 1;
                                } else {
                                    break;
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
        out
    }

    fn hex_string(&mut self) -> Vec<u8> {
        // Caller consumed '<'.
        let d = self.data;
        let mut out = Vec::new();
        let mut hi: Option<u8> = None;
        while self.pos < d.len() {
            let b = d[self.pos];
            self.pos += 1;
            if b == b'>' {
                break;
            }
            if let Some(v) = hex_val(b) {
                match hi.take() {
                    Some(h) => out.push(h << 4 | v),
                    None => hi = Some(v),
                }
            }
        }
        if let Some(h) = hi {
            out.push(h << 4);
        }
        out
    }

    fn parse_number(s: &[u8]) -> Option<f32> {
        let mut neg = false;
        let mut i = 0;
        while i < s.len() && (s[i] == b'-' || s[i] == b'+') {
            neg ^= s[i] == b'-';
            i += 1;
        }
        let mut int: f64 = 0.0;
        let mut any = false;
        while i < s.len() && s[i].is_ascii_digit() {
            int = int * 10.0 + (s[i] - b'0') as f64;
            i += 1;
            any = true;
        }
        if i < s.len() && s[i] == b'.' {
            i += 1;
            let mut scale = 0.1;
            while i < s.len() && s[i].is_ascii_digit() {
                int += (s[i] - b'0') as f64 * scale;
                scale *= 0.1;
                i += 1;
                any = true;
            }
        }
        if !any || i != s.len() {
            return None;
        }
        let v = if neg { -int } else { int };
        Some(v as f32)
    }
}

impl Lexer<'_> {
    /// Where the next token starts, for [`Lexer::rewind`].
    pub(crate) fn mark(&self) -> usize {
        self.pos
    }

    /// Goes back to a position returned by [`Lexer::mark`].
    pub(crate) fn rewind(&mut self, pos: usize) {
        self.pos = pos.min(self.data.len());
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        self.skip_ws();
        let d = self.data;
        if self.pos >= d.len() {
            return None;
        }
        let b = d[self.pos];
        self.pos += 1;
        match b {
            b'(' => Some(Token::Str(self.literal_string())),
            b'<' => {
                if self.pos < d.len() && d[self.pos] == b'<' {
                    self.pos += 1;
                    Some(Token::DictStart)
                } else {
                    Some(Token::HexStr(self.hex_string()))
                }
            }
            b'>' => {
                if self.pos < d.len() && d[self.pos] == b'>' {
                    self.pos += 1;
                }
                Some(Token::DictEnd)
            }
            b'[' => Some(Token::ArrayStart),
            b']' => Some(Token::ArrayEnd),
            b'{' | b'}' | b')' => Some(Token::Keyword(&d[self.pos - 1..self.pos])),
            b'/' => {
                let start = self.pos;
                while self.pos < d.len() && !is_white(d[self.pos]) && !is_delim(d[self.pos]) {
                    self.pos += 1;
                }
                Some(Token::Name(&d[start..self.pos]))
            }
            _ => {
                let start = self.pos - 1;
                while self.pos < d.len() && !is_white(d[self.pos]) && !is_delim(d[self.pos]) {
                    self.pos += 1;
                }
                let word = &d[start..self.pos];
                if matches!(word[0], b'0'..=b'9' | b'-' | b'+' | b'.') {
                    if let Some(v) = Self::parse_number(word) {
                        return Some(Token::Number(v));
                    }
                }
                Some(Token::Keyword(word))
            }
        }
    }
}

/// Decodes a PDF name's `#xx` escapes.
pub(crate) fn unescape_name(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    let mut i = 0;
    while i < name.len() {
        if name[i] == b'#' && i + 2 < name.len() {
            if let (Some(h), Some(l)) = (hex_val(name[i + 1]), hex_val(name[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(name[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let toks: Vec<_> =
            Lexer::new(b"BT /F1 12 Tf (a\\(b\\)) Tj <48 65> Tj [1 -2.5] ET").collect();
        assert_eq!(toks[1], Token::Name(b"F1"));
        assert_eq!(toks[2], Token::Number(12.0));
        assert_eq!(toks[4], Token::Str(b"a(b)".to_vec()));
        assert_eq!(toks[6], Token::HexStr(b"He".to_vec()));
        assert_eq!(toks[10], Token::Number(-2.5));
    }
}
