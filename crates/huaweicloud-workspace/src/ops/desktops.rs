//! `ListDesktops` (`GET /v2/{project_id}/desktops`), the desktop inventory:
//! its filters and their checks, its page size, its key, one page's
//! request (from the generated client) and the only decoder of its answer.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use huaweicloud_workspace_api::types::{ListDesktopsResponse, SimpleDesktopInfo};

use crate::answer::Answer;
use crate::checks::{IdList, check_ids, check_text};
use crate::classify::Failure;
use crate::error::Error;
use crate::inventory::model::Desktop;
use crate::list::read::Shape;
use crate::list::{self, Counted, ListRequest, Listed};
use crate::operation::build_error;
use crate::ops::Maybe;

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
#[derive(Debug, Default)]
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
    type Wire = ListDesktopsResponse;
    type WireItem = SimpleDesktopInfo;
    const NAME: &'static str = "ListDesktops";
    const SHAPE: Shape = Shape::new("total_count", "desktops", "desktop", "desktop_id");

    fn key(item: &Desktop) -> &str {
        &item.desktop_id
    }

    fn split(page: ListDesktopsResponse) -> (Option<i64>, Vec<SimpleDesktopInfo>) {
        (page.total_count, page.desktops)
    }

    fn take_key(item: &mut SimpleDesktopInfo) -> Option<String> {
        item.desktop_id.take()
    }

    fn read(
        &self,
        _answer: &Answer,
        key: String,
        item: SimpleDesktopInfo,
    ) -> Result<Desktop, Failure> {
        // A `created` that is not RFC 3339 is unknown, not an error.
        let created = item.created.as_deref().and_then(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .ok()
        });
        // The user's own entry among those attached, else the only one.
        let user_domain = item
            .attach_user_infos
            .iter()
            .find(|u| u.user_name.is_some() && u.user_name == item.user_name)
            .or(match item.attach_user_infos.as_slice() {
                [only] => Some(only),
                _ => None,
            })
            .and_then(|u| u.domain.clone())
            .filter(|d| !d.trim().is_empty());
        Ok(Desktop {
            desktop_id: key,
            computer_name: item.computer_name,
            user_name: item.user_name,
            user_domain,
            attached_users: item
                .attach_user_infos
                .into_iter()
                .filter_map(|u| u.user_name)
                .collect(),
            status: item.status,
            connect_status: item.connect_status,
            pool_id: item.pool_id,
            enterprise_project_id: item.enterprise_project_id,
            created,
            ip_address: item.ip_address,
            desktop_type: item.desktop_type,
            availability_zone: item.availability_zone,
            tags: item
                .tags
                .into_iter()
                .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
                .collect(),
        })
    }

    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        project_id: &str,
        offset: i32,
        limit: u32,
    ) -> Result<reqwest::Request, Error> {
        let f = &*self.filters;
        api.list_desktops()
            .project_id(project_id)
            .offset(offset)
            .limit(limit as i32)
            .maybe(self.ids.as_deref(), |b, ids| {
                b.desktop_id(ids.join(",").as_str())
            })
            .maybe(f.user_name.as_deref(), |b, v| b.user_name(v))
            .maybe(f.computer_name.as_deref(), |b, v| b.computer_name(v))
            .maybe(f.desktop_ip.as_deref(), |b, v| b.desktop_ip(v))
            .maybe(f.status.as_deref(), |b, v| b.status(v))
            .maybe(f.pool_id.as_deref(), |b, v| b.pool_id(v))
            .maybe(f.enterprise_project_id.as_deref(), |b, v| {
                b.enterprise_project_id(v)
            })
            .maybe(f.desktop_type.as_deref(), |b, v| b.desktop_type(v))
            .maybe(f.tag.as_deref(), |b, v| b.tag(v))
            .build_request()
            .map_err(build_error)
    }
}

/// Decodes one answer of `ListDesktops` as a query does: the status and
/// `error_code` checks, then the page (at most `limit` desktops, each with
/// an id and once; `created` read as RFC 3339, unknown when it is not).
pub fn desktops_page(answer: &Answer, limit: u32) -> Result<Counted<Desktop>, Error> {
    list::decode_page(&InventoryListing::default(), answer, limit)
}
