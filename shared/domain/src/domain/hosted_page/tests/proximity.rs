//! Unit tests of `proximity.rs`.

use super::*;

#[test]
fn the_same_slash_24_or_slash_48_is_near() {
    let near = [
        ("203.0.113.7", "203.0.113.250"),
        ("2001:db8:aa:1::1", "2001:db8:aa:ffff::2"),
        // IPv4 written as IPv6 is IPv4.
        ("::ffff:203.0.113.7", "203.0.113.9"),
    ];
    for (cli, browser) in near {
        assert_eq!(
            proximity(Some(cli), Some(browser)),
            Proximity::Near,
            "{cli} {browser}"
        );
    }
}

#[test]
fn another_network_is_far_and_names_both_addresses() {
    let far = [
        ("203.0.113.7", "203.0.114.7"),
        ("2001:db8:aa::1", "2001:db8:ab::1"),
        // Different families are different networks.
        ("203.0.113.7", "2001:db8::1"),
    ];
    for (cli, browser) in far {
        assert_eq!(
            proximity(Some(cli), Some(browser)),
            Proximity::Far {
                cli: canonical(cli.parse().expect("ip")),
                browser: browser.parse().expect("ip"),
            },
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
}
