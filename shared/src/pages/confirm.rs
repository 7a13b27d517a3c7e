//! `GET /handler/cli-auth-confirm`: the page, with `?login_code=` (from
//! the CLI's link) or without (a form for the short code); and `POST`: its
//! forms (approve, deny, the short code; the dev sign-in on the dev
//! server). A person who is not signed in is sent to sign in first.

use bytes::Bytes;
use http::{Response, StatusCode};

use super::failures::{START_AGAIN, refused, store_unavailable, unusable};
use super::short_code::enter_code;
use super::views::{self, ConfirmView, Warning, ago, from_now, spoken};
use super::{HostedPage, PageRequest, SignedIn, chrome, cookies, person_name};
use crate::clock::iso_millis;
use crate::domain::hosted_page::proximity::{Proximity, ProximityPolicy, proximity};
use crate::domain::login_attempt::{
    self, AttemptError, AttemptKey, AttemptState, CliAttempt, CodeKind, CompleteMode,
};
use crate::secret::LocatedSecret;

impl HostedPage {
    pub(super) async fn confirm_page(&self, page: &PageRequest<'_>) -> Response<Bytes> {
        let signed_in = match self.signed_in(page).await {
            Ok(Some(signed_in)) => signed_in,
            Ok(None) => return self.start_sign_in(page, &page.path_and_query()).await,
            Err(_) => return store_unavailable(None),
        };
        match page.query("login_code") {
            Some(code) => self.approval(page, &signed_in, &code).await,
            None => enter_code(StatusCode::OK, &signed_in, String::new(), None),
        }
    }

    pub(super) async fn confirm_form(&self, page: &PageRequest<'_>) -> Response<Bytes> {
        if !cookies::from_own_origin(page.request.headers(), &page.origin) {
            return refused("This form can only be sent from this page.");
        }
        let form = page.form();
        if form.get("action") == Some("dev-sign-in") {
            return self.dev_sign_in(page, &form).await;
        }
        let signed_in = match self.signed_in(page).await {
            Ok(Some(signed_in)) => signed_in,
            Ok(None) => {
                return refused(
                    "You are signed out (or your sign-in expired). Open the link from your \
                     terminal again.",
                );
            }
            Err(_) => return store_unavailable(None),
        };
        if !form
            .get("csrf_token")
            .is_some_and(|t| signed_in.0.accepts(t))
        {
            return refused("This form is out of date. Open the link from your terminal again.");
        }
        let login_code = form.get("login_code").unwrap_or_default();
        match form.get("action") {
            Some("approve") => self.approve(page, &signed_in, login_code).await,
            Some("deny") => self.deny(page, &signed_in, login_code).await,
            Some("look-up") => {
                self.look_up(page, &signed_in, form.get("user_code").unwrap_or_default())
                    .await
            }
            _ => views::message(
                StatusCode::BAD_REQUEST,
                chrome(Some(&signed_in)),
                "Unknown action",
                "Use the page's Approve or Deny button.",
                Some(START_AGAIN),
            ),
        }
    }

    /// The pending attempt of `login_code`, or the page that says why not.
    async fn pending(
        &self,
        page: &PageRequest<'_>,
        signed_in: &SignedIn,
        login_code: &str,
    ) -> Result<CliAttempt, Response<Bytes>> {
        let unusable = |state: Option<AttemptState>| unusable(signed_in, state);
        let code = LocatedSecret::parse(login_code).ok_or_else(|| unusable(None))?;
        let key = AttemptKey::new(&self.project_id, &code, CodeKind::Login);
        let attempt = self
            .app
            .store()
            .attempt(&code.id)
            .await
            .map_err(|_| store_unavailable(Some(signed_in)))?
            .filter(|a| a.is_named_by(&key))
            .ok_or_else(|| unusable(None))?;
        match attempt.state(page.now) {
            AttemptState::Pending => Ok(attempt),
            state => Err(unusable(Some(state))),
        }
    }

    /// The project's proximity policy.
    async fn policy(&self) -> Result<ProximityPolicy, ()> {
        match self.app.project(&self.project_id).await {
            Ok(Some(project)) => Ok(project.proximity),
            Ok(None) => Ok(ProximityPolicy::default()),
            Err(_) => Err(()),
        }
    }

    /// The pending attempt of `login_code`, the proximity warning, and
    /// whether the project's policy forbids approving it from here; or the
    /// page that says why not.
    async fn examined(
        &self,
        page: &PageRequest<'_>,
        signed_in: &SignedIn,
        login_code: &str,
    ) -> Result<(CliAttempt, Option<Warning>, bool), Response<Bytes>> {
        let attempt = self.pending(page, signed_in, login_code).await?;
        let policy = self
            .policy()
            .await
            .map_err(|()| store_unavailable(Some(signed_in)))?;
        let warning = match proximity(attempt.asker.ip.as_deref(), page.source_ip) {
            Proximity::Far { cli, browser } => Some(Warning {
                cli: cli.to_string(),
                browser: browser.to_string(),
            }),
            Proximity::Near | Proximity::Unknown => None,
        };
        let blocked = warning.is_some() && policy == ProximityPolicy::Block;
        Ok((attempt, warning, blocked))
    }

    async fn approval(
        &self,
        page: &PageRequest<'_>,
        signed_in: &SignedIn,
        login_code: &str,
    ) -> Response<Bytes> {
        let (attempt, warning, blocked) = match self.examined(page, signed_in, login_code).await {
            Ok(examined) => examined,
            Err(answer) => return answer,
        };
        let user_code = attempt.user_code().unwrap_or_default();
        let client = attempt.asker.client.clone().unwrap_or_default();
        let chrome = chrome(Some(signed_in));
        let nonce = chrome.nonce.clone();
        let view = ConfirmView {
            chrome,
            user_code_spoken: spoken(&user_code),
            user_code,
            warning,
            blocked,
            client_name: client.name,
            hostname: client.hostname,
            ip: attempt.asker.ip.clone(),
            user_agent: attempt.asker.user_agent.clone(),
            started: ago(page.now, attempt.created_at_millis),
            started_iso: iso_millis(attempt.created_at_millis),
            expires: from_now(page.now, attempt.expires_at_millis),
            expires_iso: iso_millis(attempt.expires_at_millis),
            person: person_name(&signed_in.1),
            csrf_token: signed_in.0.csrf_token().to_owned(),
            login_code: login_code.to_owned(),
        };
        views::html(StatusCode::OK, &view, &nonce)
    }

    async fn approve(
        &self,
        page: &PageRequest<'_>,
        signed_in: &SignedIn,
        login_code: &str,
    ) -> Response<Bytes> {
        let attempt = match self.examined(page, signed_in, login_code).await {
            Err(answer) => return answer,
            Ok((_, _, true)) => {
                return views::message(
                    StatusCode::FORBIDDEN,
                    chrome(Some(signed_in)),
                    "Approve from the same network",
                    "This login was started from another network than this browser's, and this \
                     project does not allow approving it from here. Deny it, or approve from a \
                     browser on the same network as the command-line tool.",
                    None,
                );
            }
            Ok((attempt, _, false)) => attempt,
        };
        let approved = login_attempt::approve_read(
            self.app.store(),
            login_code,
            &attempt,
            &signed_in.1.id,
            self.session_millis,
            page.now,
        )
        .await;
        if approved.is_ok() {
            tracing::info!(user_id = %signed_in.1.id, "hosted page approved a login");
        }
        let done = (
            "The command-line tool is signed in",
            "You can close this tab and go back to your terminal.",
        );
        self.finished(page, signed_in, login_code, approved, done)
            .await
    }

    async fn deny(
        &self,
        page: &PageRequest<'_>,
        signed_in: &SignedIn,
        login_code: &str,
    ) -> Response<Bytes> {
        let denied = login_attempt::complete(
            self.app.store(),
            crate::domain::tokens::Minter {
                tokens: self.app.tokens(),
                base_url: &page.origin,
            },
            &self.project_id,
            login_code,
            CompleteMode::Deny,
            page.now,
        )
        .await;
        let done = (
            "Denied",
            "The command-line tool was told no. If you did not start this login, someone may \
             be trying to get you to approve theirs.",
        );
        self.finished(page, signed_in, login_code, denied, done)
            .await
    }

    /// The page after an approve or deny: `done` (title, text) when it
    /// happened, 503 when the store failed, else why the attempt is no
    /// longer pending.
    async fn finished<T>(
        &self,
        page: &PageRequest<'_>,
        signed_in: &SignedIn,
        login_code: &str,
        result: Result<T, AttemptError>,
        (title, body): (&'static str, &'static str),
    ) -> Response<Bytes> {
        match result {
            Ok(_) => views::message(StatusCode::OK, chrome(Some(signed_in)), title, body, None),
            Err(AttemptError::Store(_)) => store_unavailable(Some(signed_in)),
            Err(_) => self.after_race(page, signed_in, login_code).await,
        }
    }

    /// The page for an attempt that stopped being pending under a form's
    /// feet (a racing deny, the CLI's cancel, its expiry).
    async fn after_race(
        &self,
        page: &PageRequest<'_>,
        signed_in: &SignedIn,
        login_code: &str,
    ) -> Response<Bytes> {
        match self.pending(page, signed_in, login_code).await {
            Err(answer) => answer,
            Ok(_) => unusable(signed_in, None),
        }
    }
}
