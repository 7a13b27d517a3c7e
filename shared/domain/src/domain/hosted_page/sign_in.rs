//! The browser's own sign-in on the hosted page (api.md §10): a cookie
//! sealed (AES-256-GCM) under a key derived from the server secret, good
//! for at most 12 hours. It names the person and carries the CSRF token
//! the page's forms must echo; it is never a refresh token and never
//! reaches the CLI. The OpenID Connect round trip's `state`, `nonce` and
//! PKCE verifier travel the same way, in a cookie of their own that lives
//! 10 minutes ([`PendingSignIn`]). Each kind is sealed under its own
//! context, so one never opens as the other.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;

use crate::clock::Millis;
use crate::secret::{SealingKey, random_token};

/// The longest a browser stays signed in to the page: 12 hours.
pub const SIGN_IN_MILLIS: Millis = 12 * 60 * 60 * 1000;
/// How long a sign-in at the provider may take: 10 minutes.
pub const PENDING_SIGN_IN_MILLIS: Millis = 10 * 60 * 1000;

const SIGN_IN: &str = "hosted-page/sign-in";
const PENDING: &str = "hosted-page/pending-sign-in";

/// A signed-in person, as the page's cookie holds them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserSignIn {
    pub user_id: String,
    pub expires_at_millis: Millis,
    /// Echoed by every form the page posts (approve, deny, sign out).
    csrf_token: String,
}

impl std::fmt::Debug for BrowserSignIn {
    // Never the CSRF token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserSignIn")
            .field("user_id", &self.user_id)
            .field("expires_at_millis", &self.expires_at_millis)
            .finish_non_exhaustive()
    }
}

impl BrowserSignIn {
    /// `user_id` signed in at `now`, with a fresh CSRF token.
    pub fn new(user_id: &str, now: Millis) -> Self {
        Self {
            user_id: user_id.to_owned(),
            expires_at_millis: now.saturating_add(SIGN_IN_MILLIS),
            csrf_token: random_token(32),
        }
    }

    /// The token the page's forms carry.
    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }

    /// Whether a form's token is this sign-in's (in constant time).
    pub fn accepts(&self, csrf_token: &str) -> bool {
        bool::from(self.csrf_token.as_bytes().ct_eq(csrf_token.as_bytes()))
    }

    /// The cookie's value.
    pub fn seal(&self, key: &SealingKey) -> Option<String> {
        seal(key, SIGN_IN, self)
    }

    /// The sign-in a cookie holds, if it opens under one of `keys` and has
    /// not expired.
    pub fn open(keys: &[SealingKey], cookie: &str, now: Millis) -> Option<Self> {
        open::<Self>(keys, SIGN_IN, cookie).filter(|s| now < s.expires_at_millis)
    }
}

/// An OpenID Connect sign-in under way: what the callback must match
/// (`state`, `nonce`), the PKCE verifier it redeems the code with, and the
/// page to return to. No `Debug`: nothing of it can reach a log.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The confirm page's path and query to go back to.
    pub return_to: String,
    pub expires_at_millis: Millis,
}

impl PendingSignIn {
    /// A new round trip to the provider, from `now`, fresh `state`,
    /// `nonce` and PKCE verifier (RFC 7636 §4.1: 43 characters).
    pub fn new(return_to: &str, now: Millis) -> Self {
        Self {
            state: random_token(32),
            nonce: random_token(32),
            pkce_verifier: random_token(32),
            return_to: return_to.to_owned(),
            expires_at_millis: now.saturating_add(PENDING_SIGN_IN_MILLIS),
        }
    }

    pub fn seal(&self, key: &SealingKey) -> Option<String> {
        seal(key, PENDING, self)
    }

    /// The pending sign-in a cookie holds, if it opens, has not expired,
    /// and the callback's `state` is its own (in constant time).
    pub fn open(keys: &[SealingKey], cookie: &str, state: &str, now: Millis) -> Option<Self> {
        open::<Self>(keys, PENDING, cookie).filter(|p| {
            now < p.expires_at_millis && bool::from(p.state.as_bytes().ct_eq(state.as_bytes()))
        })
    }
}

fn seal<T: Serialize>(key: &SealingKey, context: &str, value: &T) -> Option<String> {
    key.seal(context, &serde_json::to_vec(value).ok()?)
}

fn open<T: DeserializeOwned>(keys: &[SealingKey], context: &str, sealed: &str) -> Option<T> {
    keys.iter()
        .find_map(|key| key.open(context, sealed))
        .and_then(|plain| serde_json::from_slice(&plain).ok())
}

#[cfg(test)]
#[path = "tests/sign_in.rs"]
mod tests;
