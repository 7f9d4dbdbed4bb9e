//! Personal names for citations: the catalog writes an author as one string ("Leslie Lamport",
//! "Robbert van Renesse", "James B. Rothnie Jr."), and BibTeX, RIS and CSL-JSON want its parts.
//! The split follows BibTeX's own rules for "First von Last", so a name written out again
//! as "von Last, Jr., First" reads back into the same parts; organisations and single names
//! are kept whole.

/// One author, split into the parts the citation formats name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    /// A person: given names, a lowercase particle (`van`, `de la`), the family name and a
    /// suffix (`Jr.`); any but the family name may be empty.
    Person {
        given: String,
        particle: String,
        family: String,
        suffix: String,
    },
    /// An organisation or a single name, kept as written.
    Literal(String),
}

/// Words that make a name an organisation's rather than a person's.
const ORGANISATION_WORDS: &[&str] = &[
    "association",
    "authors",
    "collective",
    "committee",
    "community",
    "company",
    "consortium",
    "contributors",
    "corp",
    "corporation",
    "council",
    "developers",
    "foundation",
    "gmbh",
    "group",
    "inc",
    "incorporated",
    "institute",
    "lab",
    "laboratories",
    "laboratory",
    "labs",
    "llc",
    "ltd",
    "maintainers",
    "organisation",
    "organization",
    "project",
    "society",
    "team",
    "university",
];

/// Name suffixes that follow the family name.
const SUFFIXES: &[&str] = &["Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"];

impl Name {
    /// The family name (an organisation's whole name), for citation keys and sorting.
    pub fn family(&self) -> &str {
        match self {
            Name::Person { family, .. } => family,
            Name::Literal(name) => name,
        }
    }
}

/// Splits a catalog author into its parts; `None` for a name that is only spaces.
pub fn split(name: &str) -> Option<Name> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return None;
    }
    if is_organisation(&name) {
        return Some(Name::Literal(name));
    }
    // "James B. Rothnie, Jr.": a suffix after a comma is no inverted name.
    let (base, mut suffix) = match name.rsplit_once(',') {
        Some((head, tail)) if SUFFIXES.contains(&tail.trim()) => {
            (head.trim(), tail.trim().to_string())
        }
        _ => (name.as_str(), String::new()),
    };
    if base.contains(',') {
        return Some(split_inverted(base, &suffix));
    }
    let mut words: Vec<&str> = base.split(' ').collect();
    if suffix.is_empty() && words.len() > 2 && SUFFIXES.contains(&words[words.len() - 1]) {
        suffix = words.pop().unwrap_or_default().to_string();
    }
    if words.len() == 1 {
        return Some(Name::Literal(name));
    }
    let (given, particle, family) = split_words(&words);
    Some(Name::Person {
        given,
        particle,
        family,
        suffix,
    })
}

/// Splits the words of "First von Last": the particle runs from the first to the last word
/// that starts in lowercase, short of the last word; without one, the last word is the
/// family name.
fn split_words(words: &[&str]) -> (String, String, String) {
    let n = words.len();
    let lower: Vec<bool> = words.iter().map(|w| starts_lowercase(w)).collect();
    // A name written all in lowercase has no capitals to tell a particle by.
    let all_lower = lower.iter().all(|&l| l);
    let first = (0..n - 1).find(|&i| lower[i]).filter(|_| !all_lower);
    match first {
        Some(start) => {
            let end = (start..n - 1).rev().find(|&i| lower[i]).unwrap_or(start);
            (
                words[..start].join(" "),
                words[start..=end].join(" "),
                words[end + 1..].join(" "),
            )
        }
        None => (
            words[..n - 1].join(" "),
            String::new(),
            words[n - 1].to_string(),
        ),
    }
}

/// Splits "von Last, First" or "von Last, Jr., First"; `suffix` is one found already after
/// a last comma.
fn split_inverted(name: &str, suffix: &str) -> Name {
    let parts: Vec<&str> = name.split(',').map(str::trim).collect();
    let (last, suffix, given) = match parts.as_slice() {
        [last, given] => (*last, suffix, *given),
        [last, suffix, given, ..] => (*last, *suffix, *given),
        _ => (name, suffix, ""),
    };
    let words: Vec<&str> = last.split(' ').filter(|w| !w.is_empty()).collect();
    // Every lowercase word before the last one is the particle: "van Renesse", "de la Vallée Poussin".
    let split = words
        .iter()
        .take(words.len().saturating_sub(1))
        .rposition(|w| starts_lowercase(w))
        .map_or(0, |i| i + 1);
    let family = words[split..].join(" ");
    if family.is_empty() {
        return Name::Literal(name.to_string());
    }
    Name::Person {
        given: given.to_string(),
        particle: words[..split].join(" "),
        family,
        suffix: suffix.to_string(),
    }
}

/// Whether a name is an organisation's: it starts with "The" or holds a word such as Inc.,
/// Foundation, Team or University.
fn is_organisation(name: &str) -> bool {
    if name.starts_with("The ") {
        return true;
    }
    name.split(' ').any(|word| {
        let word = word
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        ORGANISATION_WORDS.contains(&word.as_str())
    })
}

/// Whether a word's first letter is lowercase (`van`, `de`, `d'Alembert`).
fn starts_lowercase(word: &str) -> bool {
    word.chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(char::is_lowercase)
}

/// A name as the catalog writes it, from its parts: "Given von Family Suffix".
pub fn join(given: &str, particle: &str, family: &str, suffix: &str) -> String {
    [given, particle, family, suffix]
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(given: &str, particle: &str, family: &str, suffix: &str) -> Option<Name> {
        Some(Name::Person {
            given: given.into(),
            particle: particle.into(),
            family: family.into(),
            suffix: suffix.into(),
        })
    }

    #[test]
    fn given_and_family_names() {
        assert_eq!(split("Leslie Lamport"), person("Leslie", "", "Lamport", ""));
        assert_eq!(
            split("L. Peter Deutsch"),
            person("L. Peter", "", "Deutsch", "")
        );
        assert_eq!(split("Özalp Babaoğlu"), person("Özalp", "", "Babaoğlu", ""));
        assert_eq!(
            split("  Emin   Gün Sirer "),
            person("Emin Gün", "", "Sirer", "")
        );
        assert_eq!(
            split("P. M. Melliar-Smith"),
            person("P. M.", "", "Melliar-Smith", "")
        );
        assert_eq!(split("Patrick O'Neil"), person("Patrick", "", "O'Neil", ""));
    }

    #[test]
    fn particles_and_suffixes() {
        assert_eq!(
            split("Robbert van Renesse"),
            person("Robbert", "van", "Renesse", "")
        );
        assert_eq!(
            split("Charles Louis de la Vallée Poussin"),
            person("Charles Louis", "de la", "Vallée Poussin", "")
        );
        assert_eq!(
            split("James B. Rothnie Jr."),
            person("James B.", "", "Rothnie", "Jr.")
        );
        assert_eq!(
            split("James B. Rothnie, Jr."),
            person("James B.", "", "Rothnie", "Jr.")
        );
        assert_eq!(split("bell hooks"), person("bell", "", "hooks", ""));
    }

    #[test]
    fn inverted_names() {
        assert_eq!(
            split("Lamport, Leslie"),
            person("Leslie", "", "Lamport", "")
        );
        assert_eq!(
            split("van Renesse, Robbert"),
            person("Robbert", "van", "Renesse", "")
        );
        assert_eq!(
            split("Rothnie, Jr., James B."),
            person("James B.", "", "Rothnie", "Jr.")
        );
    }

    #[test]
    fn organisations_and_single_names_stay_whole() {
        for name in [
            "Aphyr",
            "The Raft Authors",
            "Google Inc.",
            "Apache Software Foundation",
            "Jepsen Project",
        ] {
            assert_eq!(split(name), Some(Name::Literal(name.into())), "{name}");
        }
        assert_eq!(split("   "), None);
        assert_eq!(Name::Literal("Aphyr".into()).family(), "Aphyr");
    }

    #[test]
    fn parts_join_back() {
        assert_eq!(join("Robbert", "van", "Renesse", ""), "Robbert van Renesse");
        assert_eq!(join("", "", "Aphyr", ""), "Aphyr");
        assert_eq!(
            join("James B.", "", "Rothnie", "Jr."),
            "James B. Rothnie Jr."
        );
    }
}
