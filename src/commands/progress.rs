//! What the long-running commands show while the stages work: one progress bar on standard
//! error when it is a terminal (a line now and then about slow downloads, retries and the
//! pages of a long OCR when it is a log instead), drawn from the stages' events; nothing when
//! output is quiet.

use std::collections::HashMap;
use std::io::{self, IsTerminal};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use paperdex::fetch::{bytes_text, rate_text, seconds};
use paperdex::stage::{Event, Progress, Stage};

/// How long a download runs before its progress is shown, and how often after that, on a
/// standard error that is not a terminal.
const SLOW_AFTER: Duration = Duration::from_secs(10);

/// How often a long OCR says how far it got, on a standard error that is not a terminal.
const OCR_EVERY: Duration = Duration::from_secs(30);

/// The stages' progress on standard error.
pub struct Bar {
    bar: ProgressBar,
    quiet: bool,
    terminal: bool,
    /// The stage the bar shows now.
    stage: Mutex<Option<Stage>>,
    /// When each slow download or OCR last said how far it got, on a log rather than a
    /// terminal.
    shown: Mutex<HashMap<String, Instant>>,
}

impl Bar {
    /// A bar on standard error, drawn only when it is a terminal and output is not quiet.
    pub fn new(quiet: bool) -> Bar {
        let terminal = io::stderr().is_terminal();
        let bar = if quiet || !terminal {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {wide_msg}")
                    .expect("the progress template is valid")
                    .progress_chars("=> "),
            );
            bar
        };
        Bar {
            bar,
            quiet,
            terminal,
            stage: Mutex::new(None),
            shown: Mutex::new(HashMap::new()),
        }
    }

    /// Clears the bar, before a stage's summary is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Shows `stage` on the bar, from zero, when it is not the one shown already.
    fn enter(&self, stage: Stage) {
        let mut current = self.stage.lock().unwrap_or_else(|p| p.into_inner());
        if *current != Some(stage) {
            *current = Some(stage);
            self.bar.set_prefix(doing(stage));
            self.bar.set_position(0);
            self.bar.set_message("");
        }
    }

    /// A line about a download, on the bar when it is a terminal, else on standard error.
    fn say(&self, line: String) {
        if self.terminal {
            self.bar.set_message(line);
        } else {
            eprintln!("{line}");
        }
    }
}

/// What the bar's prefix says while `stage` runs.
fn doing(stage: Stage) -> &'static str {
    match stage {
        Stage::Fetch => "Fetching",
        Stage::Extract => "Extracting",
        Stage::Cite => "Citing",
        Stage::Index => "Indexing",
        Stage::Embed => "Embedding",
        Stage::Passages => "Passages",
    }
}

impl Progress for Bar {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Planned { stage, total } => {
                self.enter(stage);
                self.bar.set_length(total as u64);
            }
            Event::Started { stage, id, .. } => {
                self.enter(stage);
                self.bar.set_message(id.to_string());
            }
            Event::Done {
                stage,
                id,
                done,
                total,
            } => {
                self.enter(stage);
                self.bar.set_length(total as u64);
                self.bar.set_position(done as u64);
                if let Some(id) = id {
                    self.bar.set_message(id.to_string());
                }
            }
            Event::Received {
                id,
                bytes,
                of,
                elapsed,
            } => {
                if self.quiet || elapsed < SLOW_AFTER {
                    return;
                }
                let of = of
                    .map(|t| format!(" of {}", bytes_text(t)))
                    .unwrap_or_default();
                let pace = format!("{}{of}, {}", bytes_text(bytes), rate_text(bytes, elapsed));
                if self.terminal {
                    self.bar.set_message(format!("{id}: {pace}"));
                    return;
                }
                let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
                let due = shown.get(id).is_none_or(|at| at.elapsed() >= SLOW_AFTER);
                if due {
                    shown.insert(id.to_string(), Instant::now());
                    eprintln!("downloading {id}: {pace} after {}", seconds(elapsed));
                }
            }
            Event::Retrying {
                id,
                wait,
                reason,
                asked,
                ..
            } => {
                if self.quiet || (!asked && wait < Duration::from_secs(5)) {
                    return;
                }
                let why = if asked {
                    format!("the server asked for it ({reason})")
                } else {
                    reason.to_string()
                };
                self.say(format!(
                    "{id}: waiting {} before retrying: {why}",
                    seconds(wait)
                ));
            }
            Event::Ocr { id, done, total } => {
                if self.quiet {
                    return;
                }
                let line = format!("OCR: {id}: {done} of {total} pages");
                if self.terminal {
                    self.bar.set_message(line);
                    return;
                }
                // On a log: the first page (the scan is under way), then a line every so
                // often, and the last (it is done).
                let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
                let key = format!("ocr {id}");
                let due = done == 1
                    || done == total
                    || shown.get(&key).is_none_or(|at| at.elapsed() >= OCR_EVERY);
                if due {
                    shown.insert(key, Instant::now());
                    eprintln!("{line}");
                }
            }
            Event::Fetched { id, bytes } => {
                // Failures are listed once, grouped by reason, in the summary.
                if !self.quiet && !self.terminal {
                    eprintln!("fetched {id} ({} KB)", bytes.div_ceil(1000));
                }
            }
        }
    }
}

/// A progress bar of bytes downloaded, with the speed, hidden when standard error is not a
/// terminal or output is quiet.
pub fn bytes_bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
            .expect("the progress template is valid")
            .progress_chars("=> "),
    );
    bar.set_prefix(what.to_string());
    bar
}

/// A counting bar for work that is not a stage (the files `paperdex extract` reads).
pub fn bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {wide_msg}")
            .expect("the progress template is valid")
            .progress_chars("=> "),
    );
    bar.set_prefix(what.to_string());
    bar
}
