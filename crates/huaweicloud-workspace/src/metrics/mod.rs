//! The usage metrics Huawei recommends over the per-day operation:
//! per desktop (`ListDesktopUsageMetric`) and per user
//! (`ListUserUsageMetric`), in seconds, exact.
//!
//! Ranges are whole UTC days, both ends included: a query for
//! `2024-01-01..=2024-01-31` reaches the service as
//! `start_time=2024-01-01T00:00:00Z`, `end_time=2024-01-31T23:59:59Z`. The
//! service adds up each UTC day in a job after it ends and stamps the
//! record at 23:59:59 of that day, so a day counts when that second lies in
//! the range, and today (whose record does not exist yet) counts nothing.

mod desktops;
pub(crate) mod model;
mod users;

pub use desktops::DesktopMetricsQuery;
pub use model::{
    DesktopMetrics, DesktopSort, SortOrder, UserMetrics, UserSort, hours_from_seconds,
};
pub use users::UserMetricsQuery;

pub use crate::ops::metrics::{MAX_METRICS_PAGE_SIZE, MAX_USER_WINDOW_DAYS, METRICS_HISTORY_DAYS};
