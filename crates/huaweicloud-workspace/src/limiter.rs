//! The adaptive client-side rate limiter that slows every request of a
//! client down when the service throttles (CUBIC, as the AWS SDKs'
//! "adaptive" retry mode).

use std::sync::Mutex;
use std::time::{Duration, Instant};

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
    pub(crate) fn new(now: Instant) -> Self {
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

    /// Takes a turn to send at `now`; returns how long to wait first
    /// (zero unless limiting). The caller keeps `now` as when the request
    /// was admitted, for [`on_throttle`](Self::on_throttle): a request
    /// admitted before the last decrease was paced by the old rate, even if
    /// it waited past the decrease, so its 429 must not lower the rate again.
    pub(crate) fn reserve(&self, now: Instant) -> Duration {
        let Ok(mut s) = self.state.lock() else {
            return Duration::ZERO;
        };
        s.count_send(now);
        match s.rate {
            None => Duration::ZERO,
            Some(rate) => {
                let elapsed = now.saturating_duration_since(s.last_refill).as_secs_f64();
                s.last_refill = s.last_refill.max(now);
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
    }

    /// The service throttled a request sent at `sent_at`: slow down, once per
    /// wave (see the type's documentation).
    pub(crate) fn on_throttle(&self, sent_at: Instant, now: Instant) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        if s.last_decrease.is_some_and(|t| sent_at < t) {
            return;
        }
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
    pub(crate) fn on_success(&self, now: Instant) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        let (Some(_), Some(since)) = (s.rate, s.last_decrease) else {
            return;
        };
        let t = now.saturating_duration_since(since).as_secs_f64();
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
        let elapsed = now.saturating_duration_since(self.window_start);
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
        let secs = now
            .saturating_duration_since(self.window_start)
            .as_secs_f64()
            .max(1.0);
        self.window_count as f64 / secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter_sending_at(rate: f64, t0: Instant) -> AdaptiveLimiter {
        let l = AdaptiveLimiter::new(t0);
        if let Ok(mut s) = l.state.lock() {
            s.measured = rate;
        }
        l
    }

    fn at(t0: Instant, secs: f64) -> Instant {
        t0 + Duration::from_secs_f64(secs)
    }

    #[test]
    fn limiter_lowers_once_per_wave_and_empties_its_bucket() {
        let t0 = Instant::now();
        let l = limiter_sending_at(20.0, t0);
        assert_eq!(l.rate(), None);
        l.on_throttle(at(t0, 0.1), at(t0, 0.1));
        let r1 = l.rate().unwrap();
        assert!((r1 - 14.0).abs() < 1e-9, "{r1}");
        // A request sent before the decrease does not lower the rate again.
        l.on_throttle(at(t0, 0.05), at(t0, 0.2));
        assert_eq!(l.rate(), Some(r1));
        // No burst is left to fire right after a 429.
        assert!(l.state.lock().unwrap().tokens <= 0.0);
        // A request sent after the decrease and throttled too lowers it again.
        l.on_throttle(at(t0, 0.3), at(t0, 0.3));
        let r2 = l.rate().unwrap();
        assert!((r2 - 14.0 * BETA).abs() < 1e-9, "{r2}");
        assert!(l.rate().unwrap() >= MIN_RATE);
    }

    #[test]
    fn after_a_decrease_requests_wait_their_turn_at_the_new_rate() {
        let t0 = Instant::now();
        let l = limiter_sending_at(20.0, t0);
        assert_eq!(l.reserve(t0), Duration::ZERO, "no limit before a 429");
        l.on_throttle(t0, t0);
        // 14 per second from an empty bucket: the k-th request waits k/14 s.
        for k in 1..=3 {
            let wait = l.reserve(t0).as_secs_f64();
            assert!((wait - k as f64 / 14.0).abs() < 1e-6, "{k}: {wait}");
        }
        // One admitted during the wait (before a second decrease) whose
        // 429 comes after it does not lower the rate again.
        let admitted = at(t0, 0.01);
        l.reserve(admitted);
        l.on_throttle(at(t0, 0.02), at(t0, 0.02));
        let lowered = l.rate().unwrap();
        l.on_throttle(admitted, at(t0, 0.5));
        assert_eq!(l.rate(), Some(lowered));
    }

    #[test]
    fn limiter_grows_back_along_the_cubic() {
        let t0 = Instant::now();
        let l = limiter_sending_at(20.0, t0);
        l.on_throttle(t0, t0);
        let k = (20.0 * (1.0 - BETA) / SCALE).cbrt();
        l.on_success(t0);
        assert!((l.rate().unwrap() - 14.0).abs() < 0.05);
        l.on_success(at(t0, 1.0));
        let one = l.rate().unwrap();
        assert!(one > 14.0 && one < 20.0, "{one}");
        l.on_success(at(t0, k));
        assert!((l.rate().unwrap() - 20.0).abs() < 0.05);
        // Far above what is being sent: limiting stops.
        l.on_success(at(t0, k + 10.0));
        assert_eq!(l.rate(), None);
    }
}
