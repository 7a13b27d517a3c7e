//! Access types: the three kinds of API key a project has, and what each
//! may do. A request claims one (`x-stack-access-type`) and proves it with
//! that kind's key.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessType {
    Client,
    Server,
    Admin,
}

impl AccessType {
    pub const ALL: [AccessType; 3] = [Self::Client, Self::Server, Self::Admin];
    /// Server-side access: server and admin keys.
    pub const SERVER: [AccessType; 2] = [Self::Server, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// Whether this access may see server-only fields (`server_metadata`).
    pub fn is_server(self) -> bool {
        Self::SERVER.contains(&self)
    }

    /// The prefix of this kind's keys, as in Stack Auth (`pck_`, `ssk_`, `sak_`).
    pub fn key_prefix(self) -> &'static str {
        match self {
            Self::Client => "pck_",
            Self::Server => "ssk_",
            Self::Admin => "sak_",
        }
    }
}

impl fmt::Display for AccessType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
