//! What an agent says of itself, as its attempt keeps it, and the flow's
//! lifetimes (Hexclave's).

/// An attempt lives 15 minutes unless the agent asks otherwise.
pub const DEFAULT_EXPIRES_IN_MILLIS: i64 = 15 * 60 * 1000;
/// The shortest lifetime an agent may ask for: 30 seconds.
pub const MIN_EXPIRES_IN_MILLIS: i64 = 30 * 1000;
/// The longest: one hour.
pub const MAX_EXPIRES_IN_MILLIS: i64 = 60 * 60 * 1000;
/// The session an approval mints for the agent lives 90 days.
pub const AGENT_SESSION_MILLIS: i64 = 90 * 24 * 60 * 60 * 1000;
/// How the discovery document and auth.md describe a claim code.
pub const CLAIM_CODE_FORMAT: &str = "XXXX-XXXX (A-Z and 2-9, no 0/O/1/I)";

/// What an agent registers with: shown to the person asked to approve it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentRequest {
    pub name: String,
    pub description: Option<String>,
    pub url: Option<String>,
    /// Who the agent expects to approve it (usually an email); shown, never
    /// enforced.
    pub user_hint: Option<String>,
}

/// An agent attempt's own fields: what the agent said, and the anonymous
/// session it was given at registration (ids, not secrets), which ends at
/// the hand-off or the denial. Unlike the CLI's anonymous session, it is
/// never offered to the browser, so the attempt keeps it after it is
/// completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentDetails {
    pub agent: AgentRequest,
    pub anon_session_id: String,
    pub anon_user_id: String,
}
