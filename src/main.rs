//! The `paperdex` binary: parses the command line, runs the pipeline stage or query asked for,
//! and turns any error into one line on standard error with a non-zero exit code (2 for bad
//! input, 1 for everything else).

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use paperdex::cli::{BadInput, Opts};
use paperdex::search::SearchError;

mod commands;

fn main() -> ExitCode {
    // Before any thread starts: the sentence model runs a batch per core.
    paperdex::embed::init_threads();
    // A panic inside one document's work is caught and reported as that document's fault;
    // one that reaches here is reported in one line below. Neither prints a backtrace.
    paperdex::fault::install_hook();
    let opts = match Opts::try_parse() {
        Ok(opts) => opts,
        Err(err) => return usage_error(err),
    };
    let color = opts.color.resolve(io::stderr().is_terminal());
    let result = match std::panic::catch_unwind(move || commands::run(opts)) {
        Ok(result) => result,
        Err(_) => {
            let msg = paperdex::fault::take_last_panic().unwrap_or_else(|| "unknown cause".into());
            eprintln!("paperdex: internal error: {msg}; please report it.");
            return ExitCode::from(101);
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let code = if err.downcast_ref::<BadInput>().is_some()
                || err.downcast_ref::<SearchError>().is_some()
            {
                2
            } else {
                1
            };
            let mut stderr = io::stderr().lock();
            let style = anstyle::AnsiColor::Red.on_default().bold();
            let prefix = if color {
                format!("{style}error:{style:#}")
            } else {
                "error:".to_string()
            };
            let _ = writeln!(stderr, "paperdex: {prefix} {}", one_line(&err));
            ExitCode::from(code)
        }
    }
}

/// Prints help and version as clap does; any other mistake on the command line is one line,
/// `paperdex: error: ...`, as every other error, with exit code 2.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let rendered = err.render().to_string();
    let mut parts = rendered
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more"));
    let first = parts.next().unwrap_or("bad command line");
    let first = first.strip_prefix("error:").unwrap_or(first).trim();
    // clap's tips ("a similar subcommand exists", "to pass '-x' as a value, use '-- -x'") are
    // worth keeping, on the same line.
    let tips: Vec<&str> = parts
        .filter_map(|l| l.strip_prefix("tip:"))
        .map(str::trim)
        .collect();
    let mut line = first.to_string();
    for tip in tips {
        line.push_str("; ");
        line.push_str(tip);
    }
    let line = paperdex::output::clean(&line).into_owned();
    eprintln!("paperdex: error: {line} (see `paperdex --help`).");
    ExitCode::from(2)
}

/// Joins an error and its causes into one line, skipping causes the message already repeats.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string().replace('\n', " ");
        let text = text.trim().trim_end_matches(['.', ';', ':']).trim_end();
        if text.is_empty() || line.contains(text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(text);
    }
    let mut line = paperdex::output::clean(&line).into_owned();
    // A cause that ends in a question mark or other stop keeps it, and gets no second one.
    if !line.ends_with(['.', '?', '!']) {
        line.push('.');
    }
    line
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
