//! The client's tests, one executable: the `cli-auth` command against the
//! dev server and against a plain Stack Auth stand-in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod beyond_stack;
mod cli;
mod support;
