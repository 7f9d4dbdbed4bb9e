//! A small drawing of one entry's neighbourhood in the citation graph, for its page: the
//! entries it cites on the left, the entry in the middle, the entries citing it on the right,
//! an arrow from each citing work to the work it cites. Every box links to its entry. Plain
//! SVG in the page, drawn by the server, so it needs no script and no library.

use maud::{html, Markup};

use crate::cite::Node;

/// Most neighbours drawn on one side; the rest are counted under the column.
const MAX_SIDE: usize = 10;
/// Longest label in a box, year included, in characters: what fits the box at the style
/// sheet's 12px.
const LABEL_CHARS: usize = 31;

const WIDTH: u32 = 780;
const BOX_W: u32 = 230;
const BOX_H: u32 = 28;
const ROW: u32 = 36;
const TOP: u32 = 30;

/// The drawing for `center` with the entries it cites and the entries that cite it.
pub fn neighbourhood(center: &Node, cites: &[&Node], cited_by: &[&Node]) -> Markup {
    let left = &cites[..cites.len().min(MAX_SIDE)];
    let right = &cited_by[..cited_by.len().min(MAX_SIDE)];
    let rows = left.len().max(right.len()).max(1) as u32;
    let more = u32::from(cites.len() > MAX_SIDE || cited_by.len() > MAX_SIDE);
    let height = TOP + rows * ROW + more * ROW;
    let (lx, cx, rx) = (10, (WIDTH - BOX_W) / 2, WIDTH - BOX_W - 10);
    let cy = TOP + (rows * ROW - BOX_H) / 2;
    let y_of = |i: usize, n: usize| TOP + (rows - n as u32) * ROW / 2 + i as u32 * ROW;
    html! {
        svg.graph xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (height) }
            width=(WIDTH) height=(height) role="img"
            aria-label={ "Citations of " (center.title) } {
            defs {
                marker #arrow viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7"
                    markerHeight="7" orient="auto-start-reverse" {
                    path d="M 0 0 L 10 5 L 0 10 z" {}
                }
            }
            text.head x=(lx) y="16" { "cites (" (cites.len()) ")" }
            text.head x=(rx) y="16" { "cited by (" (cited_by.len()) ")" }
            @for i in 0..left.len() {
                @let y = y_of(i, left.len());
                line x1=(cx) y1=(cy + BOX_H / 2) x2=(lx + BOX_W) y2=(y + BOX_H / 2)
                    marker-end="url(#arrow)" {}
            }
            @for i in 0..right.len() {
                @let y = y_of(i, right.len());
                line x1=(rx) y1=(y + BOX_H / 2) x2=(cx + BOX_W) y2=(cy + BOX_H / 2)
                    marker-end="url(#arrow)" {}
            }
            @for (i, node) in left.iter().enumerate() {
                (node_box(node, lx, y_of(i, left.len()), false))
            }
            @for (i, node) in right.iter().enumerate() {
                (node_box(node, rx, y_of(i, right.len()), false))
            }
            (node_box(center, cx, cy, true))
            @if cites.len() > MAX_SIDE {
                text.more x=(lx) y=(height - 10) { "and " (cites.len() - MAX_SIDE) " more" }
            }
            @if cited_by.len() > MAX_SIDE {
                text.more x=(rx) y=(height - 10) { "and " (cited_by.len() - MAX_SIDE) " more" }
            }
        }
    }
}

/// One entry as a linked box with its title cut to fit and whole in the tooltip.
fn node_box(node: &Node, x: u32, y: u32, center: bool) -> Markup {
    let year = node.year.map(|y| format!(" ({y})")).unwrap_or_default();
    html! {
        a href={ "/entry/" (node.id) } {
            title { (node.title) (year) }
            rect.center[center] x=(x) y=(y) width=(BOX_W) height=(BOX_H) rx="5" {}
            text x=(x + 8) y=(y + 18) {
                (short(&node.title, LABEL_CHARS.saturating_sub(year.chars().count()))) (year)
            }
        }
    }
}

/// A title cut at a word to at most `max` characters, with an ellipsis when cut.
fn short(title: &str, max: usize) -> String {
    if title.chars().count() <= max {
        return title.to_string();
    }
    let cut: String = title.chars().take(max).collect();
    let at = cut.rfind(' ').filter(|&i| i > max / 2).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, title: &str) -> Node {
        Node {
            id: id.into(),
            title: title.into(),
            year: Some(1978),
        }
    }

    #[test]
    fn draws_every_neighbour_with_a_link_and_escapes_titles() {
        let center = node("c", "Center <b>");
        let a = node("a", "Cited");
        let b = node("b", "Citing");
        let svg = neighbourhood(&center, &[&a], &[&b]).into_string();
        assert!(svg.contains("href=\"/entry/a\""), "{svg}");
        assert!(svg.contains("href=\"/entry/b\""), "{svg}");
        assert!(svg.contains("Center &lt;b&gt;"), "{svg}");
        assert!(!svg.contains("<b>"), "{svg}");
        assert_eq!(svg.matches("<line").count(), 2, "{svg}");
    }

    #[test]
    fn counts_what_it_leaves_out() {
        let center = node("c", "C");
        let many: Vec<Node> = (0..13).map(|i| node(&format!("n{i}"), "N")).collect();
        let refs: Vec<&Node> = many.iter().collect();
        let svg = neighbourhood(&center, &refs, &[]).into_string();
        assert!(svg.contains("and 3 more"), "{svg}");
        assert_eq!(svg.matches("<line").count(), MAX_SIDE, "{svg}");
    }

    #[test]
    fn short_titles_cut_at_words() {
        assert_eq!(short("Paxos Made Simple", 40), "Paxos Made Simple");
        assert_eq!(
            short("Time, Clocks, and the Ordering of Events", 20),
            "Time, Clocks, and…"
        );
        assert_eq!(short("ééééééééééé", 5), "ééééé…");
    }
}
