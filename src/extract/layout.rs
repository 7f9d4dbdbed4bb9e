//! Page layout for the extract stage of the pipeline (PDF bytes -> text per
//! page): groups positioned glyphs into words, lines and columns and writes
//! them out in reading order.

use super::interp::{PageGlyphs, PlacedGlyph};

/// A gap wider than this fraction of the font size separates two words.
const WORD_GAP: f32 = 0.15;

/// A word: consecutive glyphs on one baseline without a word gap.
#[derive(Debug, Clone)]
struct Run {
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
    /// Size of the last glyph, to notice a size change.
    last_size: f32,
    /// Whether an explicit space glyph preceded this word.
    space_before: bool,
    text: String,
}

struct Line {
    y: f32,
    size: f32,
    runs: Vec<Run>,
}

/// Rotates a glyph into a frame where its reading direction is +x.
fn upright(g: &PlacedGlyph) -> (f32, f32, f32) {
    match g.dir {
        0 => (g.x, g.y, g.dx),
        1 => (g.y, -g.x, g.dy),
        2 => (-g.x, -g.y, -g.dx),
        _ => (-g.y, g.x, -g.dy),
    }
}

fn build_runs(page: &PageGlyphs, dir: u8) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut cur: Option<Run> = None;
    let mut pending_space = false;
    let mut last: Option<(f32, f32, u32, u32)> = None;
    for g in page.glyphs.iter().filter(|g| g.dir == dir) {
        let (x, y, adv) = upright(g);
        let size = if g.size > 0.1 { g.size } else { 1.0 };
        let text = &page.text[g.start as usize..(g.start + g.len) as usize];
        // Text drawn twice at almost the same spot fakes bold; keep one copy.
        if let Some((lx, ly, ls, ll)) = last {
            if (lx - x).abs() < 0.1 * size
                && (ly - y).abs() < 0.1 * size
                && &page.text[ls as usize..(ls + ll) as usize] == text
                && !g.space
            {
                continue;
            }
        }
        if !g.space {
            last = Some((x, y, g.start, g.len));
        }
        let x_end = x + adv.max(0.0);
        if g.space {
            if cur.is_some() {
                pending_space = true;
            }
            continue;
        }
        let mut space_before = false;
        if let Some(run) = cur.as_mut() {
            let gap = x - run.x1;
            // A change of size or baseline (an index, an exponent) ends the
            // word, as pdftotext does.
            let same_word = (y - run.y).abs() <= 0.1 * size.min(run.last_size)
                && size <= 1.2 * run.last_size
                && run.last_size <= 1.2 * size
                && gap > -0.6 * size
                && gap <= WORD_GAP * size
                && !pending_space;
            if same_word {
                run.text.push_str(text);
                run.x1 = run.x1.max(x_end);
                run.size = run.size.max(size);
                run.last_size = size;
                continue;
            }
            space_before = pending_space && (y - run.y).abs() < 0.3 * size;
        }
        if let Some(run) = cur.take() {
            runs.push(run);
        }
        pending_space = false;
        cur = Some(Run {
            x0: x,
            x1: x_end,
            y,
            size,
            last_size: size,
            space_before,
            text: text.to_string(),
        });
    }
    if let Some(run) = cur.take() {
        runs.push(run);
    }
    for r in &mut runs {
        let t = r.text.trim_end().len();
        r.text.truncate(t);
    }
    runs.retain(|r| !r.text.is_empty());
    runs
}

/// Groups runs into lines, top to bottom, each line left to right.
fn group_lines(mut runs: Vec<Run>) -> Vec<Line> {
    runs.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x0.total_cmp(&b.x0)));
    let mut lines: Vec<Line> = Vec::new();
    for r in runs {
        if let Some(line) = lines.last_mut() {
            let small = r.size.min(line.size);
            let close = (line.y - r.y).abs() < 0.35 * small;
            // Sub- and superscripts sit off the baseline but overlap it
            // vertically by most of their height.
            let (lo_a, hi_a) = (line.y - 0.25 * line.size, line.y + 0.75 * line.size);
            let (lo_b, hi_b) = (r.y - 0.25 * r.size, r.y + 0.75 * r.size);
            let overlap = hi_a.min(hi_b) - lo_a.max(lo_b);
            let big = r.size.max(line.size);
            let script = small < 0.85 * big
                && small > 0.3 * big
                && (line.y - r.y).abs() < 0.6 * big
                && overlap > 0.6 * small;
            if close || script {
                if r.size > line.size {
                    line.size = r.size;
                    line.y = r.y;
                }
                line.runs.push(r);
                continue;
            }
        }
        lines.push(Line {
            y: r.y,
            size: r.size,
            runs: vec![r],
        });
    }
    for l in &mut lines {
        l.runs.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    }
    lines
}

fn line_text(line: &Line) -> String {
    let mut s = String::new();
    let mut prev: Option<&Run> = None;
    let mut prev_x1 = f32::NEG_INFINITY;
    for r in &line.runs {
        if let Some(p) = prev {
            let small = r.size.min(p.size);
            // A shifted baseline (sub- or superscript) starts a new word, as
            // it does in pdftotext; so does a gap or an overlap.
            let shifted = (r.y - p.y).abs() > 0.1 * small;
            if shifted
                || r.space_before
                || r.x0 - prev_x1 > WORD_GAP * small
                || r.x0 < prev_x1 - 0.5 * small
            {
                s.push(' ');
            }
        }
        s.push_str(&r.text);
        prev_x1 = prev_x1.max(r.x1);
        prev = Some(r);
    }
    s
}

/// Finds a vertical gutter that splits the runs into two columns.
fn find_gutter(runs: &[Run]) -> Option<f32> {
    if runs.len() < 20 {
        return None;
    }
    let x0 = runs.iter().map(|r| r.x0).fold(f32::INFINITY, f32::min);
    let x1 = runs.iter().map(|r| r.x1).fold(f32::NEG_INFINITY, f32::max);
    let width = x1 - x0;
    let mut sizes: Vec<f32> = runs.iter().map(|r| r.size).collect();
    sizes.sort_by(f32::total_cmp);
    let median = sizes[sizes.len() / 2];
    if width.is_nan() || width <= 10.0 * median || width > 1e6 {
        return None;
    }
    let bins = 400usize;
    let bw = width / bins as f32;
    let mut cover = vec![0u32; bins + 1];
    for r in runs {
        let a = (((r.x0 - x0) / bw) as usize).min(bins);
        let b = (((r.x1 - x0) / bw) as usize).min(bins);
        for c in &mut cover[a..=b] {
            *c += 1;
        }
    }
    let lo = bins * 2 / 10;
    let hi = bins * 8 / 10;
    let min = *cover[lo..hi].iter().min()?;
    let mut used: Vec<u32> = cover.iter().copied().filter(|&c| c > 0).collect();
    used.sort_unstable();
    let typical = used.get(used.len() / 2).copied().unwrap_or(0);
    // A gutter is crossed by a few spanning words at most, while a column
    // bin is crossed by about one word per line.
    let threshold = min + (typical / 8).max(1);
    if threshold * 2 > typical {
        return None;
    }
    // Widest stretch of low coverage; its centre is the gutter.
    let (mut best, mut best_len, mut i) = (0usize, 0usize, lo);
    while i < hi {
        if cover[i] <= threshold {
            let s = i;
            while i < hi && cover[i] <= threshold {
                i += 1;
            }
            if i - s > best_len {
                best_len = i - s;
                best = s;
            }
        } else {
            i += 1;
        }
    }
    if (best_len as f32) * bw < 0.5 * median {
        return None;
    }
    let gx = x0 + (best as f32 + best_len as f32 / 2.0) * bw;
    let left = runs.iter().filter(|r| r.x1 <= gx).count();
    let right = runs.iter().filter(|r| r.x0 >= gx).count();
    if left * 6 < runs.len() || right * 6 < runs.len() || left < 3 || right < 3 {
        return None;
    }
    Some(gx)
}

/// Orders runs into lines, reading detected columns one after another.
fn order(runs: Vec<Run>, depth: u32, out: &mut Vec<Line>) {
    let gutter = if depth < 3 { find_gutter(&runs) } else { None };
    let Some(gx) = gutter else {
        out.extend(group_lines(runs));
        return;
    };
    // Runs crossing the gutter (titles, wide figures) cut the page into
    // bands; within a band the left column is read before the right.
    let (mut span, rest): (Vec<Run>, Vec<Run>) =
        runs.into_iter().partition(|r| r.x0 < gx && r.x1 > gx);
    span.sort_by(|a, b| b.y.total_cmp(&a.y));
    let mut bands: Vec<(Vec<Run>, Vec<Run>)> =
        (0..=span.len()).map(|_| (Vec::new(), Vec::new())).collect();
    for r in rest {
        let band = span.partition_point(|s| s.y > r.y + 0.3 * r.size.min(s.size));
        if r.x1 <= gx {
            bands[band].0.push(r);
        } else {
            bands[band].1.push(r);
        }
    }
    let mut span_iter = span.into_iter();
    for (left, right) in bands {
        order(left, depth + 1, out);
        order(right, depth + 1, out);
        if let Some(s) = span_iter.next() {
            out.extend(group_lines(vec![s]));
        }
    }
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{00AD}')
}

/// Lays out one page's glyphs as text: lines separated by newlines.
pub(crate) fn layout(page: &PageGlyphs) -> String {
    let mut lines: Vec<Line> = Vec::new();
    for dir in 0..4u8 {
        let runs = build_runs(page, dir);
        if !runs.is_empty() {
            order(runs, 0, &mut lines);
        }
    }
    let texts: Vec<String> = lines.iter().map(line_text).collect();
    let mut out = String::new();
    let mut i = 0;
    while i < texts.len() {
        let t = &texts[i];
        out.push_str(t);
        let next_letter = texts
            .get(i + 1)
            .and_then(|n| n.chars().next())
            .is_some_and(char::is_alphabetic);
        let mut chars = t.chars().rev();
        let ends_hyphen =
            chars.next().is_some_and(is_hyphen) && chars.next().is_some_and(char::is_alphabetic);
        if ends_hyphen && next_letter {
            // A word broken across lines: drop the hyphen and glue it back.
            out.pop();
        } else {
            out.push('\n');
        }
        i += 1;
    }
    out
}
