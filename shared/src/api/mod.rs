//! The HTTP side: Stack Auth's REST dialect over plain `http` types, shared
//! by the Lambda mains, the dev server and the tests.
//!
//! A request goes [`router`] → [`pipeline`] (body [`body`], caller
//! [`headers`]) → its endpoint in [`endpoints`] → the domain → back through
//! [`errors`] and [`response`].

pub mod app;
pub mod body;
pub mod context;
mod domain_errors;
pub mod endpoint;
pub mod endpoints;
pub mod errors;
pub mod headers;
pub mod pipeline;
pub mod project_cache;
pub mod response;
pub mod router;
pub mod shapes;

pub use app::App;
pub use errors::{ApiError, KnownError};
