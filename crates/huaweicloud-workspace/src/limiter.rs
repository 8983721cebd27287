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
/// A 429 at a rate within this factor of the last peak (either way) says
/// the limit has not moved: the next climb back and probe take twice as
/// long, up to [`MAX_STRETCH`] doublings. Probing a steady limit as often
/// as a new one costs a 429 every few seconds for nothing.
const SAME_LIMIT: f64 = 1.5;
const MAX_STRETCH: u32 = 3;
/// Limiting stops once the curve is this many times both the rate sent
/// and the last peak: far enough above that a steady limit meets its 429
/// on the way (one request), not in a burst of unlimited requests after.
const STOP_FACTOR: f64 = 8.0;
/// The limiter's bucket holds this many seconds of turns.
const BURST_SECONDS: f64 = 0.5;

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
/// When 429s keep coming at about the same peak (within 1.5× either way),
/// the limit is steady and probing it often only costs 429s: each such
/// 429 stretches the next cycle in time by 2×, up to 8× (about 25 s back
/// to the peak); a 429 at a clearly different rate starts over at 1×.
/// Once the curve passes eight times both the rate measured and the last
/// peak (about 12 s without a 429 at 1×), limiting stops. All clones of a `Client` share one limiter,
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
    /// How many times in a row the service throttled at about the same
    /// peak: the curve is stretched in time by `2^stretch`.
    stretch: u32,
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
                stretch: 0,
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
                // Half a second of turns: after a pause (a consumer busy
                // elsewhere), a whole second's burst on top of the requests
                // that were waiting met the service's bucket half refilled.
                let burst = (rate * BURST_SECONDS).max(1.0);
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
        let steady = s.last_decrease.is_some()
            && max <= s.last_max * SAME_LIMIT
            && max * SAME_LIMIT >= s.last_max;
        s.stretch = if steady {
            (s.stretch + 1).min(MAX_STRETCH)
        } else {
            0
        };
        tracing::debug!(
            rate = new_rate,
            was = max,
            stretch = s.stretch,
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

    /// A request admitted at `admitted` succeeded: follow the growth curve
    /// while limiting.
    pub(crate) fn on_success(&self, admitted: Instant, now: Instant) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        s.answered.tick(now);
        let (Some(_), Some(since)) = (s.rate, s.last_decrease) else {
            return;
        };
        let k = ((1.0 - BETA) / SCALE).cbrt();
        // A success of the wave that met the 429 (admitted before the
        // decrease) is part of what the service let through: the peak was
        // taken too low if the answers now read higher. The first 429 of a
        // run often comes back before the burst's successes (a 429 is
        // quicker to answer than a page): 2 answers of 5 read as a limit of 2.
        if admitted < since {
            let answered = s.answered.rate(now);
            if answered > s.last_max {
                s.last_max = answered;
            }
        }
        // The stretched curve is the plain one on a slower clock.
        let t = now.saturating_duration_since(since).as_secs_f64() / f64::from(1u32 << s.stretch);
        let curve = (s.last_max * (1.0 + SCALE * (t - k).powi(3))).max(MIN_RATE);
        let measured = s.sent.rate(now);
        // Far above both what is sent and the last peak: the limit is no
        // longer what holds requests back, so stop limiting. (Not at a
        // fixed rate: at a low limit, that would be a burst into 429s.)
        if measured > 0.0 && curve > STOP_FACTOR * measured.max(s.last_max) {
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
            l.on_success(at(t0, 0.01 * f64::from(i)), at(t0, 0.01 * f64::from(i)));
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
        l.on_success(t0, t0);
        assert!((l.rate().unwrap() - 14.0).abs() < 0.05);
        l.on_success(at(t0, 1.0), at(t0, 1.0));
        let one = l.rate().unwrap();
        assert!(one > 14.0 && one < 20.0, "{one}");
        l.on_success(at(t0, k), at(t0, k));
        assert!((l.rate().unwrap() - 20.0).abs() < 0.05);
        // Above the last peak and what is sent, but not far enough above
        // that a burst could not drain the service's bucket: still limiting.
        l.on_success(at(t0, k + 4.0), at(t0, k + 4.0));
        assert!(l.rate().is_some());
        l.on_success(at(t0, k + 8.0), at(t0, k + 8.0));
        assert!(l.rate().is_some());
        // Far above what is being sent and the last peak: limiting stops.
        l.on_success(at(t0, k + 10.0), at(t0, k + 10.0));
        assert_eq!(l.rate(), None);
    }

    /// Requests sent and answered at `rate` per second until `now`, the
    /// curve having climbed back to it.
    fn running_at(l: &AdaptiveLimiter, rate: f64, now: Instant) {
        if let Ok(mut guard) = l.state.lock() {
            let s = &mut *guard;
            if s.rate.is_some() {
                s.rate = Some(rate);
            }
            for meter in [&mut s.sent, &mut s.answered] {
                meter.smoothed = rate;
                meter.window_start = now;
                meter.window_count = 0;
            }
        }
    }

    /// The allowed rate `secs` after a 429 (from `since`).
    fn curve_after(l: &AdaptiveLimiter, since: Instant, secs: f64) -> f64 {
        l.on_success(at(since, secs), at(since, secs));
        l.rate().unwrap()
    }

    #[test]
    fn a_steady_limit_is_probed_less_and_less_often() {
        let t0 = Instant::now();
        let l = limiter_sending_at(20.0, t0);
        let k = ((1.0 - BETA) / SCALE).cbrt();
        l.on_throttle(t0, t0);
        let plain = curve_after(&l, t0, k + 2.0);
        // Throttled again at the same peak: the same curve, twice as slow.
        let t1 = at(t0, 10.0);
        running_at(&l, 20.0, t1);
        l.on_throttle(t1, t1);
        let twice = curve_after(&l, t1, 2.0 * (k + 2.0));
        assert!((twice - plain).abs() < 1e-6, "{twice} vs {plain}");
        assert!(curve_after(&l, t1, k + 2.0) < 20.0, "still climbing back");
        // And again, up to eight times as slow.
        let mut t = t1;
        for _ in 0..4 {
            t += Duration::from_secs(30);
            running_at(&l, 20.0, t);
            l.on_throttle(t, t);
        }
        let slowest = curve_after(&l, t, 8.0 * (k + 2.0));
        assert!((slowest - plain).abs() < 1e-6, "{slowest} vs {plain}");
    }

    #[test]
    fn a_limit_that_moved_is_probed_at_the_plain_pace_again() {
        let t0 = Instant::now();
        let l = limiter_sending_at(20.0, t0);
        let k = ((1.0 - BETA) / SCALE).cbrt();
        l.on_throttle(t0, t0);
        let t1 = at(t0, 10.0);
        running_at(&l, 20.0, t1);
        l.on_throttle(t1, t1);
        // The service now throttles at a third of the rate: a new limit.
        let t2 = at(t1, 10.0);
        running_at(&l, 6.0, t2);
        l.on_throttle(t2, t2);
        let rate = curve_after(&l, t2, k);
        assert!(
            (rate - 6.0).abs() < 0.05,
            "back at the new peak after K: {rate}"
        );
    }

    #[test]
    fn late_successes_of_the_throttled_wave_raise_the_peak() {
        // Five of a burst got through, but the 429 came back after only
        // two of them: the peak is what the wave's answers show in the end.
        let t0 = Instant::now();
        let l = AdaptiveLimiter::new(t0);
        for _ in 0..10 {
            l.reserve(t0);
        }
        for i in 0..2 {
            l.on_success(t0, at(t0, 0.001 * f64::from(i)));
        }
        let decrease = at(t0, 0.003);
        l.on_throttle(t0, decrease);
        assert!((l.rate().unwrap() - 2.0 * BETA).abs() < 1e-9);
        for i in 0..3 {
            l.on_success(t0, at(t0, 0.004 + 0.001 * f64::from(i)));
        }
        let rate = l.rate().unwrap();
        assert!((rate - 5.0 * BETA).abs() < 0.01, "{rate}");
        // Successes admitted after the decrease (paced by the limiter) do
        // not move the peak: they show the limiter's rate, not the service's.
        let k = ((1.0 - BETA) / SCALE).cbrt();
        for i in 0..20 {
            l.on_success(decrease, at(t0, 0.01 + 0.001 * f64::from(i)));
        }
        l.on_success(at(t0, 0.5), at(t0, k));
        let back = l.rate().unwrap();
        assert!((back - 5.0).abs() < 0.05, "{back}");
    }
}
