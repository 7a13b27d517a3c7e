//! `GET /auth/sessions?user_id=me|<id>`: a user's live sessions, newest
//! first (api.md §4). Also home of what both session-by-id endpoints read
//! from a request: the `user_id` query and whose sessions the caller may see.

use super::prelude::*;
use serde_json::{Value, json};

use crate::api::body::schema_error;
use crate::api::errors::ApiError;
use crate::api::shapes::asked_by;
use crate::domain::access::AccessType;
use crate::domain::accounts::{self, SessionsAccess};
use crate::domain::session::Session;

pub struct SessionsList;

impl Handler for SessionsList {
    const ROUTE: Route = Route::get("/auth/sessions", "sessions-list", ANY_ACCESS);
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let user_id = user_id_query(ctx)?.ok_or_else(|| {
            schema_error(
                ctx.request.method,
                ctx.request.path,
                &["query.user_id must be defined".to_owned()],
            )
        })?;
        let access = sessions_access(ctx).ok_or(KnownError::CannotGetOwnUserWithoutUser)?;
        let sessions =
            accounts::list_sessions(ctx.store, ctx.project_id(), &user_id, access, ctx.now).await?;
        let items: Vec<Value> = sessions.iter().map(|s| session_json(s, access)).collect();
        Ok(response::json(
            StatusCode::OK,
            &json!({ "items": items, "is_paginated": false }),
        ))
    }
}

/// A session as the list shows it: `agent_name` (Hexclave's) on sessions
/// agent auth minted, else null; `client` (ours) only on sessions the
/// hosted confirm page minted for a CLI: who asked for it (api.md §4).
fn session_json(s: &Session, access: SessionsAccess<'_>) -> Value {
    let mut item = json!({
        "id": s.id,
        "user_id": s.user_id,
        "created_at": s.created_at_millis,
        "last_used_at": s.last_used_at_millis,
        "is_impersonation": s.is_impersonation,
        "is_current_session": access.current_session == Some(s.id.as_str()),
        "agent_name": s.agent_name,
    });
    if let (Some(asked_by), Some(fields)) = (&s.asked_by, item.as_object_mut()) {
        fields.insert("client".into(), asked_by::client_json(asked_by));
    }
    item
}

/// The `user_id` query parameter: `me` is the caller's own user (400
/// `CANNOT_GET_OWN_USER_WITHOUT_USER` without an access token), anything
/// else must be a UUID (400 `SCHEMA_ERROR`). `None` when absent.
pub(super) fn user_id_query(ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
    match ctx.query_param("user_id").as_deref() {
        None => Ok(None),
        Some("me") => Ok(Some(
            ctx.user(KnownError::CannotGetOwnUserWithoutUser)?
                .sub
                .clone(),
        )),
        Some(id) if uuid::Uuid::try_parse(id).is_ok() => Ok(Some(id.to_owned())),
        Some(_) => Err(schema_error(
            ctx.request.method,
            ctx.request.path,
            &["query.user_id must be a valid UUID".to_owned()],
        )),
    }
}

/// Whose sessions the caller may see and end: client access only its own
/// user's (`None` without an access token: no one's), server access any
/// user's, admin access impersonation sessions too.
pub(super) fn sessions_access<'a>(ctx: &'a Context<'_>) -> Option<SessionsAccess<'a>> {
    let user = ctx.caller.user.as_ref();
    let access_type = ctx.caller.access_type?;
    let own_user = match access_type {
        AccessType::Client => Some(user?.sub.as_str()),
        AccessType::Server | AccessType::Admin => None,
    };
    Some(SessionsAccess {
        own_user,
        current_session: user.map(|u| u.refresh_token_id.as_str()),
        sees_impersonation: access_type == AccessType::Admin,
    })
}
