//! Rendering the citation graph: the entries an entry cites and is cited by (for `show`),
//! reading orders (for `path` and `reading-order`), and the graph in Graphviz's DOT language
//! (for `graph`).

use std::io::{self, Write};

use crate::cite::{Node, Step, Subgraph};

use super::{Printer, BOLD, DIM, TITLE};

/// Longest line of a node's label in DOT output, in characters.
const LABEL_WIDTH: usize = 28;

impl<W: Write> Printer<W> {
    /// Prints the entries an entry cites (`None` when its text could not be read) and the
    /// entries that cite it, as two more rows of `entry`'s table.
    pub fn citations(&mut self, cites: Option<&[&Node]>, cited_by: &[&Node]) -> io::Result<()> {
        writeln!(self.out)?;
        match cites {
            None => self.citation_row("cites", &[], "unknown: no text to read")?,
            Some(nodes) => self.citation_row("cites", nodes, "no entry of the library")?,
        }
        self.citation_row("cited by", cited_by, "no entry of the library")
    }

    fn citation_row(&mut self, label: &str, nodes: &[&Node], none: &str) -> io::Result<()> {
        let label = self.paint(BOLD, &format!("{label:<9}"));
        if nodes.is_empty() {
            return writeln!(self.out, "  {label} {none}");
        }
        for (i, node) in nodes.iter().enumerate() {
            let head = if i == 0 { label.clone() } else { " ".repeat(9) };
            writeln!(self.out, "  {head} {}", self.node_line(node))?;
        }
        Ok(())
    }

    fn node_line(&self, node: &Node) -> String {
        let year = node.year.map(|y| format!(" ({y})")).unwrap_or_default();
        format!(
            "{}{year} {}",
            node.title,
            self.paint(DIM, &format!("· {}", node.id))
        )
    }

    /// Prints a reading order under a heading: numbered entries, each with the numbers of the
    /// earlier entries it cites, then a note for every group of entries that cite each other.
    pub fn order(
        &mut self,
        heading: &str,
        steps: &[Step],
        cycles: &[Vec<String>],
    ) -> io::Result<()> {
        writeln!(self.out, "{}", self.paint(BOLD, heading))?;
        let position = |id: &str| steps.iter().position(|s| s.id == id).map(|p| p + 1);
        for (i, step) in steps.iter().enumerate() {
            let year = step.year.map(|y| format!(" ({y})")).unwrap_or_default();
            let cited: Vec<String> = step
                .cites
                .iter()
                .filter_map(|id| position(id))
                .map(|p| p.to_string())
                .collect();
            let mut builds = if cited.is_empty() {
                String::new()
            } else {
                format!(" · cites {}", cited.join(", "))
            };
            if step.full_text {
                builds.push_str(" · full text");
            }
            writeln!(
                self.out,
                "{:>3}. {}{year}",
                i + 1,
                self.paint(TITLE, &step.title)
            )?;
            writeln!(
                self.out,
                "     {}",
                self.paint(DIM, &format!("{}{builds}", step.id))
            )?;
        }
        for cycle in cycles {
            let names: Vec<String> = cycle
                .iter()
                .map(|id| match position(id) {
                    Some(p) => format!("{p}"),
                    None => id.clone(),
                })
                .collect();
            writeln!(
                self.out,
                "Note: {} cite each other (directly or through other entries), so they are in order of year.",
                join_and(&names)
            )?;
        }
        Ok(())
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The graph in Graphviz's DOT language: one box per entry, labelled with its title and year,
/// and an arrow from each citing entry to the entry it cites, foundations at the top.
pub fn dot(graph: &Subgraph) -> String {
    let mut out = String::from("digraph citations {\n");
    out.push_str("  graph [rankdir=BT];\n");
    out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n");
    for node in &graph.nodes {
        let mut label = wrap_label(&node.title, LABEL_WIDTH);
        if let Some(y) = node.year {
            label.push_str(&format!("\n({y})"));
        }
        out.push_str(&format!(
            "  {} [label={}];\n",
            quote(&node.id),
            quote(&label)
        ));
    }
    for edge in &graph.edges {
        out.push_str(&format!(
            "  {} -> {};\n",
            quote(&edge.citing),
            quote(&edge.cited)
        ));
    }
    out.push_str("}\n");
    out
}

/// A DOT string literal: quotes and backslashes escaped, line breaks as `\n`.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Breaks a title into lines of about `width` characters at spaces.
fn wrap_label(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if line > 0 && line + 1 + n > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cite::Edge;

    #[test]
    fn dot_quotes_labels_and_lists_edges() {
        let graph = Subgraph {
            nodes: vec![
                Node {
                    id: "a".into(),
                    title: "A \"quoted\" title with a back\\slash and enough words to wrap".into(),
                    year: Some(1978),
                },
                Node {
                    id: "b".into(),
                    title: "B".into(),
                    year: None,
                },
            ],
            edges: vec![Edge {
                citing: "b".into(),
                cited: "a".into(),
            }],
        };
        let text = dot(&graph);
        assert!(text.starts_with("digraph citations {\n"), "{text}");
        assert!(text.contains("\"b\" -> \"a\";"), "{text}");
        assert!(text.contains("\\\"quoted\\\""), "{text}");
        assert!(text.contains("back\\\\slash"), "{text}");
        assert!(text.contains("\\n(1978)"), "{text}");
        assert!(text.trim_end().ends_with('}'));
    }

    #[test]
    fn orders_number_what_each_entry_cites() {
        let steps = vec![
            Step {
                id: "old".into(),
                title: "Old".into(),
                year: Some(1978),
                cites: vec![],
                full_text: false,
            },
            Step {
                id: "new".into(),
                title: "New".into(),
                year: Some(2001),
                cites: vec!["old".into()],
                full_text: true,
            },
        ];
        let mut p = Printer::new(Vec::new(), false);
        p.order("Read:", &steps, &[vec!["old".into(), "new".into()]])
            .unwrap();
        let text = String::from_utf8(p.out).unwrap();
        assert!(text.contains("  1. Old (1978)\n     old\n"), "{text}");
        assert!(
            text.contains("  2. New (2001)\n     new · cites 1 · full text\n"),
            "{text}"
        );
        assert!(text.contains("Note: 1 and 2 cite each other"), "{text}");
        assert_eq!(
            join_and(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
        assert_eq!(wrap_label("aa bb cc", 5), "aa bb\ncc");
    }
}
