//! Client of the CLI login service.
//!
//! - [`api::Client`]: every call of the flow, for a CLI (initiate, poll,
//!   cancel, refresh, `users/me`, revoke) and for an app's confirm page
//!   (look up a short code, check, claim the CLI's anonymous session,
//!   complete, deny).
//! - [`login::login`]: the CLI's whole login, polling politely, bound to
//!   the process by [`handoff::Binding`] and cancelled when stopped.
//! - [`browser::headless`]: whether a browser can be shown here.
//! - [`credentials::CredentialsFile`]: the session on disk, owner-only,
//!   written atomically.
//! - [`terminal::printable`]: the service's text, safe to print.
//!
//! The `cli-auth` binary (`login`, `whoami`, `token`, `logout`) is built on
//! these.

pub mod api;
pub mod browser;
pub mod credentials;
pub mod handoff;
pub mod login;
pub mod terminal;

pub use api::{Client, Config};
pub use credentials::{Credentials, CredentialsFile};
pub use login::{LoginOptions, login};
