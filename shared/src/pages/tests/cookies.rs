use http::HeaderMap;

use super::{Jar, from_own_origin};

const OWN: &str = "https://auth.example.com";

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, value.parse().unwrap());
    }
    map
}

#[test]
fn only_the_pages_own_posts_pass_the_origin_check() {
    let cases: &[(&[(&'static str, &str)], bool)] = &[
        (&[("origin", OWN), ("sec-fetch-site", "same-origin")], true),
        (&[("origin", OWN)], true),
        // Chromium under no-referrer: the page's own form.
        (
            &[("origin", "null"), ("sec-fetch-site", "same-origin")],
            true,
        ),
        (&[], true),
        (
            &[("origin", "null"), ("sec-fetch-site", "cross-site")],
            false,
        ),
        (&[("origin", "null")], false),
        (&[("origin", "https://evil.example")], false),
        (
            &[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
            false,
        ),
        (&[("origin", OWN), ("sec-fetch-site", "same-site")], false),
        (&[("sec-fetch-site", "cross-site")], false),
        (&[("origin", "http://auth.example.com")], false),
    ];
    for (pairs, own) in cases {
        assert_eq!(from_own_origin(&headers(pairs), OWN), *own, "{pairs:?}");
    }
}

#[test]
fn cookies_are_host_prefixed_and_secure_over_https_only() {
    let set = Jar::SignIn.set("v".into(), true).unwrap();
    let set = set.to_str().unwrap();
    for part in [
        "__Host-cli-auth-sign-in=v",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Secure",
        "Max-Age=43200",
    ] {
        assert!(set.contains(part), "{part} in {set}");
    }
    let local = Jar::Pending.set("v".into(), false).unwrap();
    let local = local.to_str().unwrap();
    assert!(local.starts_with("cli-auth-pending=v"), "{local}");
    assert!(
        !local.contains("Secure") && local.contains("Max-Age=600"),
        "{local}"
    );
    let cleared = Jar::SignIn.clear(false).unwrap();
    assert!(cleared.to_str().unwrap().contains("Max-Age=0"));
}

#[test]
fn a_cookie_is_read_by_its_own_name_only() {
    let h = headers(&[(
        "cookie",
        "a=1; cli-auth-sign-in=mine; __Host-cli-auth-pending=p",
    )]);
    assert_eq!(Jar::SignIn.read(&h, false).as_deref(), Some("mine"));
    assert_eq!(Jar::SignIn.read(&h, true), None);
    assert_eq!(Jar::Pending.read(&h, true).as_deref(), Some("p"));
}
