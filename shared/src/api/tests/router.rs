//! Unit tests of `api/router.rs`.

use super::*;

#[test]
fn both_prefixes_reach_the_same_endpoint() {
    for prefix in PREFIXES {
        for e in &endpoints::ALL {
            // Every `{param}` segment gets a value of its own.
            let mut params: Vec<String> = Vec::new();
            let concrete: Vec<String> = e
                .route
                .path
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        params.push(format!("value{}", params.len()));
                        params.last().cloned().unwrap_or_default()
                    } else {
                        segment.to_owned()
                    }
                })
                .collect();
            let concrete = concrete.join("/");
            let path = format!("{prefix}{concrete}");
            let expected = Route::Call(e, params);
            assert_eq!(
                route(&e.route.method, &path).expect("route"),
                expected,
                "{path}"
            );
            let slash = format!("{path}/");
            assert_eq!(
                route(&e.route.method, &slash).expect("route"),
                expected,
                "{slash}"
            );
        }
    }
}

#[test]
fn me_is_not_a_user_id() {
    assert_eq!(
        route(&Method::GET, "/api/v1/users/me").expect("route"),
        Route::Call(
            endpoints::registered::<endpoints::users_me::UsersMe>().expect("registered"),
            vec![]
        )
    );
}

#[test]
fn unknown_paths_are_404_and_wrong_methods_405() {
    assert!(matches!(
        route(&Method::POST, "/api/v2/auth/cli"),
        Err(ApiError::RouteNotFound)
    ));
    assert!(matches!(
        route(&Method::POST, "/api/v1x/auth/cli"),
        Err(ApiError::RouteNotFound)
    ));
    assert!(matches!(
        route(&Method::POST, "/api/v1/auth/cli/nope"),
        Err(ApiError::RouteNotFound)
    ));
    assert!(matches!(
        route(&Method::POST, "/"),
        Err(ApiError::RouteNotFound)
    ));
    assert!(matches!(
        route(&Method::GET, "/api/v1/auth/cli"),
        Err(ApiError::MethodNotAllowed { .. })
    ));
    assert!(matches!(
        route(&Method::DELETE, "/api/latest/auth/cli/poll"),
        Err(ApiError::MethodNotAllowed { .. })
    ));
}

#[test]
fn method_not_allowed_names_the_allowed_methods() {
    match route(&Method::DELETE, "/api/v1/users/u1") {
        Err(ApiError::MethodNotAllowed { allow }) => assert_eq!(allow, "GET, PATCH, OPTIONS"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn preflights_for_known_paths() {
    assert_eq!(
        route(&Method::OPTIONS, "/api/v1/auth/cli/complete").expect("ok"),
        Route::Preflight
    );
    assert!(route(&Method::OPTIONS, "/api/v1/nope").is_err());
}

#[test]
fn templates_capture_parameters() {
    assert_eq!(
        match_template("/users/{id}", "/users/abc"),
        Some(vec!["abc".to_owned()])
    );
    assert_eq!(match_template("/users/{id}", "/users/"), None);
    assert_eq!(match_template("/users/{id}", "/users/a/b"), None);
}
