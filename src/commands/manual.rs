//! `paperdex completions SHELL` and `paperdex man`: shell completion scripts and manual
//! pages, generated from the same clap definitions as `--help`, so they never drift from it.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::CommandFactory;

use paperdex::cli::{Opts, Shell};

use super::Context;

/// Prints the completion script of `shell` on standard output.
pub fn completions(shell: Shell) -> Result<ExitCode> {
    let mut command = Opts::command();
    let mut out = io::stdout().lock();
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(generator, &mut command, "paperdex", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the manual page of `paperdex` in roff on standard output, or with `dir` writes it
/// and one page per command (`paperdex-search.1`, ...) into that folder.
pub fn man(cx: &Context, dir: Option<&Path>) -> Result<ExitCode> {
    let command = Opts::command();
    let Some(dir) = dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        io::stdout().lock().write_all(&page)?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("Could not create {}", dir.display()))?;
    clap_mangen::generate_to(command, dir)
        .with_context(|| format!("Could not write the manual pages into {}", dir.display()))?;
    if !cx.quiet {
        eprintln!(
            "Wrote the manual pages into {}.",
            paperdex::output::clean(&dir.display().to_string())
        );
    }
    Ok(ExitCode::SUCCESS)
}
