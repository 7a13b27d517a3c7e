//! The hosted confirm page's decisions (api.md §10), apart from HTTP:
//! whether the approving browser is near the CLI ([`proximity`]), and the
//! browser's own sign-in, a sealed cookie that is never a refresh token
//! ([`sign_in`]).

pub mod proximity;
pub mod sign_in;
