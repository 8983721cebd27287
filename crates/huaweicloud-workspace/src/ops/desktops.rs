//! `ListDesktops` (`GET /v2/{project_id}/desktops`): one page of the desktop
//! inventory. The request comes from the generated client; the decoder here
//! is the only one of its answer.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use huaweicloud_workspace_api::types::ListDesktopsResponse;

use crate::Error;
use crate::classify::Failure;
use crate::inventory::{Desktop, DesktopFilters};
use crate::operation::{self, Operation, build_error};
use crate::pager::Counted;
use crate::transport::Answer;

/// One page of `ListDesktops`.
#[derive(Debug)]
pub(crate) struct DesktopsPage<'a> {
    pub(crate) filters: &'a DesktopFilters,
    /// Only these desktops (at most 100), sent comma-separated.
    pub(crate) ids: Option<&'a [String]>,
    pub(crate) offset: i32,
    pub(crate) limit: u32,
}

impl Operation for DesktopsPage<'_> {
    type Output = Counted<Desktop>;
    const NAME: &'static str = "ListDesktops";

    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        project_id: &str,
    ) -> Result<reqwest::Request, Error> {
        let f = self.filters;
        let mut b = api
            .list_desktops()
            .project_id(project_id)
            .offset(self.offset)
            .limit(self.limit as i32);
        if let Some(ids) = self.ids {
            b = b.desktop_id(ids.join(",").as_str());
        }
        if let Some(v) = &f.user_name {
            b = b.user_name(v.as_str());
        }
        if let Some(v) = &f.computer_name {
            b = b.computer_name(v.as_str());
        }
        if let Some(v) = &f.desktop_ip {
            b = b.desktop_ip(v.as_str());
        }
        if let Some(v) = &f.status {
            b = b.status(v.as_str());
        }
        if let Some(v) = &f.pool_id {
            b = b.pool_id(v.as_str());
        }
        if let Some(v) = &f.enterprise_project_id {
            b = b.enterprise_project_id(v.as_str());
        }
        if let Some(v) = &f.desktop_type {
            b = b.desktop_type(v.as_str());
        }
        if let Some(v) = &f.tag {
            b = b.tag(v.as_str());
        }
        b.build_request().map_err(build_error)
    }

    fn decode_body(&self, answer: &Answer) -> Result<Self::Output, Failure> {
        decode(answer, self.limit)
    }
}

/// Decodes one answer of `ListDesktops` as a query does: the status and
/// `error_code` checks, then the page (at most `limit` desktops, each with
/// an id and once; `created` read as RFC 3339, unknown when it is not).
pub fn desktops_page(answer: &Answer, limit: u32) -> Result<Counted<Desktop>, Error> {
    let op = DesktopsPage {
        filters: &DesktopFilters::default(),
        ids: None,
        offset: 0,
        limit,
    };
    operation::decode(&op, answer).map_err(|f| f.into_error(1))
}

fn decode(answer: &Answer, limit: u32) -> Result<Counted<Desktop>, Failure> {
    let wire: ListDesktopsResponse = serde_json::from_slice(&answer.body).map_err(|e| {
        Failure::bad_body(
            answer,
            format!("the body is not the documented JSON page: {e}"),
        )
    })?;
    let total = match wire.total_count {
        Some(n) if n < 0 => {
            return Err(Failure::bad_data(
                answer,
                format!("total_count is negative ({n})"),
            ));
        }
        Some(n) => n as u64,
        None => {
            return Err(Failure::bad_data(
                answer,
                "the page has no total_count".to_string(),
            ));
        }
    };
    if wire.desktops.len() > limit as usize {
        return Err(Failure::bad_data(
            answer,
            format!(
                "the page holds {} desktops, more than the limit of {limit}",
                wire.desktops.len()
            ),
        ));
    }
    let mut seen = HashSet::with_capacity(wire.desktops.len());
    let mut items = Vec::with_capacity(wire.desktops.len());
    for d in wire.desktops {
        let desktop_id = d
            .desktop_id
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| Failure::bad_data(answer, "a desktop has no desktop_id".to_string()))?;
        if !seen.insert(desktop_id.clone()) {
            return Err(Failure::bad_data(
                answer,
                format!("desktop {desktop_id} appears twice in one page"),
            ));
        }
        let created = d.created.as_deref().and_then(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .ok()
        });
        items.push(Desktop {
            desktop_id,
            computer_name: d.computer_name,
            user_name: d.user_name,
            attached_users: d
                .attach_user_infos
                .into_iter()
                .filter_map(|u| u.user_name)
                .collect(),
            status: d.status,
            connect_status: d.connect_status,
            pool_id: d.pool_id,
            enterprise_project_id: d.enterprise_project_id,
            created,
            ip_address: d.ip_address,
            desktop_type: d.desktop_type,
            availability_zone: d.availability_zone,
            tags: d
                .tags
                .into_iter()
                .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
                .collect(),
        });
    }
    Ok(Counted {
        items,
        total,
        request_id: answer.request_id.clone(),
    })
}
