//! Stopwords for the query planner: words that carry no topic of their own, so a question
//! (`how does paxos handle a failed leader`) is searched by its content words. They are
//! dropped only from wanted words; inside a phrase, or required with `+`, they stay.

/// Function words and question words, lowercase, sorted for binary search.
const STOPWORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "could", "did", "do", "does", "doing", "done", "down", "during", "each",
    "either", "else", "ever", "every", "few", "for", "from", "further", "get", "gets", "give",
    "gives", "got", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his",
    "how", "however", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "let", "like",
    "me", "might", "mine", "more", "most", "much", "must", "my", "neither", "no", "nor", "not",
    "now", "of", "off", "on", "once", "one", "only", "or", "other", "ought", "our", "ours", "out",
    "over", "own", "please", "same", "shall", "she", "should", "so", "some", "such", "than",
    "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this", "those",
    "through", "thus", "to", "too", "under", "until", "up", "upon", "us", "very", "was", "we",
    "were", "what", "whats", "when", "where", "whether", "which", "while", "who", "whom", "whose",
    "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours",
];

/// Words that carry no topic in a question (`what is the difference between...`, `how does
/// raft work`), though they may in a plain query (`work stealing`); sorted.
const QUESTION_FILLERS: &[&str] = &[
    "actually",
    "best",
    "difference",
    "different",
    "example",
    "examples",
    "explain",
    "good",
    "happen",
    "happens",
    "idea",
    "kind",
    "kinds",
    "know",
    "make",
    "makes",
    "many",
    "mean",
    "means",
    "need",
    "needed",
    "needs",
    "possible",
    "really",
    "thing",
    "things",
    "use",
    "used",
    "uses",
    "using",
    "way",
    "ways",
    "work",
    "works",
];

/// Words that open a question.
const QUESTION_WORDS: &[&str] = &[
    "are", "can", "could", "did", "do", "does", "how", "is", "should", "was", "what", "whats",
    "when", "where", "which", "who", "why", "will", "would",
];

/// Whether a query reads as a question: it opens with a question word or ends with `?`.
pub fn is_question(text: &str) -> bool {
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
        .replace(['\'', '\u{2019}'], "");
    QUESTION_WORDS.contains(&first.as_str()) || text.trim_end().ends_with('?')
}

/// Whether a lowercase word is filler in a question.
pub fn is_question_filler(word: &str) -> bool {
    QUESTION_FILLERS.binary_search(&word).is_ok()
}

/// Whether a lowercase word is a stopword.
pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_holds_question_words() {
        assert!(
            STOPWORDS.windows(2).all(|w| w[0] < w[1]),
            "keep the list sorted"
        );
        for w in ["how", "why", "what", "does", "the", "is"] {
            assert!(is_stopword(w), "{w}");
        }
        for w in ["paxos", "clock", "leader", "consensus", "failure"] {
            assert!(!is_stopword(w), "{w}");
        }
    }
}
