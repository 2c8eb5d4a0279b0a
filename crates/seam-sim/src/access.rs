//! Which Seam endpoints take what, from Seam's OpenAPI description (`seam-api/openapi.json`,
//! the paths the simulator implements): those that also answer `GET` (parameters in the query
//! string), those a client session token may call (a mobile app acting as one user), and
//! those a publishable key opens (a front end getting a client session for its user).
//! Regenerate the tables when the simulator gains an endpoint.

/// Endpoints Seam also serves as `GET`.
const GET_PATHS: [&str; 36] = [
    "/access_codes/get",
    "/access_codes/list",
    "/access_codes/unmanaged/get",
    "/access_codes/unmanaged/list",
    "/acs/access_groups/list",
    "/acs/access_groups/list_accessible_entrances",
    "/acs/credentials/get",
    "/acs/credentials/list",
    "/acs/credentials/list_accessible_entrances",
    "/acs/entrances/list",
    "/acs/systems/get",
    "/acs/systems/list",
    "/acs/systems/list_compatible_credential_manager_acs_systems",
    "/acs/users/get",
    "/acs/users/list",
    "/action_attempts/get",
    "/action_attempts/list",
    "/client_sessions/get",
    "/client_sessions/list",
    "/connected_accounts/get",
    "/connected_accounts/list",
    "/devices/get",
    "/devices/list",
    "/events/get",
    "/events/list",
    "/locks/get",
    "/locks/list",
    "/phones/get",
    "/phones/list",
    "/user_identities/enrollment_automations/list",
    "/user_identities/get",
    "/user_identities/list",
    "/user_identities/list_acs_users",
    "/webhooks/get",
    "/webhooks/list",
    "/workspaces/get",
];

/// Endpoints whose `security` includes `client_session`.
const CLIENT_SESSION_PATHS: [&str; 25] = [
    "/access_codes/create",
    "/access_codes/delete",
    "/access_codes/get",
    "/access_codes/list",
    "/access_codes/simulate/create_unmanaged_access_code",
    "/access_codes/unmanaged/get",
    "/access_codes/unmanaged/list",
    "/access_codes/update",
    "/acs/credentials/list",
    "/acs/entrances/list",
    "/acs/systems/list",
    "/acs/users/list",
    "/action_attempts/get",
    "/client_sessions/get",
    "/connected_accounts/get",
    "/devices/get",
    "/devices/list",
    "/events/get",
    "/events/list",
    "/locks/get",
    "/locks/list",
    "/phones/deactivate",
    "/user_identities/enrollment_automations/list",
    "/user_identities/list",
    "/workspaces/get",
];

/// Endpoints whose `security` includes `publishable_key`.
const PUBLISHABLE_KEY_PATHS: [&str; 2] =
    ["/client_sessions/create", "/client_sessions/get_or_create"];

pub(crate) fn allows_get(path: &str) -> bool {
    GET_PATHS.contains(&path)
}

pub(crate) fn allows_client_session(path: &str) -> bool {
    CLIENT_SESSION_PATHS.contains(&path)
}

pub(crate) fn allows_publishable_key(path: &str) -> bool {
    PUBLISHABLE_KEY_PATHS.contains(&path)
}
