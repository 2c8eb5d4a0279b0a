//! One method per Seam endpoint, grouped as Seam's API reference groups them. Each endpoint
//! is declared once, with its path, response key and how safe it is to repeat.

mod access;
mod acs;
mod devices;
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
        &devices::LIST_DEVICES,
        &identities::GET_WORKSPACE,
        &identities::CREATE_USER_IDENTITY,
        &identities::GET_USER_IDENTITY,
        &identities::DELETE_USER_IDENTITY,
        &identities::LAUNCH_ENROLLMENT_AUTOMATION,
        &identities::LIST_ENROLLMENT_AUTOMATIONS,
        &identities::GET_OR_CREATE_CLIENT_SESSION,
        &access::CREATE_USER,
        &access::GET_USER,
        &access::LIST_USERS,
        &access::CREATE_CREDENTIAL,
        &access::GET_CREDENTIAL,
        &access::LIST_CREDENTIALS,
        &access::LIST_ACCESSIBLE_ENTRANCES,
    ]
}
