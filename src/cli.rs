//! The command line: clap's view of the arguments (`Opts`), checked and resolved into a
//! `Config` that the rest of the program trusts. It sits in front of every pipeline stage and
//! holds no logic of its own beyond validation.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::biblio::Format;

/// Full-text search over the distributed-systems reading list and the papers it links.
#[derive(Debug, Parser)]
#[command(name = "paperdex", version, about, max_term_width = 100)]
pub struct Opts {
    /// Folder for the index, PDFs and extracted text [default: ./index if it exists, else the
    /// user's data folder]
    #[arg(long, global = true, env = "PAPERDEX_DATA", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Folder of catalog TOML files [default: ./catalog if it exists, else the built-in catalog]
    #[arg(long, global = true, env = "PAPERDEX_CATALOG", value_name = "DIR")]
    pub catalog: Option<PathBuf>,

    /// Folder of catalog TOML files of your own to add to the catalog in use (repeat for
    /// several; in PAPERDEX_ADD_CATALOG, separate them with ':')
    #[arg(
        long,
        global = true,
        env = "PAPERDEX_ADD_CATALOG",
        value_name = "DIR",
        value_delimiter = ':'
    )]
    pub add_catalog: Vec<PathBuf>,

    /// Print no progress, only results, warnings and errors
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// When to colour output: on a terminal only (unless NO_COLOR is set), always or never
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,

    /// Wait for another paperdex using the data directory to finish, instead of failing
    #[arg(long, global = true)]
    pub wait: bool,

    /// Sentence-embedding model folder (config.json, tokenizer.json, model.safetensors) for
    /// search by meaning [default: $PAPERDEX_MODEL, else the data folder's model/]
    #[arg(long, global = true, value_name = "DIR")]
    pub model: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Search the index
    #[command(after_long_help = QUERY_HELP)]
    Search(SearchOpts),
    /// List the entries most like one entry
    Related {
        /// The entry's id, as `search` prints it
        id: String,
        /// How many entries to print (1 to 1000)
        #[arg(long, short = 'n', default_value_t = 10, value_name = "N", value_parser = parse_limit)]
        limit: usize,
        /// Print one JSON object instead of text
        #[arg(long)]
        json: bool,
    },
    /// Print the topic tree with the number of entries under each topic
    Topics {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Print one entry's metadata, summary, local PDF path and status
    Show {
        /// The entry's id, as `search` prints it
        id: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Print entries as citations: BibTeX, RIS or CSL-JSON
    Cite {
        /// The entries' ids, as `search` prints them
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// Citation format
        #[arg(long, short = 'f', value_enum, default_value_t = Format::Bibtex)]
        format: Format,
    },
    /// Tell how many entries have full text, from which source, by kind, and why others have
    /// none
    Status {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Bring the index in step with the catalog and the extracted text
    Index {
        /// Rebuild the index from scratch instead of updating it
        #[arg(long)]
        rebuild: bool,
    },
    /// Embed the entries and the passages of their text for search by meaning, as `index`
    /// ends
    Embed {
        /// Embed only shard I of N of the catalog (by a hash of each entry's id), beside other
        /// shards on the same data directory; `paperdex index` merges their work
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
    },
    /// Fetch, extract and index: the whole pipeline in order
    Update(UpdateOpts),
    /// Download the open-access PDFs of the catalog
    Fetch(FetchArgs),
    /// Get or inspect the sentence-embedding model that search by meaning uses
    #[command(subcommand)]
    Model(ModelCommand),
    /// Adopt a PDF obtained by hand as the PDF of an entry, or a folder of PDFs as the PDFs
    /// of the entries they are
    Attach {
        /// The entry's id
        #[arg(required_unless_present = "dir")]
        id: Option<String>,
        /// The PDF file, or - for standard input
        #[arg(value_name = "FILE.pdf", required_unless_present = "dir")]
        file: Option<PathBuf>,
        /// Attach every PDF in this folder to the entry it is: by file name (an id or alias),
        /// else by its title metadata, else by the title on its first page
        #[arg(long, value_name = "DIR", conflicts_with_all = ["id", "file"])]
        dir: Option<PathBuf>,
    },
    /// Extract the text of PDF files
    Extract(ExtractOpts),
    /// Check or extend the catalog
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Print a shell completion script: source it, or put it where the shell looks
    Completions {
        /// The shell to complete for
        shell: Shell,
    },
    /// Print the values the completion scripts offer: entry ids (and aliases), topics or
    /// kinds of the catalog in use, one a line
    #[command(name = "__complete", hide = true)]
    Complete {
        /// What to list
        what: CompleteWhat,
    },
    /// Print the manual page (roff), e.g. `paperdex man > paperdex.1`
    Man {
        /// Write a page for paperdex and one for each command (paperdex-search.1, ...) here
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Print what to read before an entry: the entries it cites, recursively, oldest first
    Path {
        /// The entry's id, as `search` prints it
        id: String,
        /// Follow citations at most this many steps (1: only what the entry cites itself)
        #[arg(long, short = 'd', value_name = "N")]
        depth: Option<usize>,
        /// Follow citations off the entry's subject too: past what the entry cites itself, the
        /// path keeps only entries under its first topic unless this is given
        #[arg(long)]
        wide: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
        /// Print the entries, then the entry itself, as citations in this format
        #[arg(long, value_enum, value_name = "FORMAT", conflicts_with = "json")]
        format: Option<Format>,
    },
    /// Order entries so that cited works come before the works that cite them
    ReadingOrder {
        /// Only entries under this topic; repeat for any of several [default: all entries]
        #[arg(long, short = 't', value_name = "TOPIC")]
        topic: Vec<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
        /// Print the entries in order as citations in this format
        #[arg(long, value_enum, value_name = "FORMAT", conflicts_with = "json")]
        format: Option<Format>,
    },
    /// Serve the library as web pages and JSON on a local address, until Ctrl-C
    Serve {
        /// Address to listen on: IP:PORT, localhost:PORT or a bare PORT (on 127.0.0.1); only
        /// loopback unless another address is named
        #[arg(long, default_value = "127.0.0.1:7878", value_name = "ADDR", value_parser = parse_addr)]
        addr: std::net::SocketAddr,
        /// Open the page in the desktop's browser once listening
        #[arg(long)]
        open: bool,
    },
    /// Write the citation graph for Graphviz (`dot`) or other tools (`json`)
    Graph {
        /// Only entries under this topic; repeat for any of several [default: all entries]
        #[arg(long, short = 't', value_name = "TOPIC")]
        topic: Vec<String>,
        /// Output format
        #[arg(long, short = 'f', value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
}

/// What `paperdex model` does.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Download all-MiniLM-L6-v2 into the data folder's model/, checked against pinned
    /// checksums (set PAPERDEX_MODEL_URL to fetch from a mirror)
    Fetch,
    /// Copy a model folder you already have into the data folder's model/, checked against
    /// the same pinned checksums as a download (for machines without network)
    Install {
        /// The folder holding config.json, tokenizer.json and model.safetensors
        #[arg(value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        dir: PathBuf,
    },
    /// Tell which model folder is used, and how many entries have vectors
    Status {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

/// The formats `paperdex graph` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz's DOT language (`paperdex graph | dot -Tsvg > graph.svg`)
    Dot,
    /// One JSON object with `nodes` and `edges`
    Json,
}

/// What `paperdex __complete` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompleteWhat {
    Ids,
    Topics,
    Kinds,
}

/// Whether to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set
    Auto,
    /// Always, even into a pipe
    Always,
    /// Never
    Never,
}

impl ColorChoice {
    /// Decides once whether output to a stream is coloured.
    pub fn resolve(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// The shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The query language, shown by `paperdex search --help`.
const QUERY_HELP: &str = "\
Query syntax:
  paxos leader election    wanted words: entries with all of them first, then with most of
                           them; question words (how, why, what, ...) are left out
  \"atomic broadcast\"       the exact phrase; \"vector clocks\"~3 lets the words stand 3 apart
  +paxos  -raft            require a word, or exclude it
  paxos OR raft            either; (paxos OR raft) leader groups
  paxos AND raft           both required
  title:consensus  author:lamport  aliases:raft  summary:quorum  body:ballot
  kind:book  id:raft  year:1978  year:[1978 TO 1990]  year:>=2000
  pax*  paxos~1            words beginning with pax; words within one edit of paxos
Misspelt words are corrected (the output says so), British and American spellings,
accents, plurals of acronyms and hyphenated forms meet, and the vocabulary in the
catalog folder adds the field's other names for a term at a lower weight.
With a sentence model (see `paperdex model`), questions, sentences and queries whose words
find little also bring the entries nearest in meaning; entries the query names stay first.
Exit status: 0 with results, 1 with none, 2 for bad input.";

#[derive(Debug, Args)]
pub struct SearchOpts {
    /// The query: words, "phrases", -excluded, +required, field:term, OR (see below)
    #[arg(value_name = "QUERY", num_args = 0..)]
    pub query: Vec<String>,
    /// Only entries under this topic (a last segment such as `consensus` is enough); repeat for
    /// any of several
    #[arg(long, short = 't', value_name = "TOPIC")]
    pub topic: Vec<String>,
    /// Only entries of this kind (paper, book, course, video, ...)
    #[arg(long, short = 'k', value_name = "KIND")]
    pub kind: Option<String>,
    /// Only entries from these years: 1978, 1978..1990, 1978.. or ..1990
    #[arg(long, short = 'y', value_name = "RANGE")]
    pub year: Option<String>,
    /// Rank the results by how close they are to this entry
    #[arg(long, value_name = "ID")]
    pub like: Option<String>,
    /// Only entries that this entry cites
    #[arg(long, value_name = "ID")]
    pub cites: Option<String>,
    /// Only entries that cite this entry
    #[arg(long, value_name = "ID")]
    pub cited_by: Option<String>,
    /// How many hits to print (1 to 1000)
    #[arg(long, short = 'n', default_value_t = 10, value_name = "N", value_parser = parse_limit)]
    pub limit: usize,
    /// Order of the hits: relevance, year (oldest first), newest, or cited (most cited by the
    /// library's papers first) [default: relevance; cited when there is no query]
    #[arg(long, value_name = "ORDER", value_parser = parse_sort)]
    pub sort: Option<crate::search::Sort>,
    /// Rank by meaning alone: the entries nearest to the query, whatever words they hold
    #[arg(long, conflicts_with = "words_only")]
    pub semantic_only: bool,
    /// Rank by the query's words alone, never asking the sentence model
    #[arg(long)]
    pub words_only: bool,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
    /// Print the hits as citations in this format instead of text
    #[arg(long, value_enum, value_name = "FORMAT", conflicts_with = "json")]
    pub format: Option<Format>,
}

#[derive(Debug, Args, Clone)]
pub struct FetchOpts {
    /// Downloads at a time (at most 2 per host whatever this says)
    #[arg(long, short = 'j', default_value_t = 4, value_name = "N")]
    pub jobs: usize,
    /// Largest PDF accepted, e.g. 100MB, 512KB
    #[arg(long, default_value = "100MB", value_name = "SIZE")]
    pub max_size: String,
    /// Re-check PDFs already present with conditional requests
    #[arg(long)]
    pub refresh: bool,
    /// Retry only the entries whose last download failed
    #[arg(long)]
    pub retry_failed: bool,
    /// Only these entries
    #[arg(long, num_args = 1.., value_name = "ID")]
    pub only: Vec<String>,
    /// Longest time one download may take, from request to last byte
    #[arg(long, default_value_t = 600, value_name = "SECS")]
    pub timeout: u64,
    /// Print a JSON summary on standard output instead of the text summary
    #[arg(long)]
    pub json: bool,
}

/// `paperdex fetch`: the download options `update` shares, and the shard to do.
#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub fetch: FetchOpts,
    /// Fetch only shard I of N of the catalog (by a hash of each entry's id), beside other
    /// shards on the same data directory; `paperdex index` merges their work
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpdateOpts {
    #[command(flatten)]
    pub fetch: FetchOpts,
    /// Use only PDFs already present: no network
    #[arg(long)]
    pub offline: bool,
    /// Rebuild the index from scratch, checking every text file against its record
    #[arg(long)]
    pub rebuild: bool,
    /// Do not read scanned PDFs by OCR, even with Tesseract installed
    #[arg(long)]
    pub no_ocr: bool,
}

#[derive(Debug, Args)]
pub struct ExtractOpts {
    /// PDF files to extract; - reads one from standard input
    #[arg(required_unless_present = "shard", value_name = "FILE.pdf")]
    pub files: Vec<PathBuf>,
    /// Instead of files, extract the data directory's documents of shard I of N of the
    /// catalog (by a hash of each entry's id), beside other shards; `paperdex index` merges
    /// their work
    #[arg(long, value_name = "I/N", conflicts_with_all = ["files", "out"])]
    pub shard: Option<String>,
    /// Write DIR/<name>.txt for each file (default for one file: standard output)
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Files extracted at a time [default: number of cores]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Do not read scanned PDFs by OCR, even with Tesseract installed
    #[arg(long)]
    pub no_ocr: bool,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Validate every catalog file, reporting problems as file:line: message
    Check {
        /// Print one JSON object (counts and problems) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Turn an awesome-style markdown reading list, or a BibTeX (.bib) or CSL-JSON (.json)
    /// library, into catalog TOML
    Import {
        /// The markdown list, .bib or .json library, or - for standard input
        list: PathBuf,
        /// The name of the list, recorded as each entry's source
        #[arg(long, value_name = "NAME")]
        source: String,
        /// Write the TOML here instead of standard output
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace the --out file if it exists
        #[arg(long)]
        force: bool,
        /// Attach the PDFs that a BibTeX library's `file` fields name (relative to the .bib
        /// file) to their entries, as `paperdex attach` does
        #[arg(long)]
        attach: bool,
        /// Resolve a markdown list's relative links (`papers/raft.pdf`) against this URL
        /// instead of leaving their items out
        #[arg(long, value_name = "URL", value_parser = parse_base_url)]
        base_url: Option<reqwest::Url>,
    },
}

/// Where the program reads and writes, resolved from options, environment and defaults.
#[derive(Debug, Clone)]
pub struct Places {
    pub data_dir: PathBuf,
    /// `None` means the catalog built into the binary.
    pub catalog: Option<PathBuf>,
    /// Folders whose entries are added to that catalog (`--add-catalog`).
    pub add_catalogs: Vec<PathBuf>,
    /// The model folder named by `--model`, if any.
    pub model: Option<PathBuf>,
}

impl Places {
    /// Resolves the data and catalog folders the way README describes.
    pub fn resolve(opts: &Opts) -> Places {
        let data_dir = opts.data_dir.clone().unwrap_or_else(default_data_dir);
        let catalog = opts
            .catalog
            .clone()
            .or_else(|| Some(PathBuf::from("catalog")).filter(|p| p.is_dir()));
        Places {
            data_dir,
            catalog,
            add_catalogs: opts
                .add_catalog
                .iter()
                .filter(|p| !p.as_os_str().is_empty())
                .cloned()
                .collect(),
            model: opts.model.clone(),
        }
    }
}

fn default_data_dir() -> PathBuf {
    let local = PathBuf::from("index");
    if local.is_dir() {
        return local;
    }
    // The platform's place for application data: $XDG_DATA_HOME or ~/.local/share on Linux,
    // ~/Library/Application Support on macOS, %APPDATA% on Windows.
    dirs::data_dir().map_or(local, |dir| dir.join("paperdex"))
}

/// A problem with what the user typed: reported in one line with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Parses a year filter: `1978`, `1978..1990`, `1978..` or `..1990` (both ends included).
pub fn parse_years(text: &str) -> Result<crate::search::YearRange, BadInput> {
    crate::search::parse_years(text).map_err(BadInput)
}

/// Checks a `--shard I/N` value: a one-sentence error naming the flag, exit code 2.
pub fn parse_shard(text: &str) -> Result<crate::shard::Shard, BadInput> {
    crate::shard::Shard::parse(text).map_err(|e| BadInput(format!("{e}.")))
}

/// Parses a size such as `100MB`, `512KB`, `1GB` or a plain number of bytes.
pub fn parse_size(text: &str) -> Result<u64, BadInput> {
    let t = text.trim().to_ascii_uppercase();
    let (digits, mult) = if let Some(n) = t.strip_suffix("GB").or_else(|| t.strip_suffix('G')) {
        (n, 1_000_000_000)
    } else if let Some(n) = t.strip_suffix("MB").or_else(|| t.strip_suffix('M')) {
        (n, 1_000_000)
    } else if let Some(n) = t.strip_suffix("KB").or_else(|| t.strip_suffix('K')) {
        (n, 1_000)
    } else {
        (t.strip_suffix('B').unwrap_or(&t), 1)
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            BadInput(format!(
                "Invalid size {text:?}: use e.g. 100MB, 512KB or 1GB."
            ))
        })
}

/// Reads `--limit`: a whole number from 1 to 1000, as the help says, rather than lowering a
/// larger one quietly.
pub fn parse_limit(value: &str) -> Result<usize, String> {
    crate::search::parse_limit(value)
}

/// Reads `--base-url`: an absolute http(s) URL.
pub fn parse_base_url(value: &str) -> Result<reqwest::Url, String> {
    match reqwest::Url::parse(value.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        _ => Err(format!(
            "{value:?} is not an http(s) URL to resolve relative links against"
        )),
    }
}

/// Reads `--sort`.
pub fn parse_sort(value: &str) -> Result<crate::search::Sort, String> {
    crate::search::Sort::parse(value)
        .ok_or_else(|| format!("{value:?} is not an order: relevance, year, newest or cited"))
}

/// Reads `--addr`: an `IP:PORT`, `localhost:PORT` (loopback), or a bare `PORT` on 127.0.0.1.
pub fn parse_addr(value: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::{Ipv4Addr, SocketAddr};
    let value = value.trim();
    if let Ok(addr) = value.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let port = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| format!("{p:?} is not a port number (0 to 65535)"))
    };
    if !value.contains(':') {
        return port(value).map(|p| SocketAddr::from((Ipv4Addr::LOCALHOST, p)));
    }
    if let Some(p) = value.strip_prefix("localhost:") {
        return port(p).map(|p| SocketAddr::from((Ipv4Addr::LOCALHOST, p)));
    }
    Err(format!(
        "{value:?} is not an address to listen on: give IP:PORT, localhost:PORT or a port"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_one_to_a_thousand_are_refused_with_the_range() {
        assert_eq!(parse_limit("25"), Ok(25));
        assert!(parse_limit("0").unwrap_err().contains("between 1 and 1000"));
        assert!(parse_limit("100000")
            .unwrap_err()
            .contains("between 1 and 1000"));
        assert!(parse_limit("ten").is_err());
    }

    #[test]
    fn an_address_may_be_a_port_or_localhost_with_a_port() {
        assert_eq!(parse_addr("8080").unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(
            parse_addr("localhost:9000").unwrap().to_string(),
            "127.0.0.1:9000"
        );
        assert_eq!(parse_addr("0.0.0.0:80").unwrap().to_string(), "0.0.0.0:80");
        assert_eq!(parse_addr("[::1]:80").unwrap().to_string(), "[::1]:80");
        assert!(parse_addr("70000").unwrap_err().contains("port"));
        assert!(parse_addr("example.org:80").is_err());
    }

    #[test]
    fn year_ranges() {
        assert_eq!(parse_years("1978").unwrap(), (Some(1978), Some(1978)));
        assert_eq!(parse_years("1978..1990").unwrap(), (Some(1978), Some(1990)));
        assert_eq!(parse_years("1978..").unwrap(), (Some(1978), None));
        assert_eq!(parse_years("..1990").unwrap(), (None, Some(1990)));
        assert!(parse_years("1990..1978").is_err());
        assert!(parse_years("..").is_err());
        assert!(parse_years("soon").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100MB").unwrap(), 100_000_000);
        assert_eq!(parse_size("512kb").unwrap(), 512_000);
        assert_eq!(parse_size("1234").unwrap(), 1234);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn shards() {
        assert_eq!(parse_shard("1/2").unwrap().to_string(), "1/2");
        assert_eq!(
            parse_shard("3/2").unwrap_err().to_string(),
            "--shard 3/2 is not a shard: I must be between 1 and N."
        );
    }

    #[test]
    fn opts_are_consistent() {
        use clap::CommandFactory;
        Opts::command().debug_assert();
    }
}
