//! Who a Seam call is from, the ways Seam accepts: an API key (`Authorization: Bearer
//! seam_…`), a client session token (`Authorization: Bearer seam_cst…`, or the
//! `client-session-token` / `seam-client-session-token` header) on the endpoints Seam opens
//! to client sessions, or a publishable key (`seam-publishable-key`) on the two that make
//! client sessions. A mobile app under test can so talk to the simulator as it would to Seam.

use axum::http::{header, HeaderMap};

use crate::access;
use crate::error::SimError;
use crate::simulator::Simulator;
use crate::state::Store;

/// The workspace a call acts in and, for a client session, the user identity it acts as and
/// the connected accounts it may reach.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub(crate) workspace_id: String,
    pub(crate) session: Option<SessionScope>,
}

#[derive(Debug, Clone)]
pub(crate) struct SessionScope {
    pub(crate) client_session_id: String,
    pub(crate) user_identity_id: Option<String>,
    /// The devices (and their codes) of these accounts are all the session sees.
    pub(crate) connected_account_ids: Vec<String>,
}

fn header_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = header_value(headers, header::AUTHORIZATION.as_str())?;
    let (scheme, key) = value.split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then_some(key)
}

/// Authenticates a call to the Seam endpoint `path`; see the module docs.
pub(crate) fn authenticate(
    sim: &Simulator,
    headers: &HeaderMap,
    path: &str,
) -> Result<Principal, SimError> {
    let session_token = header_value(headers, "client-session-token")
        .or_else(|| header_value(headers, "seam-client-session-token"))
        .or_else(|| bearer(headers).filter(|token| token.starts_with("seam_cst")));
    if let Some(token) = session_token {
        if !access::allows_client_session(path) {
            return Err(SimError::Unauthorized(format!(
                "{path} does not accept a client session token"
            )));
        }
        return sim
            .with_store(|store| store.principal_for_session(token))
            .ok_or_else(|| {
                SimError::Unauthorized("Invalid or expired client session token".to_owned())
            });
    }
    if let Some(key) = header_value(headers, "seam-publishable-key") {
        if !access::allows_publishable_key(path) {
            return Err(SimError::Unauthorized(format!(
                "{path} does not accept a publishable key"
            )));
        }
        let workspace_id = sim
            .with_store(|store| store.workspace_for_publishable_key(key))
            .ok_or_else(|| SimError::Unauthorized("Invalid publishable key".to_owned()))?;
        return Ok(Principal {
            workspace_id,
            session: None,
        });
    }
    let key = bearer(headers).ok_or_else(|| {
        SimError::Unauthorized("Missing Authorization header with a Bearer API key".to_owned())
    })?;
    let workspace_id = sim
        .workspace_for_key(key)
        .ok_or_else(|| SimError::Unauthorized("Invalid API key".to_owned()))?;
    Ok(Principal {
        workspace_id,
        session: None,
    })
}

impl Store {
    /// The workspace and client session a live client session token opens.
    pub(crate) fn principal_for_session(&self, token: &str) -> Option<Principal> {
        self.workspaces().find_map(|ws| {
            let now = ws.now();
            let session = ws
                .client_sessions
                .iter()
                .find(|s| s.token == token && s.is_live(now))?;
            Some(Principal {
                workspace_id: ws.workspace_id.clone(),
                session: Some(SessionScope {
                    client_session_id: session.client_session_id.clone(),
                    user_identity_id: session.user_identity_id.clone(),
                    connected_account_ids: session.connected_account_ids.clone(),
                }),
            })
        })
    }

    pub(crate) fn workspace_for_publishable_key(&self, key: &str) -> Option<String> {
        self.workspaces()
            .find(|ws| ws.publishable_key == key)
            .map(|ws| ws.workspace_id.clone())
    }
}
