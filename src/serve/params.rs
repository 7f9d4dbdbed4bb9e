//! The search parameters of a URL (`q`, `topic`, `kind`, `year`, `limit`, `sort`), read into a search
//! `Request` and written back into links, so every filter lives in the address and a search can
//! be bookmarked. The names and value formats are the CLI's options.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::search::{self, parse_years, Request, Sort, MAX_LIMIT};

/// Hits on a page unless the URL asks for more.
pub const DEFAULT_LIMIT: usize = 20;

/// Characters left as they are in a query value: the unreserved ones, for readable URLs.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// A search as the URL states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub q: String,
    pub topics: Vec<String>,
    pub kind: Option<String>,
    pub year: Option<String>,
    pub limit: usize,
    pub sort: Sort,
}

impl Default for Search {
    fn default() -> Search {
        Search {
            q: String::new(),
            topics: Vec::new(),
            kind: None,
            year: None,
            limit: DEFAULT_LIMIT,
            sort: Sort::Relevance,
        }
    }
}

impl Search {
    /// Reads the URL's pairs; unknown names are ignored and empty values count as absent.
    pub fn from_pairs(pairs: &[(String, String)]) -> Search {
        let mut s = Search::default();
        for (k, v) in pairs {
            let v = v.trim();
            match k.as_str() {
                "q" => s.q = v.to_string(),
                "topic" if !v.is_empty() => s.topics.push(v.to_string()),
                "kind" if !v.is_empty() => s.kind = Some(v.to_lowercase()),
                "year" if !v.is_empty() => s.year = Some(v.to_string()),
                "sort" => s.sort = Sort::parse(v).unwrap_or_default(),
                "limit" => {
                    if let Ok(n) = v.parse::<usize>() {
                        s.limit = n.clamp(1, MAX_LIMIT);
                    }
                }
                _ => {}
            }
        }
        s
    }

    /// Whether there is anything to search for: a query or a filter.
    pub fn is_empty(&self) -> bool {
        self.q.is_empty() && self.topics.is_empty() && self.kind.is_none() && self.year.is_none()
    }

    /// The engine's request, or the message to show for a bad year range or kind.
    pub fn request(&self) -> Result<Request, String> {
        let years = self
            .year
            .as_deref()
            .map(parse_years)
            .transpose()
            .map_err(|e| e.to_string())?;
        if let Some(kind) = &self.kind {
            search::check_kind(kind).map_err(|e| e.to_string())?;
        }
        Ok(Request {
            query: self.q.clone(),
            topics: self.topics.clone(),
            kind: self.kind.clone(),
            years,
            limit: self.limit,
            sort: self.sort,
            // No citation filter, no likeness, and what else the engine defaults to, as for
            // `paperdex search` without those options.
            ..Request::default()
        })
    }

    /// The address of this search under `path`, with its parameters in a fixed order.
    pub fn url(&self, path: &str) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        for t in &self.topics {
            pairs.push(("topic", t.clone()));
        }
        if let Some(k) = &self.kind {
            pairs.push(("kind", k.clone()));
        }
        if let Some(y) = &self.year {
            pairs.push(("year", y.clone()));
        }
        if self.limit != DEFAULT_LIMIT {
            pairs.push(("limit", self.limit.to_string()));
        }
        if self.sort != Sort::Relevance {
            pairs.push(("sort", self.sort.name().to_string()));
        }
        if pairs.is_empty() {
            return path.to_string();
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        format!("{path}?{}", query.join("&"))
    }

    /// This search narrowed to one topic instead of the topics it had.
    pub fn with_topic(&self, topic: &str) -> Search {
        Search {
            topics: vec![topic.to_string()],
            limit: DEFAULT_LIMIT,
            ..self.clone()
        }
    }

    /// This search narrowed to one kind.
    pub fn with_kind(&self, kind: &str) -> Search {
        Search {
            kind: Some(kind.to_string()),
            limit: DEFAULT_LIMIT,
            ..self.clone()
        }
    }

    /// This search narrowed to the years of a decade facet (`1970s`).
    pub fn with_decade(&self, decade: &str) -> Search {
        let year = match decade.trim_end_matches('s').parse::<i64>() {
            Ok(start) => format!("{start}..{}", start + 9),
            Err(_) => decade.to_string(),
        };
        Search {
            year: Some(year),
            limit: DEFAULT_LIMIT,
            ..self.clone()
        }
    }

    /// This search without one of its filters, for the filter's remove link.
    pub fn without(&self, name: &str, value: &str) -> Search {
        let mut s = self.clone();
        match name {
            "topic" => s.topics.retain(|t| t != value),
            "kind" => s.kind = None,
            "year" => s.year = None,
            _ => {}
        }
        s.limit = DEFAULT_LIMIT;
        s
    }
}

/// A value made safe for a URL's query or fragment.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_repeated_topics_and_clamps_the_limit() {
        let s = Search::from_pairs(&pairs(&[
            ("q", " vector clocks "),
            ("topic", "consensus"),
            ("topic", "papers/storage"),
            ("kind", "Paper"),
            ("year", ""),
            ("limit", "100000"),
            ("other", "x"),
        ]));
        assert_eq!(s.q, "vector clocks");
        assert_eq!(s.topics, vec!["consensus", "papers/storage"]);
        assert_eq!(s.kind.as_deref(), Some("paper"));
        assert_eq!(s.year, None);
        assert_eq!(s.limit, MAX_LIMIT);
    }

    #[test]
    fn urls_round_trip_and_encode() {
        let s = Search::from_pairs(&pairs(&[
            ("q", "\"a&b\" <x>"),
            ("topic", "papers/consensus"),
        ]));
        let url = s.url("/search");
        assert_eq!(
            url,
            "/search?q=%22a%26b%22%20%3Cx%3E&topic=papers/consensus"
        );
        assert_eq!(Search::default().url("/search"), "/search");
    }

    #[test]
    fn facets_replace_and_remove_filters() {
        let s = Search::from_pairs(&pairs(&[("q", "paxos"), ("topic", "a"), ("topic", "b")]));
        assert_eq!(s.with_topic("c").topics, vec!["c"]);
        assert_eq!(s.without("topic", "a").topics, vec!["b"]);
        assert_eq!(s.with_decade("1970s").year.as_deref(), Some("1970..1979"));
        let req = s.with_decade("1970s").request().unwrap();
        assert_eq!(req.years, Some((Some(1970), Some(1979))));
        assert!(s.with_kind("nonsense").request().is_err());
    }
}
