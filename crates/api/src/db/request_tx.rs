//! One read transaction per request, shared by every resolver and DataLoader of the request.
//!
//! A GraphQL request resolves its fields concurrently, and each used to open a transaction of
//! its own (the tenant, the resident, a page and its count, each loader): five transactions and
//! twenty statements for the resident app's home screen. A [`RequestTx`] is opened on first use,
//! with the caller's visibility sent in the same round trip as `begin read only`; resolvers
//! take turns on it (one connection runs one statement at a time anyway), and the edge ends it
//! when the response is ready. It is read committed, so each statement sees what is committed
//! when it runs: a mutation's payload, read after the mutation's own transaction committed,
//! sees what the mutation wrote.
//!
//! It never holds a connection while the request waits on something else: it is released
//! before each mutation (whose own transaction needs a connection of its own) and after each
//! event of a subscription. A request may still need a second connection while its read
//! transaction is open (an audit record, a resolver with a transaction of its own), so read
//! transactions may hold only some of the pool's connections at once ([`ReadSlots`]): the rest
//! always go to work that holds nothing while it waits, and requests cannot exhaust the pool
//! waiting on each other.

/// How many request read transactions may be open at once, shared by the process's requests.
#[derive(Clone)]
pub struct ReadSlots(Arc<Semaphore>);

impl ReadSlots {
    /// A third of a pool of `pool_size` connections, at least one.
    pub fn for_pool(pool_size: u32) -> Self {
        let slots = usize::try_from(pool_size / 3).unwrap_or(1).max(1);
        Self(Arc::new(Semaphore::new(slots)))
    }
}

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard, OwnedSemaphorePermit, Semaphore};

use doorway_domain::PropertyId;

use super::properties::PropertyRow;
use super::{begin_read_only, TenantTx, Visibility};

pub struct RequestTx {
    pool: PgPool,
    visibility: Visibility,
    slots: ReadSlots,
    open: Mutex<Option<(TenantTx, OwnedSemaphorePermit)>>,
    /// How many times a resolver or loader read through it (for the operation's span).
    reads: AtomicUsize,
    /// Properties a statement already brought along (a page of credentials joins theirs), so
    /// that loading them reads nothing; forgotten with the transaction.
    known_properties: std::sync::Mutex<HashMap<PropertyId, PropertyRow>>,
}

impl RequestTx {
    pub fn new(pool: PgPool, slots: ReadSlots, visibility: Visibility) -> Self {
        Self {
            pool,
            visibility,
            slots,
            open: Mutex::new(None),
            reads: AtomicUsize::new(0),
            known_properties: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The caller's visibility, which the transaction enforces.
    pub fn visibility(&self) -> &Visibility {
        &self.visibility
    }

    /// The request's transaction, opened now if this is its first use; other users wait until
    /// the guard is dropped.
    pub async fn tx(&self) -> Result<MappedMutexGuard<'_, TenantTx>, sqlx::Error> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let mut open = self.open.lock().await;
        if open.is_none() {
            let slot = self
                .slots
                .0
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| sqlx::Error::PoolClosed)?;
            *open = Some((begin_read_only(&self.pool, &self.visibility).await?, slot));
        }
        MutexGuard::try_map(open, |open| open.as_mut().map(|(tx, _)| tx))
            .map_err(|_| sqlx::Error::Protocol("the request's transaction was not opened".into()))
    }

    /// Remembers properties read along with something else, until the transaction ends.
    pub fn know_properties(&self, rows: impl IntoIterator<Item = PropertyRow>) {
        if let Ok(mut known) = self.known_properties.lock() {
            known.extend(rows.into_iter().map(|p| (p.property_id, p)));
        }
    }

    /// The properties among `ids` already known, and the ids still to read.
    pub fn known_properties(&self, ids: &[PropertyId]) -> (Vec<PropertyRow>, Vec<PropertyId>) {
        let Ok(known) = self.known_properties.lock() else {
            return (Vec::new(), ids.to_vec());
        };
        let mut found = Vec::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match known.get(id) {
                Some(row) => found.push(row.clone()),
                None => missing.push(*id),
            }
        }
        (found, missing)
    }

    /// How many times the transaction was used.
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::Relaxed)
    }

    /// Ends the transaction, if open, and gives its connection back to the pool; the next use
    /// opens a new one. Nothing was written, so it is rolled back.
    pub async fn release(&self) {
        if let Ok(mut known) = self.known_properties.lock() {
            known.clear();
        }
        let open = self.open.lock().await.take();
        if let Some((tx, _slot)) = open {
            if let Err(err) = tx.rollback().await {
                tracing::warn!(error = %err, "a request's read transaction did not end cleanly");
            }
        }
    }
}
