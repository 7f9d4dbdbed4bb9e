//! Citations out and libraries in, through the real binary: `cite` and the `--format` of
//! `search`, `path` and `reading-order` in BibTeX, RIS and CSL-JSON, each read back by a
//! reader that is not ours (the biblatex crate, citationberg's CSL-JSON items, and a strict
//! little RIS reader below); `catalog import` of Zotero and JabRef BibTeX and of CSL-JSON, with
//! the PDFs their `file` fields name attached; and the cite route of `serve`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use biblatex::{Bibliography, ChunksExt, EntryType};
use citationberg::json::{Item, NameValue, Value};
use citationberg::taxonomy::Kind;

use crate::common::http::get;
use crate::common::served::Served;
use crate::common::{self, hit_ids, make_pdf, TestEnv};

/// One entry of every kind, with the names and titles that trip citation writers up.
const KINDS: &str = r#"
[[entry]]
id = "k-paper"
title = "CRDTs & {Braces}: 100% of the CAP Theorem -- with $5 #hashtags_and ~tildes^"
authors = ["Özalp Babaoğlu", "Robbert van Renesse", "James B. Rothnie Jr.", "L. Peter Deutsch"]
year = 1993
kind = "paper"
urls = ["https://doi.org/10.1145/359545.359563"]
summary = "A paper about consistent global states."

[[entry]]
id = "k-book"
title = "Designing Data-Intensive Applications"
authors = ["Martin Kleppmann"]
year = 2017
kind = "book"
urls = ["https://dataintensive.net/"]

[[entry]]
id = "k-thesis"
title = "Making reliable distributed systems in the presence of software errors"
authors = ["Joe Armstrong"]
year = 2003
kind = "thesis"
urls = ["http://www.erlang.org/download/armstrong_thesis_2003.pdf"]

[[entry]]
id = "k-course"
title = "MIT 6.824: Distributed Systems"
authors = ["Robert Morris"]
kind = "course"
urls = ["https://pdos.csail.mit.edu/6.824/"]

[[entry]]
id = "k-video"
title = "Distributed Systems in One Lesson"
authors = ["Tim Berglund"]
kind = "video"
urls = ["https://www.youtube.com/watch?v=Y6Ev8GIlbxc&t=17s"]

[[entry]]
id = "k-talk"
title = "CRDTs and the Quest for Distributed Consistency"
authors = ["Martin Kleppmann"]
year = 2018
kind = "talk"
urls = ["https://www.youtube.com/watch?v=B5NULPSiOGw"]

[[entry]]
id = "k-blog"
title = "Notes on Distributed Systems for Young Bloods"
authors = ["Jeff Hodges"]
year = 2013
kind = "blog"
urls = ["http://www.somethingsimilar.com/2013/01/14/notes--on_distributed-systems/?a=1&b=%20"]

[[entry]]
id = "k-article"
title = "CAP theorem"
kind = "article"
urls = ["http://en.wikipedia.org/wiki/CAP_theorem"]

[[entry]]
id = "k-list"
title = "Readings in Distributed Systems"
authors = ["Christopher Meiklejohn"]
year = 2013
kind = "list"
urls = ["http://christophermeiklejohn.com/distributed/systems/2013/07/12/readings-in-distributed-systems.html"]

[[entry]]
id = "k-website"
title = "The Amazon Builders' Library"
authors = ["Amazon Web Services Team"]
kind = "website"
urls = ["https://aws.amazon.com/builders-library/"]

[[entry]]
id = "k-code"
title = "Jepsen"
authors = ["Aphyr"]
kind = "code"
urls = ["https://github.com/jepsen-io/jepsen"]
"#;

/// The ids of `KINDS`, in order, with the kind each names.
const KIND_IDS: [(&str, &str); 11] = [
    ("k-paper", "paper"),
    ("k-book", "book"),
    ("k-thesis", "thesis"),
    ("k-course", "course"),
    ("k-video", "video"),
    ("k-talk", "talk"),
    ("k-blog", "blog"),
    ("k-article", "article"),
    ("k-list", "list"),
    ("k-website", "website"),
    ("k-code", "code"),
];

/// The title of the first entry of `KINDS`, as the catalog holds it.
const HARD_TITLE: &str =
    "CRDTs & {Braces}: 100% of the CAP Theorem -- with $5 #hashtags_and ~tildes^";

fn kinds_env() -> TestEnv {
    let env = TestEnv::new();
    env.write_catalog("kinds.toml", KINDS);
    env
}

fn cite(env: &TestEnv, format: &str) -> String {
    let mut args = vec!["cite", "--format", format];
    args.extend(KIND_IDS.iter().map(|(id, _)| *id));
    env.ok(&args).stdout()
}

/// Runs with `input` on standard input.
fn run_with_input(env: &TestEnv, args: &[&str], input: &[u8]) -> common::Run {
    let mut child = env
        .cmd(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    common::Run(child.wait_with_output().unwrap())
}

/// A field of a biblatex entry as plain text.
fn field(entry: &biblatex::Entry, name: &str) -> String {
    entry
        .get(name)
        .map(|c| c.format_verbatim())
        .unwrap_or_default()
}

#[test]
fn bibtex_of_every_kind_reads_back_with_biblatex() {
    let env = kinds_env();
    let text = cite(&env, "bibtex");
    let bib = Bibliography::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(bib.len(), KIND_IDS.len(), "{text}");
    let entries: Vec<&biblatex::Entry> = bib.iter().collect();
    let types: Vec<EntryType> = entries.iter().map(|e| e.entry_type.clone()).collect();
    let mut expected = vec![EntryType::Misc; KIND_IDS.len()];
    expected[1] = EntryType::Book;
    expected[2] = EntryType::PhdThesis;
    assert_eq!(types, expected);

    // The hard title: every special character and brace comes back as written.
    let paper = entries[0];
    assert_eq!(paper.key, "babaoglu1993crdts");
    assert_eq!(field(paper, "title"), HARD_TITLE);
    let title_source = text.lines().find(|l| l.contains("title =")).unwrap();
    assert!(
        title_source.contains("{CRDTs}") && title_source.contains("{CAP}"),
        "{title_source}"
    );
    assert!(
        title_source.contains("\\&") && title_source.contains("100\\%"),
        "{title_source}"
    );
    assert!(
        title_source.contains("Theorem} -{}- with"),
        "{title_source}"
    );
    // Authors: family and given names, particles and suffixes, non-ASCII as UTF-8.
    let authors = paper.author().unwrap();
    let parts: Vec<(&str, &str, &str, &str)> = authors
        .iter()
        .map(|p| {
            (
                p.given_name.as_str(),
                p.prefix.as_str(),
                p.name.as_str(),
                p.suffix.as_str(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        vec![
            ("Özalp", "", "Babaoğlu", ""),
            ("Robbert", "van", "Renesse", ""),
            ("James B.", "", "Rothnie", "Jr."),
            ("L. Peter", "", "Deutsch", ""),
        ]
    );
    assert!(text.contains("Babaoğlu, Özalp"), "UTF-8 kept: {text}");
    assert_eq!(field(paper, "year"), "1993");
    assert_eq!(field(paper, "doi"), "10.1145/359545.359563");
    assert_eq!(field(paper, "url"), "https://doi.org/10.1145/359545.359563");
    assert_eq!(
        field(paper, "annote"),
        "A paper about consistent global states."
    );
    assert!(
        paper.get("note").is_none(),
        "a paper needs no note of its kind"
    );

    let by_key: BTreeMap<&str, &biblatex::Entry> =
        entries.iter().map(|e| (e.key.as_str(), *e)).collect();
    let book = by_key["kleppmann2017designing"];
    assert_eq!(field(book, "url"), "https://dataintensive.net/");
    assert!(book.get("howpublished").is_none());
    let video = by_key["berglunddistributed"];
    assert_eq!(field(video, "note"), "Video");
    assert_eq!(
        field(video, "url"),
        "https://www.youtube.com/watch?v=Y6Ev8GIlbxc&t=17s"
    );
    assert!(field(video, "howpublished").contains("youtube.com"));
    for (key, note) in [
        ("morrismit", "Course"),
        ("kleppmann2018crdts", "Talk"),
        ("hodges2013notes", "Blog"),
        ("cap", "Web article"),
        ("meiklejohn2013readings", "Reading list"),
        ("amazonamazon", "Website"),
        ("aphyrjepsen", "Software"),
    ] {
        let entry = by_key
            .get(key)
            .unwrap_or_else(|| panic!("no {key} in {:?}", by_key.keys()));
        assert_eq!(field(entry, "note"), note, "{key}");
    }
    // An organisation and a single name stay whole.
    let website = by_key["amazonamazon"].author().unwrap();
    assert_eq!(website.len(), 1);
    assert_eq!(website[0].name, "Amazon Web Services Team");
    assert_eq!(by_key["aphyrjepsen"].author().unwrap()[0].name, "Aphyr");
    assert!(by_key["cap"].get("author").is_none());
}

/// A strict RIS reader: every line is `XX  - value` ended by CR LF, a record opens with `TY`
/// and closes with `ER`, and blank lines stand only between records.
fn read_ris(text: &str) -> Vec<Vec<(String, String)>> {
    assert!(text.ends_with("\r\n"), "{text:?}");
    let mut records = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    for line in text.split("\r\n").take(text.split("\r\n").count() - 1) {
        assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
        if line.is_empty() {
            assert!(current.is_none(), "a blank line inside a record");
            continue;
        }
        let bytes = line.as_bytes();
        assert!(
            bytes.len() >= 6
                && bytes[0].is_ascii_uppercase()
                && (bytes[1].is_ascii_uppercase() || bytes[1].is_ascii_digit())
                && &line[2..6] == "  - ",
            "not a RIS line: {line:?}"
        );
        let (tag, value) = (line[..2].to_string(), line[6..].to_string());
        match tag.as_str() {
            "TY" => {
                assert!(current.is_none(), "TY inside a record");
                current = Some(vec![(tag, value)]);
            }
            "ER" => {
                assert!(value.is_empty());
                records.push(current.take().expect("ER closes a record"));
            }
            _ => current
                .as_mut()
                .expect("a tag inside a record")
                .push((tag, value)),
        }
    }
    assert!(current.is_none(), "a record without ER");
    records
}

fn tag<'a>(record: &'a [(String, String)], tag: &str) -> Vec<&'a str> {
    record
        .iter()
        .filter(|(t, _)| t == tag)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn ris_of_every_kind_reads_back_record_by_record() {
    let env = kinds_env();
    let records = read_ris(&cite(&env, "ris"));
    let types: Vec<&str> = records.iter().map(|r| tag(r, "TY")[0]).collect();
    assert_eq!(
        types,
        ["GEN", "BOOK", "THES", "ELEC", "VIDEO", "GEN", "BLOG", "ELEC", "ELEC", "ELEC", "COMP"]
    );
    let paper = &records[0];
    assert_eq!(tag(paper, "ID"), ["babaoglu1993crdts"]);
    assert_eq!(tag(paper, "TI"), [HARD_TITLE]);
    assert_eq!(
        tag(paper, "AU"),
        [
            "Babaoğlu, Özalp",
            "van Renesse, Robbert",
            "Rothnie, James B., Jr.",
            "Deutsch, L. Peter"
        ]
    );
    assert_eq!(tag(paper, "PY"), ["1993"]);
    assert_eq!(tag(paper, "DO"), ["10.1145/359545.359563"]);
    assert_eq!(
        tag(paper, "N1"),
        ["A paper about consistent global states."]
    );
    assert_eq!(tag(&records[4], "M3"), ["Video"]);
    assert_eq!(tag(&records[5], "M3"), ["Talk"]);
    assert_eq!(tag(&records[9], "AU"), ["Amazon Web Services Team"]);
    assert_eq!(tag(&records[7], "AU"), Vec::<&str>::new());
    assert_eq!(
        tag(&records[10], "UR"),
        ["https://github.com/jepsen-io/jepsen"]
    );
}

/// The year of a CSL date, as citationberg reads it.
fn csl_year(item: &Item) -> Option<i16> {
    match item.0.get("issued")? {
        Value::Date(date) => {
            let range: citationberg::json::FixedDateRange = date.clone().try_into().ok()?;
            Some(range.start.year)
        }
        other => panic!("issued is not a date: {other:?}"),
    }
}

fn csl_names(item: &Item) -> Vec<NameValue> {
    match item.0.get("author") {
        Some(Value::Names(names)) => names.clone(),
        None => Vec::new(),
        Some(other) => panic!("author is not names: {other:?}"),
    }
}

fn csl_str<'a>(item: &'a Item, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    item.0.get(key).and_then(Value::to_str)
}

#[test]
fn csl_json_of_every_kind_reads_back_with_citationberg() {
    let env = kinds_env();
    let text = cite(&env, "csl-json");
    let items: Vec<Item> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(items.len(), KIND_IDS.len());
    let kinds: Vec<Kind> = items
        .iter()
        .map(|item| {
            let ty = item.type_().expect("every item has a type");
            serde_json::from_value(serde_json::Value::String(ty.to_string()))
                .unwrap_or_else(|e| panic!("{ty} is no CSL type: {e}"))
        })
        .collect();
    assert_eq!(
        kinds,
        [
            Kind::Document,
            Kind::Book,
            Kind::Thesis,
            Kind::Webpage,
            Kind::MotionPicture,
            Kind::Speech,
            Kind::PostWeblog,
            Kind::Webpage,
            Kind::Webpage,
            Kind::Webpage,
            Kind::Software,
        ]
    );
    let paper = &items[0];
    assert_eq!(paper.id().as_deref(), Some("babaoglu1993crdts"));
    assert_eq!(csl_str(paper, "title").as_deref(), Some(HARD_TITLE));
    assert_eq!(
        csl_str(paper, "DOI").as_deref(),
        Some("10.1145/359545.359563")
    );
    assert_eq!(csl_year(paper), Some(1993));
    let names = csl_names(paper);
    // Each name's parts, as "given | particle | family | suffix".
    let parts: Vec<String> = names
        .iter()
        .map(|n| match n {
            NameValue::Item(i) => {
                let part = |p: &Option<String>| p.clone().unwrap_or_default();
                format!(
                    "{} | {} | {} | {}",
                    part(&i.given),
                    part(&i.non_dropping_particle),
                    i.family,
                    part(&i.suffix)
                )
            }
            NameValue::Literal(l) => panic!("a person as a literal: {}", l.literal),
        })
        .collect();
    assert_eq!(
        parts,
        [
            "Özalp |  | Babaoğlu | ",
            "Robbert | van | Renesse | ",
            "James B. |  | Rothnie | Jr.",
            "L. Peter |  | Deutsch | ",
        ]
    );
    assert_eq!(csl_str(&items[3], "genre").as_deref(), Some("Course"));
    assert_eq!(csl_year(&items[3]), None);
    match &csl_names(&items[9])[0] {
        NameValue::Literal(l) => assert_eq!(l.literal, "Amazon Web Services Team"),
        other => panic!("an organisation split: {other:?}"),
    }
    assert_eq!(
        csl_str(&items[4], "URL").as_deref(),
        Some("https://www.youtube.com/watch?v=Y6Ev8GIlbxc&t=17s")
    );
}

#[test]
fn cite_takes_each_id_once_and_names_the_nearest_for_a_typo() {
    let env = TestEnv::new();
    let text = env
        .ok(&["cite", "raft", "time-clocks", "raft", "bare"])
        .stdout();
    let bib = Bibliography::parse(&text).unwrap();
    let keys: Vec<&str> = bib.keys().collect();
    assert_eq!(keys, ["ongaro2014search", "lamport1978time", "bare"]);
    let line = env.run(&["cite", "paxos-made-simpel"]).fails_with(2);
    assert!(line.contains("did you mean paxos-made-simple?"), "{line}");
    let line = env.run(&["cite", "nothing-like-it"]).fails_with(2);
    assert!(
        line.contains("`paperdex search` prints entry ids"),
        "{line}"
    );
    assert_eq!(
        env.run(&["cite", "raft", "--format", "endnote"]).code(),
        Some(2)
    );
    assert_eq!(env.run(&["cite"]).code(), Some(2));
}

#[test]
fn escape_sequences_in_the_catalog_never_reach_the_citations() {
    let env = TestEnv::new();
    env.write_catalog(
        "evil.toml",
        "[[entry]]\nid = \"evil\"\ntitle = \"Clear \\u001b[2J Screen\"\nauthors = [\"Mallory \\u001b[31mEvil\", \"\\u0007\"]\nurls = [\"https://example.org/\\u001b]0;x\"]\nsummary = \"bell \\u0007 here\\nand a new line\"\n",
    );
    for format in ["bibtex", "ris", "csl-json"] {
        let out = env.ok(&["cite", "evil", "--format", format]).stdout();
        assert!(
            !out.contains('\x1b') && !out.contains('\x07'),
            "{format}: {out:?}"
        );
        assert!(
            out.contains("Clear [") && out.contains("Screen"),
            "{format}: {out:?}"
        );
    }
    let records = read_ris(&env.ok(&["cite", "evil", "-f", "ris"]).stdout());
    assert_eq!(tag(&records[0], "N1"), ["bell here and a new line"]);
    assert_eq!(tag(&records[0], "AU"), ["[31mEvil, Mallory"]);
}

/// The test library with a PDF for `raft` that cites two entries, indexed with its citations.
fn cited_library() -> TestEnv {
    let env = TestEnv::new();
    let raft = make_pdf(&[
        "Raft is a consensus algorithm for managing a replicated log",
        "References\n[1] L. Lamport. Paxos made simple. ACM SIGACT News, 32(4):18-25, 2001.\n[2] L. Lamport. Time, clocks, and the ordering of events in a distributed system. Communications of the ACM, 21(7):558-565, 1978.",
    ]);
    let file = env.dir.path().join("raft.pdf");
    fs::write(&file, raft).unwrap();
    env.ok(&["attach", "raft", file.to_str().unwrap()]);
    env.ok(&["update", "--offline"]);
    env
}

#[test]
fn search_path_and_reading_order_write_citations() {
    let env = cited_library();
    // The hits, in rank order, as `cite` writes them.
    let ids = hit_ids(&env.search_json(&["consensus"]));
    assert!(ids.contains(&"raft".to_string()), "{ids:?}");
    let text = env
        .ok(&["search", "consensus", "--format", "bibtex"])
        .stdout();
    let mut cite_args = vec!["cite"];
    cite_args.extend(ids.iter().map(String::as_str));
    assert_eq!(text, env.ok(&cite_args).stdout());
    let bib = Bibliography::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(bib.len(), ids.len());
    // No hits: nothing written, and the exit code says so as for text.
    let none = env.run(&["search", "zzzqqq", "--format", "ris"]);
    assert_eq!(none.code(), Some(1));
    assert_eq!(none.stdout(), "");
    assert_eq!(
        env.run(&["search", "x", "--format", "ris", "--json"])
            .code(),
        Some(2)
    );

    // What to read before Raft, then Raft itself.
    let records = read_ris(&env.ok(&["path", "raft", "--format", "ris"]).stdout());
    let titles: Vec<&str> = records.iter().map(|r| tag(r, "TI")[0]).collect();
    assert_eq!(
        titles,
        [
            "Time, Clocks, and the Ordering of Events in a Distributed System",
            "Paxos Made Simple",
            "In Search of an Understandable Consensus Algorithm",
        ]
    );

    let text = env
        .ok(&[
            "reading-order",
            "--topic",
            "consensus",
            "--format",
            "csl-json",
        ])
        .stdout();
    let items: Vec<Item> = serde_json::from_str(&text).unwrap();
    let ids: Vec<String> = items.iter().map(|i| i.id().unwrap().into_owned()).collect();
    assert_eq!(ids, ["lamport2001paxos", "ongaro2014search"]);
}

/// Copies a fixture library into the test folder.
fn copy_fixture(env: &TestEnv, name: &str, to: &str) -> std::path::PathBuf {
    let from = common::fixture(&format!("biblio/{name}"));
    let to = env.dir.path().join(to);
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    fs::copy(from, &to).unwrap();
    to
}

fn write_pdf(path: &Path, text: &str) -> Vec<u8> {
    let pdf = make_pdf(&[text]);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, &pdf).unwrap();
    pdf
}

/// The entries of a catalog TOML text, by id.
fn catalog_entries(text: &str) -> BTreeMap<String, toml::Value> {
    let value: toml::Value = toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    value["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap().to_string(), e.clone()))
        .collect()
}

fn strings(value: &toml::Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn a_zotero_library_comes_in_with_its_pdfs_and_out_is_not_replaced_without_force() {
    let env = TestEnv::new();
    let bib = copy_fixture(&env, "zotero.bib", "zotero/library.bib");
    let lamport = write_pdf(
        &env.dir
            .path()
            .join("zotero/files/3/Lamport - 1978 - Time, clocks, and the ordering of events.pdf"),
        "quokkas order the events of a distributed system",
    );
    write_pdf(
        &env.dir
            .path()
            .join("zotero/files/7/Babaoğlu and Marzullo - 1993 - Consistent global states.pdf"),
        "wombats evaluate global predicates over consistent cuts",
    );
    let out = env.catalog_dir().join("zotero.toml");
    let args = [
        "catalog",
        "import",
        bib.to_str().unwrap(),
        "--source",
        "zotero",
        "--out",
        out.to_str().unwrap(),
        "--attach",
    ];
    let run = env.ok(&args);
    let err = run.stderr();
    assert!(err.contains("Wrote 5 entries"), "{err}");
    assert!(err.contains("Attached 2 PDFs"), "{err}");
    assert!(
        err.contains("1 record of")
            && err.contains("without a title became no entry: noauthor_nodate"),
        "{err}"
    );
    assert!(
        err.contains("1 file named by the library is missing: files/9/Armstrong - 2003 - Making reliable distributed systems.pdf (making-reliable-distributed-systems-in-the-presence-of)"),
        "{err}"
    );

    let text = fs::read_to_string(&out).unwrap();
    let entries = catalog_entries(&text);
    let ids: Vec<&str> = entries.keys().map(String::as_str).collect();
    let time = "time-clocks-and-the-ordering-of-events-in-a-distributed";
    let states = "consistent-global-states-of-distributed-systems-fundamental";
    assert_eq!(
        ids,
        [
            states,
            "crdts-and-the-quest-for-distributed-consistency",
            "designing-data-intensive-applications-the-big-ideas-behind",
            "making-reliable-distributed-systems-in-the-presence-of",
            time,
        ]
    );
    let e = &entries[time];
    assert_eq!(
        e["title"].as_str(),
        Some("Time, Clocks, and the Ordering of Events in a Distributed System")
    );
    assert_eq!(strings(e, "authors"), ["Leslie Lamport"]);
    assert_eq!(e["year"].as_integer(), Some(1978));
    assert_eq!(e["kind"].as_str(), Some("paper"));
    assert_eq!(
        strings(e, "urls"),
        [
            "https://dl.acm.org/doi/10.1145/359545.359563",
            "https://doi.org/10.1145/359545.359563"
        ]
    );
    assert_eq!(strings(e, "sources"), ["zotero"]);
    assert!(e["summary"]
        .as_str()
        .unwrap()
        .starts_with("The concept of one event happening before another"));
    assert_eq!(
        strings(&entries[states], "authors"),
        ["Özalp Babaoğlu", "Keith Marzullo"]
    );
    let kind = |id: &str| entries[id]["kind"].as_str().unwrap().to_string();
    assert_eq!(
        kind("crdts-and-the-quest-for-distributed-consistency"),
        "video"
    );
    assert_eq!(
        kind("designing-data-intensive-applications-the-big-ideas-behind"),
        "book"
    );
    assert_eq!(
        kind("making-reliable-distributed-systems-in-the-presence-of"),
        "thesis"
    );

    // The PDF was adopted as `attach` adopts one, and the entries are a valid catalog.
    let stored = fs::read(env.data_dir().join(format!("pdf/{time}.pdf"))).unwrap();
    assert_eq!(stored, lamport);
    let manifest = fs::read_to_string(env.data_dir().join("manifest.json")).unwrap();
    assert!(manifest.contains(time), "{manifest}");
    env.ok(&["catalog", "check"]);
    env.ok(&["update", "--offline"]);
    assert_eq!(hit_ids(&env.search_json(&["wombats"])), [states]);
    assert_eq!(hit_ids(&env.search_json(&["quokkas"])), [time]);

    // --out is not replaced without --force, and is with it.
    fs::write(&out, "# my own edits\n").unwrap();
    let mut again = args.to_vec();
    again.pop();
    let line = env.run(&again).fails_with(2);
    assert!(line.contains("--force"), "{line}");
    assert_eq!(fs::read_to_string(&out).unwrap(), "# my own edits\n");
    again.push("--force");
    let err = env.ok(&again).stderr();
    assert!(
        err.contains("3 entries of") && err.contains("pass --attach"),
        "{err}"
    );
    assert_eq!(catalog_entries(&fs::read_to_string(&out).unwrap()).len(), 5);
}

#[test]
fn a_jabref_library_on_standard_input_with_its_files() {
    let env = TestEnv::new();
    let text = fs::read(common::fixture("biblio/jabref.bib")).unwrap();
    // On standard input, paths are relative to the current folder.
    write_pdf(
        &env.dir.path().join("papers/raft.pdf"),
        "leader election and log replication",
    );
    write_pdf(
        &env.dir.path().join("papers/flp.pdf"),
        "no deterministic protocol solves consensus",
    );
    fs::write(env.dir.path().join("papers/flp-notes.txt"), "not a PDF").unwrap();
    let run = run_with_input(
        &env,
        &["catalog", "import", "-", "--source", "jabref", "--attach"],
        &text,
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let err = run.stderr();
    assert!(err.contains("Attached 2 PDFs"), "{err}");
    assert!(
        err.contains(
            "missing: papers/chain.pdf (chain-replication-for-supporting-high-throughput-and)"
        ),
        "{err}"
    );
    let entries = catalog_entries(&run.stdout());
    // The test catalog holds Raft's paper under another id, so the title's id is free.
    let raft = &entries["in-search-of-an-understandable-consensus-algorithm"];
    assert_eq!(
        strings(raft, "authors"),
        ["Diego Ongaro", "John Ousterhout"]
    );
    assert_eq!(raft["kind"].as_str(), Some("paper"));
    let flp = &entries["impossibility-of-distributed-consensus-with-one-faulty"];
    assert_eq!(
        strings(flp, "authors"),
        [
            "Michael J. Fischer",
            "Nancy A. Lynch",
            "Michael S. Paterson"
        ]
    );
    assert_eq!(
        strings(flp, "urls"),
        ["https://doi.org/10.1145/3149.214121"]
    );
    let chain = &entries["chain-replication-for-supporting-high-throughput-and"];
    assert_eq!(
        strings(chain, "authors"),
        ["Robbert van Renesse", "Fred B. Schneider"]
    );
    let jepsen = &entries["jepsen-distributed-systems-safety-research"];
    assert_eq!(jepsen["kind"].as_str(), Some("code"));
    let live = &entries["paxos-made-live-an-engineering-perspective"];
    assert_eq!(live["year"].as_integer(), Some(2007));
    assert_eq!(
        live["summary"].as_str(),
        Some("We describe our experience building a fault-tolerant data-base using the Paxos consensus algorithm.")
    );
    assert!(env
        .data_dir()
        .join("pdf/impossibility-of-distributed-consensus-with-one-faulty.pdf")
        .is_file());

    // An id the catalog gives an entry of another list is not taken twice.
    let bib = "@article{l, title = {Paxos Made Simple}, author = {Lamport, Leslie}, year = 2001}\n";
    let run = run_with_input(
        &env,
        &["catalog", "import", "-", "--source", "mine"],
        bib.as_bytes(),
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    assert!(
        run.stdout().contains("id = \"paxos-made-simple-2\""),
        "{}",
        run.stdout()
    );
    assert!(
        run.stderr()
            .contains("paxos-made-simple-2 (not paxos-made-simple)"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_csl_json_library_by_name_and_on_standard_input() {
    let env = TestEnv::new();
    let json = copy_fixture(&env, "library.json", "library.json");
    let run = env.ok(&[
        "catalog",
        "import",
        json.to_str().unwrap(),
        "--source",
        "csl",
    ]);
    assert!(
        run.stderr().contains(
            "without a title became no entry: http://zotero.org/users/local/Xw3PQ1/items/ZZ00YY11"
        ),
        "{}",
        run.stderr()
    );
    let entries = catalog_entries(&run.stdout());
    let time = &entries["time-clocks-and-the-ordering-of-events-in-a-distributed"];
    assert_eq!(time["year"].as_integer(), Some(1978));
    assert_eq!(
        strings(time, "urls"),
        ["https://doi.org/10.1145/359545.359563"]
    );
    assert_eq!(time["kind"].as_str(), Some("paper"));
    let dynamo = &entries["dynamo-amazon-s-highly-available-key-value-store"];
    assert_eq!(
        strings(dynamo, "authors"),
        ["Giuseppe DeCandia", "Werner Vogels"]
    );
    assert_eq!(dynamo["year"].as_integer(), Some(2007));
    let ably = &entries["ably-realtime-experience-infrastructure"];
    assert_eq!(strings(ably, "authors"), ["Ably Realtime Ltd"]);
    assert_eq!(ably["kind"].as_str(), Some("website"));
    assert_eq!(entries["jepsen"]["kind"].as_str(), Some("code"));
    assert_eq!(entries.len(), 4);

    let text = fs::read(&json).unwrap();
    let run = run_with_input(&env, &["catalog", "import", "-", "--source", "csl"], &text);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    assert_eq!(catalog_entries(&run.stdout()).len(), 4);

    // Markdown on standard input is still a markdown list, and --attach needs BibTeX.
    let list = "## Papers\n- [Gossip](https://example.org/gossip.pdf)\n";
    let run = run_with_input(
        &env,
        &["catalog", "import", "-", "--source", "mine"],
        list.as_bytes(),
    );
    assert!(run.stdout().contains("id = \"gossip\""), "{}", run.stdout());
    let run = run_with_input(
        &env,
        &["catalog", "import", "-", "--source", "csl", "--attach"],
        &text,
    );
    let line = run.fails_with(2);
    assert!(line.contains("--attach"), "{line}");
    // A library that is not JSON says where.
    fs::write(
        env.dir.path().join("broken.json"),
        "[{\"id\": \"a\",\n  \"title\": }]",
    )
    .unwrap();
    let line = env
        .run(&["catalog", "import", "broken.json", "--source", "csl"])
        .fails_with(2);
    assert!(
        line.contains("broken.json as CSL-JSON: line 2, column"),
        "{line}"
    );
}

#[test]
fn our_own_export_imports_back_into_the_same_entries() {
    let env = kinds_env();
    let bib = env.dir.path().join("out.bib");
    let mut args = vec!["cite"];
    args.extend(KIND_IDS.iter().map(|(id, _)| *id));
    fs::write(&bib, env.ok(&args).stdout()).unwrap();
    let json = env.dir.path().join("out.json");
    args.extend(["--format", "csl-json"]);
    fs::write(&json, env.ok(&args).stdout()).unwrap();
    for file in [&bib, &json] {
        let run = env.ok(&[
            "catalog",
            "import",
            file.to_str().unwrap(),
            "--source",
            "again",
        ]);
        let entries: Vec<toml::Value> = catalog_entries(&run.stdout()).into_values().collect();
        for (id, kind) in KIND_IDS {
            let original = KINDS
                .split("[[entry]]")
                .find(|e| e.contains(&format!("id = \"{id}\"")))
                .unwrap();
            let value = |key: &str| {
                original
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{key} = ")))
                    .unwrap()
                    .trim_matches(|c| c == '"' || c == '[' || c == ']')
                    .to_string()
            };
            let title = value("title");
            let back = entries
                .iter()
                .find(|e| e["title"].as_str() == Some(title.as_str()))
                .unwrap_or_else(|| panic!("{title} not imported back from {}", file.display()));
            assert_eq!(
                back["kind"].as_str(),
                Some(kind),
                "{id} from {}",
                file.display()
            );
            assert_eq!(
                strings(back, "urls")[0],
                value("urls"),
                "{id} from {}",
                file.display()
            );
        }
        let paper = entries
            .iter()
            .find(|e| e["title"].as_str() == Some(HARD_TITLE))
            .unwrap();
        assert_eq!(
            strings(paper, "authors"),
            [
                "Özalp Babaoğlu",
                "Robbert van Renesse",
                "James B. Rothnie Jr.",
                "L. Peter Deutsch"
            ]
        );
    }
}

#[test]
fn the_entry_page_offers_citations_and_the_route_serves_them() {
    let env = TestEnv::new();
    env.write_catalog(
        "hostile.toml",
        "[[entry]]\nid = \"hostile\"\ntitle = \"<script>alert(1)</script> & 100%\"\nauthors = [\"<img src=x onerror=alert(2)>\"]\n",
    );
    env.ok(&["index"]);
    let server = Served::start(&env);
    let addr = server.addr.as_str();
    let page = get(addr, "/entry/paxos-made-simple").text();
    for format in ["bibtex", "ris", "csl-json"] {
        assert!(
            page.contains(&format!(
                "href=\"/entry/paxos-made-simple/cite?format={format}\""
            )),
            "{page}"
        );
    }

    let bib = get(addr, "/entry/paxos-made-simple/cite?format=bibtex");
    assert_eq!(bib.status, 200);
    assert_eq!(
        bib.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(bib.header("x-content-type-options"), Some("nosniff"));
    let parsed = Bibliography::parse(&bib.text()).unwrap();
    assert_eq!(
        field(parsed.get("lamport2001paxos").unwrap(), "title"),
        "Paxos Made Simple"
    );
    // BibTeX when no format is named.
    assert_eq!(
        get(addr, "/entry/paxos-made-simple/cite").text(),
        bib.text()
    );

    let ris = get(addr, "/entry/raft/cite?format=ris");
    assert_eq!(ris.status, 200);
    assert_eq!(
        ris.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let records = read_ris(&ris.text());
    assert_eq!(
        tag(&records[0], "AU"),
        ["Ongaro, Diego", "Ousterhout, John"]
    );

    let csl = get(addr, "/entry/ddia/cite?format=csl-json");
    assert_eq!(csl.status, 200);
    assert_eq!(
        csl.header("content-type"),
        Some("application/vnd.citationstyles.csl+json")
    );
    assert!(csl
        .header("content-disposition")
        .unwrap()
        .contains("ddia.json"));
    let items: Vec<Item> = serde_json::from_slice(&csl.body).unwrap();
    assert_eq!(items[0].type_().as_deref(), Some("book"));

    // The hostile entry's text is served as plain text, never as a page.
    let hostile = get(addr, "/entry/hostile/cite?format=ris");
    assert_eq!(hostile.status, 200);
    assert!(hostile
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    assert!(hostile
        .text()
        .contains("TI  - <script>alert(1)</script> & 100%"));

    assert_eq!(
        get(addr, "/entry/paxos-made-simple/cite?format=endnote").status,
        400
    );
    assert_eq!(
        get(addr, "/entry/no-such-entry/cite?format=ris").status,
        404
    );
    assert_eq!(get(addr, "/entry/..%2F..%2Fetc/cite").status, 404);
}
