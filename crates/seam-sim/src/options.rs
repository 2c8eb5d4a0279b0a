//! How a simulator behaves. The defaults follow what Seam documents (per-device rate limits,
//! a 72-hour preload for natively scheduled codes) or, where Seam promises nothing, what makes
//! demos lively and tests quick (codes set two seconds after they are asked for).

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Everything a simulator can be tuned with; `SimOptions::default()` is what `seam-sim`
/// and `doorway demo` run with.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Simulator time between creating a credential and its being issued (`is_issued`).
    pub credential_issue_delay: Duration,
    /// How long access codes take to reach and leave a lock.
    pub access_codes: AccessCodeTiming,
    /// Seam's documented per-device rate limits; `None` turns them off.
    pub device_rate_limits: Option<DeviceRateLimits>,
    /// How webhooks are delivered; each workspace starts with these and can change them
    /// through `POST /_sim/webhooks`.
    pub webhooks: WebhookDelivery,
    /// Real time between two passes of the background ticker that moves lifecycles along
    /// (codes set, credentials issued) when nobody is calling.
    pub tick_interval: Duration,
    /// Seeds every random choice (ids, keys, PINs, fault rolls, webhook jitter); `None`
    /// draws from the operating system. Same seed, same clock, same requests: same answers.
    pub seed: Option<u64>,
    /// What the clocks show when the simulator starts; `None` is the wall clock.
    pub clock_start: Option<DateTime<Utc>>,
    /// Whether the clocks start frozen (they then move only through `/_sim/clock/*`).
    pub clock_frozen: bool,
}

impl SimOptions {
    /// Deterministic mode: every random choice drawn from `seed`, and clocks frozen at
    /// `clock_start` (2025-01-01T00:00:00Z unless set), so the same requests always get
    /// byte-identical answers.
    pub fn deterministic(seed: u64) -> Self {
        Self {
            seed: Some(seed),
            clock_start: Some(DEFAULT_DETERMINISTIC_START),
            clock_frozen: true,
            ..Self::default()
        }
    }
}

/// Where deterministic clocks start unless told otherwise: 2025-01-01T00:00:00Z.
pub const DEFAULT_DETERMINISTIC_START: DateTime<Utc> =
    match DateTime::from_timestamp(1_735_689_600, 0) {
        Some(at) => at,
        None => DateTime::<Utc>::UNIX_EPOCH,
    };

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            credential_issue_delay: Duration::from_secs(1),
            access_codes: AccessCodeTiming::default(),
            device_rate_limits: Some(DeviceRateLimits::default()),
            webhooks: WebhookDelivery::default(),
            tick_interval: Duration::from_millis(200),
            seed: None,
            clock_start: None,
            clock_frozen: false,
        }
    }
}

/// Simulator time an access code spends in each transitional status.
#[derive(Debug, Clone)]
pub struct AccessCodeTiming {
    /// From `setting` to `set` on an online lock (also how long a preload takes).
    pub set_delay: Duration,
    /// From `removing` to gone.
    pub remove_delay: Duration,
    /// On an offline lock: time in `setting` before the `delay_in_setting_on_device` warning.
    pub offline_delay_warning_after: Duration,
    /// On an offline lock: further time after the warning before `failed_to_set_on_device`.
    pub offline_failure_after: Duration,
}

impl Default for AccessCodeTiming {
    fn default() -> Self {
        Self {
            set_delay: Duration::from_secs(2),
            remove_delay: Duration::from_secs(2),
            offline_delay_warning_after: Duration::from_secs(60),
            offline_failure_after: Duration::from_secs(300),
        }
    }
}

/// Per-device limits on access-code calls, counted in real time over a sliding window (a
/// minute, as Seam documents; tests shorten it to see a limit lift without waiting a minute).
#[derive(Debug, Clone)]
pub struct DeviceRateLimits {
    /// `/access_codes/create` and `/access_codes/update` together, per device and window.
    pub access_code_writes_per_minute: usize,
    /// `/access_codes/delete`, per device and window.
    pub access_code_deletes_per_minute: usize,
    /// How far back calls count; the `Retry-After` of a refusal is computed from it.
    pub window: Duration,
}

impl Default for DeviceRateLimits {
    fn default() -> Self {
        Self {
            access_code_writes_per_minute: 10,
            access_code_deletes_per_minute: 20,
            window: Duration::from_secs(60),
        }
    }
}

/// How events reach webhooks: at least once, sometimes late, out of order, or twice, as
/// Seam's (Svix's) deliveries do.
#[derive(Debug, Clone)]
pub struct WebhookDelivery {
    /// Each message waits a random time up to this before its first attempt, which reorders
    /// events that happen close together.
    pub max_jitter: Duration,
    /// Chance that a delivered message is delivered once more, with the same `svix-id`.
    pub duplicate_rate: f64,
    /// Attempts per message, the first included, before it is given up.
    pub max_attempts: u32,
    /// Wait before the first retry; each further retry waits twice as long.
    pub initial_backoff: Duration,
    /// How long one attempt may take before it counts as failed.
    pub timeout: Duration,
}

impl Default for WebhookDelivery {
    fn default() -> Self {
        Self {
            max_jitter: Duration::from_millis(150),
            duplicate_rate: 0.02,
            max_attempts: 6,
            initial_backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
        }
    }
}
