//! Who is asking (api.md §8; RFC 8628 §5.4): what a CLI says about itself
//! at initiate and what the service saw of the request, shown to the person
//! asked to approve.

use crate::clock::Millis;

/// Longest `client.name` and `client.hostname` a CLI may send.
pub const MAX_CLIENT_FIELD_CHARS: usize = 64;
/// Longest user agent kept (longer ones are cut).
pub const MAX_USER_AGENT_CHARS: usize = 256;

/// Who started an attempt (api.md §8; RFC 8628 §5.4, remote phishing):
/// what the CLI said about itself, and what the service saw of the request,
/// so that the person asked to approve can tell it is their own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asker {
    /// The CLI's `client` object, when it sent one.
    pub client: Option<ClientDetails>,
    /// The caller's source IP (API Gateway's; the socket's on the dev
    /// server).
    pub ip: Option<String>,
    /// The caller's `user-agent`, cut to [`MAX_USER_AGENT_CHARS`].
    pub user_agent: Option<String>,
}

/// Who is asking, as the browser's side is shown it: the asker and when
/// the attempt was started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedBy {
    pub asker: Asker,
    pub created_at_millis: Millis,
}

/// What a CLI says about itself at initiate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientDetails {
    /// The tool, e.g. `mytool`.
    pub name: Option<String>,
    /// The machine it runs on.
    pub hostname: Option<String>,
}

impl Asker {
    /// The asker with its user agent cut to the longest kept.
    pub fn new(
        client: Option<ClientDetails>,
        ip: Option<String>,
        user_agent: Option<&str>,
    ) -> Self {
        Self {
            client,
            ip,
            user_agent: user_agent.map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect()),
        }
    }
}

/// A character that could make a page or a terminal show something other
/// than what was sent (api.md §8): the C0 and C1 controls (U+0000–U+001F,
/// U+007F–U+009F: `char::is_control`) and the bidi controls (U+200E,
/// U+200F, U+202A–U+202E, U+2066–U+2069).
pub fn is_deceptive(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}
