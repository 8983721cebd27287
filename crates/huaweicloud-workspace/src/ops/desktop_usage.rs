//! `ListUsedDesktopInfo` (`POST /v2/{project_id}/desktops/statistics/used`):
//! one page of per-period hours per desktop. The request comes from the
//! generated client; [`DesktopUsagePage::decode_body`] is the only decoder of its answer.

use std::collections::HashMap;

use chrono::NaiveDate;
use huaweicloud_workspace_api::Hours;
use huaweicloud_workspace_api::types::{ListUsedDesktopInfoReq, ListUsedDesktopInfoResponse};

use crate::answer::Answer;
use crate::classify::Failure;
use crate::error::Error;
use crate::model::{DesktopUsage, GroupBy, Page, PeriodUsage};
use crate::operation::{self, Operation, build_error};
use crate::period::Period;
use crate::windows::Window;

/// How much a page is checked against what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checks {
    /// Everything a report relies on: `total_count` present, no more
    /// desktops than the limit, only asked-for desktops, periods that are
    /// real days (or hours) inside the window, no impossible hours, no
    /// contradicting duplicates. Periods are sorted and deduplicated.
    Strict,
    /// The page as the service sent it ([`DesktopUsageQuery::page`](crate::DesktopUsageQuery::page)).
    AsSent,
}

/// One page request of the operation.
#[derive(Debug, Clone)]
pub(crate) struct DesktopUsagePage<'a> {
    pub(crate) window: Window,
    /// Only these desktops (sorted, for the membership check).
    pub(crate) ids: Option<&'a [String]>,
    pub(crate) offset: i32,
    pub(crate) limit: u32,
    pub(crate) group_by: GroupBy,
    pub(crate) username: Option<&'a str>,
    pub(crate) user_domain: Option<&'a str>,
    pub(crate) checks: Checks,
}

impl Operation for DesktopUsagePage<'_> {
    type Output = Page;
    const NAME: &'static str = "ListUsedDesktopInfo";

    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        project_id: &str,
    ) -> Result<reqwest::Request, Error> {
        let days = self.window.days();
        let body = ListUsedDesktopInfoReq {
            desktop_ids: self.ids.map(<[String]>::to_vec).unwrap_or_default(),
            desktop_user_domain: self.user_domain.map(str::to_string),
            desktop_username: self.username.map(str::to_string),
            start_time: days.map(|d| d.0),
            end_time: days.map(|d| d.1),
            group_by_type: Some(self.group_by.to_wire()),
            limit: Some(self.limit as i32),
            offset: Some(self.offset),
        };
        api.list_used_desktop_info()
            .project_id(project_id)
            .body(body)
            .build_request()
            .map_err(build_error)
    }

    fn decode_body(&self, answer: &Answer) -> Result<Page, Failure> {
        let wire: ListUsedDesktopInfoResponse =
            serde_json::from_slice(&answer.body).map_err(|e| {
                Failure::bad_body(
                    answer,
                    format!("the body is not the documented JSON page: {e}"),
                )
            })?;
        convert(self, answer, wire)
    }
}

/// Decodes one answer of `ListUsedDesktopInfo` exactly as a query does:
/// the status and `error_code` checks, `serde_json` into the generated
/// types, then the strict checks and conversion into the model, for a
/// request of `limit` desktops over `days` (both included; `None` for the
/// service's default range). The fuzz target and the decode benchmark call
/// it; so can an application that captured an answer itself.
///
/// ```
/// use huaweicloud_workspace::{Answer, GroupBy, decode};
///
/// let body = r#"{"desktop_used_info_list":[{"desktop_id":"d1","desktop_username":"alice",
///     "used_info_list":[{"date":"2024-01-02","use_time":"1.50"}]}],"total_count":1}"#;
/// let page = decode::desktop_usage_page(&Answer::ok(body), None, GroupBy::Day, 100)?;
/// assert_eq!(page.desktops[0].total_hours().to_string(), "1.50");
/// # Ok::<(), huaweicloud_workspace::Error>(())
/// ```
pub fn desktop_usage_page(
    answer: &Answer,
    days: Option<(NaiveDate, NaiveDate)>,
    group_by: GroupBy,
    limit: u32,
) -> Result<Page, Error> {
    let op = DesktopUsagePage {
        window: days.map_or(Window::ServiceDefault, |(s, e)| Window::Days(s, e)),
        ids: None,
        offset: 0,
        limit,
        group_by,
        username: None,
        user_domain: None,
        checks: Checks::Strict,
    };
    operation::decode(&op, answer).map_err(|f| f.into_error(1))
}

/// The most hours a period can hold.
fn period_cap(group_by: GroupBy) -> Hours {
    match group_by {
        GroupBy::Day => Hours::from_hundredths(24 * 100),
        GroupBy::Hour => Hours::from_hundredths(100),
    }
}

/// Checks a decoded page against what was asked and turns it into the model.
fn convert(
    op: &DesktopUsagePage<'_>,
    answer: &Answer,
    wire: ListUsedDesktopInfoResponse,
) -> Result<Page, Failure> {
    let strict = op.checks == Checks::Strict;
    let bad = |reason: String| Failure::bad_data(answer, reason);
    let total_count = match wire.total_count {
        Some(n) if n < 0 => return Err(bad(format!("total_count is negative ({n})"))),
        Some(n) => Some(n as u64),
        // The documented response always carries it; without it, paging
        // cannot tell a complete list from a truncated one.
        None if strict => return Err(bad("the page has no total_count".to_string())),
        None => None,
    };
    let list = wire.desktop_used_info_list;
    if strict && list.len() > op.limit as usize {
        return Err(bad(format!(
            "the page holds {} desktops, more than the limit of {}",
            list.len(),
            op.limit
        )));
    }
    let cap = period_cap(op.group_by);
    let mut desktops: Vec<DesktopUsage> = Vec::with_capacity(list.len());
    for item in list {
        let mut periods: Vec<PeriodUsage> = item
            .used_info_list
            .into_iter()
            .map(|u| PeriodUsage {
                period: Period::parse(&u.date),
                hours: u.use_time,
            })
            .collect();
        if strict {
            if item.desktop_id.trim().is_empty() {
                return Err(bad("a desktop has an empty desktop_id".to_string()));
            }
            if let Some(ids) = op.ids
                && ids.binary_search(&item.desktop_id).is_err()
            {
                return Err(bad(format!(
                    "desktop {} was not asked for",
                    item.desktop_id
                )));
            }
            for p in &periods {
                check_period(op, &item.desktop_id, p, cap).map_err(&bad)?;
            }
            // The service lists periods in time order: checking is cheaper
            // than sorting.
            if !periods.is_sorted_by(|a, b| a.period <= b.period) {
                periods.sort_by(|a, b| a.period.cmp(&b.period));
            }
            dedup_periods(&mut periods, &item.desktop_id).map_err(&bad)?;
        }
        desktops.push(DesktopUsage {
            reassignments: Vec::new(),
            desktop_id: item.desktop_id,
            username: item.desktop_username,
            periods,
        });
    }
    dedup_desktops(&mut desktops, strict).map_err(bad)?;
    Ok(Page {
        desktops,
        total_count,
        request_id: answer.request_id.clone(),
    })
}

/// A period must be a real day (or hour, when grouped by hour) inside the
/// window, and hold no more hours than the period has.
fn check_period(
    op: &DesktopUsagePage<'_>,
    desktop: &str,
    p: &PeriodUsage,
    cap: Hours,
) -> Result<(), String> {
    let day = match (&p.period, op.group_by) {
        (Period::Day(d), GroupBy::Day) => *d,
        (Period::Hour(at), GroupBy::Hour) => at.date(),
        _ => {
            let want = match op.group_by {
                GroupBy::Day => "a day (yyyy-MM-dd)",
                GroupBy::Hour => "an hour (yyyy-MM-dd HH:00)",
            };
            return Err(format!(
                "desktop {desktop} has period {:?}, which is not {want}",
                p.period.to_string()
            ));
        }
    };
    if let Some((start, end)) = op.window.days()
        && (day < start || day > end)
    {
        return Err(format!(
            "desktop {desktop} has period {} outside the requested {start}..={end}",
            p.period
        ));
    }
    if p.hours > cap {
        return Err(format!(
            "desktop {desktop} has {} hours in period {}, more than the {cap} the period holds",
            p.hours, p.period
        ));
    }
    Ok(())
}

/// Drops a period that comes twice with the same hours; the same period
/// with different hours is a contradiction. `periods` is sorted. In place
/// (kept periods compacted to the front): this runs for every desktop of
/// every page.
fn dedup_periods(periods: &mut Vec<PeriodUsage>, desktop: &str) -> Result<(), String> {
    let mut kept = 0;
    for i in 0..periods.len() {
        if kept > 0 && periods[kept - 1].period == periods[i].period {
            let (last, p) = (&periods[kept - 1], &periods[i]);
            if last.hours != p.hours {
                return Err(format!(
                    "desktop {desktop} has period {} twice, with {} and {} hours",
                    p.period, last.hours, p.hours
                ));
            }
            continue;
        }
        periods.swap(kept, i);
        kept += 1;
    }
    periods.truncate(kept);
    Ok(())
}

/// A desktop twice in one page: the same data once, different data (strict) an error.
fn dedup_desktops(desktops: &mut Vec<DesktopUsage>, strict: bool) -> Result<(), String> {
    // Rare: look for it in a sorted list of borrowed ids (cheap), and only
    // then apply the rule desktop by desktop.
    let mut sorted: Vec<&str> = desktops.iter().map(|d| d.desktop_id.as_str()).collect();
    sorted.sort_unstable();
    if !sorted.windows(2).any(|w| w[0] == w[1]) {
        return Ok(());
    }
    let mut index: HashMap<String, usize> = HashMap::with_capacity(desktops.len());
    let mut kept: Vec<DesktopUsage> = Vec::with_capacity(desktops.len());
    for desktop in desktops.drain(..) {
        if let Some(&i) = index.get(&desktop.desktop_id) {
            if kept[i] == desktop {
                tracing::warn!(desktop_id = %desktop.desktop_id, "the same desktop came twice in one page; keeping one");
                continue;
            }
            if strict {
                return Err(format!(
                    "desktop {} appears twice in one page with different data",
                    desktop.desktop_id
                ));
            }
        }
        index.insert(desktop.desktop_id.clone(), kept.len());
        kept.push(desktop);
    }
    *desktops = kept;
    Ok(())
}
