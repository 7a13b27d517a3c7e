//! Proximity (RFC 10027, the cross-device BCP): the page warns when the
//! browser approving a login is not in the network of the CLI that started
//! it, the sign of a person phished into approving someone else's login.
//! "The same network" is the same /24 for IPv4 and /48 for IPv6 (api.md
//! §10); an IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is IPv4.

use std::net::IpAddr;

/// What the page does when the browser is far from the CLI: a project
/// setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProximityPolicy {
    /// Warn, and let the person approve (the default).
    #[default]
    Warn,
    /// Refuse Approve, with the reason; only Deny is offered.
    Block,
}

impl ProximityPolicy {
    /// Its name, as stored and as `cli-auth-admin` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warn => "warn",
            Self::Block => "block",
        }
    }

    /// The policy a name stands for.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Warn, Self::Block]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

/// How the approving browser stands to the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proximity {
    /// In the same network.
    Near,
    /// In another network: the warning names both addresses.
    Far { cli: IpAddr, browser: IpAddr },
    /// An address is missing or unreadable: nothing to compare, no warning
    /// (the service always records the CLI's address; tests and old
    /// attempts may lack it).
    Unknown,
}

/// Compares the CLI's address (recorded at initiate) with the browser's.
pub fn proximity(cli: Option<&str>, browser: Option<&str>) -> Proximity {
    let parse = |ip: Option<&str>| ip.and_then(|ip| ip.parse::<IpAddr>().ok()).map(canonical);
    let (Some(cli), Some(browser)) = (parse(cli), parse(browser)) else {
        return Proximity::Unknown;
    };
    if network(cli) == network(browser) {
        Proximity::Near
    } else {
        Proximity::Far { cli, browser }
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The network an address is in: its /24 (IPv4) or /48 (IPv6), tagged by
/// family so that the two never compare equal.
fn network(ip: IpAddr) -> (u8, u128) {
    match ip {
        IpAddr::V4(v4) => (4, u128::from(u32::from(v4) >> 8)),
        IpAddr::V6(v6) => (6, u128::from(v6) >> 80),
    }
}

#[cfg(test)]
#[path = "tests/proximity.rs"]
mod tests;
