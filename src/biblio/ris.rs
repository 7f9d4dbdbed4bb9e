//! RIS out: the tagged format of EndNote, Zotero, Mendeley and most library databases. Each
//! work is a record of `XX  - value` lines, opened by its type (`TY`) and closed by `ER`, with
//! lines ended by CR LF as the format asks; a value never spans lines.

use super::{one_line, Name, Work};

/// Writes works as RIS records, separated by blank lines.
pub fn render(works: &[Work]) -> String {
    let mut out = String::new();
    for (i, work) in works.iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        record(&mut out, work);
    }
    out
}

fn record(out: &mut String, work: &Work) {
    let e = work.entry;
    line(out, "TY", work.types.ris);
    line(out, "ID", &work.key);
    for author in &work.authors {
        line(out, "AU", &name(author));
    }
    line(out, "TI", &e.title);
    if let Some(year) = e.year {
        line(out, "PY", &year.to_string());
    }
    if let Some(url) = work.url.as_deref() {
        line(out, "UR", url);
    }
    if let Some(doi) = &work.doi {
        line(out, "DO", doi);
    }
    if let Some(label) = work.types.label {
        // M3 is the type of work: what the reference type alone does not say.
        line(out, "M3", label);
    }
    if !e.summary.is_empty() {
        line(out, "N1", &e.summary);
    }
    out.push_str("ER  - \r\n");
}

fn line(out: &mut String, tag: &str, value: &str) {
    out.push_str(tag);
    out.push_str("  - ");
    out.push_str(&one_line(value));
    out.push_str("\r\n");
}

/// One author as RIS writes names: "Last, First, Suffix", an organisation as written.
pub fn name(name: &Name) -> String {
    match name {
        Name::Literal(text) => text.clone(),
        Name::Person {
            given,
            particle,
            family,
            suffix,
        } => {
            let mut out = super::names::join("", particle, family, "");
            if !given.is_empty() || !suffix.is_empty() {
                out.push_str(", ");
                out.push_str(given);
            }
            if !suffix.is_empty() {
                out.push_str(", ");
                out.push_str(suffix);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biblio::{names, works};
    use crate::catalog::Entry;

    #[test]
    fn a_record_is_tagged_lines_closed_by_er() {
        let e = Entry {
            id: "b".into(),
            title: "Designing Data-Intensive\nApplications".into(),
            authors: vec!["Martin Kleppmann".into(), "Robbert van Renesse".into()],
            year: Some(2017),
            kind: Some("book".into()),
            urls: vec!["https://doi.org/10.1000/ddia".into()],
            ..Entry::default()
        };
        let text = render(&works(&[&e, &e]));
        let first = "TY  - BOOK\r\nID  - kleppmann2017designing\r\nAU  - Kleppmann, Martin\r\nAU  - van Renesse, Robbert\r\nTI  - Designing Data-Intensive Applications\r\nPY  - 2017\r\nUR  - https://doi.org/10.1000/ddia\r\nDO  - 10.1000/ddia\r\nER  - \r\n";
        assert!(text.starts_with(first), "{text}");
        assert!(text.contains("\r\n\r\nTY  - BOOK\r\nID  - kleppmann2017designingb\r\n"));
    }

    #[test]
    fn names_are_last_first_suffix() {
        let n = |s: &str| name(&names::split(s).unwrap());
        assert_eq!(n("James B. Rothnie Jr."), "Rothnie, James B., Jr.");
        assert_eq!(n("The Raft Authors"), "The Raft Authors");
        assert_eq!(n("Özalp Babaoğlu"), "Babaoğlu, Özalp");
    }
}
