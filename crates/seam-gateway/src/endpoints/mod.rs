//! One method per Seam endpoint, grouped as Seam's API reference groups them. Each endpoint
//! is declared once, with its path, response key, how safe it is to repeat, and which
//! per-device rate limit it counts against.

mod access;
mod access_codes;
mod acs;
mod devices;
mod events;
mod identities;

/// Every endpoint this crate calls, for checking them against Seam's OpenAPI description.
#[cfg(test)]
pub(crate) fn all() -> Vec<&'static crate::transport::Endpoint> {
    vec![
        &acs::LIST_SYSTEMS,
        &acs::GET_SYSTEM,
        &acs::LIST_CREDENTIAL_MANAGERS,
        &acs::LIST_ENTRANCES,
        &acs::LIST_ACCESS_GROUPS,
        &acs::LIST_ACCESS_GROUP_ENTRANCES,
        &devices::LIST_DEVICES,
        &devices::GET_DEVICE,
        &devices::GET_LOCK,
        &identities::GET_WORKSPACE,
        &identities::CREATE_USER_IDENTITY,
        &identities::GET_USER_IDENTITY,
        &identities::DELETE_USER_IDENTITY,
        &identities::LIST_USER_IDENTITIES,
        &identities::LIST_USER_IDENTITY_ACS_USERS,
        &identities::ADD_ACS_USER_TO_USER_IDENTITY,
        &identities::LAUNCH_ENROLLMENT_AUTOMATION,
        &identities::LIST_ENROLLMENT_AUTOMATIONS,
        &identities::GET_OR_CREATE_CLIENT_SESSION,
        &identities::CREATE_CLIENT_SESSION,
        &identities::LIST_CLIENT_SESSIONS,
        &identities::REVOKE_CLIENT_SESSION,
        &access::CREATE_USER,
        &access::GET_USER,
        &access::LIST_USERS,
        &access::UPDATE_USER,
        &access::DELETE_USER,
        &access::ADD_USER_TO_GROUP,
        &access::REMOVE_USER_FROM_GROUP,
        &access::SUSPEND_USER,
        &access::UNSUSPEND_USER,
        &access::CREATE_CREDENTIAL,
        &access::GET_CREDENTIAL,
        &access::LIST_CREDENTIALS,
        &access::UPDATE_CREDENTIAL,
        &access::DELETE_CREDENTIAL,
        &access::LIST_ACCESSIBLE_ENTRANCES,
        &access_codes::CREATE_ACCESS_CODE,
        &access_codes::GET_ACCESS_CODE,
        &access_codes::LIST_ACCESS_CODES,
        &access_codes::UPDATE_ACCESS_CODE,
        &access_codes::DELETE_ACCESS_CODE,
        &access_codes::GET_ACTION_ATTEMPT,
        &events::LIST_EVENTS,
        &events::CREATE_WEBHOOK,
        &events::LIST_WEBHOOKS,
        &events::DELETE_WEBHOOK,
    ]
}
