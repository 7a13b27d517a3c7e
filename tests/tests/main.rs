//! The cross-crate suites, one executable: each module is one suite.
//! `iam` (reads what this run recorded) and `trust_roots` (changes the
//! process environment) are executables of their own.

mod accounts;
mod agent_auth;
mod api_reference;
mod attempt_model;
mod bound_handoff;
mod cli_flow;
mod deny_cancel;
mod device_auth_overview;
mod device_grant;
mod endpoint_checklist;
mod faults;
mod fixtures;
mod fuzz;
mod hosted_agent_page;
mod hosted_approve;
mod hosted_page;
mod layers;
mod oauth_token;
mod regions;
mod request_validation;
mod round_trips;
mod secret_hygiene;
mod server_secret;
mod sessions;
mod store_conformance;
mod template;
mod user_codes;
mod who_is_asking;
