//! DataLoaders: every list a response nests (entrances of credentials, credentials of grants,
//! properties of grants ...) is fetched in one query per level, whatever the page size.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use doorway_domain::{AccessGroupId, CredentialId, GrantId, PropertyId, RunId};
use tokio::sync::MappedMutexGuard;

use crate::db::{self, credentials::CredentialRow, properties, runs};
use crate::error::ApiError;

/// Loads rows of one tenant; one per request, reading in the request's transaction (opened with
/// the caller's visibility, made once at the edge: every load is narrowed by it).
pub struct TenantLoader {
    db: Arc<db::RequestTx>,
}

pub type LoadError = Arc<ApiError>;

macro_rules! key {
    ($(#[$doc:meta])* $name:ident($id:ty)) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub $id);
    };
}
key!(/// A property by id.
    PropertyKey(PropertyId));
key!(/// The entrances of a property.
    PropertyEntrances(PropertyId));
key!(/// The access groups of a property.
    PropertyAccessGroups(PropertyId));
key!(/// The entrances of an access group.
    AccessGroupEntrances(AccessGroupId));
key!(/// The credentials of a grant.
    GrantCredentials(GrantId));
key!(/// The entrances of a grant.
    GrantEntrances(GrantId));
key!(/// The entrances of a credential.
    CredentialEntrances(CredentialId));
key!(/// The latest provisioning run of a grant, with its steps.
    GrantRun(GrantId));

fn ids<K: Copy, Id>(keys: &[K], f: impl Fn(K) -> Id) -> Vec<Id> {
    keys.iter().copied().map(f).collect()
}

fn group<K: std::hash::Hash + Eq, V>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_default().push(v);
    }
    map
}

impl TenantLoader {
    pub fn new(db: Arc<db::RequestTx>) -> Self {
        Self { db }
    }

    async fn tx(&self) -> Result<MappedMutexGuard<'_, db::TenantTx>, LoadError> {
        self.db.tx().await.map_err(db_err)
    }
}

fn db_err(err: sqlx::Error) -> LoadError {
    Arc::new(err.into())
}

impl Loader<PropertyKey> for TenantLoader {
    type Value = properties::PropertyRow;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PropertyKey],
    ) -> Result<HashMap<PropertyKey, Self::Value>, Self::Error> {
        let ids = ids(keys, |k| k.0);
        let (mut found, missing) = self.db.known_properties(&ids);
        if !missing.is_empty() {
            let mut tx = self.tx().await?;
            let rows = db::properties::find_many(&mut tx, &missing)
                .await
                .map_err(db_err)?;
            found.extend(rows);
        }
        let found: HashMap<PropertyKey, _> = found
            .into_iter()
            .map(|r| (PropertyKey(r.property_id), r))
            .collect();
        Ok(found)
    }
}

impl Loader<PropertyEntrances> for TenantLoader {
    type Value = Vec<properties::EntranceRow>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PropertyEntrances],
    ) -> Result<HashMap<PropertyEntrances, Self::Value>, Self::Error> {
        let mut tx = self.tx().await?;
        let rows = db::properties::entrances_of(&mut tx, &ids(keys, |k| k.0))
            .await
            .map_err(db_err)?;
        Ok(group(
            rows.into_iter()
                .map(|r| (PropertyEntrances(r.property_id), r)),
        ))
    }
}

impl Loader<PropertyAccessGroups> for TenantLoader {
    type Value = Vec<properties::AccessGroupRow>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PropertyAccessGroups],
    ) -> Result<HashMap<PropertyAccessGroups, Self::Value>, Self::Error> {
        let mut tx = self.tx().await?;
        let rows = db::properties::access_groups_of(&mut tx, &ids(keys, |k| k.0))
            .await
            .map_err(db_err)?;
        Ok(group(
            rows.into_iter()
                .map(|r| (PropertyAccessGroups(r.property_id), r)),
        ))
    }
}

impl Loader<AccessGroupEntrances> for TenantLoader {
    type Value = Vec<properties::EntranceRow>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AccessGroupEntrances],
    ) -> Result<HashMap<AccessGroupEntrances, Self::Value>, Self::Error> {
        let mut tx = self.tx().await?;
        let rows = db::properties::access_group_entrances(&mut tx, &ids(keys, |k| k.0))
            .await
            .map_err(db_err)?;
        Ok(group(
            rows.into_iter().map(|(g, e)| (AccessGroupEntrances(g), e)),
        ))
    }
}

impl Loader<GrantCredentials> for TenantLoader {
    type Value = Vec<CredentialRow>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[GrantCredentials],
    ) -> Result<HashMap<GrantCredentials, Self::Value>, Self::Error> {
        let mut tx = self.tx().await?;
        let rows = db::credentials::of_grants(&mut tx, &ids(keys, |k| k.0))
            .await
            .map_err(db_err)?;
        Ok(group(
            rows.into_iter().map(|r| (GrantCredentials(r.grant_id), r)),
        ))
    }
}

impl Loader<GrantEntrances> for TenantLoader {
    type Value = Vec<properties::EntranceRow>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[GrantEntrances],
    ) -> Result<HashMap<GrantEntrances, Self::Value>, Self::Error> {
        let mut tx = self.tx().await?;
        let rows = db::grants::entrances_of(&mut tx, &ids(keys, |k| k.0))
            .await
            .map_err(db_err)?;
        Ok(group(rows.into_iter().map(|(g, e)| (GrantEntrances(g), e))))
    }
}

impl Loader<CredentialEntrances> for TenantLoader {
    type Value = Vec<properties::EntranceRow>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CredentialEntrances],
    ) -> Result<HashMap<CredentialEntrances, Self::Value>, Self::Error> {
        let mut tx = self.tx().await?;
        let rows = db::credentials::entrances_of(&mut tx, &ids(keys, |k| k.0))
            .await
            .map_err(db_err)?;
        Ok(group(
            rows.into_iter().map(|(c, e)| (CredentialEntrances(c), e)),
        ))
    }
}

impl Loader<GrantRun> for TenantLoader {
    type Value = (runs::RunRow, Vec<runs::StepRow>);
    type Error = LoadError;

    async fn load(&self, keys: &[GrantRun]) -> Result<HashMap<GrantRun, Self::Value>, Self::Error> {
        let mut tx = self.tx().await?;
        let latest = db::runs::latest_of_grants(&mut tx, &ids(keys, |k| k.0))
            .await
            .map_err(db_err)?;
        let run_ids: Vec<RunId> = latest.iter().map(|r| r.run_id).collect();
        let mut steps = group(
            db::runs::steps_of(&mut tx, &run_ids)
                .await
                .map_err(db_err)?
                .into_iter()
                .map(|s| (s.run_id, s)),
        );
        Ok(latest
            .into_iter()
            .map(|run| {
                let run_steps = steps.remove(&run.run_id).unwrap_or_default();
                (GrantRun(run.grant_id), (run, run_steps))
            })
            .collect())
    }
}
