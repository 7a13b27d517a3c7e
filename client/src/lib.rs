//! Client of the CLI login service.
//!
//! - [`api::Client`]: every call of the flow, for a CLI (initiate, poll,
//!   refresh, `users/me`, revoke) and for an app's confirm page (check,
//!   claim the CLI's anonymous session, complete).
//! - [`login::login`]: the CLI's whole login, polling politely.
//! - [`credentials::CredentialsFile`]: the session on disk, owner-only,
//!   written atomically.
//!
//! The `cli-auth` binary (`login`, `whoami`, `token`, `logout`) is built on
//! these.

pub mod api;
pub mod credentials;
pub mod login;

pub use api::{Client, Config};
pub use credentials::{Credentials, CredentialsFile};
pub use login::{LoginOptions, login};
