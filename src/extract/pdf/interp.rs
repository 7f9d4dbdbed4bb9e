//! Content-stream interpreter for the extract stage of the pipeline (PDF bytes
//! -> text per page): runs the text and graphics-state operators of a page and
//! its form XObjects, and records every glyph with its device-space position.
//! Operators that cannot affect text are skipped without interpretation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::encoding::push_normalized;
use super::font::Font;
use super::lexer::{Lexer, Token};
use super::{ExtractError, Limits};

/// Fonts shared by all pages of a document, keyed by object id.
pub(crate) type FontCache = Mutex<HashMap<ObjectId, Arc<Font>>>;

/// A glyph placed on the page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlacedGlyph {
    /// Origin in device space.
    pub x: f32,
    pub y: f32,
    /// Advance vector in device space.
    pub dx: f32,
    pub dy: f32,
    /// Em size in device space.
    pub size: f32,
    /// Reading direction: 0 = left to right, 1 = upwards, 2 = upside down,
    /// 3 = downwards, 4 = at another angle.
    pub dir: u8,
    /// Angle of the baseline in radians, for direction 4.
    pub angle: f32,
    /// Byte range of the glyph's text in the page text buffer.
    pub start: u32,
    pub len: u32,
    /// Whether the glyph is a space.
    pub space: bool,
}

/// Glyphs of one page plus the buffer their text lives in.
#[derive(Default)]
pub(crate) struct PageGlyphs {
    pub glyphs: Vec<PlacedGlyph>,
    pub text: String,
}

type Matrix = [f32; 6];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn mul(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    char_space: f32,
    word_space: f32,
    hscale: f32,
    leading: f32,
    rise: f32,
    font: Option<Arc<Font>>,
    font_size: f32,
}

enum Operand {
    Num(f32),
    Str(Vec<u8>),
    Name(Vec<u8>),
    Array(Vec<Operand>),
    /// An inline dictionary; only its `/ActualText` matters here.
    Dict(Option<Vec<u8>>),
    Other,
}

impl Operand {
    fn num(&self) -> f32 {
        match self {
            Operand::Num(n) if n.is_finite() => *n,
            _ => 0.0,
        }
    }
}

/// Interprets the content streams of one page.
pub(crate) struct Interpreter<'a> {
    doc: &'a Document,
    fonts: &'a FontCache,
    limits: &'a Limits,
    deadline: Instant,
    ops: usize,
    gs: GState,
    stack: Vec<GState>,
    tm: Matrix,
    tlm: Matrix,
    xobject_stack: Vec<ObjectId>,
    out: PageGlyphs,
    fallback: Option<Arc<Font>>,
    inline_fonts: HashMap<usize, Arc<Font>>,
    forms: HashMap<ObjectId, Arc<Vec<u8>>>,
    /// Open marked-content spans; those with `/ActualText` remember where
    /// their glyphs start.
    marked: Vec<Option<(usize, Vec<u8>)>>,
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

fn dict_get<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    d.get(key).ok().and_then(|o| deref(doc, o))
}

/// Decodes a stream, mapping an exceeded size bound to `TooLarge`.
pub(crate) fn decode_stream(stream: &lopdf::Stream, limit: usize) -> Result<Vec<u8>, ExtractError> {
    match stream.decompressed_content_with_limit(limit) {
        Ok(d) => Ok(d),
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => Err(
            ExtractError::TooLarge(format!("a stream decompresses to more than {limit} bytes")),
        ),
        Err(_) if stream.content.len() <= limit => {
            // The filter is unsupported or broken; raw bytes are content
            // only when the stream claims no filter at all.
            if stream.dict.has(b"Filter") {
                Ok(Vec::new())
            } else {
                Ok(stream.content.clone())
            }
        }
        Err(_) => Err(ExtractError::TooLarge(format!(
            "a stream is larger than {limit} bytes"
        ))),
    }
}

impl<'a> Interpreter<'a> {
    /// Creates an interpreter for one page.
    pub(crate) fn new(
        doc: &'a Document,
        fonts: &'a FontCache,
        limits: &'a Limits,
        deadline: Instant,
    ) -> Self {
        Interpreter {
            doc,
            fonts,
            limits,
            deadline,
            ops: 0,
            gs: GState {
                ctm: IDENTITY,
                char_space: 0.0,
                word_space: 0.0,
                hscale: 1.0,
                leading: 0.0,
                rise: 0.0,
                font: None,
                font_size: 0.0,
            },
            stack: Vec::new(),
            tm: IDENTITY,
            tlm: IDENTITY,
            xobject_stack: Vec::new(),
            out: PageGlyphs::default(),
            fallback: None,
            inline_fonts: HashMap::new(),
            forms: HashMap::new(),
            marked: Vec::new(),
        }
    }

    /// Returns the glyphs collected so far.
    pub(crate) fn finish(self) -> PageGlyphs {
        self.out
    }

    fn font_for(&mut self, resources: Option<&Dictionary>, name: &[u8]) -> Arc<Font> {
        let doc = self.doc;
        let entry = resources
            .and_then(|r| dict_get(doc, r, b"Font"))
            .and_then(|f| f.as_dict().ok())
            .and_then(|f| f.get(name).ok());
        if let Some(entry) = entry {
            if let Object::Reference(id) = entry {
                if let Ok(cache) = self.fonts.lock() {
                    if let Some(f) = cache.get(id) {
                        return f.clone();
                    }
                }
                if let Some(d) = deref(doc, entry).and_then(|o| o.as_dict().ok()) {
                    let font = Arc::new(Font::load(doc, d, self.limits.max_stream_bytes));
                    if let Ok(mut cache) = self.fonts.lock() {
                        cache.insert(*id, font.clone());
                    }
                    return font;
                }
            } else if let Ok(d) = entry.as_dict() {
                // Inline font dictionaries have no id; key them by address,
                // which is stable while the document is borrowed.
                let key = d as *const Dictionary as usize;
                if let Some(f) = self.inline_fonts.get(&key) {
                    return f.clone();
                }
                let font = Arc::new(Font::load(doc, d, self.limits.max_stream_bytes));
                self.inline_fonts.insert(key, font.clone());
                return font;
            }
        }
        self.fallback
            .get_or_insert_with(|| Arc::new(Font::fallback()))
            .clone()
    }

    /// Runs a content stream with the given resources.
    pub(crate) fn run(
        &mut self,
        content: &[u8],
        resources: Option<&Dictionary>,
    ) -> Result<(), ExtractError> {
        let mut lex = Lexer::new(content);
        let mut operands: Vec<Operand> = Vec::new();
        while let Some(tok) = lex.next() {
            let op = match tok {
                Token::Number(n) => {
                    push_bounded(&mut operands, Operand::Num(n));
                    continue;
                }
                Token::Str(s) | Token::HexStr(s) => {
                    push_bounded(&mut operands, Operand::Str(s));
                    continue;
                }
                Token::Name(n) => {
                    push_bounded(&mut operands, Operand::Name(super::lexer::unescape_name(n)));
                    continue;
                }
                Token::ArrayStart => {
                    let arr = read_array(&mut lex, 0);
                    push_bounded(&mut operands, arr);
                    continue;
                }
                Token::DictStart => {
                    let actual = read_dict_actual_text(&mut lex);
                    push_bounded(&mut operands, Operand::Dict(actual));
                    continue;
                }
                Token::ArrayEnd | Token::DictEnd => continue,
                Token::Keyword(k) => k,
            };
            self.ops += 1;
            if self.ops > self.limits.max_ops_per_page {
                // A page this busy is garbage or a drawing; keep what we have.
                return Ok(());
            }
            if self.ops.is_multiple_of(1024) && Instant::now() > self.deadline {
                return Err(ExtractError::Timeout);
            }
            self.operator(op, &operands, resources, &mut lex)?;
            operands.clear();
        }
        Ok(())
    }

    fn operator(
        &mut self,
        op: &[u8],
        args: &[Operand],
        resources: Option<&Dictionary>,
        lex: &mut Lexer,
    ) -> Result<(), ExtractError> {
        let n = |i: usize| args.get(i).map_or(0.0, Operand::num);
        match op {
            b"q" if self.stack.len() < 256 => self.stack.push(self.gs.clone()),
            b"Q" => {
                if let Some(g) = self.stack.pop() {
                    self.gs = g;
                }
            }
            b"cm" if args.len() >= 6 => {
                let m = [n(0), n(1), n(2), n(3), n(4), n(5)];
                self.gs.ctm = mul(&m, &self.gs.ctm);
            }
            b"BT" => {
                self.tm = IDENTITY;
                self.tlm = IDENTITY;
            }
            b"Tf" => {
                if let Some(Operand::Name(name)) = args.first() {
                    self.gs.font = Some(self.font_for(resources, name));
                }
                self.gs.font_size = n(1);
            }
            b"Tc" => self.gs.char_space = n(0),
            b"Tw" => self.gs.word_space = n(0),
            b"Tz" => self.gs.hscale = n(0) / 100.0,
            b"TL" => self.gs.leading = n(0),
            b"Ts" => self.gs.rise = n(0),
            b"Td" => self.next_line(n(0), n(1)),
            b"TD" => {
                self.gs.leading = -n(1);
                self.next_line(n(0), n(1));
            }
            b"Tm" if args.len() >= 6 => {
                self.tm = [n(0), n(1), n(2), n(3), n(4), n(5)];
                self.tlm = self.tm;
            }
            b"T*" => self.next_line(0.0, -self.gs.leading),
            b"Tj" => {
                if let Some(Operand::Str(s)) = args.first() {
                    self.show(s);
                }
            }
            b"'" => {
                self.next_line(0.0, -self.gs.leading);
                if let Some(Operand::Str(s)) = args.first() {
                    self.show(s);
                }
            }
            b"\"" => {
                self.gs.word_space = n(0);
                self.gs.char_space = n(1);
                self.next_line(0.0, -self.gs.leading);
                if let Some(Operand::Str(s)) = args.get(2) {
                    self.show(s);
                }
            }
            b"TJ" => {
                if let Some(Operand::Array(items)) = args.first() {
                    for item in items {
                        match item {
                            Operand::Str(s) => self.show(s),
                            Operand::Num(v) if v.is_finite() => {
                                let adjust = -v / 1000.0 * self.gs.font_size;
                                let vertical =
                                    self.gs.font.as_ref().is_some_and(|f| f.vertical.is_some());
                                let (tx, ty) = if vertical {
                                    (0.0, adjust)
                                } else {
                                    (adjust * self.gs.hscale, 0.0)
                                };
                                self.tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], &self.tm);
                            }
                            _ => {}
                        }
                    }
                }
            }
            b"BMC" => self.begin_marked(None),
            b"BDC" => {
                let actual = match args.get(1) {
                    Some(Operand::Dict(a)) => a.clone(),
                    Some(Operand::Name(n)) => resources
                        .and_then(|r| dict_get(self.doc, r, b"Properties"))
                        .and_then(|p| p.as_dict().ok())
                        .and_then(|p| dict_get(self.doc, p, n))
                        .and_then(|d| d.as_dict().ok())
                        .and_then(|d| dict_get(self.doc, d, b"ActualText"))
                        .and_then(|t| t.as_str().ok())
                        .map(<[u8]>::to_vec),
                    _ => None,
                };
                self.begin_marked(actual);
            }
            b"EMC" => self.end_marked(),
            b"Do" => {
                if let Some(Operand::Name(name)) = args.first() {
                    self.do_xobject(resources, name)?;
                }
            }
            b"BI" => {
                // Inline image: skip its dictionary and binary data.
                for tok in lex.by_ref() {
                    if tok == Token::Keyword(b"ID") {
                        break;
                    }
                }
                lex.skip_inline_image();
            }
            _ => {}
        }
        Ok(())
    }

    fn begin_marked(&mut self, actual: Option<Vec<u8>>) {
        if self.marked.len() < 256 {
            self.marked.push(actual.map(|a| (self.out.glyphs.len(), a)));
        }
    }

    /// Replaces the glyphs of a span that carries `/ActualText` by that text,
    /// which is what the author says the glyphs mean.
    fn end_marked(&mut self) {
        let Some(Some((start, actual))) = self.marked.pop() else {
            return;
        };
        let glyphs = &mut self.out.glyphs;
        if start >= glyphs.len() {
            return;
        }
        let mut first = glyphs[start];
        for g in &glyphs[start + 1..] {
            first.dx += g.dx;
            first.dy += g.dy;
        }
        glyphs.truncate(start);
        let text = &mut self.out.text;
        let begin = text.len();
        for c in decode_text_string(&actual).chars() {
            push_normalized(text, c);
        }
        if text.len() == begin {
            return;
        }
        first.start = begin as u32;
        first.len = (text.len() - begin) as u32;
        first.space = text[begin..].chars().all(char::is_whitespace);
        glyphs.push(first);
    }

    fn next_line(&mut self, tx: f32, ty: f32) {
        self.tlm = mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], &self.tlm);
        self.tm = self.tlm;
    }

    fn show(&mut self, bytes: &[u8]) {
        let Some(font) = self.gs.font.clone() else {
            return;
        };
        if self.out.glyphs.len() >= self.limits.max_glyphs_per_page {
            return;
        }
        let gs = &self.gs;
        let fs = gs.font_size;
        let th = gs.hscale;
        let size_m = [fs * th, 0.0, 0.0, fs, 0.0, gs.rise];
        let em_scale = font.em_scale;
        let mut tm = self.tm;
        let ctm = gs.ctm;
        let (tc, tw) = (gs.char_space, gs.word_space);
        let out = &mut self.out;
        let max = self.limits.max_glyphs_per_page;
        let in_actual_text = self.marked.iter().any(Option::is_some);
        let vertical = font.vertical;
        font.decode(bytes, &mut |text, w, word_space| {
            let m = mul(&tm, &ctm);
            let trm = mul(&size_m, &m);
            let spacing = tc + if word_space { tw } else { 0.0 };
            // The glyph's own extent and the pen's move, along the line or
            // down the column.
            let (glyph_w, tx, ty) = match vertical {
                Some(v) => (v * fs, 0.0, v * fs - spacing),
                None => {
                    let glyph_w = w * fs * th;
                    (glyph_w, glyph_w + spacing * th, 0.0)
                }
            };
            // Inside an /ActualText span even unmapped glyphs are kept, as
            // placeholders that the span's text will replace.
            if out.glyphs.len() < max && (!text.is_empty() || in_actual_text) {
                // The glyph covers its own width only: character and word
                // spacing move the pen but belong to the gap after it, which
                // is what tells letter-spaced words apart.
                let (dx, dy) = match vertical {
                    Some(_) => (glyph_w * m[2], glyph_w * m[3]),
                    None => (glyph_w * m[0], glyph_w * m[1]),
                };
                let size = (fs * em_scale).abs() * (m[2] * m[2] + m[3] * m[3]).sqrt();
                let (ca, cb) = (trm[0].abs(), trm[1].abs());
                // Text set at an angle (watermarks, figure labels) is laid
                // out in its own rotated frame rather than snapped to an axis.
                let skewed = ca.min(cb) > 0.1 * ca.max(cb);
                let dir = if vertical.is_some() {
                    // A column is read along its advance, like text turned
                    // a quarter: downwards, columns from the right.
                    if dy.abs() >= dx.abs() {
                        if dy <= 0.0 {
                            3
                        } else {
                            1
                        }
                    } else if dx >= 0.0 {
                        0
                    } else {
                        2
                    }
                } else if skewed {
                    4
                } else if trm[0].abs() >= trm[1].abs() {
                    if trm[0] >= 0.0 {
                        0
                    } else {
                        2
                    }
                } else if trm[1] > 0.0 {
                    1
                } else {
                    3
                };
                let start = out.text.len();
                for c in text.chars() {
                    push_normalized(&mut out.text, c);
                }
                let space = out.text[start..].chars().all(char::is_whitespace);
                if trm[4].is_finite() && trm[5].is_finite() && size.is_finite() {
                    out.glyphs.push(PlacedGlyph {
                        x: trm[4],
                        y: trm[5],
                        dx,
                        dy,
                        size,
                        dir,
                        angle: if skewed { trm[1].atan2(trm[0]) } else { 0.0 },
                        start: start as u32,
                        len: (out.text.len() - start) as u32,
                        space,
                    });
                } else {
                    out.text.truncate(start);
                }
            }
            tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], &tm);
        });
        self.tm = tm;
    }

    fn do_xobject(
        &mut self,
        resources: Option<&Dictionary>,
        name: &[u8],
    ) -> Result<(), ExtractError> {
        let doc = self.doc;
        let Some(Object::Reference(id)) = resources
            .and_then(|r| dict_get(doc, r, b"XObject"))
            .and_then(|x| x.as_dict().ok())
            .and_then(|x| x.get(name).ok())
        else {
            return Ok(());
        };
        if self.xobject_stack.len() >= self.limits.max_xobject_depth
            || self.xobject_stack.contains(id)
        {
            return Ok(());
        }
        let Ok(Object::Stream(stream)) = doc.get_object(*id) else {
            return Ok(());
        };
        if stream.dict.get(b"Subtype").and_then(|o| o.as_name()).ok() != Some(b"Form") {
            return Ok(());
        }
        self.draw_form(*id, stream, resources)
    }

    /// Draws the appearances of a page's annotations, the way a viewer shows
    /// them: form field values, free-text notes and stamps are text on the
    /// page too. `fallback` stands in for appearances without resources
    /// (the interactive form's default resources).
    pub(crate) fn draw_annotations(
        &mut self,
        page: &'a Dictionary,
        fallback: Option<&'a Dictionary>,
    ) -> Result<(), ExtractError> {
        let doc = self.doc;
        let Some(annots) = dict_get(doc, page, b"Annots").and_then(|a| a.as_array().ok()) else {
            return Ok(());
        };
        for annot in annots.iter().take(10_000) {
            let Some(annot) = deref(doc, annot).and_then(|a| a.as_dict().ok()) else {
                continue;
            };
            // Hidden (2) and not-viewable (32) annotations are not shown.
            let flags = dict_get(doc, annot, b"F")
                .and_then(|f| f.as_i64().ok())
                .unwrap_or(0);
            if flags & (2 | 32) != 0 {
                continue;
            }
            let Some((id, stream)) = appearance(doc, annot) else {
                continue;
            };
            let rect = number_array(doc, annot, b"Rect");
            if rect.len() != 4 {
                continue;
            }
            let saved = (self.gs.clone(), self.tm, self.tlm, self.stack.len());
            self.gs.ctm = appearance_matrix(doc, stream, &rect);
            let r = self.draw_form(id, stream, fallback);
            self.gs = saved.0;
            self.tm = saved.1;
            self.tlm = saved.2;
            self.stack.truncate(saved.3);
            r?;
        }
        Ok(())
    }

    /// Runs a form XObject's content with its resources and matrix.
    fn draw_form(
        &mut self,
        id: ObjectId,
        stream: &lopdf::Stream,
        resources: Option<&Dictionary>,
    ) -> Result<(), ExtractError> {
        let doc = self.doc;
        let id = &id;
        if self.xobject_stack.len() >= self.limits.max_xobject_depth
            || self.xobject_stack.contains(id)
        {
            return Ok(());
        }
        if Instant::now() > self.deadline {
            return Err(ExtractError::Timeout);
        }
        // Forms are often drawn many times (logos, repeated figures).
        let content = match self.forms.get(id) {
            Some(c) => c.clone(),
            None => {
                let c = Arc::new(decode_stream(stream, self.limits.max_stream_bytes)?);
                // Only small forms are kept, so the cache cannot hold many
                // large streams at once.
                if c.len() <= 1 << 20 && self.forms.len() < 64 {
                    self.forms.insert(*id, c.clone());
                }
                c
            }
        };
        let form_res = dict_get(doc, &stream.dict, b"Resources")
            .and_then(|o| o.as_dict().ok())
            .or(resources);
        let matrix = number_array(doc, &stream.dict, b"Matrix");
        let saved = (self.gs.clone(), self.tm, self.tlm, self.stack.len());
        if matrix.len() == 6 {
            let m = [
                matrix[0], matrix[1], matrix[2], matrix[3], matrix[4], matrix[5],
            ];
            self.gs.ctm = mul(&m, &self.gs.ctm);
        }
        self.xobject_stack.push(*id);
        let r = self.run(&content, form_res);
        self.xobject_stack.pop();
        self.gs = saved.0;
        self.tm = saved.1;
        self.tlm = saved.2;
        self.stack.truncate(saved.3);
        r
    }
}

/// The numbers of an array entry, resolved; empty if it is not one.
fn number_array(doc: &Document, d: &Dictionary, key: &[u8]) -> Vec<f32> {
    dict_get(doc, d, key)
        .and_then(|o| o.as_array().ok())
        .map(|a| {
            a.iter()
                .filter_map(|o| match deref(doc, o) {
                    Some(Object::Integer(i)) => Some(*i as f32),
                    Some(Object::Real(r)) => Some(*r),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An annotation's normal appearance: the stream itself, or the one its
/// appearance state (`/AS`) picks.
fn appearance<'d>(
    doc: &'d Document,
    annot: &'d Dictionary,
) -> Option<(ObjectId, &'d lopdf::Stream)> {
    let normal = dict_get(doc, annot, b"AP")?
        .as_dict()
        .ok()?
        .get(b"N")
        .ok()?;
    let chosen = match deref(doc, normal)? {
        Object::Dictionary(states) => {
            let state = dict_get(doc, annot, b"AS")?.as_name().ok()?;
            states.get(state).ok()?
        }
        _ => normal,
    };
    let Object::Reference(id) = chosen else {
        return None;
    };
    let stream = doc.get_object(*id).ok()?.as_stream().ok()?;
    Some((*id, stream))
}

/// The matrix that places an appearance stream on its annotation's
/// rectangle: the form's box, after its own matrix, scaled and moved onto
/// the rectangle (the form's matrix itself is applied when it is drawn).
fn appearance_matrix(doc: &Document, stream: &lopdf::Stream, rect: &[f32]) -> Matrix {
    let bbox = number_array(doc, &stream.dict, b"BBox");
    let m = number_array(doc, &stream.dict, b"Matrix");
    let m: Matrix = if m.len() == 6 {
        [m[0], m[1], m[2], m[3], m[4], m[5]]
    } else {
        IDENTITY
    };
    let (rx0, rx1) = (rect[0].min(rect[2]), rect[0].max(rect[2]));
    let (ry0, ry1) = (rect[1].min(rect[3]), rect[1].max(rect[3]));
    if bbox.len() != 4 {
        return [1.0, 0.0, 0.0, 1.0, rx0, ry0];
    }
    let corners = [
        (bbox[0], bbox[1]),
        (bbox[0], bbox[3]),
        (bbox[2], bbox[1]),
        (bbox[2], bbox[3]),
    ];
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (x, y) in corners {
        let (tx, ty) = (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]);
        x0 = x0.min(tx);
        y0 = y0.min(ty);
        x1 = x1.max(tx);
        y1 = y1.max(ty);
    }
    let scale = |r: f32, b: f32| if b > 1e-6 && r > 1e-6 { r / b } else { 1.0 };
    let (sx, sy) = (scale(rx1 - rx0, x1 - x0), scale(ry1 - ry0, y1 - y0));
    let a = [sx, 0.0, 0.0, sy, rx0 - x0 * sx, ry0 - y0 * sy];
    if a.iter().all(|v| v.is_finite()) {
        a
    } else {
        IDENTITY
    }
}

/// Decodes a PDF text string: UTF-16 with a byte order mark, else PDFDocEncoding.
pub(super) fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return super::cmap::utf16be_to_string(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let table = super::encoding::base_table(b"PDFDocEncoding");
    bytes
        .iter()
        .filter_map(|&b| table.and_then(|t| t[b as usize]))
        .collect()
}

fn push_bounded(operands: &mut Vec<Operand>, op: Operand) {
    // Real operators take at most six operands; a long run means garbage.
    if operands.len() < 32 {
        operands.push(op);
    }
}

/// Operators that cannot sit inside a `TJ` array: meeting one means the
/// array was never closed, and the operator is run rather than swallowed.
fn ends_unclosed_array(op: &[u8]) -> bool {
    matches!(
        op,
        b"BT"
            | b"ET"
            | b"Tj"
            | b"TJ"
            | b"'"
            | b"\""
            | b"Td"
            | b"TD"
            | b"Tm"
            | b"T*"
            | b"Tf"
            | b"q"
            | b"Q"
            | b"cm"
            | b"Do"
            | b"BI"
            | b"BMC"
            | b"BDC"
            | b"EMC"
    )
}

fn read_array(lex: &mut Lexer, depth: u32) -> Operand {
    let mut items = Vec::new();
    loop {
        let before = lex.mark();
        let Some(tok) = lex.next() else { break };
        let item = match tok {
            Token::ArrayEnd => break,
            Token::Number(n) => Operand::Num(n),
            Token::Str(s) | Token::HexStr(s) => Operand::Str(s),
            Token::Name(n) => Operand::Name(n.to_vec()),
            Token::ArrayStart if depth < 8 => read_array(lex, depth + 1),
            Token::DictStart => {
                skip_dict(lex);
                Operand::Other
            }
            Token::Keyword(k) if ends_unclosed_array(k) => {
                lex.rewind(before);
                break;
            }
            // Stray operators and bare signs inside an array are ignored,
            // as viewers do.
            Token::Keyword(_) => continue,
            _ => Operand::Other,
        };
        if items.len() < 100_000 {
            items.push(item);
        }
    }
    Operand::Array(items)
}

/// Reads an inline dictionary, returning its `/ActualText` string if any.
fn read_dict_actual_text(lex: &mut Lexer) -> Option<Vec<u8>> {
    let mut depth = 1u32;
    let mut actual = None;
    let mut after_key = false;
    for tok in lex.by_ref() {
        match tok {
            Token::DictStart => depth += 1,
            Token::DictEnd => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Token::Name(b"ActualText") if depth == 1 => {
                after_key = true;
                continue;
            }
            Token::Str(v) | Token::HexStr(v) if after_key => actual = Some(v),
            _ => {}
        }
        after_key = false;
    }
    actual
}

/// Skips an inline dictionary, nested ones included.
fn skip_dict(lex: &mut Lexer) {
    read_dict_actual_text(lex);
}
