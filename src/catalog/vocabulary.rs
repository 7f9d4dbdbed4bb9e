//! The field's vocabulary: groups of terms that name one concept (an acronym and its
//! expansion, a term and the words people use for it instead), read from `vocabulary*.toml`
//! beside the catalog. The search stage expands a query's terms with the rest of their group;
//! this module only reads and checks the files.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;
use toml::Spanned;

use super::{Lines, Problem};

/// The vocabulary compiled into the binary, used unless a catalog folder replaces it.
const BUILTIN: &str = include_str!("../../catalog/vocabulary.toml");

/// The name of the file that replaces the built-in vocabulary when a catalog folder has one.
pub const MAIN_FILE: &str = "vocabulary.toml";

/// Whether a catalog folder's file is a vocabulary file rather than a file of entries:
/// `vocabulary.toml` replaces the built-in vocabulary, `vocabulary-NAME.toml` adds to it.
pub fn is_vocabulary_file(name: &str) -> bool {
    name == MAIN_FILE || (name.starts_with("vocabulary-") && name.ends_with(".toml"))
}

/// One concept: the terms that name it, as written in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub terms: Vec<String>,
}

/// Every group of every vocabulary file in force.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub groups: Vec<Group>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    group: Vec<Spanned<RawGroup>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    terms: Vec<Spanned<String>>,
    /// A note for the people who keep the file; not used for searching.
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

/// A term as the checks compare it: lowercase, single spaces, hyphens as spaces.
fn comparable(term: &str) -> String {
    term.to_lowercase()
        .replace(['-', '_'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses one vocabulary file's text into groups and the problems found in it.
pub fn parse_file(name: &str, text: &str) -> (Vec<(Group, usize)>, Vec<Problem>) {
    let lines = Lines::new(text);
    let problem = |line: usize, message: String| Problem {
        file: name.to_string(),
        line,
        message,
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            let line = err.span().map(|s| lines.of(s.start)).unwrap_or(1);
            let message = err.message().trim().replace('\n', " ");
            return (
                Vec::new(),
                vec![problem(line, format!("invalid TOML: {message}"))],
            );
        }
    };
    let mut groups = Vec::new();
    let mut problems = Vec::new();
    for spanned in raw.group {
        let line = lines.of(spanned.span().start);
        let raw = spanned.into_inner();
        let mut terms: Vec<String> = Vec::new();
        for term in raw.terms {
            let at = lines.of(term.span().start);
            let t = term.into_inner().trim().to_string();
            if t.is_empty() {
                problems.push(problem(at, "a group has an empty term".into()));
            } else if !t.chars().any(char::is_alphanumeric) {
                problems.push(problem(at, format!("the term {t:?} has no letters")));
            } else if terms.iter().any(|x| comparable(x) == comparable(&t)) {
                problems.push(problem(at, format!("the term {t:?} is twice in its group")));
            } else {
                terms.push(t);
            }
        }
        if terms.len() < 2 {
            problems.push(problem(
                line,
                "a group needs at least two terms that name the same concept".into(),
            ));
            continue;
        }
        groups.push((Group { terms }, line));
    }
    (groups, problems)
}

/// Parses several vocabulary files into one vocabulary, reporting a term that two groups share
/// (a search for it would expand into both concepts, which is seldom meant).
pub fn parse_files(files: &[(String, String)]) -> (Vocabulary, Vec<Problem>) {
    let mut vocabulary = Vocabulary::default();
    let mut problems = Vec::new();
    let mut seen: HashMap<String, (String, usize)> = HashMap::new();
    for (name, text) in files {
        let (groups, mut found) = parse_file(name, text);
        problems.append(&mut found);
        for (group, line) in groups {
            for term in &group.terms {
                let key = comparable(term);
                if let Some((file, first)) = seen.get(&key) {
                    problems.push(Problem {
                        file: name.clone(),
                        line,
                        message: format!(
                            "the term {term:?} is also in the group at {file}:{first}"
                        ),
                    });
                } else {
                    seen.insert(key, (name.clone(), line));
                }
            }
            vocabulary.groups.push(group);
        }
    }
    (vocabulary, problems)
}

/// The vocabulary files in force for a catalog folder (or the built-in catalog): the folder's
/// `vocabulary.toml` or else the built-in one, then its `vocabulary-*.toml` files by name.
pub fn files(dir: Option<&Path>) -> Result<Vec<(String, String)>> {
    let builtin = || {
        (
            "<built-in>/vocabulary.toml".to_string(),
            BUILTIN.to_string(),
        )
    };
    let Some(dir) = dir else {
        return Ok(vec![builtin()]);
    };
    let listing = std::fs::read_dir(dir)
        .with_context(|| format!("Could not read the catalog folder {}", dir.display()))?;
    let mut names: Vec<String> = listing
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_vocabulary_file(n))
        .collect();
    names.sort();
    let mut out = Vec::new();
    if !names.iter().any(|n| n == MAIN_FILE) {
        out.push(builtin());
    }
    for name in names {
        let path = dir.join(&name);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("Could not read the vocabulary file {}", path.display()))?;
        out.push((path.display().to_string(), text));
    }
    Ok(out)
}

/// A key that changes whenever any of the vocabulary files does.
pub fn key(files: &[(String, String)]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (name, text) in files {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    crate::store::hex(&hasher.finalize())
}

/// Loads the vocabulary in force, failing on any problem with the first one found.
pub fn load(dir: Option<&Path>) -> Result<Vocabulary> {
    from_files(&files(dir)?)
}

/// The vocabulary of some files, failing on any problem with the first one found.
pub fn from_files(files: &[(String, String)]) -> Result<Vocabulary> {
    let (vocabulary, problems) = parse_files(files);
    if let Some(first) = problems.first() {
        let more = match problems.len() {
            1 => String::new(),
            n => format!(" (and {} more; run `paperdex catalog check`)", n - 1),
        };
        anyhow::bail!("The vocabulary is invalid: {first}{more}");
    }
    Ok(vocabulary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Vec<String> {
        let files = vec![("v.toml".to_string(), text.to_string())];
        parse_files(&files)
            .1
            .iter()
            .map(|p| p.to_string())
            .collect()
    }

    #[test]
    fn groups_parse_and_problems_name_their_line() {
        let files = vec![(
            "v.toml".to_string(),
            "[[group]]\nterms = [\"CRDT\", \"conflict-free replicated data type\"]\n".to_string(),
        )];
        let (v, problems) = parse_files(&files);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(v.groups[0].terms[0], "CRDT");
        let problems =
            check("[[group]]\nterms = [\"only\"]\n\n[[group]]\nterms = [\"a b\", \"\", \"A-B\"]\n");
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("v.toml:1: a group needs at least two terms"));
        assert!(problems[1].starts_with("v.toml:5: a group has an empty term"));
        assert!(problems[2].contains("is twice in its group"));
    }

    #[test]
    fn a_term_in_two_groups_is_reported_with_the_first_place() {
        let problems = check(
            "[[group]]\nterms = [\"leader\", \"primary\"]\n[[group]]\nterms = [\"Primary\", \"master\"]\n",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("is also in the group at v.toml:1"),
            "{problems:?}"
        );
    }

    #[test]
    fn broken_toml_and_unknown_fields_are_problems() {
        assert!(check("[[group]]\nterms = [\"a\"\n")[0].starts_with("v.toml:2: invalid TOML"));
        assert!(check("[[group]]\nterm = [\"a\", \"b\"]\n")[0].contains("term"));
    }

    #[test]
    fn builtin_vocabulary_is_valid() {
        let (v, problems) = parse_files(&files(None).unwrap());
        assert!(problems.is_empty(), "{problems:?}");
        assert!(v.groups.len() >= 400, "{} groups", v.groups.len());
    }

    /// Terms of near but different concepts: a search for one must not expand into the other.
    const APART: &[(&str, &str)] = &[
        ("network partition", "split brain"),
        ("network partition", "partition tolerance"),
        ("network partition", "sharding"),
        ("split brain", "fencing token"),
        ("consistency model", "linearizability"),
        ("linearizability", "serializability"),
        ("linearizability", "sequential consistency"),
        ("linearizability", "strict serializability"),
        ("strict serializability", "serializability"),
        ("snapshot isolation", "serializability"),
        ("snapshot isolation", "MVCC"),
        ("read committed", "snapshot isolation"),
        ("eventual consistency", "causal consistency"),
        ("eventual consistency", "strong eventual consistency"),
        ("eventual consistency", "optimistic replication"),
        ("causal consistency", "causal broadcast"),
        ("monotonic reads", "read your writes"),
        ("consensus protocol", "Paxos"),
        ("consensus protocol", "atomic broadcast"),
        ("Paxos", "Multi-Paxos"),
        ("single-decree Paxos", "Multi-Paxos"),
        ("vector clock", "version vector"),
        ("Lamport clock", "vector clock"),
        ("logical clock", "Lamport clock"),
        ("hybrid logical clock", "Lamport clock"),
        ("TrueTime", "hybrid logical clock"),
        ("physical clock", "logical clock"),
        ("clock skew", "clock drift"),
        ("monotonic clock", "monotonic reads"),
        ("happened-before", "logical clock"),
        ("distributed snapshot", "Chandy-Lamport algorithm"),
        ("distributed snapshot", "checkpointing"),
        ("two-phase commit", "two-phase locking"),
        ("two-phase commit", "three-phase commit"),
        ("two-phase commit", "atomic commitment"),
        ("two-phase commit", "saga"),
        ("write skew", "lost update"),
        ("leader election", "leader lease"),
        ("leader election", "failover"),
        ("lease", "leader lease"),
        ("lease", "distributed lock"),
        ("fencing token", "ballot number"),
        ("fencing token", "memory fence"),
        ("replication", "chain replication"),
        ("replication", "sharding"),
        ("primary-backup replication", "chain replication"),
        ("state machine replication", "primary-backup replication"),
        ("leaderless replication", "multi-leader replication"),
        ("leaderless replication", "sloppy quorum"),
        ("sloppy quorum", "hinted handoff"),
        ("quorum", "sloppy quorum"),
        ("quorum write", "quorum read"),
        ("read repair", "anti-entropy"),
        ("anti-entropy", "gossip"),
        ("gossip", "rumor mongering"),
        ("Merkle tree", "Merkle DAG"),
        ("Merkle tree", "Bloom filter"),
        ("failure detector", "heartbeat"),
        ("failure detector", "phi accrual failure detector"),
        ("failure detector", "timeout"),
        ("heartbeat", "health check"),
        ("group membership", "membership change"),
        ("Byzantine fault", "crash-stop"),
        ("Byzantine fault", "Sybil attack"),
        ("Sybil attack", "eclipse attack"),
        ("atomic broadcast", "causal broadcast"),
        ("reliable broadcast", "atomic broadcast"),
        ("two generals problem", "Byzantine generals problem"),
        ("deadlock", "livelock"),
        ("deadlock detection", "deadlock prevention"),
        ("write amplification", "read amplification"),
        ("LSM tree", "B-tree"),
        ("SSTable", "memtable"),
        ("erasure code", "Reed-Solomon code"),
        ("exactly-once", "idempotence"),
        ("exactly-once", "at-least-once delivery"),
        ("backpressure", "load shedding"),
        ("backpressure", "rate limiting"),
        ("consistent hashing", "rendezvous hashing"),
        ("DHT", "consistent hashing"),
        ("sharding", "range partitioning"),
        ("tail latency", "straggler"),
        ("hedged requests", "speculative execution"),
        ("model checking", "TLA+"),
        ("Jepsen", "fault injection"),
        ("fault injection", "chaos engineering"),
        ("log compaction", "LSM compaction"),
        ("log compaction", "state machine snapshot"),
        ("write-ahead log", "log replay"),
        ("crash recovery", "log replay"),
        ("stream processing", "batch processing"),
        ("event time", "processing time"),
        ("partial failure", "gray failure"),
    ];

    /// Single words too broad in this field to stand for one concept.
    const TOO_BROAD: &[&str] = &[
        "log",
        "node",
        "nodes",
        "leader",
        "lock",
        "clock",
        "partition",
        "commit",
        "server",
        "message",
        "system",
        "data",
        "time",
        "order",
        "network",
        "failure",
        "state",
    ];

    /// The built-in vocabulary's groups, each as its terms in the form the checks compare.
    fn builtin_groups() -> Vec<Vec<String>> {
        let (v, problems) = parse_files(&files(None).unwrap());
        assert!(problems.is_empty(), "{problems:?}");
        v.groups
            .iter()
            .map(|g| g.terms.iter().map(|t| comparable(t)).collect())
            .collect()
    }

    /// Groups of terms as a search analyzes them: each term as its index terms, space-separated.
    fn analyzed(vocabulary: &Vocabulary) -> Vec<Vec<String>> {
        let bytes = crate::index::Thesaurus::new(vocabulary).to_bytes("");
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .skip(1)
            .map(|line| line.split('\t').map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn near_but_different_concepts_stay_in_different_groups() {
        let groups = builtin_groups();
        let group_of = |term: &str| {
            let key = comparable(term);
            groups
                .iter()
                .position(|g| g.contains(&key))
                .unwrap_or_else(|| panic!("{term:?} is not in the vocabulary"))
        };
        assert!(APART.len() >= 40);
        for (a, b) in APART {
            let (ga, gb) = (group_of(a), group_of(b));
            assert_ne!(ga, gb, "{a:?} and {b:?} share a group: {:?}", groups[ga]);
        }
    }

    #[test]
    fn no_term_is_a_single_word_too_broad_for_the_field() {
        let broad: Vec<String> = TOO_BROAD.iter().map(|w| comparable(w)).collect();
        // The words as a search analyzes them too, so `logs` or `partitioning` cannot slip in.
        let stems = analyzed(&Vocabulary {
            groups: vec![Group {
                terms: TOO_BROAD.iter().map(|w| w.to_string()).collect(),
            }],
        })
        .remove(0);
        let (v, _) = parse_files(&files(None).unwrap());
        for (group, seqs) in v.groups.iter().zip(analyzed(&v)) {
            for term in &group.terms {
                assert!(
                    !broad.contains(&comparable(term)),
                    "{term:?} is too broad a term: {:?}",
                    group.terms
                );
            }
            for seq in seqs {
                assert!(
                    !stems.contains(&seq),
                    "a term of {:?} is analyzed into the too broad {seq:?}",
                    group.terms
                );
            }
        }
    }

    #[test]
    fn every_group_keeps_two_terms_once_analyzed() {
        // Terms that differ only in ways the analyzer removes (plurals, endings, hyphens) are
        // one term to a search, and a group of one term expands into nothing.
        let (v, _) = parse_files(&files(None).unwrap());
        let single: Vec<&Vec<String>> = v
            .groups
            .iter()
            .zip(analyzed(&v))
            .filter(|(_, seqs)| seqs.len() < 2)
            .map(|(group, _)| &group.terms)
            .collect();
        assert!(single.is_empty(), "one term once analyzed: {single:?}");
    }

    #[test]
    fn no_two_groups_share_a_term_once_analyzed() {
        // The file's check compares terms as written; a search compares them stemmed, and only
        // the first group of a shared stemmed term would ever be used.
        let (v, _) = parse_files(&files(None).unwrap());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (g, seqs) in analyzed(&v).into_iter().enumerate() {
            for seq in seqs {
                if let Some(&first) = seen.get(&seq) {
                    panic!(
                        "{seq:?} is in {:?} and in {:?}",
                        v.groups[first].terms, v.groups[g].terms
                    );
                }
                seen.insert(seq, g);
            }
        }
    }

    #[test]
    fn a_folder_vocabulary_replaces_the_builtin_one_and_extras_add() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("vocabulary-mine.toml"),
            "[[group]]\nterms = [\"xyzzy\", \"plugh\"]\n",
        )
        .unwrap();
        let names: Vec<String> = files(Some(dir.path()))
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names.len(), 2);
        assert!(names[0].starts_with("<built-in>"));
        std::fs::write(
            dir.path().join("vocabulary.toml"),
            "[[group]]\nterms = [\"a\", \"b\"]\n",
        )
        .unwrap();
        let v = load(Some(dir.path())).unwrap();
        assert_eq!(v.groups.len(), 2);
        assert!(is_vocabulary_file("vocabulary-x.toml"));
        assert!(!is_vocabulary_file("papers.toml"));
    }
}
