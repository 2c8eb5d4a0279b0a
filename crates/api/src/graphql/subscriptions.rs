//! Live status: subscriptions fed by the process's change feed (`crate::notify`), served over
//! WebSocket at `GET /graphql/ws` (`crate::ws`).
//!
//! A notification names a row, never its content. Each subscription keeps only the changes that
//! may concern its caller (tenant, then resident or property, from the notification's ids), then
//! loads the row through the tenant-scoped services, under row-level security, and yields its
//! committed state. So a subscriber may skip states that went by quickly, but never sees one that
//! was not committed, nor a row it could not query. Changes that arrive together are loaded once,
//! and a state equal to the one last sent for that row is not sent again.

use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};

use async_graphql::{Context, ErrorExtensions, Subscription, ID};
use chrono::{DateTime, Utc};
use doorway_domain::{CredentialId, CredentialStatus, PropertyId, ResidentId, TenantId};
use futures::{Stream, StreamExt};
use uuid::Uuid;

use super::context::{auth, load_err, loader, parse_id, services};
use super::loaders::PropertyKey;
use super::types::{Credential, Grant};
use crate::auth::Scope;
use crate::db::credentials::CredentialRow;
use crate::db::grants::GrantRow;
use crate::db::Visibility;
use crate::error::{ApiError, GqlResult, IntoGql};
use crate::notify::{Change, ChangeFeed, ChangeKind, Event, Subscriber};
use crate::services::Services;

/// Events taken together before loading, so that a burst (a grant and its credentials created in
/// one transaction) costs one load per row.
const BURST: usize = 256;
/// Rows whose last-sent state a subscription remembers before it starts afresh.
const REMEMBERED: usize = 10_000;

#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// The calling resident's credentials, live: each time one is created or its status, reason
    /// or code changes, its committed state.
    async fn my_credential_updated(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Credential>, async_graphql::Error> {
        let caller = auth(ctx)?;
        let visibility = caller.require_resident().gql()?;
        let services = services(ctx)?.clone();
        let resident = services
            .resident_by_subject(&visibility, &caller.subject)
            .await
            .gql()?
            .ok_or_else(|| ApiError::NotFound("resident").extend())?;
        let watch = Watch::Credentials {
            resident: resident.resident_id,
        };
        let items = live(feed(ctx)?.subscribe(), services, visibility, watch);
        Ok(items.filter_map(|item| async move {
            match item {
                Item::Credential(row) => Some(Credential(row)),
                Item::Grant(_) => None,
            }
        }))
    }

    /// The tenant's grants (of one property when `propertyId` is given), live: each time one is
    /// created, or its status or a credential's status, reason or code changes, its committed
    /// state with its credentials.
    async fn grant_updated(
        &self,
        ctx: &Context<'_>,
        property_id: Option<ID>,
    ) -> Result<impl Stream<Item = Grant>, async_graphql::Error> {
        let caller = auth(ctx)?;
        let visibility = caller.require_staff(Scope::GrantsRead).gql()?;
        let property = match property_id {
            Some(id) => {
                let id: PropertyId = parse_id(&id, "propertyId").gql()?;
                let found = visibility.sees_property(id)
                    && loader(ctx)?
                        .load_one(PropertyKey(id))
                        .await
                        .map_err(load_err)?
                        .is_some();
                if !found {
                    return Err(ApiError::NotFound("property").extend());
                }
                Some(id)
            }
            None => None,
        };
        let watch = Watch::Grants {
            property,
            allowed: visibility.property_uuids(),
        };
        let items = live(
            feed(ctx)?.subscribe(),
            services(ctx)?.clone(),
            visibility,
            watch,
        );
        Ok(items.filter_map(|item| async move {
            match item {
                Item::Grant(row) => Some(Grant(row)),
                Item::Credential(_) => None,
            }
        }))
    }
}

fn feed<'a>(ctx: &Context<'a>) -> GqlResult<&'a ChangeFeed> {
    ctx.data::<ChangeFeed>().map_err(|_| {
        ApiError::Forbidden("subscriptions are served over WebSocket at /graphql/ws".into())
            .extend()
    })
}

/// What one subscription follows.
enum Watch {
    Credentials {
        resident: ResidentId,
    },
    Grants {
        property: Option<PropertyId>,
        allowed: Option<Vec<Uuid>>,
    },
}

impl Watch {
    /// The row a change may concern this subscription with, judged from its ids alone (the
    /// load decides for good).
    fn target(&self, tenant: TenantId, change: &Change) -> Option<Target> {
        if change.tenant_id != tenant.as_uuid() {
            return None;
        }
        match self {
            Self::Credentials { resident } => {
                let id = change
                    .credential_id
                    .filter(|_| change.kind == ChangeKind::Credential)?;
                if change.resident_id.is_some_and(|r| r != resident.as_uuid()) {
                    return None;
                }
                Some(Target {
                    id,
                    grant: change.grant_id,
                })
            }
            Self::Grants { .. } => {
                if change.property_id.is_some_and(|p| !self.shows(p)) {
                    return None;
                }
                Some(Target {
                    id: change.grant_id,
                    grant: change.grant_id,
                })
            }
        }
    }

    /// Whether grants of this property belong in the subscription.
    fn shows(&self, property: Uuid) -> bool {
        match self {
            Self::Credentials { .. } => false,
            Self::Grants {
                property: one,
                allowed,
            } => {
                one.is_none_or(|p| p.as_uuid() == property)
                    && allowed.as_ref().is_none_or(|ids| ids.contains(&property))
            }
        }
    }
}

/// A row to load: a credential (with its grant) or a grant (`id == grant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    id: Uuid,
    grant: Uuid,
}

enum Item {
    Credential(CredentialRow),
    Grant(GrantRow),
}

/// One subscription's state between the items it yields.
struct Live {
    feed: Subscriber,
    services: Services,
    visibility: Visibility,
    watch: Watch,
    pending: VecDeque<Target>,
    /// A fingerprint of the state last sent, per row.
    sent: HashMap<Uuid, u64>,
}

fn live(
    feed: Subscriber,
    services: Services,
    visibility: Visibility,
    watch: Watch,
) -> impl Stream<Item = Item> + Send {
    let state = Live {
        feed,
        services,
        visibility,
        watch,
        pending: VecDeque::new(),
        sent: HashMap::new(),
    };
    futures::stream::unfold(state, |mut state| async move {
        let item = state.next().await?;
        Some((item, state))
    })
}

impl Live {
    /// The next state to send; `None` when the application stops.
    async fn next(&mut self) -> Option<Item> {
        loop {
            while let Some(target) = self.pending.pop_front() {
                if let Some(item) = self.load_if_changed(target).await {
                    return Some(item);
                }
            }
            let event = self.feed.next().await?;
            self.take(event).await;
            for _ in 1..BURST {
                let Some(event) = self.feed.next_ready() else {
                    break;
                };
                self.take(event).await;
            }
        }
    }

    async fn take(&mut self, event: Event) {
        match event {
            Event::Changed(change) => {
                if let Some(target) = self.watch.target(self.visibility.tenant(), &change) {
                    self.enqueue(target);
                }
            }
            Event::Resync { since } => match self.changed_since(since).await {
                Ok(targets) => targets.into_iter().for_each(|t| self.enqueue(t)),
                Err(err) => tracing::warn!(error = ?err, "a subscription could not catch up"),
            },
        }
    }

    fn enqueue(&mut self, target: Target) {
        if !self.pending.contains(&target) {
            self.pending.push_back(target);
        }
    }

    async fn changed_since(&self, since: DateTime<Utc>) -> Result<Vec<Target>, ApiError> {
        Ok(match &self.watch {
            Watch::Credentials { resident } => self
                .services
                .credentials_changed_since(&self.visibility, *resident, since)
                .await?
                .into_iter()
                .map(|(id, grant)| Target { id, grant })
                .collect(),
            Watch::Grants { property, allowed } => self
                .services
                .grants_changed_since(&self.visibility, *property, allowed.as_deref(), since)
                .await?
                .into_iter()
                .map(|id| Target { id, grant: id })
                .collect(),
        })
    }

    /// The row's committed state, unless the caller may not see it or it was already sent.
    async fn load_if_changed(&mut self, target: Target) -> Option<Item> {
        let loaded = match &self.watch {
            Watch::Credentials { resident } => self
                .services
                .credential_of_resident(
                    &self.visibility,
                    *resident,
                    target.grant.into(),
                    target.id.into(),
                )
                .await
                .map(|row| {
                    row.map(|row| (fingerprint(&credential_state(&row)), Item::Credential(row)))
                }),
            Watch::Grants { .. } => self
                .services
                .grant_with_credentials(&self.visibility, target.grant.into())
                .await
                .map(|found| {
                    found
                        .filter(|(grant, _)| self.watch.shows(grant.property_id.as_uuid()))
                        .map(|(grant, credentials)| {
                            let state = (
                                (&grant.status, &grant.status_reason),
                                credentials.iter().map(credential_state).collect::<Vec<_>>(),
                            );
                            (fingerprint(&state), Item::Grant(grant))
                        })
                }),
        };
        match loaded {
            Ok(Some((state, item))) => {
                if self.sent.len() >= REMEMBERED {
                    self.sent.clear();
                }
                (self.sent.insert(target.id, state) != Some(state)).then_some(item)
            }
            Ok(None) => None,
            Err(err) => {
                tracing::warn!(error = ?err, row = %target.id, "a subscription could not load a change");
                None
            }
        }
    }
}

/// What a subscriber sees of a credential.
fn credential_state(
    row: &CredentialRow,
) -> (CredentialId, CredentialStatus, Option<&str>, Option<&[u8]>) {
    (
        row.credential_id,
        row.status,
        row.status_reason.as_deref(),
        row.code_sealed.as_deref(),
    )
}

/// Only a hash is kept, so no PIN stays in memory longer than it takes to send it.
fn fingerprint(state: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    state.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        kind: ChangeKind,
        tenant: Uuid,
        resident: Option<Uuid>,
        property: Option<Uuid>,
    ) -> Change {
        Change {
            kind,
            tenant_id: tenant,
            grant_id: Uuid::now_v7(),
            credential_id: (kind == ChangeKind::Credential).then(Uuid::now_v7),
            resident_id: resident,
            property_id: property,
        }
    }

    #[test]
    fn residents_follow_their_own_credentials_only() {
        let (tenant, me, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let watch = Watch::Credentials {
            resident: me.into(),
        };
        let t = TenantId::from(tenant);
        assert!(watch
            .target(t, &change(ChangeKind::Credential, tenant, Some(me), None))
            .is_some());
        assert!(watch
            .target(
                t,
                &change(ChangeKind::Credential, tenant, Some(other), None)
            )
            .is_none());
        assert!(watch
            .target(t, &change(ChangeKind::Grant, tenant, Some(me), None))
            .is_none());
        assert!(watch
            .target(
                t,
                &change(ChangeKind::Credential, Uuid::now_v7(), Some(me), None)
            )
            .is_none());
        // Unknown resident: loaded, and the load decides.
        assert!(watch
            .target(t, &change(ChangeKind::Credential, tenant, None, None))
            .is_some());
    }

    #[test]
    fn grant_watchers_keep_to_their_property_and_their_tokens_properties() {
        let (tenant, a, b) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let t = TenantId::from(tenant);
        let one = Watch::Grants {
            property: Some(a.into()),
            allowed: None,
        };
        assert!(one
            .target(t, &change(ChangeKind::Credential, tenant, None, Some(a)))
            .is_some());
        assert!(one
            .target(t, &change(ChangeKind::Grant, tenant, None, Some(b)))
            .is_none());
        let limited = Watch::Grants {
            property: None,
            allowed: Some(vec![b]),
        };
        assert!(limited
            .target(t, &change(ChangeKind::Grant, tenant, None, Some(a)))
            .is_none());
        assert!(limited
            .target(t, &change(ChangeKind::Grant, tenant, None, Some(b)))
            .is_some());
        let all = Watch::Grants {
            property: None,
            allowed: None,
        };
        assert!(all
            .target(t, &change(ChangeKind::Grant, Uuid::now_v7(), None, Some(a)))
            .is_none());
    }
}
