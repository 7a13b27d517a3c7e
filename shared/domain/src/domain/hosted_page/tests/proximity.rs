//! Unit tests of `proximity.rs`.

use super::*;

#[test]
fn the_same_slash_24_or_slash_48_is_near_and_anything_else_far() {
    let cases = [
        ("203.0.113.7", "203.0.113.250", true),
        ("2001:db8:aa:1::1", "2001:db8:aa:ffff::2", true),
        // IPv4 written as IPv6 is IPv4.
        ("::ffff:203.0.113.7", "203.0.113.9", true),
        ("203.0.113.7", "203.0.114.7", false),
        ("2001:db8:aa::1", "2001:db8:ab::1", false),
        // Different families are different networks.
        ("203.0.113.7", "2001:db8::1", false),
    ];
    for (cli, browser, near) in cases {
        let expected = if near {
            Proximity::Near
        } else {
            // The warning names both addresses.
            Proximity::Far {
                cli: canonical(cli.parse().expect("ip")),
                browser: browser.parse().expect("ip"),
            }
        };
        assert_eq!(
            proximity(Some(cli), Some(browser)),
            expected,
            "{cli} {browser}"
        );
    }
}

#[test]
fn a_missing_or_unreadable_address_compares_nothing() {
    for (cli, browser) in [
        (None, Some("203.0.113.7")),
        (Some("203.0.113.7"), None),
        (Some("nope"), Some("203.0.113.7")),
    ] {
        assert_eq!(proximity(cli, browser), Proximity::Unknown);
    }
    assert_eq!(ProximityPolicy::default(), ProximityPolicy::Warn);
    for policy in [ProximityPolicy::Warn, ProximityPolicy::Block] {
        assert_eq!(ProximityPolicy::parse(policy.as_str()), Some(policy));
    }
    assert_eq!(ProximityPolicy::parse("deny"), None);
}
