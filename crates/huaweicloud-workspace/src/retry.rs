//! Retry policy (exponential backoff with full jitter) and the adaptive
//! client-side rate limiter that slows down when the service throttles.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When and how often a failed request is tried again.
///
/// The operation only reads, so retrying it is always safe. Retried: HTTP 429
/// (throttling), 5xx, connection failures and attempt timeouts. Never retried:
/// authentication failures (401/403: five bad signatures in a row lock the
/// access key), input validation, and every other 4xx.
///
/// The wait before attempt `n + 1` is a uniformly random duration between
/// zero and `min(max_delay, base * 2^(n-1))` ("full jitter"), where `base` is
/// [`throttle_base_delay`](Self::throttle_base_delay) after a 429 (Huawei
/// advises waiting 2-5 s) and [`base_delay`](Self::base_delay) otherwise. A
/// `Retry-After` header (in seconds) replaces the computed wait, capped at
/// `max_delay`.
///
/// ```
/// use std::time::Duration;
/// use huaweicloud_workspace::RetryConfig;
///
/// let retry = RetryConfig::default().with_max_attempts(5).with_base_delay(Duration::from_millis(50));
/// assert_eq!(retry.max_attempts, 5);
/// assert_eq!(RetryConfig::disabled().max_attempts, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts per request, the first included (default 3; 1 disables retries).
    pub max_attempts: u32,
    /// Backoff base after a 5xx, a transport error or a timeout (default 200 ms).
    pub base_delay: Duration,
    /// Backoff base after a 429 (default 2 s).
    pub throttle_base_delay: Duration,
    /// Upper bound of any single wait (default 20 s).
    pub max_delay: Duration,
    /// Whether throttling also slows every later request of the client down
    /// (a CUBIC rate limiter shared by all clones of the client, like the AWS
    /// SDKs' "adaptive" retry mode; see [`Client`](crate::Client)): default on.
    pub adaptive: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
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
            adaptive: false,
            ..RetryConfig::default()
        }
    }

    /// Sets the number of attempts (the first included); at least 1 (checked by `build()`).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
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

    /// Turns the adaptive rate limiter on or off.
    pub fn with_adaptive(mut self, adaptive: bool) -> Self {
        self.adaptive = adaptive;
        self
    }

    /// The wait before the next attempt after `attempt` (1-based) failed.
    pub(crate) fn backoff(
        &self,
        attempt: u32,
        throttled: bool,
        retry_after: Option<Duration>,
    ) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_delay);
        }
        let base = if throttled {
            self.throttle_base_delay
        } else {
            self.base_delay
        };
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        let cap = base.saturating_mul(factor).min(self.max_delay);
        cap.mul_f64(random_unit())
    }
}

/// A uniformly distributed number in `[0, 1)`, for jitter (not for secrets).
pub(crate) fn random_unit() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut z = nanos
        .wrapping_add(COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    // splitmix64
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The slowest rate the adaptive limiter goes down to, in requests per second.
const MIN_RATE: f64 = 0.5;
/// How much of the rate is kept after a 429 (the AWS SDKs' β).
const BETA: f64 = 0.7;
/// Scale of the cubic growth after a 429 (the AWS SDKs' C), in requests per
/// second per second³.
const SCALE: f64 = 0.4;

/// A client-wide rate limiter after the AWS SDKs' "adaptive" retry mode
/// (CUBIC: multiplicative decrease, cubic increase).
///
/// It does nothing until the service throttles. On a 429 it remembers the
/// rate it was sending at (`max`), lowers the allowed rate to 70 % of it and
/// empties its token bucket, so no saved-up burst follows the 429. Only one
/// decrease per wave: a 429 for a request admitted before the last decrease
/// (even if it then waited past it) says nothing new, as it was paced by the
/// old rate, and is ignored; so sixteen concurrent 429s lower the rate once. Then the allowed rate grows with the time `t`
/// since that 429 as `0.4 (t − K)³ + max`, where `K = ∛(max × 0.3 / 0.4)`:
/// quickly back to just under `max` (about 2.5 s for 20 requests per
/// second), flat around it, then probing above; the next 429 starts over.
/// The allowed rate never exceeds twice the rate measured; once the curve
/// passes that, limiting stops. All clones of a `Client` share one limiter,
/// so concurrent pages slow down together and only a few 429s are seen.
#[derive(Debug)]
pub(crate) struct AdaptiveLimiter {
    state: Mutex<LimiterState>,
}

#[derive(Debug)]
struct LimiterState {
    /// Allowed requests per second; `None` when not limiting.
    rate: Option<f64>,
    /// Tokens in the bucket (negative = reserved by waiting requests).
    tokens: f64,
    last_refill: Instant,
    /// Measured send rate, requests per second (smoothed per 1 s window).
    measured: f64,
    window_start: Instant,
    window_count: u64,
    /// When the rate was last lowered.
    last_decrease: Option<Instant>,
    /// The rate requests were sent at when the service last throttled.
    last_max: f64,
}

impl AdaptiveLimiter {
    pub(crate) fn new() -> Self {
        let now = Instant::now();
        AdaptiveLimiter {
            state: Mutex::new(LimiterState {
                rate: None,
                tokens: 0.0,
                last_refill: now,
                measured: 0.0,
                window_start: now,
                window_count: 0,
                last_decrease: None,
                last_max: 0.0,
            }),
        }
    }

    /// Waits until a request may be sent. Returns when its turn was given
    /// (its token taken, before any wait), to hand back to
    /// [`on_throttle`](Self::on_throttle): a request admitted before the
    /// last decrease was paced by the old rate, even if it waited past the
    /// decrease, so its 429 must not lower the rate again.
    pub(crate) async fn acquire(&self) -> Instant {
        let admitted = Instant::now();
        let wait = {
            let Ok(mut s) = self.state.lock() else {
                return admitted;
            };
            let now = admitted;
            s.count_send(now);
            match s.rate {
                None => Duration::ZERO,
                Some(rate) => {
                    let elapsed = now.duration_since(s.last_refill).as_secs_f64();
                    s.last_refill = now;
                    let burst = rate.max(1.0);
                    s.tokens = (s.tokens + elapsed * rate).min(burst);
                    s.tokens -= 1.0;
                    if s.tokens >= 0.0 {
                        Duration::ZERO
                    } else {
                        Duration::from_secs_f64(-s.tokens / rate)
                    }
                }
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        admitted
    }

    /// The service throttled a request sent at `sent_at`: slow down, once per
    /// wave (see the type's documentation).
    pub(crate) fn on_throttle(&self, sent_at: Instant) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        if s.last_decrease.is_some_and(|t| sent_at < t) {
            return;
        }
        let now = Instant::now();
        let measured = s.measured.max(s.window_rate(now));
        let sending = match s.rate {
            Some(rate) if measured > 0.0 => rate.min(measured),
            Some(rate) => rate,
            None => measured,
        };
        let max = sending.max(MIN_RATE);
        let new_rate = (max * BETA).max(MIN_RATE);
        tracing::debug!(
            rate = new_rate,
            was = max,
            "throttled: lowering the client-side request rate"
        );
        s.last_decrease = Some(now);
        s.last_max = max;
        // No saved-up burst after a 429: the next request waits its turn.
        s.tokens = s.tokens.min(0.0);
        s.last_refill = now;
        s.rate = Some(new_rate);
    }

    /// A request succeeded: follow the growth curve while limiting.
    pub(crate) fn on_success(&self) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        let (Some(_), Some(since)) = (s.rate, s.last_decrease) else {
            return;
        };
        let now = Instant::now();
        let t = now.duration_since(since).as_secs_f64();
        let k = (s.last_max * (1.0 - BETA) / SCALE).cbrt();
        let curve = (SCALE * (t - k).powi(3) + s.last_max).max(MIN_RATE);
        let measured = s.measured.max(s.window_rate(now));
        if measured > 0.0 && curve > 2.0 * measured && curve > 8.0 {
            s.rate = None;
        } else {
            s.rate = Some(curve);
        }
    }

    /// The allowed rate now (requests per second), `None` when not limiting.
    #[cfg(test)]
    pub(crate) fn rate(&self) -> Option<f64> {
        self.state.lock().ok().and_then(|s| s.rate)
    }
}

impl LimiterState {
    fn count_send(&mut self, now: Instant) {
        let elapsed = now.duration_since(self.window_start);
        if elapsed >= Duration::from_secs(1) {
            let rate = self.window_count as f64 / elapsed.as_secs_f64();
            self.measured = if self.measured == 0.0 {
                rate
            } else {
                0.5 * self.measured + 0.5 * rate
            };
            self.window_start = now;
            self.window_count = 0;
        }
        self.window_count += 1;
    }

    /// The rate of the current (partial) window, at least one second long.
    fn window_rate(&self, now: Instant) -> f64 {
        let secs = now.duration_since(self.window_start).as_secs_f64().max(1.0);
        self.window_count as f64 / secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_full_jitter() {
        let cfg = RetryConfig::default();
        for attempt in 1..=5 {
            for _ in 0..200 {
                let d = cfg.backoff(attempt, false, None);
                let cap = cfg.base_delay * (1 << (attempt - 1));
                assert!(d <= cap.min(cfg.max_delay), "{d:?}");
                let t = cfg.backoff(attempt, true, None);
                assert!(t <= (cfg.throttle_base_delay * (1 << (attempt - 1))).min(cfg.max_delay));
            }
        }
        assert_eq!(
            cfg.backoff(1, true, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            cfg.backoff(1, true, Some(Duration::from_secs(3600))),
            cfg.max_delay
        );
    }

    #[test]
    fn jitter_spreads() {
        let xs: Vec<f64> = (0..1000).map(|_| random_unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(xs.iter().any(|x| *x < 0.2));
        assert!(xs.iter().any(|x| *x > 0.8));
    }

    fn limiter_sending_at(rate: f64) -> AdaptiveLimiter {
        let l = AdaptiveLimiter::new();
        if let Ok(mut s) = l.state.lock() {
            s.measured = rate;
        }
        l
    }

    #[test]
    fn limiter_lowers_once_per_wave_and_empties_its_bucket() {
        let l = limiter_sending_at(20.0);
        assert_eq!(l.rate(), None);
        let before = Instant::now();
        l.on_throttle(Instant::now());
        let r1 = l.rate().unwrap();
        assert!((r1 - 14.0).abs() < 1e-9, "{r1}");
        // A request sent before the decrease does not lower the rate again.
        l.on_throttle(before);
        assert_eq!(l.rate(), Some(r1));
        // No burst is left to fire right after a 429.
        assert!(l.state.lock().unwrap().tokens <= 0.0);
        // A request sent after the decrease and throttled too lowers it again.
        l.on_throttle(Instant::now());
        let r2 = l.rate().unwrap();
        assert!((r2 - 14.0 * BETA).abs() < 1e-9, "{r2}");
        assert!(l.rate().unwrap() >= MIN_RATE);
    }

    #[tokio::test]
    async fn a_request_admitted_before_a_decrease_does_not_lower_the_rate_again() {
        let l = std::sync::Arc::new(limiter_sending_at(20.0));
        l.on_throttle(Instant::now());
        // The bucket is empty: this request is admitted now and waits its turn.
        let waiting = {
            let l = std::sync::Arc::clone(&l);
            tokio::spawn(async move { l.acquire().await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Meanwhile another wave of 429s lowers the rate.
        l.on_throttle(Instant::now());
        let lowered = l.rate().unwrap();
        let admitted = waiting.await.unwrap();
        // Its own 429 says nothing new: it was paced by the old rate.
        l.on_throttle(admitted);
        assert_eq!(l.rate(), Some(lowered));
    }

    #[test]
    fn limiter_grows_back_along_the_cubic() {
        let l = limiter_sending_at(20.0);
        l.on_throttle(Instant::now());
        let k = (20.0 * (1.0 - BETA) / SCALE).cbrt();
        let at = |secs: f64| {
            let mut s = l.state.lock().unwrap();
            s.last_decrease = Instant::now().checked_sub(Duration::from_secs_f64(secs));
        };
        at(0.0);
        l.on_success();
        assert!((l.rate().unwrap() - 14.0).abs() < 0.05);
        at(1.0);
        l.on_success();
        let one = l.rate().unwrap();
        assert!(one > 14.0 && one < 20.0, "{one}");
        at(k);
        l.on_success();
        assert!((l.rate().unwrap() - 20.0).abs() < 0.05);
        // Far above what is being sent: limiting stops.
        at(k + 10.0);
        l.on_success();
        assert_eq!(l.rate(), None);
    }
}
