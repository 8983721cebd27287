//! How many requests a client keeps in flight: a fixed number, or a limit
//! that adapts to the round trips it measures and to throttling.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

/// How many requests are kept in flight at once.
///
/// [`Auto`](Self::Auto) (the default) starts at [`AUTO_START`](Self::AUTO_START)
/// and adapts between [`AUTO_MIN`](Self::AUTO_MIN) and
/// [`AUTO_MAX`](Self::AUTO_MAX), as TCP Vegas and Netflix's
/// concurrency-limits do: it grows while round trips stay near the fastest
/// seen and nothing is throttled (tripling every round trip at first, then
/// by one per round trip), falls by a tenth when round trips rise well above
/// that (requests are queueing somewhere), and halves on a 429. The limit is
/// shared by every clone of the [`Client`](crate::Client) and by all its
/// queries, so a program running several queries at once stays polite as a
/// whole. Only the round trip of an attempt counts, not the waits before it.
///
/// A stream's requests keep their places until the stream is polled again:
/// a program that pauses a stream midway (say, after its first item) and
/// meanwhile runs another query of the same client should pin that other
/// query's concurrency (`.concurrency(4)`), which gives it places of its own,
/// or it may wait for the paused stream's places.
///
/// [`Fixed`](Self::Fixed) pins the number, per query: each query keeps at
/// most that many requests in flight, whatever the others do. A `usize`
/// converts into it, so `builder.concurrency(16)` pins 16.
///
/// ```
/// use huaweicloud_workspace::Concurrency;
///
/// assert_eq!(Concurrency::default(), Concurrency::Auto);
/// assert_eq!(Concurrency::from(16), Concurrency::Fixed(16));
/// assert_eq!("auto".parse::<Concurrency>(), Ok(Concurrency::Auto));
/// assert_eq!("8".parse::<Concurrency>(), Ok(Concurrency::Fixed(8)));
/// assert_eq!(Concurrency::Auto.to_string(), "auto");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Concurrency {
    /// Adapts to the service (see the type's documentation).
    #[default]
    Auto,
    /// Exactly this many requests in flight per query, at least 1.
    Fixed(usize),
}

impl Concurrency {
    /// The smallest limit [`Auto`](Self::Auto) goes down to.
    pub const AUTO_MIN: usize = 1;
    /// Where [`Auto`](Self::Auto) starts.
    pub const AUTO_START: usize = 8;
    /// The largest limit [`Auto`](Self::Auto) grows to.
    pub const AUTO_MAX: usize = 64;
}

impl From<usize> for Concurrency {
    fn from(n: usize) -> Self {
        Concurrency::Fixed(n)
    }
}

impl fmt::Display for Concurrency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Concurrency::Auto => f.write_str("auto"),
            Concurrency::Fixed(n) => write!(f, "{n}"),
        }
    }
}

/// Why a text is not a [`Concurrency`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("concurrency must be `auto` or a whole number of at least 1")]
pub struct ParseConcurrencyError;

impl std::str::FromStr for Concurrency {
    type Err = ParseConcurrencyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Concurrency::Auto);
        }
        match s.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Concurrency::Fixed(n)),
            _ => Err(ParseConcurrencyError),
        }
    }
}

/// A round trip "stays flat" within this factor of the fastest seen, plus
/// [`FLAT_SLACK`] (loopback round trips of a millisecond jitter by more than
/// any factor).
const FLAT: f64 = 1.5;
const FLAT_SLACK: Duration = Duration::from_millis(2);
/// Round trips "rise" past this factor of the fastest seen, plus [`RISE_SLACK`].
const RISE: f64 = 2.0;
const RISE_SLACK: Duration = Duration::from_millis(5);
/// The fastest round trip is forgotten after this many samples (and the
/// fastest of them taken instead), so a route that became slower for good
/// does not read as queueing forever.
const MIN_RTT_WINDOW: u32 = 500;
/// Weight of a new sample in the smoothed round trip.
const SMOOTHING: f64 = 0.2;
/// Places added per flat answer until the first sign of congestion: the
/// limit triples every round trip. Each round trip of the climb from
/// [`Concurrency::AUTO_START`] costs its latency once, so doubling took a
/// round trip more to reach [`Concurrency::AUTO_MAX`] (a latency-bound year
/// 0.43 s instead of 0.39 s at 50 ms); against a rate limit the first 429
/// ends the climb either way (measured: 2 to 7 429s in 240 requests at
/// 20 /s, against 2 to 3 when doubling).
const SLOW_START_GROWTH: f64 = 2.0;

/// What one attempt's answer says about the limit.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sample {
    /// Answered, in this round trip.
    Ok(Duration),
    /// Answered 429; the request was admitted at this time.
    Throttled(Instant),
    /// Failed otherwise (5xx, reset, timeout): says nothing about the limit.
    Error,
}

/// The limit behind [`Concurrency::Auto`], shared by the clones of a client.
///
/// Permits live in a semaphore; growing adds permits, shrinking takes free
/// ones at once and forgets busy ones as they come back (a debt), so a
/// smaller limit holds without cancelling anything in flight.
#[derive(Debug)]
pub(crate) struct AdaptiveConcurrency {
    permits: Semaphore,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    limit: usize,
    /// The limit with its fraction, for the growth of one per round trip.
    exact: f64,
    /// Busy permits to forget when they come back.
    debt: usize,
    in_flight: usize,
    /// Most requests in flight at once so far.
    peak: usize,
    /// Until the first sign of congestion, grow by [`SLOW_START_GROWTH`]
    /// per answer.
    slow_start: bool,
    min_rtt: Option<Duration>,
    window_min: Option<Duration>,
    window_samples: u32,
    /// Smoothed round trip, seconds.
    srtt: Option<f64>,
    last_decrease: Option<Instant>,
}

/// One request's place in flight; hand it back with [`AutoPermit::release`].
pub(crate) struct AutoPermit<'a> {
    owner: &'a AdaptiveConcurrency,
    permit: Option<SemaphorePermit<'a>>,
    /// How many were in flight with it when it was sent, and the limit then.
    in_flight: usize,
    limit: usize,
}

impl AdaptiveConcurrency {
    pub(crate) fn new() -> Self {
        AdaptiveConcurrency {
            permits: Semaphore::new(Concurrency::AUTO_START),
            state: Mutex::new(State {
                limit: Concurrency::AUTO_START,
                exact: Concurrency::AUTO_START as f64,
                debt: 0,
                in_flight: 0,
                peak: 0,
                slow_start: true,
                min_rtt: None,
                window_min: None,
                window_samples: 0,
                srtt: None,
                last_decrease: None,
            }),
        }
    }

    /// Waits for a place in flight.
    pub(crate) async fn acquire(&self) -> AutoPermit<'_> {
        // The semaphore is never closed; without a permit the request
        // still goes, unlimited, rather than failing.
        let permit = self.permits.acquire().await.ok();
        let (in_flight, limit) = match self.state.lock() {
            Ok(mut s) => {
                s.in_flight += 1;
                s.peak = s.peak.max(s.in_flight);
                (s.in_flight, s.limit)
            }
            Err(_) => (0, Concurrency::AUTO_START),
        };
        AutoPermit {
            owner: self,
            permit,
            in_flight,
            limit,
        }
    }

    /// The limit now.
    pub(crate) fn limit(&self) -> usize {
        self.state
            .lock()
            .map_or(Concurrency::AUTO_START, |s| s.limit)
    }

    /// The most requests that were in flight at once.
    pub(crate) fn peak(&self) -> usize {
        self.state.lock().map_or(0, |s| s.peak)
    }

    fn update(&self, sample: Sample, sent: (usize, usize), now: Instant) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        // In use: at least half the limit in flight when it was sent or now.
        let (in_flight_at_send, limit_at_send) = sent;
        let in_use = 2 * in_flight_at_send.max(s.in_flight) >= limit_at_send;
        s.in_flight = s.in_flight.saturating_sub(1);
        match sample {
            Sample::Error => {}
            Sample::Throttled(admitted) => {
                // One decrease per wave: the 429s of requests sent before
                // the last decrease say nothing new.
                if s.last_decrease.is_none_or(|t| admitted >= t) {
                    s.slow_start = false;
                    let target = (s.exact * 0.5).max(Concurrency::AUTO_MIN as f64);
                    self.set(&mut s, target, now);
                }
            }
            Sample::Ok(rtt) => {
                let min = s.observe(rtt);
                let srtt = s.srtt.unwrap_or(rtt.as_secs_f64());
                let min_s = min.as_secs_f64();
                if srtt > RISE * min_s + RISE_SLACK.as_secs_f64() {
                    // Queueing: at most one decrease per round trip.
                    let settled = s
                        .last_decrease
                        .is_none_or(|t| now.saturating_duration_since(t).as_secs_f64() >= srtt);
                    if settled {
                        s.slow_start = false;
                        let target = (s.exact * 0.9).max(Concurrency::AUTO_MIN as f64);
                        self.set(&mut s, target, now);
                    }
                } else if rtt.as_secs_f64() <= FLAT * min_s + FLAT_SLACK.as_secs_f64() && in_use {
                    // Flat round trips while the limit is in use: grow
                    // (only then: an idle limit proves nothing).
                    let step = if s.slow_start {
                        SLOW_START_GROWTH
                    } else {
                        1.0 / s.exact
                    };
                    let target = (s.exact + step).min(Concurrency::AUTO_MAX as f64);
                    s.exact = target;
                    let whole = target.floor() as usize;
                    if whole > s.limit {
                        self.resize(&mut s, whole);
                    }
                }
            }
        }
    }

    fn set(&self, s: &mut State, target: f64, now: Instant) {
        s.exact = target;
        s.last_decrease = Some(now);
        let whole = (target.floor() as usize).clamp(Concurrency::AUTO_MIN, Concurrency::AUTO_MAX);
        self.resize(s, whole);
        tracing::debug!(limit = whole, "concurrency limit lowered");
    }

    fn resize(&self, s: &mut State, limit: usize) {
        if limit > s.limit {
            let grow = limit - s.limit;
            let repaid = grow.min(s.debt);
            s.debt -= repaid;
            self.permits.add_permits(grow - repaid);
        } else if limit < s.limit {
            let mut shrink = s.limit - limit;
            while shrink > 0 {
                match self.permits.try_acquire() {
                    Ok(permit) => {
                        permit.forget();
                        shrink -= 1;
                    }
                    Err(_) => break,
                }
            }
            s.debt += shrink;
        }
        s.limit = limit;
    }
}

impl State {
    /// Records a round trip; returns the fastest one to compare against.
    fn observe(&mut self, rtt: Duration) -> Duration {
        self.srtt = Some(match self.srtt {
            None => rtt.as_secs_f64(),
            Some(old) => (1.0 - SMOOTHING) * old + SMOOTHING * rtt.as_secs_f64(),
        });
        self.window_min = Some(self.window_min.map_or(rtt, |m| m.min(rtt)));
        self.window_samples += 1;
        let min = self.min_rtt.map_or(rtt, |m| m.min(rtt));
        self.min_rtt = Some(min);
        if self.window_samples >= MIN_RTT_WINDOW {
            self.min_rtt = self.window_min.take();
            self.window_samples = 0;
        }
        min
    }
}

impl AutoPermit<'_> {
    /// Gives the place back, with what the attempt's answer says.
    pub(crate) fn release(mut self, sample: Sample, now: Instant) {
        let owner = self.owner;
        owner.update(sample, (self.in_flight, self.limit), now);
        let Some(permit) = self.permit.take() else {
            return;
        };
        let pay = owner.state.lock().map(|mut s| {
            let pay = s.debt > 0;
            if pay {
                s.debt -= 1;
            }
            pay
        });
        if pay.unwrap_or(false) {
            permit.forget();
        }
    }
}

impl Drop for AutoPermit<'_> {
    /// A permit dropped without a sample (the request was cancelled).
    fn drop(&mut self) {
        if self.permit.is_some()
            && let Ok(mut s) = self.owner.state.lock()
        {
            s.in_flight = s.in_flight.saturating_sub(1);
            if s.debt > 0 {
                s.debt -= 1;
                if let Some(p) = self.permit.take() {
                    p.forget();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// `n` requests in flight at once, all answered with `rtt`.
    async fn round(c: &AdaptiveConcurrency, n: usize, sample: Sample, now: Instant) {
        let mut held = Vec::new();
        for _ in 0..n {
            held.push(c.acquire().await);
        }
        for p in held {
            p.release(sample, now);
        }
    }

    #[tokio::test]
    async fn grows_while_round_trips_stay_flat_up_to_the_max() {
        let c = AdaptiveConcurrency::new();
        let t0 = Instant::now();
        assert_eq!(c.limit(), Concurrency::AUTO_START);
        round(&c, c.limit(), Sample::Ok(50 * MS), t0).await;
        // Slow start: two more per answer, so tripled in one round trip.
        assert_eq!(c.limit(), 3 * Concurrency::AUTO_START);
        for _ in 0..10 {
            round(&c, c.limit(), Sample::Ok(52 * MS), t0).await;
        }
        assert_eq!(c.limit(), Concurrency::AUTO_MAX);
        assert_eq!(c.peak(), Concurrency::AUTO_MAX);
    }

    #[tokio::test]
    async fn an_idle_limit_does_not_grow() {
        let c = AdaptiveConcurrency::new();
        let t0 = Instant::now();
        for _ in 0..20 {
            round(&c, 1, Sample::Ok(50 * MS), t0).await;
        }
        assert_eq!(c.limit(), Concurrency::AUTO_START);
    }

    #[tokio::test]
    async fn halves_on_a_429_once_per_wave_and_holds_the_smaller_limit() {
        let c = AdaptiveConcurrency::new();
        let t0 = Instant::now();
        round(&c, 8, Sample::Ok(50 * MS), t0).await;
        assert_eq!(c.limit(), 24);
        // Twenty-four in flight, all answered 429: one decrease.
        let mut held = Vec::new();
        for _ in 0..24 {
            held.push(c.acquire().await);
        }
        let t1 = t0 + Duration::from_secs(1);
        for p in held {
            p.release(Sample::Throttled(t0), t1);
        }
        assert_eq!(c.limit(), 12);
        // Only twelve may be in flight now.
        let mut held = Vec::new();
        for _ in 0..12 {
            held.push(c.acquire().await);
        }
        assert!(c.permits.try_acquire().is_err());
        drop(held);
        // After the decrease, a new wave lowers it again; growth after a
        // 429 is one per round trip, not one per answer.
        round(&c, 1, Sample::Throttled(t1), t1).await;
        assert_eq!(c.limit(), 6);
        round(&c, 6, Sample::Ok(50 * MS), t1).await;
        assert_eq!(c.limit(), 6);
        round(&c, 6, Sample::Ok(50 * MS), t1).await;
        assert_eq!(c.limit(), 7);
    }

    #[tokio::test]
    async fn rising_round_trips_shrink_it_and_errors_do_not() {
        let c = AdaptiveConcurrency::new();
        let t0 = Instant::now();
        for _ in 0..3 {
            round(&c, c.limit(), Sample::Ok(50 * MS), t0).await;
        }
        let grown = c.limit();
        assert!(grown >= 32, "{grown}");
        round(&c, grown, Sample::Error, t0).await;
        assert_eq!(c.limit(), grown);
        // Round trips four times the fastest: queueing. One decrease per
        // round trip (the smoothed one), however many answers say so.
        let mut t = t0;
        for _ in 0..20 {
            t += Duration::from_secs(1);
            round(&c, c.limit(), Sample::Ok(200 * MS), t).await;
        }
        let shrunk = c.limit();
        assert!(shrunk < grown / 2, "{grown} -> {shrunk}");
        assert!(shrunk >= Concurrency::AUTO_MIN);
    }
}
