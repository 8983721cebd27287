//! `ListDesktops` (`GET /v2/{project_id}/desktops`), the desktop inventory:
//! its filters and their checks, its page size, its key, one page's
//! request (from the generated client) and the only decoder of its answer.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use huaweicloud_workspace_api::types::ListDesktopsResponse;

use crate::answer::Answer;
use crate::checks::{IdList, check_ids, check_text};
use crate::classify::Failure;
use crate::error::Error;
use crate::inventory::model::Desktop;
use crate::list::{Counted, ListRequest, Listed, key_once, total};
use crate::operation::{self, Operation, build_error};

/// The largest page of `ListDesktops`.
pub const MAX_DESKTOPS_PAGE_SIZE: u32 = 1000;
/// The most ids one `ListDesktops` request filters on.
pub const MAX_DESKTOP_IDS_PER_LIST: usize = 100;

/// The filters of the inventory, as the service takes them.
#[derive(Debug, Clone, Default)]
pub(crate) struct InventoryFilters {
    pub(crate) user_name: Option<String>,
    pub(crate) computer_name: Option<String>,
    pub(crate) desktop_ip: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) pool_id: Option<String>,
    pub(crate) enterprise_project_id: Option<String>,
    pub(crate) desktop_type: Option<String>,
    pub(crate) tag: Option<String>,
}

/// An inventory query's inputs: the filters, and the ids asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct InventoryRequest {
    pub(crate) filters: InventoryFilters,
    pub(crate) ids: Option<Vec<String>>,
}

/// One checked pass of the inventory: every desktop, or one batch of ids.
#[derive(Debug)]
pub(crate) struct InventoryListing {
    filters: Arc<InventoryFilters>,
    ids: Option<Arc<[String]>>,
}

impl ListRequest for InventoryRequest {
    type Listing = InventoryListing;
    const MAX_PAGE_SIZE: u32 = MAX_DESKTOPS_PAGE_SIZE;

    fn plan(&self) -> Result<Vec<InventoryListing>, Error> {
        let f = &self.filters;
        for (field, value) in [
            ("user_name", &f.user_name),
            ("computer_name", &f.computer_name),
            ("desktop_ip", &f.desktop_ip),
            ("status", &f.status),
            ("pool_id", &f.pool_id),
            ("enterprise_project_id", &f.enterprise_project_id),
            ("desktop_type", &f.desktop_type),
            ("tag", &f.tag),
        ] {
            check_text(field, value.as_deref(), 255)?;
        }
        let filters = Arc::new(self.filters.clone());
        let listing = |ids: Option<&[String]>| InventoryListing {
            filters: Arc::clone(&filters),
            ids: ids.map(Arc::from),
        };
        Ok(match &self.ids {
            None => vec![listing(None)],
            // The service filters on a comma-separated list of ids.
            Some(ids) => check_ids(ids, "list", IdList::CommaSeparated)?
                .chunks(MAX_DESKTOP_IDS_PER_LIST)
                .map(|batch| listing(Some(batch)))
                .collect(),
        })
    }
}

impl Listed for InventoryListing {
    type Item = Desktop;
    type Page<'a> = DesktopsPage<'a>;
    const ITEM: &'static str = "desktop";

    fn page(&self, offset: i32, limit: u32) -> DesktopsPage<'_> {
        DesktopsPage {
            filters: &self.filters,
            ids: self.ids.as_deref(),
            offset,
            limit,
        }
    }

    fn key(item: &Desktop) -> &str {
        &item.desktop_id
    }
}

/// One page of `ListDesktops`.
#[derive(Debug)]
pub(crate) struct DesktopsPage<'a> {
    pub(crate) filters: &'a InventoryFilters,
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
        filters: &InventoryFilters::default(),
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
    let total = total(
        answer,
        "total_count",
        wire.total_count,
        (wire.desktops.len(), "desktops"),
        limit,
    )?;
    let mut seen = HashSet::with_capacity(wire.desktops.len());
    let mut items = Vec::with_capacity(wire.desktops.len());
    for d in wire.desktops {
        let desktop_id = key_once(answer, &mut seen, d.desktop_id, ("desktop", "desktop_id"))?;
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
