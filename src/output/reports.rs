//! The JSON reports of the commands that are not a search, as typed structs: each `--json`
//! prints one of these (or a type of the library's own, such as `search::Results`), so the
//! shape of every object is written down in one place, field by field, rather than
//! assembled in a command. Field names are part of the interface scripts rely on.

use serde::Serialize;

use crate::catalog::Problem;
use crate::cite::Step;

/// `paperdex path ID --json`: what to read before an entry.
#[derive(Debug, Serialize)]
pub struct PathReport<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub year: Option<i64>,
    /// Whether the entry's own text was read, so that an empty `before` means it cites no
    /// other entry rather than that its citations are unknown.
    pub read: bool,
    /// Whether the path followed citations off the entry's subject.
    pub wide: bool,
    /// The entries to read first, in order.
    pub before: &'a [Step],
    /// Groups of entries that cite each other, placed by year.
    pub cycles: &'a [Vec<String>],
}

/// `paperdex reading-order --json`: entries ordered so that cited works come first.
#[derive(Debug, Serialize)]
pub struct OrderReport<'a> {
    /// The topics asked for; empty for the whole library.
    pub topics: &'a [String],
    pub order: &'a [Step],
    pub cycles: &'a [Vec<String>],
}

/// `paperdex model status --json`: which sentence model is used and how much is embedded.
#[derive(Debug, Serialize)]
pub struct ModelReport {
    /// The model folder, or null when there is none.
    pub model: Option<String>,
    /// Where the folder was named: `--model`, `PAPERDEX_MODEL`, or the data folder.
    pub origin: Option<&'static str>,
    pub embedded_entries: usize,
}

/// `paperdex catalog check --json`: what was read and every problem found, in file and line
/// order.
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    /// The catalog checked: a folder, or the built-in catalog.
    pub catalog: &'a str,
    pub files: usize,
    pub entries: usize,
    pub vocabulary_groups: usize,
    pub problems: Vec<ProblemReport<'a>>,
}

/// One problem of a catalog file.
#[derive(Debug, Serialize)]
pub struct ProblemReport<'a> {
    pub file: &'a str,
    pub line: usize,
    pub message: &'a str,
}

impl<'a> From<&'a Problem> for ProblemReport<'a> {
    fn from(p: &'a Problem) -> Self {
        ProblemReport {
            file: &p.file,
            line: p.line,
            message: &p.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_keep_the_field_names_scripts_read() {
        let problem = Problem {
            file: "a.toml".into(),
            line: 3,
            message: "bad".into(),
        };
        let check = CheckReport {
            catalog: "catalog/",
            files: 1,
            entries: 2,
            vocabulary_groups: 0,
            problems: vec![(&problem).into()],
        };
        let v = serde_json::to_value(&check).unwrap();
        assert_eq!(v["problems"][0]["line"], 3);
        assert_eq!(v["entries"], 2);
        let model = serde_json::to_value(ModelReport {
            model: None,
            origin: None,
            embedded_entries: 5,
        })
        .unwrap();
        assert!(model["model"].is_null());
        assert_eq!(model["embedded_entries"], 5);
        let path = serde_json::to_value(PathReport {
            id: "raft",
            title: "Raft",
            year: Some(2014),
            read: false,
            wide: false,
            before: &[],
            cycles: &[],
        })
        .unwrap();
        assert_eq!(path["read"], false);
        assert!(path["before"].as_array().unwrap().is_empty());
    }
}
