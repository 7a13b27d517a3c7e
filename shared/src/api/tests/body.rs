//! Unit tests of `api/body.rs`.

use super::values::*;
use super::*;

/// Decodes and reads a body as client access would send it.
fn parse<B: RequestBody>(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<B, ApiError> {
    read(method, path, decode(headers, body)?, false)
}

wire_enum! {
    enum Mode {
        A = "a",
        B = "b",
    }
}

request_body! {
    struct Body {
        code: String,
        n: Option<Bounded<1, 10>>,
        mode: Option<Mode>,
    }
}

request_body! {
    struct Profile {
        name: Nullable<String>,
        plan: ServerOnly<Option<String>>,
    }
}

request_body! {
    struct Patch {
        name: Nullable<String>,
        email: Nullable<Email>,
    }
}

fn json_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        "application/json; charset=utf-8".parse().expect("ok"),
    );
    h
}

fn run(body: &str) -> Result<Body, ApiError> {
    parse(&Method::POST, "/api/v1/x", &json_headers(), body.as_bytes())
}

fn schema_message(body: &str) -> String {
    let e = run(body).expect_err("should fail");
    assert_eq!(e.known_code(), Some("SCHEMA_ERROR"));
    e.message()
}

#[test]
fn valid_bodies_parse() {
    let b = run(r#"{"code":"c","n":3,"mode":"b"}"#).expect("ok");
    assert_eq!(
        (b.code.as_str(), b.n, b.mode),
        ("c", Some(Bounded(3)), Some(Mode::B))
    );
    // null for an optional field is absent; 4.0 is the integer 4.
    let b = run(r#"{"code":"c","n":4.0,"mode":null}"#).expect("ok");
    assert_eq!((b.n, b.mode), (Some(Bounded(4)), None));
}

#[test]
fn every_failing_field_is_named() {
    let m = schema_message(r#"{"n":"3","mode":"c","extra":1}"#);
    assert!(
        m.starts_with("Request validation failed on POST /api/v1/x:"),
        "{m}"
    );
    for needle in [
        "body.code must be defined",
        "body.n must be a number",
        "body.mode must be one of",
        "unknown properties: extra",
    ] {
        assert!(m.contains(needle), "{needle} in {m}");
    }
}

#[test]
fn types_are_strict() {
    assert!(schema_message(r#"{"code":1}"#).contains("body.code must be a string"));
    assert!(schema_message(r#"{"code":null}"#).contains("body.code must be defined"));
    assert!(schema_message(r#"{"code":"c","n":1.5}"#).contains("must be an integer"));
    assert!(schema_message(r#"{"code":"c","n":0}"#).contains("greater than or equal to 1"));
    assert!(schema_message(r#"{"code":"c","n":11}"#).contains("less than or equal to 10"));
    assert!(schema_message(r#"{"code":"c","n":1e300}"#).contains("less than or equal to 10"));
    assert!(schema_message(r#"{"code":"c","n":-1e300}"#).contains("greater than or equal to 1"));
    assert!(
        schema_message(r#"{"code":"c","n":99999999999999999999}"#).contains("less than or equal")
    );
    assert!(schema_message(r#"[1]"#).contains("body must be a JSON object"));
    assert!(schema_message(r#""str""#).contains("body must be a JSON object"));
}

#[test]
fn empty_body_is_absent_whatever_the_content_type() {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, "image/png".parse().expect("ok"));
    let e = parse::<Body>(&Method::POST, "/p", &h, b"").expect_err("required");
    assert!(e.message().contains("body.code must be defined"));
}

#[test]
fn bad_json_and_content_types_are_body_parsing_errors() {
    let e = run("{nope").expect_err("bad json");
    assert_eq!(e.known_code(), Some("BODY_PARSING_ERROR"));
    assert_eq!(e.message(), "Invalid JSON in request body");
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, "application/xml".parse().expect("ok"));
    let e = parse::<Body>(&Method::POST, "/p", &h, b"<x/>").expect_err("xml");
    assert_eq!(e.known_code(), Some("BODY_PARSING_ERROR"));
    let e = parse::<Body>(&Method::POST, "/p", &HeaderMap::new(), b"{}").expect_err("none");
    assert_eq!(e.known_code(), Some("BODY_PARSING_ERROR"));
}

#[test]
fn form_bodies_are_strings() {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        "application/x-www-form-urlencoded".parse().expect("ok"),
    );
    let b: Body = parse(&Method::POST, "/p", &h, b"code=abc&mode=a").expect("ok");
    assert_eq!(b.mode, Some(Mode::A));
    assert_eq!(b.code, "abc");
    let e = parse::<Body>(&Method::POST, "/p", &h, b"code=abc&n=3").expect_err("n is a string");
    assert!(e.message().contains("body.n must be a number"));
}

#[test]
fn null_is_kept_apart_from_absent_where_a_field_is_nullable() {
    let p: Patch = read(
        &Method::PATCH,
        "/p",
        serde_json::json!({"name": null}),
        false,
    )
    .expect("ok");
    assert_eq!(p.name, Nullable::Null);
    assert_eq!(p.email, Nullable::Absent);
    assert_eq!(p.name.into_patch(), Some(None));
    let p: Patch = read(
        &Method::PATCH,
        "/p",
        serde_json::json!({"email": "a@b.c"}),
        false,
    )
    .expect("ok");
    assert_eq!(p.email, Nullable::Value(Email("a@b.c".into())));
    let e = read::<Patch>(
        &Method::PATCH,
        "/p",
        serde_json::json!({"email": "nope"}),
        false,
    )
    .expect_err("not an email");
    assert!(e.message().contains("body.email must be a valid email"));
}

#[test]
fn the_declared_fields_describe_the_body() {
    assert_eq!(
        Body::FIELDS,
        &[
            FieldSpec {
                name: "code",
                required: true,
                json_type: Some("string"),
                server_only: false
            },
            FieldSpec {
                name: "n",
                required: false,
                json_type: Some("integer"),
                server_only: false
            },
            FieldSpec {
                name: "mode",
                required: false,
                json_type: Some("string"),
                server_only: false
            },
        ]
    );
    assert_eq!(Mode::NAMES, &["a", "b"]);
    assert!(NoBody::FIELDS.is_empty());
}

#[test]
fn server_only_fields_are_unknown_to_client_access_and_never_read_for_it() {
    let body = || serde_json::json!({"name": "n", "plan": "pro"});
    let p: Profile = read(&Method::PATCH, "/p", body(), true).expect("server access");
    assert_eq!(
        (p.name, p.plan),
        (
            Nullable::Value("n".to_owned()),
            ServerOnly(Some("pro".to_owned()))
        )
    );
    let e = read::<Profile>(&Method::PATCH, "/p", body(), false).expect_err("client access");
    assert_eq!(e.known_code(), Some("SCHEMA_ERROR"));
    assert!(
        e.message()
            .contains("body contains unknown properties: plan"),
        "{}",
        e.message()
    );
    // Named with any other unknown field, and beside the failing ones.
    let e = read::<Profile>(
        &Method::PATCH,
        "/p",
        serde_json::json!({"name": 1, "plan": "pro", "x": 0}),
        false,
    )
    .expect_err("client access");
    assert!(
        e.message().contains("unknown properties: plan, x"),
        "{}",
        e.message()
    );
    assert!(
        e.message().contains("body.name must be a string"),
        "{}",
        e.message()
    );
    let p: Profile = read(
        &Method::PATCH,
        "/p",
        serde_json::json!({"name": "n"}),
        false,
    )
    .expect("client access without it");
    assert_eq!(p.plan, ServerOnly(None));
    assert!(Profile::FIELDS[1].server_only && !Profile::FIELDS[0].server_only);
}
