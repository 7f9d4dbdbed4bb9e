//! Page layout for the extract stage of the pipeline (PDF bytes -> text per
//! page): groups positioned glyphs into words, lines and columns and writes
//! them out in reading order.

use std::borrow::Cow;

use super::bidi;
use super::encoding::{combining_of, compose};
use super::interp::{PageGlyphs, PlacedGlyph};

/// A gap wider than this fraction of the font size separates two words.
const WORD_GAP: f32 = 0.12;

/// Between glyphs of different sizes, a gap wider than this fraction of the
/// font size separates two words.
const SIZE_CHANGE_GAP: f32 = 0.03;

/// A word: consecutive glyphs on one baseline without a word gap.
#[derive(Debug, Clone)]
struct Run {
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
    /// Size of the last glyph, which scales the baseline tolerance.
    last_size: f32,
    /// Baseline of the last glyph.
    last_y: f32,
    /// Whether an explicit space glyph preceded this word.
    space_before: bool,
    /// Extent of the last glyph and whether it is a spacing accent.
    last: (f32, f32, bool),
    text: String,
}

/// Words sharing a baseline (sub- and superscripts included), left to right.
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
        3 => (-g.y, g.x, -g.dy),
        _ => {
            let (sin, cos) = g.angle.sin_cos();
            (
                g.x * cos + g.y * sin,
                g.y * cos - g.x * sin,
                g.dx * cos + g.dy * sin,
            )
        }
    }
}

/// Folds a spacing accent and the letter it is drawn over into one
/// precomposed character, as TeX builds accented letters from two glyphs.
fn merge_accent(
    run: &mut Run,
    x: f32,
    x_end: f32,
    y: f32,
    size: f32,
    single: Option<char>,
    mark: Option<char>,
) -> bool {
    let (lx0, lx1, last_is_mark) = run.last;
    let near = (y - run.y).abs() < 0.6 * size;
    if !near {
        return false;
    }
    // Accent after its letter.
    if let Some(m) = mark {
        let cx = (x + x_end) / 2.0;
        if !last_is_mark && cx > lx0 && cx < lx1 {
            if let Some(c) = run.text.chars().last().and_then(|b| compose(b, m)) {
                run.text.pop();
                run.text.push(c);
                return true;
            }
        }
        return false;
    }
    // Letter after its accent.
    if let (true, Some(b)) = (last_is_mark, single) {
        let cx = (lx0 + lx1) / 2.0;
        if cx > x && cx < x_end {
            let m = run.text.chars().last().and_then(combining_of);
            if let Some(c) = m.and_then(|m| compose(b, m)) {
                run.text.pop();
                run.text.push(c);
                run.x1 = run.x1.max(x_end);
                run.last = (x, x_end, false);
                return true;
            }
        }
    }
    false
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
        let mut chars = text.chars();
        let single = chars.next().filter(|_| chars.next().is_none());
        let mark = single.and_then(combining_of);
        if let Some(run) = cur.as_mut() {
            if merge_accent(run, x, x_end, y, size, single, mark) {
                continue;
            }
            let gap = x - run.x1;
            // A shifted baseline (an index, an exponent) ends the word, as
            // in pdftotext, but a size change alone (scaled small caps) does
            // not; an accent is raised and centred over its letter, so it
            // gets more room.
            // A size change with a gap, though, is where pdftotext ends a
            // word even when the gap is narrower than a word space.
            let resized = (size - run.last_size).abs() > 0.01 * size.max(run.last_size);
            let (dy_tol, gap_tol) = if mark.is_some() {
                (0.6, 0.5)
            } else if resized {
                (0.1, SIZE_CHANGE_GAP)
            } else {
                (0.1, WORD_GAP)
            };
            // The baseline is followed glyph to glyph, so that a line set at
            // a slight angle stays one line of words.
            let same_word = (y - run.last_y).abs() <= dy_tol * size.min(run.last_size)
                && gap > -0.6 * size
                && gap <= gap_tol * size
                && !pending_space;
            if same_word {
                run.text.push_str(text);
                run.x1 = run.x1.max(x_end);
                run.size = run.size.max(size);
                run.last_size = size;
                run.last_y = y;
                run.last = (x, x_end, mark.is_some());
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
            last_y: y,
            space_before,
            last: (x, x_end, mark.is_some()),
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
                // A bigger run becomes the line's baseline when it carries
                // at least as much text as the line so far (the base after
                // an exponent); a lone large symbol between two lines must
                // not pull the next line in.
                let so_far: usize = line.runs.iter().map(|x| x.text.len()).sum();
                if r.size > line.size && r.x1 > r.x0 && r.text.len() >= so_far {
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

/// The gap below which the letters of a letter-spaced line belong together.
///
/// A line made only of single letters is text set with wide tracking (a
/// heading, or character spacing on every glyph): its narrowest gap is the
/// tracking, and only clearly wider gaps separate words.
fn tracking_gap(line: &Line) -> Option<f32> {
    if line.runs.len() < 2 || line.runs.iter().any(|r| r.text.chars().nth(1).is_some()) {
        return None;
    }
    let min = line
        .runs
        .windows(2)
        .map(|w| w[1].x0 - w[0].x1)
        .fold(f32::INFINITY, f32::min);
    (min > 0.0 && min.is_finite()).then(|| (1.3 * min).min(0.4 * line.size))
}

fn line_text(line: &Line) -> String {
    let mut s = String::new();
    let mut prev: Option<&Run> = None;
    let mut prev_x1 = f32::NEG_INFINITY;
    let tracking = tracking_gap(line);
    for r in &line.runs {
        if let Some(p) = prev {
            let small = r.size.min(p.size);
            // The same word drawn twice at nearly one spot fakes bold or a
            // shadow; pdftotext keeps one copy.
            if r.text == p.text
                && (r.x0 - p.x0).abs() < 0.3 * small
                && (r.y - p.y).abs() < 0.3 * small
            {
                continue;
            }
            // A shifted baseline (sub- or superscript) starts a new word, as
            // it does in pdftotext; so does a gap or an overlap.
            let shifted = (r.y - p.y).abs() > 0.1 * small;
            let gap = r.x0 - prev_x1;
            let resized = (r.size - p.last_size).abs() > 0.01 * r.size.max(p.last_size);
            let wide = match tracking {
                Some(t) => gap >= t,
                None if resized => gap > SIZE_CHANGE_GAP * small,
                None => gap > WORD_GAP * small,
            };
            if shifted || r.space_before || wide || r.x0 < prev_x1 - 0.5 * small {
                s.push(' ');
            }
        }
        s.push_str(&r.text);
        prev_x1 = prev_x1.max(r.x1);
        prev = Some(r);
    }
    s
}

/// Finds a vertical gutter that splits the runs into two columns: its centre and width.
fn find_gutter(runs: &[Run]) -> Option<(f32, f32)> {
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
    // Difference array: coverage of every bin in one pass over the runs.
    let mut delta = vec![0i64; bins + 2];
    for r in runs {
        let a = (((r.x0 - x0) / bw) as usize).min(bins);
        let b = (((r.x1 - x0) / bw) as usize).min(bins).max(a);
        delta[a] += 1;
        delta[b + 1] -= 1;
    }
    let mut cover = vec![0u32; bins + 1];
    let mut acc = 0i64;
    for (c, d) in cover.iter_mut().zip(&delta) {
        acc += d;
        *c = acc.max(0) as u32;
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
    Some((gx, best_len as f32 * bw))
}

/// Orders runs into lines, reading detected columns one after another.
fn order(mut runs: Vec<Run>, depth: u32, out: &mut Vec<Line>) {
    let gutter = if depth < 3 { find_gutter(&runs) } else { None };
    let Some((gx, gw)) = gutter else {
        out.extend(group_lines(runs));
        return;
    };
    // Cluster words by baseline so that spanning is decided per line: a
    // line with a word across the gutter, or with only a word space where
    // the gutter would be, belongs to neither column (titles, wide figures).
    runs.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x0.total_cmp(&b.x0)));
    let mut groups: Vec<Vec<Run>> = Vec::new();
    for r in runs {
        match groups.last_mut() {
            Some(g) if (g[0].y - r.y).abs() < 0.2 * g[0].size.min(r.size) => g.push(r),
            _ => groups.push(vec![r]),
        }
    }
    let mut spans: Vec<Vec<Run>> = Vec::new();
    let mut rest: Vec<Run> = Vec::new();
    for mut g in groups {
        g.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        let crosses = g.iter().any(|r| r.x0 < gx && r.x1 > gx);
        let bridged = g
            .windows(2)
            .any(|w| w[0].x1 <= gx && w[1].x0 >= gx && w[1].x0 - w[0].x1 < 0.5 * gw);
        if crosses || bridged {
            spans.push(g);
        } else {
            rest.extend(g);
        }
    }
    // Spanning lines cut the page into bands; within a band the left column
    // is read before the right.
    let mut bands: Vec<(Vec<Run>, Vec<Run>)> = (0..=spans.len())
        .map(|_| (Vec::new(), Vec::new()))
        .collect();
    for r in rest {
        let band = spans.partition_point(|s| s[0].y > r.y + 0.3 * r.size.min(s[0].size));
        if r.x1 <= gx {
            bands[band].0.push(r);
        } else {
            bands[band].1.push(r);
        }
    }
    let mut span_iter = spans.into_iter();
    for (left, right) in bands {
        order(left, depth + 1, out);
        order(right, depth + 1, out);
        if let Some(s) = span_iter.next() {
            out.extend(group_lines(s));
        }
    }
}

/// Whether `next` is the line right below `line` in the same column, the
/// only place a hyphenated word continues (as in pdftotext, a word is not
/// rejoined across a column, a figure or a table).
fn continues(line: &Line, next: &Line) -> bool {
    let extent = |l: &Line| {
        l.runs
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), r| {
                (a.min(r.x0), b.max(r.x1))
            })
    };
    let (a0, a1) = extent(line);
    let (b0, b1) = extent(next);
    let drop = line.y - next.y;
    let size = line.size.max(next.size);
    drop > 0.0 && drop < 2.5 * size && a0.max(b0) < a1.min(b1)
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{00AD}')
}

/// Lays out one page's glyphs as text: lines separated by newlines.
pub(crate) fn layout(page: &PageGlyphs) -> String {
    let mut lines: Vec<Line> = Vec::new();
    for dir in 0..5u8 {
        let runs = build_runs(page, dir);
        if !runs.is_empty() {
            order(runs, 0, &mut lines);
        }
    }
    let texts: Vec<String> = lines
        .iter()
        .map(|l| {
            let visual = line_text(l);
            match bidi::logical_order(&visual) {
                Cow::Borrowed(_) => visual,
                Cow::Owned(logical) => logical,
            }
        })
        .collect();
    let mut out = String::new();
    for (i, t) in texts.iter().enumerate() {
        out.push_str(t);
        let next_letter = texts
            .get(i + 1)
            .and_then(|n| n.chars().next())
            .is_some_and(char::is_alphabetic);
        let mut chars = t.chars().rev();
        let ends_hyphen =
            chars.next().is_some_and(is_hyphen) && chars.next().is_some_and(char::is_alphabetic);
        if ends_hyphen && next_letter && continues(&lines[i], &lines[i + 1]) {
            // A word broken across lines: drop the hyphen and glue it back.
            out.pop();
        } else {
            out.push('\n');
        }
    }
    out
}
