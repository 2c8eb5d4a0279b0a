//! The Seam endpoints, one module per resource. Every endpoint is `POST <path>` with a JSON
//! body; handlers take a [`crate::gate::Ctx`] (the authenticated workspace) and a typed
//! request, and answer with [`crate::envelope::ok`] or a [`crate::SimError`]. New resources
//! add a module here and merge its routes below.

mod access_codes;
mod acs_access_groups;
mod acs_credentials;
mod acs_entrances;
mod acs_systems;
mod acs_users;
mod action_attempts;
mod client_sessions;
mod connected_accounts;
mod devices;
mod enrollment_automations;
mod events;
mod locks;
mod phones;
mod simulate;
mod unmanaged_codes;
mod user_identities;
mod webhooks;
mod workspaces;

use axum::Router;

use crate::simulator::Simulator;

pub(crate) fn router() -> Router<Simulator> {
    Router::new()
        .merge(workspaces::routes())
        .merge(acs_systems::routes())
        .merge(acs_entrances::routes())
        .merge(acs_access_groups::routes())
        .merge(acs_users::routes())
        .merge(acs_credentials::routes())
        .merge(user_identities::routes())
        .merge(enrollment_automations::routes())
        .merge(devices::routes())
        .merge(simulate::routes())
        .merge(connected_accounts::routes())
        .merge(client_sessions::routes())
        .merge(locks::routes())
        .merge(phones::routes())
        .merge(access_codes::routes())
        .merge(unmanaged_codes::routes())
        .merge(action_attempts::routes())
        .merge(events::routes())
        .merge(webhooks::routes())
}

/// Seam's `search` parameters match case-insensitively on part of a field.
pub(crate) fn matches_search(search: Option<&str>, fields: &[Option<&str>]) -> bool {
    let Some(search) = search else {
        return true;
    };
    let needle = search.to_lowercase();
    fields
        .iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(&needle))
}
