//! The daily totals of every desktop, per date, that the simulator's pages
//! read: computed once per date from the fleet, then shared.

use chrono::NaiveDate;

use crate::fleet::Fleet;

/// The daily values of every desktop of a fleet, per date, computed once:
/// pages then cost one lookup per desktop and day. Bounded in size.
#[derive(Debug, Default)]
pub(crate) struct DailyCache {
    days: std::sync::RwLock<std::collections::HashMap<NaiveDate, std::sync::Arc<Vec<u16>>>>,
}

/// The most dates kept; beyond, the cache starts over.
const CACHE_DAYS: usize = 1024;

impl DailyCache {
    /// `daily_hundredths(i, date)` for every desktop `i` of `fleet`.
    pub(crate) fn day(&self, fleet: &Fleet, date: NaiveDate) -> std::sync::Arc<Vec<u16>> {
        if let Ok(days) = self.days.read()
            && let Some(v) = days.get(&date)
        {
            return v.clone();
        }
        // At most 24 x 100 hundredths a day: fits a u16.
        let values: Vec<u16> = (0..fleet.desktops().len())
            .map(|i| u16::try_from(fleet.daily_hundredths(i, date)).unwrap_or(u16::MAX))
            .collect();
        let values = std::sync::Arc::new(values);
        let mut days = match self.days.write() {
            Ok(d) => d,
            Err(poisoned) => poisoned.into_inner(),
        };
        if days.len() >= CACHE_DAYS {
            days.clear();
        }
        days.entry(date).or_insert(values).clone()
    }
}
