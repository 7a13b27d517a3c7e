//! `GET /handler/agent-auth-confirm`: where a signed-in person sees an AI
//! agent that asks for a session of theirs (api.md §9), by the claim code
//! in the agent's link (`?code=`) or typed into the page's form; and
//! `POST`: Approve or Deny. The same machinery as the CLI's page: the
//! sign-in, the CSRF token, the origin check, the plain failure pages.

use bytes::Bytes;
use http::{Response, StatusCode};

use super::failures::{refused, store_unavailable, too_many_guesses};
use super::views::{self, AgentConfirmView, EnterClaimCodeView, from_now, spoken};
use super::{HostedPage, PageRequest, SignedIn, chrome, cookies, person_name};
use crate::clock::iso_millis;
use crate::domain::agent_auth::{self, Action, AgentError};
use crate::domain::login_attempt::Looker;
use crate::secret::{display_user_code, normalize_claim_code};

impl HostedPage {
    pub(super) async fn agent_page(&self, page: &PageRequest<'_>) -> Response<Bytes> {
        let signed_in = match self.signed_in(page).await {
            Ok(Some(signed_in)) => signed_in,
            Ok(None) => return self.start_sign_in(page, &page.path_and_query()).await,
            Err(_) => return store_unavailable(None),
        };
        if let Some(answer) = self.unless_agent_auth_is_on(&signed_in).await {
            return answer;
        }
        match page.query("code") {
            Some(code) => {
                self.agent_act(page, &signed_in, &code, Action::Inspect)
                    .await
            }
            None => enter_claim_code(StatusCode::OK, &signed_in, String::new(), None),
        }
    }

    pub(super) async fn agent_form(&self, page: &PageRequest<'_>) -> Response<Bytes> {
        if !cookies::from_own_origin(page.request.headers(), &page.origin) {
            return refused("This form can only be sent from this page.");
        }
        let signed_in = match self.signed_in(page).await {
            Ok(Some(signed_in)) => signed_in,
            Ok(None) => {
                return refused(
                    "You are signed out (or your sign-in expired). Open the agent's link again.",
                );
            }
            Err(_) => return store_unavailable(None),
        };
        let form = page.form();
        if !form
            .get("csrf_token")
            .is_some_and(|t| signed_in.0.accepts(t))
        {
            return refused("This form is out of date. Open the agent's link again.");
        }
        if let Some(answer) = self.unless_agent_auth_is_on(&signed_in).await {
            return answer;
        }
        let action = match form.get("action") {
            Some("approve") => Action::Approve,
            Some("deny") => Action::Deny,
            _ => {
                return views::message(
                    StatusCode::BAD_REQUEST,
                    chrome(Some(&signed_in)),
                    "Unknown action",
                    "Use the page's Approve or Deny button.",
                    None,
                );
            }
        };
        let code = form.get("code").unwrap_or_default();
        self.agent_act(page, &signed_in, code, action).await
    }

    /// The page that says agent auth is off for this project (or that the
    /// store did not answer); `None` when it is on.
    async fn unless_agent_auth_is_on(&self, signed_in: &SignedIn) -> Option<Response<Bytes>> {
        match self.app.project(&self.project_id).await {
            Ok(Some(project)) if project.agent_auth_enabled => None,
            Ok(_) => Some(views::message(
                StatusCode::NOT_FOUND,
                chrome(Some(signed_in)),
                "Agents cannot sign in here",
                "Agent auth is not turned on for this project. Its owner can turn it on with \
                 cli-auth-admin set-agent-auth.",
                None,
            )),
            Err(_) => Some(store_unavailable(Some(signed_in))),
        }
    }

    /// Inspects, approves or denies the agent of `typed` (its claim code):
    /// the look-up is bounded per address and per person, as the API's.
    async fn agent_act(
        &self,
        page: &PageRequest<'_>,
        signed_in: &SignedIn,
        typed: &str,
        action: Action,
    ) -> Response<Bytes> {
        let who = Looker {
            project_id: &self.project_id,
            user_id: &signed_in.1.id,
            source_ip: page.source_ip,
        };
        let confirmed = agent_auth::confirm(
            self.app.store(),
            self.app.user_code_limits(),
            who,
            typed,
            action,
            page.now,
        )
        .await;
        let typed: String = typed.chars().take(32).collect();
        let confirmed = match confirmed {
            Ok(confirmed) => confirmed,
            Err(AgentError::TooManyClaimCodeAttempts {
                retry_after_seconds,
            }) => {
                return too_many_guesses(retry_after_seconds, |status, error| {
                    enter_claim_code(status, signed_in, typed, Some(error))
                });
            }
            Err(AgentError::Store(_)) => return store_unavailable(Some(signed_in)),
            Err(_) => {
                return enter_claim_code(
                    StatusCode::NOT_FOUND,
                    signed_in,
                    typed,
                    Some(
                        "That code does not match an agent waiting for approval: it may be \
                         mistyped, expired, or already approved or denied. Ask the agent for a \
                         new one."
                            .into(),
                    ),
                );
            }
        };
        let name = confirmed.agent.name.clone();
        match action {
            Action::Inspect => {
                let claim_code = normalize_claim_code(&typed)
                    .map(|c| display_user_code(&c))
                    .unwrap_or_default();
                let chrome = chrome(Some(signed_in));
                let nonce = chrome.nonce.clone();
                let view = AgentConfirmView {
                    chrome,
                    name,
                    description: confirmed.agent.description,
                    url: confirmed.agent.url,
                    user_hint: confirmed.agent.user_hint,
                    claim_code_spoken: spoken(&claim_code),
                    claim_code,
                    expires: from_now(page.now, confirmed.expires_at_millis),
                    expires_iso: iso_millis(confirmed.expires_at_millis),
                    person: person_name(&signed_in.1),
                    csrf_token: signed_in.0.csrf_token().to_owned(),
                };
                views::html(StatusCode::OK, &view, &nonce)
            }
            Action::Approve => {
                tracing::info!(user_id = %signed_in.1.id, "hosted page approved an agent");
                views::message(
                    StatusCode::OK,
                    chrome(Some(signed_in)),
                    "The agent is signed in",
                    format!(
                        "{name} now has a session of its own on your account. You can end it at \
                         any time from your list of sessions."
                    ),
                    None,
                )
            }
            Action::Deny => views::message(
                StatusCode::OK,
                chrome(Some(signed_in)),
                "Denied",
                format!(
                    "{name} was told no, and its temporary session has ended. If you did not \
                     expect it, someone may be trying to get you to approve theirs."
                ),
                None,
            ),
        }
    }
}

fn enter_claim_code(
    status: StatusCode,
    signed_in: &SignedIn,
    typed: String,
    error: Option<String>,
) -> Response<Bytes> {
    let chrome = chrome(Some(signed_in));
    let nonce = chrome.nonce.clone();
    let view = EnterClaimCodeView {
        chrome,
        typed,
        error,
    };
    views::html(status, &view, &nonce)
}
