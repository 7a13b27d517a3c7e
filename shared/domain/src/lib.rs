//! The domain of the CLI login service, a crate of its own so that Cargo
//! holds the layer rule: its manifest has no HTTP and no AWS SDK, so no
//! file here can name them.
//!
//! - [`domain`]: what projects, users, sessions, access tokens and CLI login
//!   attempts are, what each endpoint decides, with its own errors, and the
//!   store port ([`domain::store::Store`]).
//! - [`clock`]: time as a parameter ([`clock::Clock`], [`clock::Millis`]).
//! - [`secret`]: codes and tokens, their hashes and sealing.
//! - [`jwe`]: the bound hand-off's encryption to the CLI's key.
//!
//! The core crate (`cli-auth-core`) re-exports these modules under the same
//! names; code outside the domain reaches them as `cli_auth_core::domain`.

pub mod clock;
pub mod domain;
pub mod jwe;
pub mod secret;
