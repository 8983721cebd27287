//! One desktop's day: which hours its usage profile uses and how much,
//! derived from the desktop's key alone (the fleet hands the key and the
//! profile down, so this module knows nothing of the fleet).

use chrono::{Datelike, NaiveDate, Weekday};

use crate::hash::{hash, mix, unit};

/// How a desktop is used over a week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    /// Never used: unassigned, or its user is away for good.
    Idle,
    /// Office hours on weekdays, starting at `start` (UTC hour), lunch break included.
    Office { start: u32 },
    /// Night shifts, four nights on and three off, starting at `start` (UTC hour).
    Shift { start: u32 },
    /// On almost all the time (a kiosk or a build machine).
    AlwaysOn,
    /// A few hours now and then, any day.
    Occasional,
}

/// What a desktop does on one day; hours are then cheap to derive.
pub(crate) struct DayParams {
    key: u64,
    profile: Profile,
    day_key: u64,
    /// Whether the desktop is used at all this day.
    active: bool,
    weekend: bool,
    /// For occasional use: first hour and number of hours.
    window: (u32, u32),
}

impl DayParams {
    pub(crate) fn new(key: u64, profile: Profile, date: NaiveDate) -> Self {
        let day_no = date.num_days_from_ce() as u64;
        let day_key = hash(&[key, 20, day_no]);
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let r = unit(hash(&[day_key, 1]));
        let active = match profile {
            Profile::Idle => false,
            // Away 10% of weekdays; works 8% of weekends.
            Profile::Office { .. } => {
                if weekend {
                    r < 0.08
                } else {
                    r >= 0.10
                }
            }
            Profile::Shift { .. } => (day_no + (key % 7)) % 7 < 4,
            Profile::AlwaysOn => r >= 0.02,
            Profile::Occasional => r < 0.3,
        };
        let w = hash(&[day_key, 2]);
        let window = ((w % 24) as u32, 1 + ((w >> 8) % 4) as u32);
        DayParams {
            key,
            profile,
            day_key,
            active,
            weekend,
            window,
        }
    }

    /// The sum of the day's 24 hours, visiting only the hours the profile
    /// can use: the first page of a window computes every desktop's days,
    /// which is most of the simulator's work.
    pub(crate) fn daily(&self) -> u64 {
        if !self.active {
            return 0;
        }
        let (first, len) = match self.profile {
            Profile::Idle => return 0,
            Profile::Office { start } => (start, if self.weekend { 3 } else { 9 } + 3),
            Profile::Shift { start } => (start, 8),
            Profile::AlwaysOn => (0, 24),
            Profile::Occasional => self.window,
        };
        (0..len.min(24))
            .map(|rel| self.hour((first + rel) % 24))
            .sum()
    }

    pub(crate) fn hour(&self, hour: u32) -> u64 {
        if !self.active {
            return 0;
        }
        // Hours outside the profile's window are 0 without hashing: this is
        // what keeps a page of 100 desktops x 31 days cheap.
        let rand = || {
            let h =
                mix(self.day_key ^ u64::from(hour).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ self.key);
            // 0..=100 (hundredths) and 0..99 (a percentage), by multiply-shift.
            let pct = ((h & 0xFFFF_FFFF) * 101) >> 32;
            let r = (((h >> 32) & 0xFFFF_FFFF) * 100) >> 32;
            (pct, r)
        };
        match self.profile {
            Profile::Idle => 0,
            Profile::Office { start } => {
                let rel = (hour + 24 - start) % 24;
                let len = if self.weekend { 3 } else { 9 };
                if rel >= len + 3 {
                    return 0;
                }
                let (pct, r) = rand();
                if rel < len {
                    if rel == 4 && !self.weekend {
                        // Lunch: often away.
                        if r < 50 { pct / 2 } else { 0 }
                    } else if r < 85 {
                        60 + pct * 40 / 100
                    } else {
                        pct * 40 / 100
                    }
                } else if r < 15 {
                    // Some overtime.
                    pct
                } else {
                    0
                }
            }
            Profile::Shift { start } => {
                let rel = (hour + 24 - start) % 24;
                if rel >= 8 {
                    return 0;
                }
                let (pct, r) = rand();
                if r < 90 { 70 + pct * 30 / 100 } else { pct / 2 }
            }
            Profile::AlwaysOn => 90 + rand().0 / 10,
            Profile::Occasional => {
                let (first, len) = self.window;
                let rel = (hour + 24 - first) % 24;
                if rel < len {
                    20 + rand().0 * 80 / 100
                } else {
                    0
                }
            }
        }
    }
}
