//! The short code (RFC 8628's user code) typed on the page: its form, and
//! its look-up (api.md §8's, bounded per address and per person), which
//! leads to the page of the login it names.

use bytes::Bytes;
use http::{Response, StatusCode};

use super::failures::{store_unavailable, too_many_guesses};
use super::views::{self, EnterCodeView};
use super::{CONFIRM_PATH, HostedPage, PageRequest, SignedIn, chrome};
use crate::domain::login_attempt::{self, AttemptError, Looker};

impl HostedPage {
    pub(super) async fn look_up(
        &self,
        page: &PageRequest<'_>,
        signed_in: &SignedIn,
        typed: &str,
    ) -> Response<Bytes> {
        let looker = Looker {
            project_id: &self.project_id,
            user_id: &signed_in.1.id,
            source_ip: page.source_ip,
        };
        let found = login_attempt::look_up_user_code(
            self.app.store(),
            self.app.tokens().login_code_keys(),
            looker,
            typed,
            self.app.user_code_limits(),
            page.now,
        )
        .await;
        let typed = typed.chars().take(32).collect::<String>();
        match found {
            Ok(found) => {
                let query: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("login_code", &found.login_code)
                    .finish();
                views::see_other(&format!("{CONFIRM_PATH}?{query}"))
            }
            Err(AttemptError::TooManyUserCodeAttempts {
                retry_after_seconds,
            }) => too_many_guesses(retry_after_seconds, |status, error| {
                enter_code(status, signed_in, typed, Some(error))
            }),
            Err(AttemptError::Store(_)) => store_unavailable(Some(signed_in)),
            Err(_) => enter_code(
                StatusCode::BAD_REQUEST,
                signed_in,
                typed,
                Some(
                    "That code does not match a login waiting for approval. Check it \
                     against your terminal, or run the login again."
                        .into(),
                ),
            ),
        }
    }
}

pub(super) fn enter_code(
    status: StatusCode,
    signed_in: &SignedIn,
    typed: String,
    error: Option<String>,
) -> Response<Bytes> {
    let chrome = chrome(Some(signed_in));
    let nonce = chrome.nonce.clone();
    let view = EnterCodeView {
        chrome,
        csrf_token: signed_in.0.csrf_token().to_owned(),
        typed,
        error,
    };
    views::html(status, &view, &nonce)
}
