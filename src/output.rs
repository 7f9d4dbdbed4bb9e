//! Output: renders what the pipeline stages return (search results, the topic tree, an entry,
//! reports) as text for people or JSON for scripts. Nothing here searches or fetches; nothing
//! elsewhere prints results.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::catalog::Entry;
use crate::search::{Hit, Matched, Results};

pub mod citations;
pub mod reports;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const MATCH: Style = AnsiColor::Red.on_default().bold();
const TITLE: Style = AnsiColor::Cyan.on_default().bold();
/// What ends any of the styles above.
const RESET: anstyle::Reset = anstyle::Reset;

/// Width of a snippet line, not counting its indent.
const SNIPPET_WIDTH: usize = 92;

/// Whether to colour output under `--color auto`: only on a terminal, and never when NO_COLOR
/// is set. The binary resolves `--color` once and hands the answer to every printer.
pub fn use_color(is_terminal: bool) -> bool {
    crate::cli::ColorChoice::Auto.resolve(is_terminal)
}

/// Failed ids listed per reason in a fetch summary; the rest are counted.
const FAILED_IDS_SHOWN: usize = 5;

/// Text from the catalog, a PDF or a server made safe for a terminal: control characters
/// (escape sequences among them) are dropped, tabs and line breaks become spaces.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// Writes human-readable output, with ANSI colour when asked to.
pub struct Printer<W: Write> {
    out: W,
    color: bool,
}

impl<W: Write> Printer<W> {
    /// Wraps a writer.
    pub fn new(out: W, color: bool) -> Self {
        Printer { out, color }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        let text = clean(text);
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.into_owned()
        }
    }

    /// Prints what the query was read as, ranked hits, then facet counts over the whole result
    /// set.
    pub fn results(&mut self, results: &Results) -> io::Result<()> {
        if let Some(query) = &results.showing_results_for {
            let line = format!("Showing results for \"{query}\".");
            writeln!(self.out, "{}\n", self.paint(BOLD, &line))?;
        }
        if let Some(query) = &results.did_you_mean {
            let line = format!("Did you mean \"{query}\"?");
            writeln!(self.out, "{}\n", self.paint(BOLD, &line))?;
        }
        if let Some(intent) = &results.intent {
            let line = format!("Read as {}.", intent.describe());
            writeln!(self.out, "{}\n", self.paint(DIM, &line))?;
        }
        if results.hits.is_empty() {
            match &results.emptied_by {
                Some(by) => writeln!(
                    self.out,
                    "No results for \"{}\" with {}; without {} it has {} result{}.",
                    clean(&results.query),
                    clean(&by.filters.join(", ")),
                    if by.filters.len() == 1 { "it" } else { "them" },
                    by.without,
                    plural(by.without)
                )?,
                None => writeln!(self.out, "No results for \"{}\".", clean(&results.query))?,
            }
            return Ok(());
        }
        for (rank, hit) in results.hits.iter().enumerate() {
            self.hit(rank + 1, hit)?;
        }
        let shown = results.hits.len();
        let mut summary = if results.total > shown {
            format!("{shown} of {} results", results.total)
        } else {
            format!("{} result{}", results.total, plural(results.total))
        };
        if let Some(sort) = results.sorted {
            summary.push_str(&format!(", {}", sort.describe()));
        }
        writeln!(self.out, "{}", self.paint(DIM, &summary))?;
        if !results.facets.topic.is_empty() {
            let line = facet_line(&results.facets.topic);
            writeln!(self.out, "{} {line}", self.paint(BOLD, "Topics:"))?;
        }
        if !results.facets.kind.is_empty() {
            let line = facet_line(&results.facets.kind);
            writeln!(self.out, "{} {line}", self.paint(BOLD, "Kinds:"))?;
        }
        Ok(())
    }

    fn hit(&mut self, rank: usize, hit: &Hit) -> io::Result<()> {
        let year = hit.year.map(|y| format!(" ({y})")).unwrap_or_default();
        writeln!(
            self.out,
            "{:>2}. {}{year}",
            rank,
            self.paint(TITLE, &hit.title)
        )?;
        let mut meta = Vec::new();
        if !hit.authors.is_empty() {
            meta.push(authors_short(&hit.authors));
        }
        if let Some(kind) = &hit.kind {
            meta.push(kind.clone());
        }
        if !hit.topics.is_empty() {
            meta.push(hit.topics.join(", "));
        }
        if hit.cited_by > 0 {
            meta.push(format!("cited by {}", hit.cited_by));
        }
        // Whether the words were looked for in the whole text or only in the summary.
        meta.push(
            if hit.full_text {
                "full text"
            } else {
                "summary only"
            }
            .to_string(),
        );
        if hit.matched == Matched::Meaning {
            // Brought in by meaning, not by the words' ranking: say why it is here.
            meta.push("found by meaning".to_string());
        }
        meta.push(hit.id.clone());
        writeln!(self.out, "    {}", self.paint(DIM, &meta.join(" · ")))?;
        if hit.passages.is_empty() {
            if !hit.snippet.is_empty() {
                // Control characters are replaced one for one, so the highlights still line up.
                let snippet = replace_controls(&hit.snippet);
                let text = self.highlight(&snippet, &hit.highlights);
                writeln!(self.out, "    {text}")?;
            }
        } else {
            for passage in &hit.passages {
                // The page or section label leads the passage, so the wrapping leaves room for it.
                let label = match (&passage.section, passage.page) {
                    (Some(section), _) => format!("§ {}: ", clean(section)),
                    (None, Some(p)) => format!("p. {p}: "),
                    (None, None) => String::new(),
                };
                let text = format!("{label}{}", replace_controls(&passage.text));
                let shift = label.len();
                let ranges: Vec<_> = passage
                    .highlights
                    .iter()
                    .map(|r| r.start + shift..r.end + shift)
                    .collect();
                writeln!(self.out, "    {}", self.highlight(&text, &ranges))?;
            }
        }
        writeln!(self.out)
    }

    /// Wraps a snippet to `SNIPPET_WIDTH` columns under a four-space indent, painting the
    /// matched ranges when colour is on.
    fn highlight(&self, text: &str, ranges: &[std::ops::Range<usize>]) -> String {
        let breaks = wrap_points(text, SNIPPET_WIDTH);
        let mut out = String::new();
        let mut in_match = false;
        for (i, ch) in text.char_indices() {
            let starts = self.color && ranges.iter().any(|r| r.start == i);
            let ends = self.color && in_match && ranges.iter().any(|r| r.end == i);
            if ends {
                out.push_str(&RESET.to_string());
                in_match = false;
            }
            if breaks.contains(&i) {
                out.push_str("\n    ");
                continue;
            }
            if starts && !in_match {
                out.push_str(&MATCH.to_string());
                in_match = true;
            }
            out.push(ch);
        }
        if in_match {
            out.push_str(&RESET.to_string());
        }
        out
    }

    /// Prints the topic tree, indented by depth, with counts.
    pub fn topics(&mut self, counts: &BTreeMap<String, usize>) -> io::Result<()> {
        for (topic, n) in counts {
            let depth = topic.matches('/').count();
            let name = topic.rsplit('/').next().unwrap_or(topic);
            writeln!(self.out, "{}{} ({n})", "  ".repeat(depth), clean(name))?;
        }
        Ok(())
    }

    /// Prints an entry and what is known locally about it.
    pub fn entry(&mut self, entry: &Entry, status: &[(String, String)]) -> io::Result<()> {
        writeln!(self.out, "{}", self.paint(TITLE, &entry.title))?;
        let mut rows: Vec<(&str, String)> = vec![("id", entry.id.clone())];
        if !entry.authors.is_empty() {
            rows.push(("authors", entry.authors.join(", ")));
        }
        if let Some(y) = entry.year {
            rows.push(("year", y.to_string()));
        }
        if let Some(k) = &entry.kind {
            rows.push(("kind", k.clone()));
        }
        if !entry.topics.is_empty() {
            rows.push(("topics", entry.topics.join(", ")));
        }
        if let Some(a) = entry.access {
            rows.push(("access", a.to_string()));
        }
        rows.push(("sources", entry.sources.join(", ")));
        for (i, url) in entry.urls.iter().enumerate() {
            rows.push((if i == 0 { "url" } else { "mirror" }, url.clone()));
        }
        for (k, v) in status {
            rows.push((k.as_str(), v.clone()));
        }
        for (k, v) in rows {
            writeln!(self.out, "  {:<9} {}", self.paint(BOLD, k), clean(&v))?;
        }
        if !entry.summary.is_empty() {
            writeln!(self.out)?;
            for line in wrap(&clean(&entry.summary), 88) {
                writeln!(self.out, "  {line}")?;
            }
        }
        Ok(())
    }
}

impl<W: Write> Printer<W> {
    /// Prints how much of the catalog has full text: overall, by source, by kind, then the
    /// reasons the rest has none, each with its first few ids.
    pub fn coverage(&mut self, summary: &crate::coverage::Summary) -> io::Result<()> {
        let all = &summary.overall;
        let line = format!(
            "Full text: {} of {} entries ({}%).",
            all.with_text,
            all.entries,
            percent(all.with_text, all.entries)
        );
        writeln!(self.out, "{}", self.paint(BOLD, &line))?;
        if !all.by_source.is_empty() {
            writeln!(self.out, "  from: {}", source_line(&all.by_source))?;
        }
        writeln!(self.out, "{}", self.paint(BOLD, "By kind:"))?;
        let width = summary
            .kinds
            .keys()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0);
        for (kind, c) in &summary.kinds {
            let from = if c.by_source.is_empty() {
                String::new()
            } else {
                format!("  ({})", source_line(&c.by_source))
            };
            let line = format!(
                "  {:<width$}  {:>3} of {:<3}{from}",
                clean(kind),
                c.with_text,
                c.entries
            );
            writeln!(self.out, "{}", line.trim_end())?;
        }
        let without = all.entries - all.with_text;
        if without > 0 {
            writeln!(
                self.out,
                "{}",
                self.paint(BOLD, &format!("Without text: {without}."))
            )?;
            let mut reasons: Vec<(&String, &Vec<String>)> = all.without.iter().collect();
            reasons.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
            let cut = reasons.iter().any(|(_, ids)| ids.len() > FAILED_IDS_SHOWN);
            for (why, ids) in reasons {
                writeln!(self.out, "  {} ({}): {}", clean(why), ids.len(), few(ids))?;
            }
            if cut {
                writeln!(
                    self.out,
                    "  `paperdex show ID` tells what happened to each; `status --json` lists them all."
                )?;
            }
        }
        if !summary.faults.is_empty() {
            let n = summary
                .faults
                .iter()
                .map(|f| f.id.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            let line = format!(
                "Failed inside paperdex: {n} document{} (please report it):",
                plural(n)
            );
            writeln!(self.out, "{}", self.paint(BOLD, &line))?;
            for f in &summary.faults {
                writeln!(
                    self.out,
                    "  {}: no {}: {}",
                    clean(&f.id),
                    f.stage.what(),
                    clean(&f.reason)
                )?;
            }
        }
        Ok(())
    }
}

/// Counts by source, largest first: `PDF 98, web page 20`.
fn source_line(counts: &BTreeMap<String, usize>) -> String {
    let mut items: Vec<(&String, &usize)> = counts.iter().collect();
    items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    items
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first few ids of a list and a count of the rest, as fetch summaries show them.
fn few(ids: &[String]) -> String {
    first_few(ids, FAILED_IDS_SHOWN)
}

/// The first `few` items of a list, joined with commas, and how many more there are: the one
/// way every summary names a long list of entries (`a, b, c and 12 more`).
pub fn first_few<S: AsRef<str>>(items: &[S], few: usize) -> String {
    let mut line = items
        .iter()
        .take(few)
        .map(|s| clean(s.as_ref()).into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > few {
        line.push_str(&format!(" and {} more", items.len() - few));
    }
    line
}

fn percent(part: usize, whole: usize) -> usize {
    (part * 100).checked_div(whole).unwrap_or(0)
}

/// A text with each control character replaced by spaces, byte for byte, so that highlight
/// ranges still line up: a C1 control such as U+0085 has two bytes.
fn replace_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Facet counts as one line, largest first: `consensus 3 · storage 2`.
fn facet_line(counts: &BTreeMap<String, u64>) -> String {
    let mut items: Vec<(&String, &u64)> = counts.iter().collect();
    items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    items
        .iter()
        .map(|(k, n)| format!("{k} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn authors_short(authors: &[String]) -> String {
    match authors.len() {
        0 => String::new(),
        1 | 2 => authors.join(", "),
        _ => format!("{} et al.", authors[0]),
    }
}

/// Byte offsets of the spaces where a line of `width` characters should break.
fn wrap_points(text: &str, width: usize) -> Vec<usize> {
    let mut points = Vec::new();
    let mut line_start = 0;
    let mut last_space = None;
    let mut col = 0;
    for (i, ch) in text.char_indices() {
        if ch == ' ' {
            last_space = Some(i);
        }
        col += 1;
        if col > width {
            if let Some(sp) = last_space.filter(|&sp| sp > line_start) {
                points.push(sp);
                line_start = sp;
                // Characters from after the break up to and including this one.
                col = text[sp..i + ch.len_utf8()].chars().count() - 1;
                last_space = None;
            }
        }
    }
    points
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Prints the summary of a fetch run: counts, then failures grouped by reason with their ids.
pub fn fetch_report<W: Write>(
    out: &mut W,
    report: &crate::fetch::FetchReport,
    quiet: bool,
) -> io::Result<()> {
    if !quiet {
        let mut how = Vec::new();
        if !report.web_pages.is_empty() {
            let n = report.web_pages.len();
            how.push(format!("{n} web page{}", plural(n)));
        }
        if !report.landing.is_empty() {
            how.push(format!("{} through a landing page", report.landing.len()));
        }
        let how = if how.is_empty() {
            String::new()
        } else {
            format!(" ({})", how.join(", "))
        };
        writeln!(
            out,
            "Fetch: {} fetched{how}, {} unchanged, {} failed; skipped: {} without URL, {} not open access.",
            report.fetched.len(),
            report.unchanged.len(),
            report.failed.len(),
            report.skipped_no_url.len(),
            report.skipped_not_open.len(),
        )?;
    }
    if report.network_down {
        writeln!(
            out,
            "No network: no host answered, so {} download{} failed; run again when online, or use `update --offline`.",
            report.failed.len(),
            plural(report.failed.len())
        )?;
        return Ok(());
    }
    let mut cut = false;
    for (reason, ids) in report.failed_by_reason() {
        let line = first_few(&ids, FAILED_IDS_SHOWN);
        cut |= ids.len() > FAILED_IDS_SHOWN;
        writeln!(out, "  {reason} ({}): {line}", ids.len())?;
    }
    if cut {
        writeln!(
            out,
            "  `paperdex show ID` tells what happened to each; `fetch --json` lists them all."
        )?;
    }
    for id in &report.unknown_only {
        writeln!(
            out,
            "warning: --only names {id}, which is not in the catalog"
        )?;
    }
    Ok(())
}

/// A fetch run as one JSON value: the ids of each outcome (and of those fetched, the web pages
/// and the PDFs found through a landing page), the failures with their reason and detail, and
/// whether the network was down.
pub fn fetch_json(report: &crate::fetch::FetchReport) -> reports::FetchJson<'_> {
    report.into()
}

/// What the data directory holds of an entry, as `show` prints it: label and value rows.
pub fn local_rows(local: &crate::coverage::Local) -> Vec<(String, String)> {
    use crate::coverage::{LocalText, Missing};
    let kb = |bytes: u64| bytes.div_ceil(1000);
    let mut rows = Vec::new();
    match (&local.document, &local.missing) {
        (Some(d), _) => rows.push((
            if d.page { "page" } else { "pdf" }.to_string(),
            format!("{} ({} KB)", d.path.display(), kb(d.bytes)),
        )),
        (None, missing) => {
            let why = match missing {
                Some(Missing::NotOpenAccess) => {
                    "none: not open access (`paperdex attach` adopts a copy)".to_string()
                }
                Some(Missing::NoUrl) => "none: no URL in the catalog".to_string(),
                Some(Missing::DownloadFailed(err)) => {
                    format!("none: the last download failed: {err}")
                }
                // After an offline update, "run update" is the advice just followed: say what
                // the next step needs, and the way without a network.
                _ => "not fetched yet: `paperdex update` downloads it when there is a network, \
                      `paperdex attach ID FILE` adopts a copy you have"
                    .to_string(),
            };
            // Nothing is here yet, and it may be a web page as well as a PDF.
            rows.push(("document".to_string(), why));
        }
    }
    if local.manifest_damaged {
        rows.push((
            "manifest".to_string(),
            "damaged: the next `paperdex fetch` or `update` sets it aside and rebuilds it"
                .to_string(),
        ));
    }
    for (label, value) in [
        ("landing", &local.landing),
        ("from", &local.from),
        ("sha256", &local.sha256),
    ] {
        if let Some(value) = value {
            rows.push((label.to_string(), value.clone()));
        }
    }
    if let Some(text) = &local.text {
        let state = match text {
            LocalText::Failed(err) => format!("none: {err}"),
            LocalText::Written {
                path,
                pages,
                sections,
            } => {
                let unit = if *sections { "section" } else { "page" };
                format!("{} ({pages} {unit}{})", path.display(), plural(*pages))
            }
        };
        rows.push(("text".to_string(), state));
    }
    rows
}

/// Prints a value as pretty JSON followed by a newline.
pub fn json<W: Write, T: serde::Serialize>(mut out: W, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::other)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_still_line_up_after_wide_control_characters() {
        // U+0085 and U+009B are two-byte controls; the ranges were made on the text with them.
        let p = Printer::new(Vec::new(), true);
        let text = "a\u{85}\u{9b}“clock”\t中";
        let at = text.find("clock").unwrap();
        let shown = replace_controls(text);
        assert_eq!(shown.len(), text.len());
        assert_eq!(
            p.highlight(&shown, std::slice::from_ref(&(at..at + 5))),
            format!("a    “{MATCH}clock{RESET}” 中")
        );
    }

    #[test]
    fn highlight_only_with_color() {
        let p = Printer::new(Vec::new(), true);
        assert_eq!(
            p.highlight("a clock", std::slice::from_ref(&(2..7))),
            format!("a {MATCH}clock{RESET}")
        );
        assert_eq!(
            p.highlight("a clock b", std::slice::from_ref(&(2..7))),
            format!("a {MATCH}clock{RESET} b")
        );
        let p = Printer::new(Vec::new(), false);
        assert_eq!(
            p.highlight("a clock", std::slice::from_ref(&(2..7))),
            "a clock"
        );
    }

    #[test]
    fn facet_line_sorts_by_count() {
        let mut m = BTreeMap::new();
        m.insert("b".to_string(), 1);
        m.insert("a".to_string(), 3);
        m.insert("c".to_string(), 3);
        assert_eq!(facet_line(&m), "a (3), c (3), b (1)");
    }

    #[test]
    fn snippets_wrap_at_spaces() {
        let text = "aaaa bbbb cccc dddd";
        assert_eq!(wrap_points(text, 9), vec![9]);
        // A multi-byte character right where a line overflows.
        assert_eq!(wrap_points("ab cd…", 5), vec![2]);
        assert_eq!(wrap_points("aé bé cé", 5), vec![7]);
        let p = Printer::new(Vec::new(), false);
        let long = "word ".repeat(30);
        let out = p.highlight(long.trim(), &[]);
        assert!(
            out.lines().all(|l| l.trim_start().len() <= SNIPPET_WIDTH),
            "{out}"
        );
        assert_eq!(out.replace("\n    ", " "), long.trim());
    }

    #[test]
    fn wrapping_and_highlighting_never_split_a_character() {
        let alphabet = ['a', ' ', 'é', '…', '中'];
        let p = Printer::new(Vec::new(), true);
        // Every string of up to six characters over a mixed-width alphabet, in base 5.
        for n in 0..5usize.pow(6) {
            let mut text = String::new();
            let mut k = n;
            while k > 0 {
                text.push(alphabet[k % 5]);
                k /= 5;
            }
            let ends: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            let range = match (ends.first(), ends.last()) {
                (Some(&a), Some(&b)) if a < b => Some(a..b),
                _ => None,
            };
            for width in 1..5 {
                for point in wrap_points(&text, width) {
                    assert!(text.is_char_boundary(point), "{text:?} at {width}");
                }
            }
            let out = p.highlight(&text, range.as_slice());
            let plain = out
                .replace(&MATCH.to_string(), "")
                .replace(&RESET.to_string(), "");
            assert_eq!(plain, text);
        }
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(clean("plain"), "plain");
        assert_eq!(clean("a\x1b[2Jb\tc\u{9b}d"), "a[2Jb cd");
        let mut p = Printer::new(Vec::new(), false);
        p.topics(&BTreeMap::from([("a\x07b".to_string(), 1)]))
            .unwrap();
        assert_eq!(String::from_utf8(p.out).unwrap(), "ab (1)\n");
    }

    #[test]
    fn wrap_keeps_words() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
    }
}
