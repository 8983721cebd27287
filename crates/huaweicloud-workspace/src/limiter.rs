//! The adaptive client-side rate limiter that slows every request of a
//! client down when the service throttles (CUBIC, as the AWS SDKs'
//! "adaptive" retry mode).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The slowest rate the adaptive limiter goes down to, in requests per second.
const MIN_RATE: f64 = 0.5;
/// How much of the rate is kept after a 429 (the AWS SDKs' β).
const BETA: f64 = 0.7;
/// Scale of the cubic growth after a 429, relative to the rate at the 429,
/// per second³. The AWS SDKs' C is 0.4 requests/s per s³ whatever the rate,
/// so the curve needs as long to come back and overshoots by as many
/// requests at 5 requests/s as at 20, and at low limits probes (and meets a
/// 429) several times as often per request. Relative, the cycle takes the
/// same time at any rate: 0.02 is the AWS SDKs' curve at 20 requests/s.
const SCALE: f64 = 0.01;

/// A client-wide rate limiter after the AWS SDKs' "adaptive" retry mode
/// (CUBIC: multiplicative decrease, cubic increase).
///
/// It does nothing until the service throttles. On a 429 it remembers the
/// rate it was sending at (`max`), lowers the allowed rate to 70 % of it and
/// empties its token bucket, so no saved-up burst follows the 429; requests
/// that were already waiting their turn take a new one at the new rate
/// ([`decreased_since`](Self::decreased_since)). Only one decrease per wave:
/// a 429 for a request admitted before the last decrease says nothing new,
/// as it was paced by the old rate, and is ignored; so sixteen concurrent
/// 429s lower the rate once. Then the allowed rate grows with the time `t`
/// since that 429 as `max × (1 + 0.01 (t − K)³)`, where `K = ∛(0.3 / 0.01)`
/// ≈ 3.1 s: back to just under `max` in about 3 s, flat around it, then
/// probing above; the next 429 starts over. (The AWS SDKs' curve is
/// `0.4 (t − K)³ + max`, which probes as often at 5 requests/s as at 100;
/// see [`SCALE`].)
/// Once the curve passes twice both the rate measured and the last peak
/// (about 7.7 s without a 429), limiting stops. All clones of a `Client` share one limiter,
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
    /// Requests sent, and requests answered without a 429.
    sent: RateMeter,
    answered: RateMeter,
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
                sent: RateMeter::new(now),
                answered: RateMeter::new(now),
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
        s.sent.tick(now);
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
        let measured = s.sent.rate(now);
        let mut sending = match s.rate {
            Some(rate) if measured > 0.0 => rate.min(measured),
            Some(rate) => rate,
            None => measured,
        };
        // However fast it was sent to, the service let about this many
        // through per second: its limit. Taken as the peak, the curve
        // comes back to the limit rather than to the overshoot that met
        // the 429, and the first 429 of a burst does not take the burst's
        // rate for the limit.
        let answered = s.answered.rate(now);
        if answered > 0.0 {
            sending = sending.min(answered);
        }
        let max = sending.max(MIN_RATE);
        let new_rate = (max * BETA).max(MIN_RATE);
        tracing::debug!(
            rate = new_rate,
            was = max,
            "throttled: lowering the client-side request rate"
        );
        s.last_decrease = Some(now);
        s.last_max = max;
        // No saved-up burst after a 429, and the turns given at the old rate
        // are forgotten: their holders take new ones (`decreased_since`).
        s.tokens = 0.0;
        s.last_refill = now;
        s.rate = Some(new_rate);
    }

    /// Whether the rate was lowered after `admitted`: a request that was
    /// given its turn then was paced by the old rate and takes a new turn.
    pub(crate) fn decreased_since(&self, admitted: Instant) -> bool {
        self.state
            .lock()
            .is_ok_and(|s| s.last_decrease.is_some_and(|t| t > admitted))
    }

    /// A request succeeded: follow the growth curve while limiting.
    pub(crate) fn on_success(&self, now: Instant) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        let (Some(_), Some(since)) = (s.rate, s.last_decrease) else {
            s.answered.tick(now);
            return;
        };
        s.answered.tick(now);
        let t = now.saturating_duration_since(since).as_secs_f64();
        let k = ((1.0 - BETA) / SCALE).cbrt();
        let curve = (s.last_max * (1.0 + SCALE * (t - k).powi(3))).max(MIN_RATE);
        let measured = s.sent.rate(now);
        // Far above both what is sent and the last peak: the limit is no
        // longer what holds requests back, so stop limiting. (Not at a
        // fixed rate: at a low limit, that would be a burst into 429s.)
        if measured > 0.0 && curve > 2.0 * measured.max(s.last_max) {
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

/// Events per second, smoothed over windows of one second.
#[derive(Debug)]
struct RateMeter {
    smoothed: f64,
    window_start: Instant,
    window_count: u64,
}

impl RateMeter {
    fn new(now: Instant) -> Self {
        RateMeter {
            smoothed: 0.0,
            window_start: now,
            window_count: 0,
        }
    }

    fn tick(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.window_start);
        if elapsed >= Duration::from_secs(1) {
            let rate = self.window_count as f64 / elapsed.as_secs_f64();
            self.smoothed = if self.smoothed == 0.0 {
                rate
            } else {
                0.5 * self.smoothed + 0.5 * rate
            };
            self.window_start = now;
            self.window_count = 0;
        }
        self.window_count += 1;
    }

    /// The smoothed rate, or the current (partial) window's, counted as at
    /// least one second long, when higher.
    fn rate(&self, now: Instant) -> f64 {
        let secs = now
            .saturating_duration_since(self.window_start)
            .as_secs_f64()
            .max(1.0);
        self.smoothed.max(self.window_count as f64 / secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter_sending_at(rate: f64, t0: Instant) -> AdaptiveLimiter {
        let l = AdaptiveLimiter::new(t0);
        if let Ok(mut s) = l.state.lock() {
            s.sent.smoothed = rate;
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
        // The turns given before the decrease are forgotten: their holders
        // take new ones, each 1/rate after the last, from zero.
        assert!(l.decreased_since(admitted));
        assert!(!l.decreased_since(at(t0, 0.03)));
        let wait = l.reserve(at(t0, 0.02)).as_secs_f64();
        assert!((wait - 1.0 / lowered).abs() < 1e-6, "{wait}");
    }

    #[test]
    fn the_peak_is_what_the_service_let_through_not_what_was_sent() {
        // A burst at 20 per second of which the service answered 5 before
        // the first 429: its limit is about 5, so 70 % of that.
        let t0 = Instant::now();
        let l = limiter_sending_at(20.0, t0);
        for i in 0..5 {
            l.on_success(at(t0, 0.01 * f64::from(i)));
        }
        l.on_throttle(at(t0, 0.06), at(t0, 0.06));
        let rate = l.rate().unwrap();
        assert!((rate - 5.0 * BETA).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn limiter_grows_back_along_the_cubic() {
        let t0 = Instant::now();
        let l = limiter_sending_at(20.0, t0);
        l.on_throttle(t0, t0);
        let k = ((1.0 - BETA) / SCALE).cbrt();
        assert!((k - 3.11).abs() < 0.01, "{k}");
        l.on_success(t0);
        assert!((l.rate().unwrap() - 14.0).abs() < 0.05);
        l.on_success(at(t0, 1.0));
        let one = l.rate().unwrap();
        assert!(one > 14.0 && one < 20.0, "{one}");
        l.on_success(at(t0, k));
        assert!((l.rate().unwrap() - 20.0).abs() < 0.05);
        // Not yet twice the last peak: still limiting.
        l.on_success(at(t0, k + 4.0));
        assert!(l.rate().is_some());
        // Far above what is being sent and the last peak: limiting stops.
        l.on_success(at(t0, k + 10.0));
        assert_eq!(l.rate(), None);
    }
}
