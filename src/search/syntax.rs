//! The query language, parsed leniently: the first step of the search stage's query planner.
//! Text goes in; a list of clauses comes out, each a word, a phrase, a range, alternatives
//! joined by OR or a parenthesized group, marked as wanted, required (`+`, `AND`) or excluded
//! (`-`, `NOT`). Nothing a user types is a syntax error: unbalanced quotes and parentheses are
//! closed where the text ends, stray operators are dropped, and an unknown `name:` prefix is
//! read as words. Only nesting deeper than `MAX_DEPTH` is refused.

/// Deepest nesting of parentheses accepted; deeper queries are refused, not recursed into.
pub const MAX_DEPTH: usize = 32;

/// How a clause takes part in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    /// Wanted: documents are ranked by how many of their wanted clauses they match.
    Should,
    /// Required (`+word`, `a AND b`).
    Must,
    /// Excluded (`-word`, `NOT word`).
    MustNot,
}

/// A field a word or phrase can be limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Aliases,
    Author,
    Summary,
    Concepts,
    Body,
    Year,
    Kind,
    Id,
}

impl Field {
    /// The field a `name:` prefix names, if any.
    pub fn from_name(name: &str) -> Option<Field> {
        Some(match name.to_ascii_lowercase().as_str() {
            "title" => Field::Title,
            "alias" | "aliases" => Field::Aliases,
            "author" | "authors" | "by" => Field::Author,
            "summary" => Field::Summary,
            "concept" | "concepts" => Field::Concepts,
            "body" | "text" => Field::Body,
            "year" => Field::Year,
            "kind" => Field::Kind,
            "id" => Field::Id,
            _ => return None,
        })
    }
}

/// One part of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A word as typed; `prefix` for `pax*`, `fuzzy` for `paxos~1`.
    Word {
        field: Option<Field>,
        text: String,
        prefix: bool,
        fuzzy: Option<u8>,
    },
    /// Words in this order, at most `slop` positions out of place.
    Phrase {
        field: Option<Field>,
        text: String,
        slop: u32,
    },
    /// A range of years: `year:[1978 TO 1990]`, `year:1978..1990`, `year:>=1990`.
    Range {
        field: Field,
        lo: Option<String>,
        hi: Option<String>,
    },
    /// Alternatives joined by OR.
    Any(Vec<Node>),
    /// A parenthesized query.
    Group(Vec<Clause>),
}

/// A node with the way it takes part.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub occur: Occur,
    pub node: Node,
}

/// Why a query could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxError {
    /// Parentheses nest deeper than `MAX_DEPTH`.
    TooDeep,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Plus,
    Minus,
    Not,
    And,
    Or,
    Field(Field),
    Phrase(String, u32),
    Range(Option<String>, Option<String>),
    Word(String),
}

/// Parses a query into its top-level clauses.
pub fn parse(text: &str) -> Result<Vec<Clause>, SyntaxError> {
    let tokens = lex(text);
    let mut parser = Parser { tokens, at: 0 };
    parser.list(0, false)
}

/// Splits a query into tokens.
fn lex(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            '"' | '\u{201c}' | '\u{201d}' => {
                let (phrase, next) = read_phrase(&chars, i + 1);
                out.push(phrase);
                i = next;
            }
            '+' | '-' if starts_operand(chars.get(i + 1)) => {
                out.push(if c == '+' { Token::Plus } else { Token::Minus });
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len() && !is_word_break(chars[i]) {
                    i += 1;
                }
                if i == start {
                    // A lone '+' or '-' before a space: punctuation, not an operator.
                    i += 1;
                    continue;
                }
                let word: String = chars[start..i].iter().collect();
                i = lex_word(&word, &chars, i, &mut out);
            }
        }
    }
    out
}

fn is_word_break(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\u{201c}' | '\u{201d}')
}

fn starts_operand(next: Option<&char>) -> bool {
    next.is_some_and(|n| !n.is_whitespace() && *n != ')' && *n != '+' && *n != '-')
}

/// Reads a quoted phrase from `from` (just after the quote) to its closing quote or the end,
/// with an optional `~N` slop after it.
fn read_phrase(chars: &[char], from: usize) -> (Token, usize) {
    let mut i = from;
    while i < chars.len() && !matches!(chars[i], '"' | '\u{201c}' | '\u{201d}') {
        i += 1;
    }
    let text: String = chars[from..i].iter().collect();
    i = (i + 1).min(chars.len());
    let mut slop = 0;
    if chars.get(i) == Some(&'~') {
        let digits: String = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        slop = digits.parse::<u32>().unwrap_or(1).min(50);
        i += 1 + digits.len();
    }
    (Token::Phrase(text, slop), i)
}

/// Turns one space-delimited word into tokens: an operator, a field prefix and its value, or a
/// plain word. Returns where lexing goes on.
fn lex_word(word: &str, chars: &[char], next: usize, out: &mut Vec<Token>) -> usize {
    match word {
        "OR" | "||" => {
            out.push(Token::Or);
            return next;
        }
        "AND" | "&&" => {
            out.push(Token::And);
            return next;
        }
        "NOT" => {
            out.push(Token::Not);
            return next;
        }
        _ => {}
    }
    if let Some((name, value)) = word.split_once(':') {
        if let Some(field) = Field::from_name(name) {
            out.push(Token::Field(field));
            if value.is_empty() {
                // `title:"..."` or `title:(...)`: the value is the next token.
                return next;
            }
            if let Some(range) = parse_range(value, chars, next) {
                out.push(range.0);
                return range.1;
            }
            out.push(Token::Word(value.to_string()));
            return next;
        }
    }
    out.push(Token::Word(word.to_string()));
    next
}

/// Reads a range value: `[1978 TO 1990]` (which spans words), `1978..1990`, `>=1990`, `<2000`.
fn parse_range(value: &str, chars: &[char], next: usize) -> Option<(Token, usize)> {
    let clean = |s: &str| {
        let s = s.trim().trim_matches(|c| c == '*');
        (!s.is_empty()).then(|| s.to_string())
    };
    if let Some(open) = value.strip_prefix(['[', '{']) {
        // The bracket may close several words later: read on to it.
        let mut text = open.to_string();
        let mut i = next;
        while !text.contains([']', '}']) && i < chars.len() {
            text.push(chars[i]);
            i += 1;
        }
        let inner = text.split([']', '}']).next().unwrap_or("");
        let (lo, hi) = inner.split_once(" TO ").unwrap_or((inner, ""));
        return Some((Token::Range(clean(lo), clean(hi)), i));
    }
    if let Some((lo, hi)) = value.split_once("..") {
        return Some((Token::Range(clean(lo), clean(hi)), next));
    }
    for (op, low) in [(">=", true), ("<=", false), (">", true), ("<", false)] {
        if let Some(v) = value.strip_prefix(op) {
            let v = v.trim().parse::<i64>().ok()?;
            let strict = op.len() == 1;
            let bound = Some(match (low, strict) {
                (true, true) => v + 1,
                (false, true) => v - 1,
                _ => v,
            });
            let (lo, hi) = if low { (bound, None) } else { (None, bound) };
            return Some((
                Token::Range(lo.map(|v| v.to_string()), hi.map(|v| v.to_string())),
                next,
            ));
        }
    }
    None
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    /// Clauses up to the end, or up to the `)` that closes a group.
    fn list(&mut self, depth: usize, in_group: bool) -> Result<Vec<Clause>, SyntaxError> {
        let mut clauses: Vec<Clause> = Vec::new();
        let mut join_or = false;
        let mut join_and = false;
        while let Some(token) = self.peek() {
            match token {
                Token::Close => {
                    self.at += 1;
                    if in_group {
                        break;
                    }
                    // A stray closing parenthesis: ignored.
                }
                Token::Or => {
                    self.at += 1;
                    join_or = !clauses.is_empty();
                }
                Token::And => {
                    self.at += 1;
                    join_and = !clauses.is_empty();
                }
                _ => {
                    let Some(mut clause) = self.clause(depth)? else {
                        continue;
                    };
                    let last = clauses.last_mut();
                    match last {
                        Some(prev)
                            if join_or
                                && prev.occur == Occur::Should
                                && clause.occur == Occur::Should =>
                        {
                            let node = std::mem::replace(&mut prev.node, Node::Any(Vec::new()));
                            let mut options = match node {
                                Node::Any(options) => options,
                                other => vec![other],
                            };
                            options.push(clause.node);
                            prev.node = Node::Any(options);
                        }
                        Some(prev) if join_and => {
                            if prev.occur == Occur::Should {
                                prev.occur = Occur::Must;
                            }
                            if clause.occur == Occur::Should {
                                clause.occur = Occur::Must;
                            }
                            clauses.push(clause);
                        }
                        _ => clauses.push(clause),
                    }
                    join_or = false;
                    join_and = false;
                }
            }
        }
        Ok(clauses)
    }

    /// One clause with its modifier, or `None` when the tokens held nothing to search for.
    fn clause(&mut self, depth: usize) -> Result<Option<Clause>, SyntaxError> {
        let mut occur = Occur::Should;
        loop {
            match self.peek() {
                Some(Token::Plus) => occur = Occur::Must,
                Some(Token::Minus) | Some(Token::Not) => occur = Occur::MustNot,
                _ => break,
            }
            self.at += 1;
        }
        let node = self.atom(depth, None)?;
        Ok(node.map(|node| Clause { occur, node }))
    }

    fn atom(&mut self, depth: usize, field: Option<Field>) -> Result<Option<Node>, SyntaxError> {
        let Some(token) = self.bump() else {
            return Ok(None);
        };
        Ok(match token {
            Token::Open => {
                if depth + 1 > MAX_DEPTH {
                    return Err(SyntaxError::TooDeep);
                }
                let mut inner = self.list(depth + 1, true)?;
                if let Some(f) = field {
                    for clause in &mut inner {
                        set_field(&mut clause.node, f);
                    }
                }
                (!inner.is_empty()).then_some(Node::Group(inner))
            }
            Token::Phrase(text, slop) => {
                (!text.trim().is_empty()).then_some(Node::Phrase { field, text, slop })
            }
            Token::Field(f) => match self.peek() {
                Some(Token::Phrase(..) | Token::Open | Token::Range(..) | Token::Word(_)) => {
                    self.atom(depth, Some(f))?
                }
                _ => None,
            },
            Token::Range(lo, hi) => field.map(|f| Node::Range { field: f, lo, hi }),
            Token::Word(w) => word_node(&w, field),
            Token::Close | Token::Or | Token::And | Token::Plus | Token::Minus | Token::Not => None,
        })
    }
}

/// A word with its `*` (prefix) or `~N` (fuzzy) suffix read off.
fn word_node(word: &str, field: Option<Field>) -> Option<Node> {
    let mut text = word.to_string();
    let mut fuzzy = None;
    if let Some(at) = text.rfind('~') {
        let digits = &text[at + 1..];
        if digits.is_empty() || digits.chars().all(|c| c.is_ascii_digit()) {
            fuzzy = Some(digits.parse::<u8>().unwrap_or(1).min(2));
            text.truncate(at);
        }
    }
    let prefix = fuzzy.is_none() && text.ends_with('*') && text.len() > 1;
    if prefix {
        text = text.trim_end_matches('*').to_string();
    }
    if !text.chars().any(char::is_alphanumeric) {
        return None;
    }
    Some(Node::Word {
        field,
        text,
        prefix,
        fuzzy,
    })
}

fn set_field(node: &mut Node, f: Field) {
    match node {
        Node::Word { field, .. } | Node::Phrase { field, .. } => *field = Some(f),
        Node::Any(options) => options.iter_mut().for_each(|n| set_field(n, f)),
        Node::Group(clauses) => clauses.iter_mut().for_each(|c| set_field(&mut c.node, f)),
        Node::Range { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Node {
        Node::Word {
            field: None,
            text: s.into(),
            prefix: false,
            fuzzy: None,
        }
    }

    fn should(node: Node) -> Clause {
        Clause {
            occur: Occur::Should,
            node,
        }
    }

    #[test]
    fn plain_words_are_wanted_clauses() {
        assert_eq!(
            parse("how does paxos work?").unwrap(),
            vec![
                should(w("how")),
                should(w("does")),
                should(w("paxos")),
                should(w("work?"))
            ]
        );
    }

    #[test]
    fn operators_phrases_and_fields() {
        let q =
            parse("+paxos -raft \"atomic broadcast\"~2 title:consensus author:\"leslie lamport\"")
                .unwrap();
        assert_eq!(q[0].occur, Occur::Must);
        assert_eq!(q[1].occur, Occur::MustNot);
        assert_eq!(
            q[2].node,
            Node::Phrase {
                field: None,
                text: "atomic broadcast".into(),
                slop: 2
            }
        );
        assert!(matches!(
            &q[3].node,
            Node::Word { field: Some(Field::Title), text, .. } if text == "consensus"
        ));
        assert!(matches!(
            &q[4].node,
            Node::Phrase { field: Some(Field::Author), text, .. } if text == "leslie lamport"
        ));
    }

    #[test]
    fn or_binds_tighter_than_juxtaposition_and_and_requires() {
        let q = parse("(paxos OR raft) leader").unwrap();
        assert_eq!(q.len(), 2);
        assert!(
            matches!(&q[0].node, Node::Group(inner) if matches!(&inner[0].node, Node::Any(o) if o.len() == 2))
        );
        let q = parse("a b OR c d").unwrap();
        assert_eq!(q.len(), 3);
        assert!(matches!(&q[1].node, Node::Any(o) if o.len() == 2));
        let q = parse("paxos AND raft").unwrap();
        assert!(q.iter().all(|c| c.occur == Occur::Must));
        let q = parse("paxos NOT raft").unwrap();
        assert_eq!(q[1].occur, Occur::MustNot);
    }

    #[test]
    fn prefixes_fuzzy_and_ranges() {
        let q = parse("pax* paxos~1 lamprot~ year:[1978 TO 1990] year:>=2000 year:1980..").unwrap();
        assert!(matches!(&q[0].node, Node::Word { prefix: true, text, .. } if text == "pax"));
        assert!(matches!(&q[1].node, Node::Word { fuzzy: Some(1), text, .. } if text == "paxos"));
        assert!(matches!(&q[2].node, Node::Word { fuzzy: Some(1), .. }));
        assert_eq!(
            q[3].node,
            Node::Range {
                field: Field::Year,
                lo: Some("1978".into()),
                hi: Some("1990".into())
            }
        );
        assert_eq!(
            q[4].node,
            Node::Range {
                field: Field::Year,
                lo: Some("2000".into()),
                hi: None
            }
        );
        assert!(matches!(&q[5].node, Node::Range { hi: None, .. }));
    }

    #[test]
    fn bad_input_is_read_leniently() {
        // Unbalanced quotes and parentheses, stray operators, apostrophes, unknown fields.
        assert_eq!(parse("\"atomic broadcast").unwrap().len(), 1);
        assert_eq!(parse("((paxos").unwrap().len(), 1);
        assert_eq!(parse("paxos))").unwrap(), vec![should(w("paxos"))]);
        assert_eq!(parse("OR paxos AND").unwrap(), vec![should(w("paxos"))]);
        assert_eq!(
            parse("brewer's conjecture").unwrap(),
            vec![should(w("brewer's")), should(w("conjecture"))]
        );
        assert_eq!(parse("note: raft").unwrap()[0], should(w("note:")));
        assert_eq!(parse("- -- + ()").unwrap(), vec![]);
        assert_eq!(parse("").unwrap(), vec![]);
        assert_eq!(
            parse("time-clocks -").unwrap(),
            vec![should(w("time-clocks"))]
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing_into_it() {
        let deep = format!("{}paxos{}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(parse(&deep), Err(SyntaxError::TooDeep));
        let ok = format!("{}paxos{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }
}
