//! What every request shares: the configuration, the fleet, the counters,
//! and the rate limit's and the lockout's books. Data only: the modules
//! that read and change it import it from here.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use huaweicloud_signer::Secret;
use tokio::time::Instant;

use crate::builder::SimulatorBuilder;
use crate::cache::DailyCache;
use crate::fleet::Fleet;
use crate::operation::Operation;

/// How many requests ended each way, since start. A snapshot.
///
/// `total` counts every request; each one also lands in exactly one of
/// `ok`, `validation_rejected`, `auth_failed`, `forbidden`, `throttled`,
/// `not_found`, `method_not_allowed`, or `faults_injected` (whose slow
/// responses are then answered and counted as they end, too).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Every request received.
    pub total: u64,
    /// Answered 200.
    pub ok: u64,
    /// Refused by validation (400 `WKS.0001`).
    pub validation_rejected: u64,
    /// Refused by authentication (401).
    pub auth_failed: u64,
    /// Refused with a 403: a project id that is not the simulator's, or
    /// the desktop list under [`SimulatorBuilder::deny_inventory`].
    pub forbidden: u64,
    /// Faults injected (see [`crate::faults::FaultConfig`]), slow responses included.
    pub faults_injected: u64,
    /// Refused by the rate limit (429), not counting injected 429s.
    pub throttled: u64,
    /// Unknown path (404).
    pub not_found: u64,
    /// Other method on the right path (405).
    pub method_not_allowed: u64,
}

#[derive(Default)]
pub(super) struct Counters {
    pub(super) total: AtomicU64,
    pub(super) ok: AtomicU64,
    pub(super) validation_rejected: AtomicU64,
    pub(super) auth_failed: AtomicU64,
    pub(super) forbidden: AtomicU64,
    pub(super) faults_injected: AtomicU64,
    pub(super) throttled: AtomicU64,
    pub(super) not_found: AtomicU64,
    pub(super) method_not_allowed: AtomicU64,
    pub(super) per_operation: [AtomicU64; Operation::ALL.len()],
    /// Microseconds of configured latency slept, over all requests.
    pub(super) latency_micros: AtomicU64,
}

impl Counters {
    pub(super) fn snapshot(&self) -> Stats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            total: g(&self.total),
            ok: g(&self.ok),
            validation_rejected: g(&self.validation_rejected),
            auth_failed: g(&self.auth_failed),
            forbidden: g(&self.forbidden),
            faults_injected: g(&self.faults_injected),
            throttled: g(&self.throttled),
            not_found: g(&self.not_found),
            method_not_allowed: g(&self.method_not_allowed),
        }
    }
}

pub(super) fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

pub(super) struct Shared {
    pub(super) cfg: SimulatorBuilder,
    pub(super) ak: String,
    pub(super) sk: Secret,
    pub(super) fleet: Fleet,
    pub(super) daily: DailyCache,
    pub(super) records: crate::records::RecordsCache,
    pub(super) counters: Counters,
    pub(super) seq: AtomicU64,
    /// Requests that reached the faults (authenticated, under the rate
    /// limit): the count a [`crate::faults::FaultPattern`] goes by.
    pub(super) faultable: AtomicU64,
    pub(super) buckets: Mutex<HashMap<String, Bucket>>,
    pub(super) failures: Mutex<HashMap<String, Failures>>,
    pub(super) metadata: crate::metadata::MetadataState,
    /// Answers computed at once: one per core, in the order they came, so
    /// that the first of a wave are done first rather than all of them
    /// late, as threads sharing the cores would be.
    pub(super) computing: tokio::sync::Semaphore,
}

/// A rate limit's token bucket, one per identity.
pub(super) struct Bucket {
    pub(super) tokens: f64,
    pub(super) at: Instant,
}

/// One access key's signature failures in a row, and its lock.
#[derive(Default)]
pub(super) struct Failures {
    pub(super) in_a_row: u32,
    pub(super) locked_until: Option<Instant>,
}
