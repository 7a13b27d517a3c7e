//! How an attempt ends other than by its pickup: a token, or a refusal.

/// How an attempt ended without a token (api.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// The signed-in browser said no (`complete` with `mode: "deny"`).
    Denied,
    /// The CLI gave up (`POST /auth/cli/cancel`).
    Cancelled,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Denied => "denied",
            Refusal::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Refusal::Denied, Refusal::Cancelled]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// How the one once-only write of `complete` ends a pending attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// With a refresh token, sealed for the polling code, and the id of its
    /// session (not a secret: the admin overview lists the sessions the
    /// attempts handed out, api.md §9).
    Token {
        sealed: String,
        session_id: String,
    },
    Refused(Refusal),
}
