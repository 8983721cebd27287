//! Retry policy: two budgets (errors, throttling), exponential backoff
//! with full jitter, and the hook through which the retry loop waits.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// When and how often a failed request is tried again.
///
/// The operation only reads, so retrying it is always safe. Never retried:
/// authentication failures (401/403: five bad signatures in a row lock the
/// access key), input validation, and every other 4xx. The rest is retried
/// on one of two separate budgets:
///
/// - **Errors** (5xx, HTML gateway pages, connection resets, attempt
///   timeouts): at most [`max_attempts`](Self::max_attempts) attempts in all
///   (default 3) when nothing else gets through: something is broken, and
///   trying much longer rarely helps. But when other requests of the same
///   client (any clone) have succeeded since this one started, or within
///   the 30 s before its failure, the service works and this
///   request was unlucky (a flaky gateway, a busy moment), so it goes on up to
///   [`max_attempts_while_others_succeed`](Self::max_attempts_while_others_succeed)
///   attempts (default 10).
/// - **Throttling** (429, `APIG.0308`): the service is busy, not broken.
///   While the adaptive rate limiter is on ([`adaptive`](Self::adaptive),
///   the default), a throttled attempt does not spend the error budget: the
///   limiter slows the whole client down, and the request waits its turn and
///   tries again, up to [`max_throttled_attempts`](Self::max_throttled_attempts)
///   throttled attempts (default 10) and within the operation timeout
///   ([`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout)):
///   when the next wait would end past it, the request gives up at once with
///   [`Error::Throttled`](crate::Error::Throttled). With the limiter off,
///   nothing slows the client down, so 429s spend the error budget too.
///
/// [`Error::Throttled`](crate::Error::Throttled)'s `attempts` counts every
/// attempt, of both kinds.
///
/// The wait before the next attempt is a uniformly random duration between
/// zero and `min(max_delay, base * 2^(n-1))` ("full jitter"), where `n`
/// counts the failures of the same kind so far and `base` is
/// [`throttle_base_delay`](Self::throttle_base_delay) after a 429 (Huawei
/// advises waiting 2-5 s) and [`base_delay`](Self::base_delay) otherwise. A
/// `Retry-After` header (seconds or an HTTP date, on a 429 or a 503)
/// replaces the computed wait, capped at `max_delay`.
///
/// ```
/// use std::time::Duration;
/// use huaweicloud_workspace::RetryConfig;
///
/// let retry = RetryConfig::default().with_max_attempts(5).with_base_delay(Duration::from_millis(50));
/// assert_eq!(retry.max_attempts, 5);
/// assert_eq!(retry.max_throttled_attempts, 10);
/// assert_eq!(retry.max_attempts_while_others_succeed, 10);
/// assert_eq!(RetryConfig::disabled().max_attempts, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// The error budget: attempts per request, the first included, when
    /// attempts fail with 5xx, resets or timeouts (default 3; 1 disables
    /// retries). Also spent by 429s when [`adaptive`](Self::adaptive) is off.
    pub max_attempts: u32,
    /// The error budget while other requests of the client succeed (default
    /// 10; never below `max_attempts`).
    pub max_attempts_while_others_succeed: u32,
    /// The throttling budget: the most attempts per request answered 429
    /// while the adaptive limiter is on (default 10); the operation timeout
    /// usually ends a long run of 429s first.
    pub max_throttled_attempts: u32,
    /// Backoff base after a 5xx, a transport error or a timeout (default 200 ms).
    pub base_delay: Duration,
    /// Backoff base after a 429 (default 2 s).
    pub throttle_base_delay: Duration,
    /// Upper bound of any single wait (default 20 s).
    pub max_delay: Duration,
    /// Whether throttling also slows every later request of the client down
    /// (a CUBIC rate limiter shared by all clones of the client, like the AWS
    /// SDKs' "adaptive" retry mode; see [`Client`](crate::Client)), and
    /// 429s have their own budget: default on.
    pub adaptive: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            max_attempts_while_others_succeed: 10,
            max_throttled_attempts: 10,
            base_delay: Duration::from_millis(200),
            throttle_base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(20),
            adaptive: true,
        }
    }
}

impl RetryConfig {
    /// One attempt only, and no adaptive rate limiting.
    pub fn disabled() -> Self {
        RetryConfig {
            max_attempts: 1,
            max_attempts_while_others_succeed: 1,
            max_throttled_attempts: 1,
            adaptive: false,
            ..RetryConfig::default()
        }
    }

    /// Sets the error budget: attempts, the first included; at least 1 (checked by `build()`).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Sets the error budget while other requests of the client succeed
    /// (`max_attempts` when lower).
    pub fn with_max_attempts_while_others_succeed(mut self, attempts: u32) -> Self {
        self.max_attempts_while_others_succeed = attempts;
        self
    }

    /// Sets the throttling budget: the most attempts answered 429 while
    /// the adaptive limiter is on; at least 1 (checked by `build()`).
    pub fn with_max_throttled_attempts(mut self, attempts: u32) -> Self {
        self.max_throttled_attempts = attempts;
        self
    }

    /// Sets the backoff base for 5xx, transport errors and timeouts.
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Sets the backoff base for throttling (429).
    pub fn with_throttle_base_delay(mut self, delay: Duration) -> Self {
        self.throttle_base_delay = delay;
        self
    }

    /// Sets the longest single wait.
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Turns the adaptive rate limiter (and the separate throttling budget) on or off.
    pub fn with_adaptive(mut self, adaptive: bool) -> Self {
        self.adaptive = adaptive;
        self
    }

    /// The wait before the next attempt, after the `failures`-th failure
    /// (1-based) of this kind (throttled or not), drawn from `jitter`.
    pub(crate) fn backoff(
        &self,
        failures: u32,
        throttled: bool,
        retry_after: Option<Duration>,
        jitter: &Jitter,
    ) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_delay);
        }
        let base = if throttled {
            self.throttle_base_delay
        } else {
            self.base_delay
        };
        let factor = 1u32 << failures.saturating_sub(1).min(16);
        let cap = base.saturating_mul(factor).min(self.max_delay);
        cap.mul_f64(jitter.unit())
    }
}

/// The time as the retry loop and the limiters see it, and how the loop
/// waits: the real clock and the tokio timer, unless a test hands the
/// client another (to read the waits the client chose, and to move time
/// on, without waiting). Not part of the stable API.
#[doc(hidden)]
pub trait Clock: Send + Sync + 'static {
    /// Monotonic time, for the limiters and the operation's deadline.
    fn now(&self) -> Instant;
    /// Calendar time, for a `Retry-After` given as an HTTP date.
    fn wall(&self) -> DateTime<Utc>;
    /// Waits `delay` (or pretends to, moving `now` and `wall` on).
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
}

/// How recent another request's success must be for a failing request to
/// take the larger error budget: the last page of a run, sent when every
/// other page is already in, is as unlucky as the rest, not a sign of an
/// outage.
pub(crate) const RECENT_SUCCESS: Duration = Duration::from_secs(30);

/// The real clock and timer.
pub(crate) struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(tokio::time::sleep(delay))
    }
}

/// The source of backoff jitter, one per client (its clones share it).
/// The counter makes draws at the same instant differ, so requests that
/// failed together do not retry together; it starts at the time the client
/// was built, so that two clients' draws differ too. Not for secrets.
#[derive(Debug)]
pub(crate) struct Jitter {
    counter: AtomicU64,
}

impl Default for Jitter {
    fn default() -> Self {
        Jitter {
            counter: AtomicU64::new(unix_nanos()),
        }
    }
}

impl Jitter {
    /// A uniformly distributed number in `[0, 1)`.
    pub(crate) fn unit(&self) -> f64 {
        let mut z = unix_nanos()
            .wrapping_add(
                self.counter
                    .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed),
            )
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        // splitmix64
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn unix_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_full_jitter() {
        let cfg = RetryConfig::default();
        let jitter = Jitter::default();
        for attempt in 1..=5 {
            for _ in 0..200 {
                let d = cfg.backoff(attempt, false, None, &jitter);
                let cap = cfg.base_delay * (1 << (attempt - 1));
                assert!(d <= cap.min(cfg.max_delay), "{d:?}");
                let t = cfg.backoff(attempt, true, None, &jitter);
                assert!(t <= (cfg.throttle_base_delay * (1 << (attempt - 1))).min(cfg.max_delay));
            }
        }
        assert_eq!(
            cfg.backoff(1, true, Some(Duration::from_secs(3)), &jitter),
            Duration::from_secs(3)
        );
        assert_eq!(
            cfg.backoff(1, true, Some(Duration::from_secs(3600)), &jitter),
            cfg.max_delay
        );
    }

    #[test]
    fn jitter_spreads() {
        let jitter = Jitter::default();
        let xs: Vec<f64> = (0..1000).map(|_| jitter.unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(xs.iter().any(|x| *x < 0.2));
        assert!(xs.iter().any(|x| *x > 0.8));
    }
}
