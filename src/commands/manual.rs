//! `paperdex completions SHELL` and `paperdex man`: shell completion scripts and manual
//! pages, generated from the same clap definitions as `--help`, so they never drift from it.
//! The scripts complete entry ids, topics and kinds from the catalog in use by asking the
//! hidden `paperdex __complete` for them when the shell needs them, so they never go stale.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::CommandFactory;

use paperdex::catalog;
use paperdex::cli::{CompleteWhat, Opts, Shell};

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
    out.write_all(values_script(shell).as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the ids and aliases, topics or kinds of the catalog in use, one a line, for the
/// completion scripts.
pub fn values(cx: &Context, what: CompleteWhat) -> Result<ExitCode> {
    let mut out = io::stdout().lock();
    match what {
        CompleteWhat::Kinds => {
            for kind in catalog::KINDS {
                writeln!(out, "{kind}")?;
            }
        }
        CompleteWhat::Topics => {
            let catalog = cx.catalog()?;
            let paths: Vec<String> = catalog::topic_counts(&catalog.entries)
                .into_keys()
                .collect();
            // --topic takes a whole path or its last segment; both are offered, once each.
            let mut names: std::collections::BTreeSet<&str> =
                paths.iter().map(String::as_str).collect();
            names.extend(
                paths
                    .iter()
                    .filter_map(|p| p.rsplit_once('/').map(|(_, last)| last)),
            );
            for name in names {
                writeln!(out, "{name}")?;
            }
        }
        CompleteWhat::Ids => {
            let catalog = cx.catalog()?;
            for entry in &catalog.entries {
                writeln!(out, "{}", entry.id)?;
                for alias in &entry.aliases {
                    if !alias.contains(char::is_whitespace) {
                        writeln!(out, "{}", alias.to_lowercase())?;
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The part of a completion script that offers the catalog's values: after `--topic` and
/// `--kind`, after the options that take an entry id, and in the id position of the commands
/// that take one; everything else goes to clap's completion above it.
fn values_script(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => BASH_VALUES,
        Shell::Zsh => ZSH_VALUES,
        Shell::Fish => FISH_VALUES,
    }
}

const BASH_VALUES: &str = r#"
# Entry ids, topics and kinds come from the catalog in use, asked for when needed.
_paperdex_values() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" what=""
    case "$prev" in
        --topic|-t) what=topics ;;
        --kind|-k) what=kinds ;;
        --like|--cites|--cited-by) what=ids ;;
        *)
            if [[ "$cur" != -* && "$COMP_CWORD" -eq 2 ]]; then
                case "${COMP_WORDS[1]}" in
                    show|cite|path|related|attach) what=ids ;;
                esac
            elif [[ "$cur" != -* && "${COMP_WORDS[1]}" == cite ]]; then
                what=ids
            fi
            ;;
    esac
    if [[ -n "$what" ]]; then
        COMPREPLY=($(compgen -W "$(paperdex __complete "$what" 2>/dev/null)" -- "$cur"))
        return 0
    fi
    _paperdex "$@"
}
complete -F _paperdex_values -o bashdefault -o default paperdex
"#;

const ZSH_VALUES: &str = r#"
# Entry ids, topics and kinds come from the catalog in use, asked for when needed.
_paperdex_values() {
    local what=""
    case "${words[CURRENT-1]}" in
        --topic|-t) what=topics ;;
        --kind|-k) what=kinds ;;
        --like|--cites|--cited-by) what=ids ;;
        *)
            if [[ "${words[CURRENT]}" != -* && $CURRENT -eq 3 ]]; then
                case "${words[2]}" in
                    show|cite|path|related|attach) what=ids ;;
                esac
            fi
            ;;
    esac
    if [[ -n "$what" ]]; then
        compadd -- ${(f)"$(paperdex __complete $what 2>/dev/null)"}
        return
    fi
    _paperdex "$@"
}
compdef _paperdex_values paperdex
"#;

const FISH_VALUES: &str = r#"
# Entry ids, topics and kinds come from the catalog in use, asked for when needed.
complete -c paperdex -s t -l topic -x -a "(paperdex __complete topics 2>/dev/null)"
complete -c paperdex -s k -l kind -x -a "(paperdex __complete kinds 2>/dev/null)"
complete -c paperdex -l like -l cites -l cited-by -x -a "(paperdex __complete ids 2>/dev/null)"
complete -c paperdex -n "__fish_seen_subcommand_from show cite path related attach" -f -a "(paperdex __complete ids 2>/dev/null)"
"#;

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
