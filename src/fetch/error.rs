//! Failure reasons of the fetch stage (catalog -> **fetch** -> extract -> cite -> index -> embed ->
//! search).
//!
//! The CLI groups failed papers by these reasons and decides what to suggest
//! (attach by hand, retry later), so they stay few and stable; the free-form
//! detail travels next to them as a string.

use serde::{Deserialize, Serialize};

/// Why a paper could not be fetched, coarse enough for callers to branch on.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    thiserror::Error,
)]
#[serde(rename_all = "snake_case")]
pub enum FailReason {
    /// The server answered 404 or 410.
    #[error("not found")]
    NotFound,
    /// The server answered 401 or 403, usually a paywall or a bot filter.
    #[error("forbidden")]
    Forbidden,
    /// The body was not a PDF (an HTML landing page, a login wall, ...).
    #[error("not a PDF")]
    NotPdf,
    /// Connecting or reading stalled for longer than the configured timeout.
    #[error("timeout")]
    Timeout,
    /// The body is larger than the configured size cap.
    #[error("too large")]
    TooLarge,
    /// The body ended before its announced length or before its `%%EOF` marker.
    #[error("truncated")]
    Truncated,
    /// The TLS handshake failed, for instance on an invalid certificate.
    #[error("TLS error")]
    Tls,
    /// The connection could not be made or broke down.
    #[error("network error")]
    Network,
    /// A redirect chain was longer than allowed or went round in a loop.
    #[error("too many redirects")]
    TooManyRedirects,
    /// Any other unexpected HTTP status.
    #[error("HTTP {0}")]
    Http(u16),
    /// The URL could not be parsed or uses a scheme other than http or https.
    #[error("bad URL")]
    BadUrl,
}

impl FailReason {
    /// Tells whether trying the same URL again later may succeed.
    pub fn is_transient(self) -> bool {
        match self {
            // A body cut short is almost always a dropped connection.
            FailReason::Timeout | FailReason::Network | FailReason::Truncated => true,
            FailReason::Http(code) => code == 429 || (500..=599).contains(&code),
            _ => false,
        }
    }

    /// Maps an HTTP status that is neither success nor redirect to a reason.
    pub fn from_status(code: u16) -> FailReason {
        match code {
            404 | 410 => FailReason::NotFound,
            401 | 403 => FailReason::Forbidden,
            other => FailReason::Http(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FailReason;

    #[test]
    fn labels_are_short_and_human() {
        assert_eq!(FailReason::NotFound.to_string(), "not found");
        assert_eq!(FailReason::NotPdf.to_string(), "not a PDF");
        assert_eq!(FailReason::Http(502).to_string(), "HTTP 502");
    }

    #[test]
    fn only_transient_failures_are_retried() {
        assert!(FailReason::Http(503).is_transient());
        assert!(FailReason::Http(429).is_transient());
        assert!(FailReason::Timeout.is_transient());
        assert!(!FailReason::from_status(404).is_transient());
        assert!(!FailReason::from_status(410).is_transient());
        assert!(!FailReason::from_status(403).is_transient());
        assert!(!FailReason::NotPdf.is_transient());
    }

    #[test]
    fn serializes_as_snake_case() {
        let json = serde_json::to_string(&FailReason::TooManyRedirects).unwrap();
        assert_eq!(json, "\"too_many_redirects\"");
        let back: FailReason = serde_json::from_str("{\"http\":418}").unwrap();
        assert_eq!(back, FailReason::Http(418));
    }
}
