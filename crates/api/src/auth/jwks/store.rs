//! The identity provider's keys: fetched in the background and on demand, one fetch at a
//! time, swapped whole, and trusted for a bounded time (see the parent module for why).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt, Shared};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::DecodingKey;

use crate::auth::TokenError;

/// How long keys are fresh, how often they may be fetched, and how long they outlive a
/// provider that cannot be reached.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// Keys this old are fetched again by the background task.
    pub fresh_for: Duration,
    /// The least time between the end of one fetch and the start of the next, except for the
    /// very first.
    pub min_refetch_interval: Duration,
    /// How long past `fresh_for` keys still serve while fetches fail.
    pub max_stale: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            fresh_for: Duration::from_secs(600),
            min_refetch_interval: Duration::from_secs(30),
            max_stale: Duration::from_secs(3600),
        }
    }
}

/// The keys of one successful fetch, parsed once.
struct KeySet {
    keys: Vec<(Option<String>, DecodingKey)>,
    fetched_at: Instant,
}

impl KeySet {
    fn new(jwks: &JwkSet, url: &url::Url) -> Self {
        let keys = jwks
            .keys
            .iter()
            .filter_map(|jwk| match DecodingKey::from_jwk(jwk) {
                Ok(key) => Some((jwk.common.key_id.clone(), key)),
                Err(err) => {
                    tracing::warn!(%url, kid = ?jwk.common.key_id, error = %err, "ignoring a JWK");
                    None
                }
            })
            .collect();
        Self {
            keys,
            fetched_at: Instant::now(),
        }
    }

    /// The key a token names, or the only key when the token names none.
    fn find(&self, kid: Option<&str>) -> Option<&DecodingKey> {
        match (kid, self.keys.as_slice()) {
            (Some(kid), keys) => keys
                .iter()
                .find(|(id, _)| id.as_deref() == Some(kid))
                .map(|(_, key)| key),
            (None, [(_, key)]) => Some(key),
            (None, _) => None,
        }
    }
}

/// The fetch under way, if any, and when the last one ended.
#[derive(Default)]
struct Fetching {
    in_flight: Option<Shared<BoxFuture<'static, ()>>>,
    last_ended: Option<Instant>,
}

pub(super) struct KeyStore {
    url: url::Url,
    http: reqwest::Client,
    timing: Timing,
    /// Replaced whole by each successful fetch; the lock is held only to clone or swap the Arc.
    current: RwLock<Option<Arc<KeySet>>>,
    /// Held only to join or start a fetch, never across one.
    fetching: Mutex<Fetching>,
    refreshing: AtomicBool,
}

impl KeyStore {
    pub(super) fn new(url: url::Url, timing: Timing) -> Arc<Self> {
        Arc::new(Self {
            url,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            timing,
            current: RwLock::new(None),
            fetching: Mutex::new(Fetching::default()),
            refreshing: AtomicBool::new(false),
        })
    }

    /// Starts the background refresh, once, when there is a runtime to run it.
    pub(super) fn start_refreshing(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let store = Arc::downgrade(self);
        runtime.spawn(async move {
            while let Some(keys) = store.upgrade() {
                if keys.due() {
                    keys.refresh().await;
                }
                let wait = keys.next_refresh_in();
                drop(keys);
                tokio::time::sleep(wait).await;
            }
        });
    }

    /// The key for a token naming `kid`, fetching the keys again first if we have none that
    /// fits and the rate limit allows.
    pub(super) async fn key(
        self: &Arc<Self>,
        kid: Option<&str>,
    ) -> Result<DecodingKey, TokenError> {
        self.start_refreshing();
        if let Ok(key) = self.lookup(kid) {
            return Ok(key);
        }
        self.refresh().await;
        self.lookup(kid)
    }

    fn lookup(&self, kid: Option<&str>) -> Result<DecodingKey, TokenError> {
        let keys = self.keys().ok_or_else(|| {
            TokenError::Invalid("the identity provider's keys could not be fetched".into())
        })?;
        if keys.fetched_at.elapsed() > self.trusted_for() {
            return Err(TokenError::Invalid(
                "the identity provider's keys are too old to trust and cannot be fetched".into(),
            ));
        }
        keys.find(kid).cloned().ok_or_else(|| {
            TokenError::Invalid("no key of the identity provider matches the token".into())
        })
    }

    /// Waits for the fetch under way, or for a new one unless the last ended less than
    /// `min_refetch_interval` ago (then returns at once).
    async fn refresh(self: &Arc<Self>) {
        let fetch = {
            let mut fetching = lock(&self.fetching);
            match &fetching.in_flight {
                // A fetch that completed without clearing its slot is no longer under way.
                Some(fetch) if fetch.peek().is_none() => fetch.clone(),
                _ if fetching
                    .last_ended
                    .is_some_and(|at| at.elapsed() < self.timing.min_refetch_interval) =>
                {
                    return
                }
                _ => {
                    let store = Arc::clone(self);
                    let fetch = tokio::spawn(async move { store.fetch_and_swap().await })
                        .map(|_| ())
                        .boxed()
                        .shared();
                    fetching.in_flight = Some(fetch.clone());
                    fetch
                }
            }
        };
        fetch.await;
    }

    async fn fetch_and_swap(&self) {
        match self.fetch().await {
            Ok(jwks) => {
                let keys = Arc::new(KeySet::new(&jwks, &self.url));
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(keys);
            }
            Err(err) => {
                let age = self.keys().map(|keys| keys.fetched_at.elapsed());
                match age {
                    Some(age) if age <= self.trusted_for() => tracing::warn!(
                        url = %self.url, error = %err, age_seconds = age.as_secs(),
                        "cannot fetch the JWKS; verifying with the keys fetched before"
                    ),
                    _ => tracing::error!(
                        url = %self.url, error = %err,
                        age_seconds = age.map(|age| age.as_secs()),
                        "cannot fetch the JWKS and have no keys recent enough: tokens are refused"
                    ),
                }
            }
        }
        let mut fetching = lock(&self.fetching);
        fetching.in_flight = None;
        fetching.last_ended = Some(Instant::now());
    }

    async fn fetch(&self) -> Result<JwkSet, reqwest::Error> {
        self.http
            .get(self.url.clone())
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    fn keys(&self) -> Option<Arc<KeySet>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn trusted_for(&self) -> Duration {
        self.timing.fresh_for.saturating_add(self.timing.max_stale)
    }

    /// Whether the background task should fetch now: no keys, or keys no longer fresh.
    fn due(&self) -> bool {
        self.keys()
            .is_none_or(|keys| keys.fetched_at.elapsed() >= self.timing.fresh_for)
    }

    /// Until the keys stop being fresh; after a failed fetch, the refetch interval.
    fn next_refresh_in(&self) -> Duration {
        self.keys()
            .and_then(|keys| self.timing.fresh_for.checked_sub(keys.fetched_at.elapsed()))
            .filter(|wait| !wait.is_zero())
            .unwrap_or(self.timing.min_refetch_interval)
    }
}

/// The lock's contents even if a holder panicked: every update here is a single assignment,
/// so a poisoned lock still holds a consistent value.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
