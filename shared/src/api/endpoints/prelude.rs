//! What every endpoint module uses.

pub use http::StatusCode;

pub use crate::api::body::NoBody;
pub use crate::api::context::Context;
pub use crate::api::endpoint::{
    ANY_ACCESS, Handler, HandlerResult, NO_PROJECT, Route, SERVER_ACCESS,
};
pub use crate::api::errors::KnownError;
pub use crate::api::response;
