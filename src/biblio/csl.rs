//! CSL-JSON out and in: the item format of the Citation Style Language, which pandoc, Zotero
//! and every CSL processor read. Out, an array of items with a CSL type, names split into
//! their parts, the year as date parts, URL and DOI; in, the items a reference manager
//! exports, read leniently (a field of an unexpected shape costs only its item).

use serde::{Deserialize, Serialize};

use super::{one_line, Name, Work};

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    #[serde(rename = "citation-key")]
    citation_key: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    title: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    author: Vec<NameOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued: Option<Issued>,
    #[serde(rename = "URL", skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(rename = "DOI", skip_serializing_if = "Option::is_none")]
    doi: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    genre: Option<&'a str>,
    /// The catalog's own words about the work: CSL's reader's note, not the work's abstract.
    #[serde(skip_serializing_if = "Option::is_none")]
    annote: Option<String>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum NameOut<'a> {
    Person {
        family: &'a str,
        #[serde(skip_serializing_if = "str::is_empty")]
        given: &'a str,
        #[serde(
            rename = "non-dropping-particle",
            skip_serializing_if = "str::is_empty"
        )]
        particle: &'a str,
        #[serde(skip_serializing_if = "str::is_empty")]
        suffix: &'a str,
    },
    Literal {
        literal: &'a str,
    },
}

#[derive(Serialize)]
struct Issued {
    #[serde(rename = "date-parts")]
    date_parts: [[i64; 1]; 1],
}

/// Writes works as a CSL-JSON array, each item's `id` its citation key.
pub fn render(works: &[Work]) -> String {
    let items: Vec<Item> = works.iter().map(item).collect();
    let mut out = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
    out.push('\n');
    out
}

fn item<'a>(work: &'a Work) -> Item<'a> {
    let e = work.entry;
    Item {
        id: &work.key,
        citation_key: &work.key,
        kind: work.types.csl,
        title: one_line(&e.title),
        author: work
            .authors
            .iter()
            .map(|n| match n {
                Name::Literal(text) => NameOut::Literal { literal: text },
                Name::Person {
                    given,
                    particle,
                    family,
                    suffix,
                } => NameOut::Person {
                    family,
                    given,
                    particle,
                    suffix,
                },
            })
            .collect(),
        issued: e.year.map(|y| Issued { date_parts: [[y]] }),
        url: work.url.as_deref(),
        doi: work.doi.as_deref(),
        genre: work.types.label,
        annote: (!e.summary.is_empty()).then(|| one_line(&e.summary)),
    }
}

/// One item of a CSL-JSON library, as far as the catalog uses it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(expecting = "an item (a JSON object)")]
pub struct InItem {
    /// A string or a number in the wild.
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    #[serde(rename = "citation-key", default)]
    pub citation_key: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub author: Vec<InName>,
    #[serde(default)]
    pub issued: Option<InDate>,
    #[serde(rename = "URL", default)]
    pub url: Option<String>,
    #[serde(rename = "DOI", default)]
    pub doi: Option<String>,
    #[serde(rename = "abstract", default)]
    pub abstract_text: Option<String>,
    /// What kind of work within its type (`Reading list` for a web page).
    #[serde(default)]
    pub genre: Option<String>,
}

/// A name as CSL-JSON writes it: parts, or a literal.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    default,
    expecting = "a name (a JSON object)"
)]
pub struct InName {
    pub family: Option<String>,
    pub given: Option<String>,
    pub non_dropping_particle: Option<String>,
    pub dropping_particle: Option<String>,
    pub suffix: Option<String>,
    pub literal: Option<String>,
}

impl InName {
    /// The name as the catalog writes it: "Given von Family Suffix".
    pub fn catalog_name(&self) -> String {
        if let Some(literal) = self.literal.as_deref().filter(|l| !l.trim().is_empty()) {
            return one_line(literal);
        }
        let part = |p: &Option<String>| one_line(p.as_deref().unwrap_or(""));
        let given = super::names::join(&part(&self.given), &part(&self.dropping_particle), "", "");
        one_line(&super::names::join(
            &given,
            &part(&self.non_dropping_particle),
            &part(&self.family),
            &part(&self.suffix),
        ))
    }
}

/// A CSL date: date parts (numbers or strings), or a raw or literal date.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    default,
    expecting = "a date (a JSON object)"
)]
pub struct InDate {
    pub date_parts: Vec<Vec<serde_json::Value>>,
    pub raw: Option<String>,
    pub literal: Option<String>,
}

impl InDate {
    /// The year the date names, if any.
    pub fn year(&self) -> Option<i64> {
        let first = self.date_parts.first().and_then(|p| p.first());
        let from_parts = first.and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        from_parts
            .or_else(|| self.raw.as_deref().and_then(super::import::year_in))
            .or_else(|| self.literal.as_deref().and_then(super::import::year_in))
    }
}

impl InItem {
    /// The item's key: its citation key, else its id, as written.
    pub fn key(&self) -> String {
        if let Some(key) = self
            .citation_key
            .as_deref()
            .filter(|k| !k.trim().is_empty())
        {
            return key.trim().to_string();
        }
        match &self.id {
            Some(serde_json::Value::String(s)) => s.trim().to_string(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    }
}

/// One item of a library as read: the item, or its key and why it could not be read.
pub type ItemRead = Result<InItem, (String, String)>;

/// Reads a CSL-JSON library: an array of items (or one item). Each item is read on its own,
/// so one of an unexpected shape comes back as its key and the reason, and the rest are read.
pub fn read(text: &str) -> Result<Vec<ItemRead>, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let values = match value {
        serde_json::Value::Array(items) => items,
        other => vec![other],
    };
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let key = value
                .get("citation-key")
                .or_else(|| value.get("id"))
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_else(|| format!("item {}", i + 1));
            serde_json::from_value::<InItem>(value).map_err(|e| (key, e.to_string()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biblio::works;
    use crate::catalog::Entry;

    #[test]
    fn items_have_types_names_and_date_parts() {
        let e = Entry {
            id: "c".into(),
            title: "Consistent Global States".into(),
            authors: vec![
                "Özalp Babaoğlu".into(),
                "Robbert van Renesse".into(),
                "The Raft Authors".into(),
            ],
            year: Some(1993),
            kind: Some("code".into()),
            urls: vec!["https://example.org/x".into()],
            ..Entry::default()
        };
        let text = render(&works(&[&e]));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let item = &v[0];
        assert_eq!(item["type"], "software");
        assert_eq!(item["id"], "babaoglu1993consistent");
        assert_eq!(item["author"][0]["family"], "Babaoğlu");
        assert_eq!(item["author"][0]["given"], "Özalp");
        assert_eq!(item["author"][1]["non-dropping-particle"], "van");
        assert_eq!(item["author"][2]["literal"], "The Raft Authors");
        assert_eq!(item["issued"]["date-parts"][0][0], 1993);
        assert_eq!(item["URL"], "https://example.org/x");
        assert_eq!(item["genre"], "Software");
        assert!(item.get("DOI").is_none() && item.get("annote").is_none());
    }

    #[test]
    fn libraries_are_read_item_by_item() {
        let text = r#"[
            {"id": "a", "type": "book", "title": "T", "author": [{"family": "Lamport", "given": "Leslie"}],
             "issued": {"date-parts": [["2001", 5]]}},
            {"id": 7, "title": 5},
            {"id": "c", "title": "U", "issued": {"raw": "Spring 1998"},
             "author": [{"literal": "Google Inc."}, {"family": "Renesse", "non-dropping-particle": "van", "given": "Robbert"}]}
        ]"#;
        let items = read(text).unwrap();
        let a = items[0].as_ref().unwrap();
        assert_eq!(a.issued.as_ref().unwrap().year(), Some(2001));
        assert_eq!(a.author[0].catalog_name(), "Leslie Lamport");
        assert_eq!(items[1].as_ref().unwrap_err().0, "7");
        let c = items[2].as_ref().unwrap();
        assert_eq!(c.issued.as_ref().unwrap().year(), Some(1998));
        assert_eq!(c.author[0].catalog_name(), "Google Inc.");
        assert_eq!(c.author[1].catalog_name(), "Robbert van Renesse");
        assert!(read("{not json").is_err());
        // Reasons speak of JSON, not of the types that read it.
        let odd = read(r#"[5, {"id": "d", "issued": "2001"}, {"id": "e", "author": ["Lamport"]}]"#)
            .unwrap();
        for item in &odd {
            let (_, reason) = item.as_ref().unwrap_err();
            assert!(
                !reason.contains("struct") && reason.contains("JSON object"),
                "{reason}"
            );
        }
        assert_eq!(read(r#"{"id": "x", "title": "One"}"#).unwrap().len(), 1);
    }
}
