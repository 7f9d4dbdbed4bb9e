//! The citation graph of the library: which entries cite which, built from the cite stage's
//! links and the catalog, and the orders read from it. `path` and `reading-order` place every
//! entry after the entries it cites (directly, or through works between them, even works
//! outside the set being ordered); among the entries free to come next, the oldest comes
//! first. Entries that cite each other, directly or round a longer loop, cannot all come after
//! one another: such a group is placed by year and reported, so the order can say so.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalog::Entry;

/// An entry as the graph shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    pub id: String,
    pub title: String,
    pub year: Option<i64>,
}

/// Who cites whom among the catalog's entries.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: BTreeMap<String, Node>,
    cites: BTreeMap<String, BTreeSet<String>>,
    cited_by: BTreeMap<String, BTreeSet<String>>,
}

/// An order of entries in which none comes before an entry it cites, except inside `cycles`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    pub ids: Vec<String>,
    /// Groups of entries that cite each other, each placed by year.
    pub cycles: Vec<Vec<String>>,
}

/// One entry of a reading order, with the earlier entries of the order that it cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub year: Option<i64>,
    /// Entries before this one in the order that it cites directly.
    pub cites: Vec<String>,
    /// Whether the entry's full text is in the library (filled in by the caller, which knows
    /// the data directory).
    pub full_text: bool,
}

/// A part of the graph for export: its entries and who cites whom among them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subgraph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// One citation between two entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub citing: String,
    pub cited: String,
}

impl Graph {
    /// The graph of `entries` with the citations `edges` (citing, cited); edges naming an id
    /// that is not in `entries`, or an entry citing itself, are left out.
    pub fn new<'a>(
        entries: &[Entry],
        edges: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Graph {
        let mut g = Graph::default();
        for e in entries {
            g.nodes.insert(
                e.id.clone(),
                Node {
                    id: e.id.clone(),
                    title: e.title.clone(),
                    year: e.year,
                },
            );
        }
        for (citing, cited) in edges {
            if citing == cited || !g.nodes.contains_key(citing) || !g.nodes.contains_key(cited) {
                continue;
            }
            g.cites
                .entry(citing.to_string())
                .or_default()
                .insert(cited.to_string());
            g.cited_by
                .entry(cited.to_string())
                .or_default()
                .insert(citing.to_string());
        }
        g
    }

    /// The entry `id`, if the catalog has it.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.get(id)
    }

    /// The entries `id` cites, oldest first.
    pub fn cites(&self, id: &str) -> Vec<&Node> {
        self.sorted(self.cites.get(id))
    }

    /// The entries that cite `id`, oldest first.
    pub fn cited_by(&self, id: &str) -> Vec<&Node> {
        self.sorted(self.cited_by.get(id))
    }

    /// How many entries cite `id`.
    pub fn cited_by_count(&self, id: &str) -> usize {
        self.cited_by.get(id).map_or(0, BTreeSet::len)
    }

    /// Number of citations between entries.
    pub fn edge_count(&self) -> usize {
        self.cites.values().map(BTreeSet::len).sum()
    }

    fn sorted(&self, ids: Option<&BTreeSet<String>>) -> Vec<&Node> {
        let mut nodes: Vec<&Node> = ids
            .into_iter()
            .flatten()
            .filter_map(|id| self.nodes.get(id))
            .collect();
        nodes.sort_by(|a, b| by_year(a, b));
        nodes
    }

    /// Every entry `id` cites, directly or through the entries it cites, without `id` itself.
    pub fn ancestors(&self, id: &str) -> BTreeSet<String> {
        let mut seen = self.reachable(id);
        seen.remove(id);
        seen
    }

    /// The entries `id` cites through at most `depth` steps of citation (1: those it cites
    /// directly), without `id` itself.
    pub fn ancestors_within(&self, id: &str, depth: usize) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut frontier = vec![id];
        for _ in 0..depth {
            let mut next = Vec::new();
            for f in frontier {
                for cited in self.cites.get(f).into_iter().flatten() {
                    if cited != id && seen.insert(cited.clone()) {
                        next.push(cited.as_str());
                    }
                }
            }
            frontier = next;
        }
        seen
    }

    /// The entries `id` cites, directly (always) and through further steps of citation (at
    /// most `depth` in all, when given) only where `keep` holds for the entry reached: the
    /// path to a paper on one topic then stays on that topic, instead of reaching, through a
    /// paper that cites widely, everything its references cite.
    pub fn ancestors_keeping(
        &self,
        id: &str,
        depth: Option<usize>,
        keep: impl Fn(&str) -> bool,
    ) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut frontier = vec![id];
        let mut step = 0;
        while !frontier.is_empty() && depth.is_none_or(|d| step < d) {
            let mut next = Vec::new();
            for f in frontier {
                for cited in self.cites.get(f).into_iter().flatten() {
                    if cited == id || (step > 0 && !keep(cited)) {
                        continue;
                    }
                    if seen.insert(cited.clone()) {
                        next.push(cited.as_str());
                    }
                }
            }
            frontier = next;
            step += 1;
        }
        seen
    }

    /// The entries reachable from `id` by following citations, `id` included only when a
    /// cycle leads back to it.
    fn reachable(&self, id: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = self
            .cites
            .get(id)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        while let Some(next) = stack.pop() {
            if seen.insert(next.to_string()) {
                stack.extend(
                    self.cites
                        .get(next)
                        .into_iter()
                        .flatten()
                        .map(String::as_str),
                );
            }
        }
        seen
    }

    /// Orders `ids` so that every entry comes after the entries it cites, directly or through
    /// other entries of the library; ties go to the oldest, then to the smaller id.
    pub fn order(&self, ids: &BTreeSet<String>) -> Order {
        let ids: Vec<&String> = ids
            .iter()
            .filter(|id| self.nodes.contains_key(*id))
            .collect();
        let index: BTreeMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        // after[a] holds the entries a must follow: those it reaches by citations.
        let after: Vec<Vec<usize>> = ids
            .iter()
            .map(|id| {
                self.reachable(id)
                    .iter()
                    .filter_map(|r| index.get(r.as_str()).copied())
                    .collect()
            })
            .collect();
        let components = strongly_connected(&after);
        let mut component_of = vec![0; ids.len()];
        for (c, members) in components.iter().enumerate() {
            for &m in members {
                component_of[m] = c;
            }
        }
        let mut waiting: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); components.len()];
        let mut blocks: Vec<Vec<usize>> = vec![Vec::new(); components.len()];
        for (a, targets) in after.iter().enumerate() {
            for &b in targets {
                let (ca, cb) = (component_of[a], component_of[b]);
                if ca != cb && waiting[ca].insert(cb) {
                    blocks[cb].push(ca);
                }
            }
        }
        let year = |i: usize| self.nodes[ids[i].as_str()].year.unwrap_or(i64::MAX);
        let key = |c: usize| {
            components[c]
                .iter()
                .map(|&i| (year(i), ids[i].as_str()))
                .min()
                .unwrap_or((i64::MAX, ""))
        };
        let mut ready: BTreeSet<((i64, &str), usize)> = (0..components.len())
            .filter(|&c| waiting[c].is_empty())
            .map(|c| (key(c), c))
            .collect();
        let mut order = Order::default();
        while let Some(first) = ready.iter().next().cloned() {
            ready.remove(&first);
            let c = first.1;
            let mut members = components[c].clone();
            members.sort_by_key(|&i| (year(i), ids[i].as_str()));
            let names: Vec<String> = members.iter().map(|&i| ids[i].clone()).collect();
            if names.len() > 1 {
                order.cycles.push(names.clone());
            }
            order.ids.extend(names);
            for &d in &blocks[c] {
                waiting[d].remove(&c);
                if waiting[d].is_empty() {
                    ready.insert((key(d), d));
                }
            }
        }
        order
    }

    /// The entries of `order`, each with the earlier ones it cites directly.
    pub fn steps(&self, order: &[String]) -> Vec<Step> {
        let mut steps: Vec<Step> = Vec::with_capacity(order.len());
        for id in order {
            let Some(node) = self.nodes.get(id) else {
                continue;
            };
            let cited = self.cites.get(id);
            let cites = steps
                .iter()
                .filter(|s| cited.is_some_and(|c| c.contains(&s.id)))
                .map(|s| s.id.clone())
                .collect();
            steps.push(Step {
                id: node.id.clone(),
                title: node.title.clone(),
                year: node.year,
                cites,
                full_text: false,
            });
        }
        steps
    }

    /// The entries among `ids` (all when `None`) that cite or are cited by another of them,
    /// with the citations between them.
    pub fn subgraph(&self, ids: Option<&BTreeSet<String>>) -> Subgraph {
        let inside = |id: &str| ids.is_none_or(|set| set.contains(id));
        let mut edges = Vec::new();
        let mut linked: BTreeSet<&str> = BTreeSet::new();
        for (citing, cited) in &self.cites {
            if !inside(citing) {
                continue;
            }
            for target in cited.iter().filter(|t| inside(t)) {
                edges.push(Edge {
                    citing: citing.clone(),
                    cited: target.clone(),
                });
                linked.insert(citing);
                linked.insert(target);
            }
        }
        let mut nodes: Vec<Node> = linked
            .iter()
            .filter_map(|id| self.nodes.get(*id).cloned())
            .collect();
        nodes.sort_by(by_year);
        Subgraph { nodes, edges }
    }
}

/// Oldest first, undated last, then by title.
fn by_year(a: &Node, b: &Node) -> std::cmp::Ordering {
    (a.year.unwrap_or(i64::MAX), &a.title, &a.id).cmp(&(
        b.year.unwrap_or(i64::MAX),
        &b.title,
        &b.id,
    ))
}

/// The strongly connected components of a graph given as adjacency lists (Tarjan's
/// algorithm, without recursion so a long chain cannot overflow the stack).
fn strongly_connected(adjacent: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = adjacent.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // Each frame: a vertex and how many of its neighbours were visited.
        let mut frames: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = frames.last_mut() {
            if let Some(&w) = adjacent[v].get(*i) {
                *i += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, year: Option<i64>) -> Entry {
        Entry {
            id: id.into(),
            title: id.to_uppercase(),
            year,
            ..Entry::default()
        }
    }

    fn graph(edges: &[(&str, &str)]) -> Graph {
        let entries = vec![
            entry("lamport78", Some(1978)),
            entry("flp", Some(1985)),
            entry("parliament", Some(1998)),
            entry("simple", Some(2001)),
            entry("chubby", Some(2006)),
            entry("live", Some(2007)),
            entry("raft", Some(2014)),
            entry("undated", None),
        ];
        Graph::new(&entries, edges.iter().copied())
    }

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    /// Asserts that in `order` no entry comes before one it reaches, outside reported cycles.
    fn respects(g: &Graph, order: &Order) {
        for (i, a) in order.ids.iter().enumerate() {
            for b in &order.ids[i + 1..] {
                let cycle = order.cycles.iter().any(|c| c.contains(a) && c.contains(b));
                assert!(
                    cycle || !g.ancestors(a).contains(b),
                    "{a} comes before {b}, which it cites: {order:?}"
                );
            }
        }
    }

    #[test]
    fn cites_and_cited_by_skip_unknown_ids_and_self_citations() {
        let g = graph(&[
            ("simple", "parliament"),
            ("simple", "lamport78"),
            ("simple", "simple"),
            ("simple", "nowhere"),
            ("raft", "simple"),
        ]);
        let ids: Vec<&str> = g.cites("simple").iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, vec!["lamport78", "parliament"]);
        assert_eq!(g.cited_by_count("simple"), 1);
        assert_eq!(g.cited_by_count("raft"), 0);
        assert_eq!(g.edge_count(), 3);
        assert_eq!(
            g.ancestors("raft"),
            set(&["simple", "parliament", "lamport78"])
        );
    }

    #[test]
    fn an_order_puts_what_is_cited_first_and_breaks_ties_by_year() {
        let g = graph(&[
            ("raft", "live"),
            ("raft", "simple"),
            ("live", "chubby"),
            ("chubby", "simple"),
            ("simple", "parliament"),
            ("simple", "flp"),
            ("parliament", "lamport78"),
        ]);
        let order = g.order(&g.ancestors("raft"));
        assert_eq!(
            order.ids,
            vec!["lamport78", "flp", "parliament", "simple", "chubby", "live"]
        );
        assert!(order.cycles.is_empty());
        respects(&g, &order);
        let steps = g.steps(&order.ids);
        assert_eq!(steps[3].id, "simple");
        assert_eq!(
            steps[3].cites,
            vec!["flp".to_string(), "parliament".to_string()]
        );
        assert!(steps[0].cites.is_empty());
    }

    #[test]
    fn citations_through_entries_outside_the_set_still_count() {
        // raft cites live, which cites lamport78: lamport78 goes first although live is not
        // being ordered and lamport78 is younger than nothing here.
        let g = graph(&[("lamport78", "raft"), ("raft", "live"), ("live", "flp")]);
        let order = g.order(&set(&["lamport78", "flp"]));
        assert_eq!(order.ids, vec!["flp", "lamport78"]);
    }

    #[test]
    fn cycles_are_placed_by_year_and_reported() {
        let g = graph(&[
            ("chubby", "live"),
            ("live", "chubby"),
            ("raft", "chubby"),
            ("live", "flp"),
            ("undated", "raft"),
        ]);
        let order = g.order(&set(&["chubby", "live", "raft", "flp", "undated"]));
        assert_eq!(order.ids, vec!["flp", "chubby", "live", "raft", "undated"]);
        assert_eq!(
            order.cycles,
            vec![vec!["chubby".to_string(), "live".to_string()]]
        );
        respects(&g, &order);
    }

    #[test]
    fn long_chains_do_not_overflow_the_stack() {
        let entries: Vec<Entry> = (0..20_000)
            .map(|i| entry(&format!("e{i}"), Some(2000)))
            .collect();
        let names: Vec<String> = (0..20_000).map(|i| format!("e{i}")).collect();
        let edges: Vec<(&str, &str)> = (1..20_000)
            .map(|i| (names[i].as_str(), names[i - 1].as_str()))
            .collect();
        let g = Graph::new(&entries, edges);
        let adjacent: Vec<Vec<usize>> = (0..20_000)
            .map(|i| if i > 0 { vec![i - 1] } else { vec![] })
            .collect();
        assert_eq!(strongly_connected(&adjacent).len(), 20_000);
        assert_eq!(g.ancestors("e19999").len(), 19_999);
    }

    #[test]
    fn a_subgraph_keeps_linked_entries_and_their_edges() {
        let g = graph(&[
            ("simple", "parliament"),
            ("raft", "simple"),
            ("chubby", "flp"),
        ]);
        let sub = g.subgraph(Some(&set(&["simple", "parliament", "chubby", "undated"])));
        let ids: Vec<&str> = sub.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, vec!["parliament", "simple"]);
        assert_eq!(
            sub.edges,
            vec![Edge {
                citing: "simple".into(),
                cited: "parliament".into()
            }]
        );
        assert_eq!(g.subgraph(None).edges.len(), 3);
    }
}
