//! Which requests get an injected fault, and of what kind: deterministic
//! per seed, so that a failing run can be replayed.

use std::time::Duration;

/// The kinds of fault the simulator can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// 429 with `{"error_code":"APIG.0308",...}`, as the gateway's throttling.
    Throttle429,
    /// 500 with a JSON error body (`WKS.9999`).
    Internal500,
    /// 502 with an HTML body, as a gateway in front of the service.
    BadGateway502Html,
    /// 503 with an empty body.
    Unavailable503Empty,
    /// The connection is reset (TCP RST) instead of answered.
    ResetConnection,
    /// The answer is delayed by [`FaultConfig::slow`], then given normally.
    SlowResponse,
}

impl FaultKind {
    /// Every kind, in declaration order.
    pub const ALL: [FaultKind; 6] = [
        FaultKind::Throttle429,
        FaultKind::Internal500,
        FaultKind::BadGateway502Html,
        FaultKind::Unavailable503Empty,
        FaultKind::ResetConnection,
        FaultKind::SlowResponse,
    ];
}

/// Which requests fail, and how. Deterministic given the seed: the n-th
/// request (in arrival order) fails or not, with the same kind, on every run.
///
/// By default a fraction [`rate`](Self::rate) of requests fail, chosen at
/// random (from the seed) per request. A [`pattern`](Self::pattern) instead
/// fails requests by their place in a count of the authenticated requests
/// that pass the rate limit, across all clients, as a busy gateway does:
/// every k-th request ([`FaultConfig::every`]) or bursts of consecutive
/// requests ([`FaultConfig::bursts`]); the kinds then take turns.
///
/// ```
/// use huaweicloud_workspace_sim::{FaultConfig, FaultKind, FaultPattern};
///
/// // Every third request, a 429 and a 502 in turn.
/// let every_third = FaultConfig::every(3, [FaultKind::Throttle429, FaultKind::BadGateway502Html]);
/// assert_eq!(every_third.pattern, Some(FaultPattern::Every(3)));
/// // Five 429s in a row out of every 50 requests.
/// let bursts = FaultConfig::bursts(50, 5, [FaultKind::Throttle429]);
/// assert_eq!(bursts.pattern, Some(FaultPattern::Bursts { every: 50, len: 5 }));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// The fraction of authenticated requests that get a fault, 0 to 1
    /// (ignored when a [`pattern`](Self::pattern) is set).
    pub rate: f64,
    /// The kinds to choose from (evenly); empty means all.
    pub kinds: Vec<FaultKind>,
    /// How long a [`FaultKind::SlowResponse`] is delayed.
    pub slow: Duration,
    /// Faults by position in the count of requests rather than at random.
    pub pattern: Option<FaultPattern>,
}

/// Which requests a patterned [`FaultConfig`] fails, counting from 1 the
/// authenticated requests that pass the rate limit, across all clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultPattern {
    /// Requests k, 2k, 3k, ... (k at least 1).
    Every(u64),
    /// The first `len` of every `every` requests: requests 1 to `len`,
    /// `every + 1` to `every + len`, ... (`len` at most `every`).
    Bursts {
        /// The period, in requests.
        every: u64,
        /// Consecutive faults at the start of each period.
        len: u64,
    },
}

impl FaultPattern {
    /// Whether the `i`-th request (from 1) fails, and if so, the how-many-th fault it is (from 0).
    pub(crate) fn fault_index(self, i: u64) -> Option<u64> {
        match self {
            FaultPattern::Every(k) => (k > 0 && i.is_multiple_of(k)).then(|| i / k - 1),
            FaultPattern::Bursts { every, len } => {
                if every == 0 {
                    return None;
                }
                let (period, place) = ((i - 1) / every, (i - 1) % every);
                (place < len).then(|| period * len + place)
            }
        }
    }
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            rate: 0.0,
            kinds: FaultKind::ALL.to_vec(),
            slow: Duration::from_secs(3),
            pattern: None,
        }
    }
}

impl FaultConfig {
    /// Faults of these kinds on a fraction `rate` of requests, at random.
    pub fn new(rate: f64, kinds: impl IntoIterator<Item = FaultKind>) -> Self {
        FaultConfig {
            rate,
            kinds: kinds.into_iter().collect(),
            ..FaultConfig::default()
        }
    }

    /// A fault on every `k`-th request across all clients, the kinds in turn.
    pub fn every(k: u64, kinds: impl IntoIterator<Item = FaultKind>) -> Self {
        FaultConfig {
            kinds: kinds.into_iter().collect(),
            pattern: Some(FaultPattern::Every(k)),
            ..FaultConfig::default()
        }
    }

    /// Bursts of `len` consecutive faults out of every `every` requests
    /// across all clients, the kinds in turn (one kind, such as
    /// [`FaultKind::Throttle429`], for a burst of 429s).
    pub fn bursts(every: u64, len: u64, kinds: impl IntoIterator<Item = FaultKind>) -> Self {
        FaultConfig {
            kinds: kinds.into_iter().collect(),
            pattern: Some(FaultPattern::Bursts { every, len }),
            ..FaultConfig::default()
        }
    }

    /// Sets the delay of slow responses.
    pub fn with_slow(mut self, slow: Duration) -> Self {
        self.slow = slow;
        self
    }
}
