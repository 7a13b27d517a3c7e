//! `GET /internal/device-auth?kind=cli|agent` (admin): the project's recent
//! CLI or agent logins as Hexclave's admin overview shows them (api.md §9):
//! a summary over a bounded window, the newest attempts, the sessions they
//! led to. Ids, times, statuses and labels only: no code, token or hash.

use serde_json::{Value, json};

use super::prelude::*;
use crate::api::body::schema_error;
use crate::api::endpoint::ADMIN_ACCESS;
use crate::clock::{Millis, iso_millis};
use crate::domain::login_attempt::Flow;
use crate::domain::overview::{
    self, ATTEMPT_WINDOW, Listed, Overview, SESSION_WINDOW, Status, shown_id,
};

pub struct InternalDeviceAuth;

impl Handler for InternalDeviceAuth {
    const ROUTE: Route = Route::get(
        "/internal/device-auth",
        "internal-device-auth",
        ADMIN_ACCESS,
    );
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let kind = ctx
            .query_param("kind")
            .as_deref()
            .and_then(Flow::parse)
            .ok_or_else(|| {
                schema_error(
                    ctx.request.method,
                    ctx.request.path,
                    &["query.kind must be one of the following values: cli, agent".to_owned()],
                )
            })?;
        let found = overview::overview(ctx.store, ctx.project_id(), kind, ctx.now).await?;
        Ok(response::json(
            StatusCode::OK,
            &overview_json(&found, ctx.now),
        ))
    }
}

fn overview_json(o: &Overview, now: Millis) -> Value {
    json!({
        "summary": {
            "attempts_in_window": o.attempts.len(),
            "waiting_attempts_in_window": o.count(Status::Waiting),
            "success_attempts_in_window": o.count(Status::Success),
            "denied_attempts_in_window": o.count(Status::Denied),
            "expired_attempts_in_window": o.count(Status::Expired),
            "used_attempts_in_window": o.count(Status::Used),
            "active_sessions_in_window": o.active_sessions(now),
            "attempt_window_limit": ATTEMPT_WINDOW,
            "session_window_limit": SESSION_WINDOW,
        },
        "recent_attempts": o.attempts.iter().map(|(a, status)| json!({
            "id": shown_id(a),
            "status": status.as_str(),
            "created_at": iso_millis(a.created_at_millis),
            "expires_at": iso_millis(a.expires_at_millis),
            "used_at": a.used_at_millis.map(iso_millis),
            "agent": a.agent.as_ref().map(|d| json!({
                "name": d.agent.name,
                "description": d.agent.description,
                "url": d.agent.url,
                "user_hint": d.agent.user_hint,
            })),
        })).collect::<Vec<_>>(),
        "sessions": o.sessions.iter().map(|l| session_json(l, now)).collect::<Vec<_>>(),
    })
}

/// A listed session. A user deleted since shows as not anonymous, with no
/// name or email (as Hexclave's does: the dashboard then shows the id).
fn session_json(l: &Listed, now: Millis) -> Value {
    let Listed { session: s, user } = l;
    json!({
        "session_id": s.id,
        "agent_name": s.agent_name,
        "user_id": s.user_id,
        "display_name": user.as_ref().and_then(|u| u.display_name.clone()),
        "primary_email": user.as_ref().and_then(|u| u.primary_email.clone()),
        "is_anonymous": user.as_ref().is_some_and(|u| u.is_anonymous),
        "created_at": iso_millis(s.created_at_millis),
        "last_active_at": iso_millis(s.last_used_at_millis),
        "expires_at": iso_millis(s.expires_at_millis),
        "is_expired": s.is_expired(now),
    })
}
