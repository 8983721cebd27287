//! What an inventory query returns: the desktops, as the service describes them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One desktop of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Desktop {
    /// The desktop id.
    pub desktop_id: String,
    /// The computer name administrators know it by (`WKS-FIN-042`).
    pub computer_name: Option<String>,
    /// The user it is assigned to.
    pub user_name: Option<String>,
    /// The domain of [`user_name`](Self::user_name), when the service names
    /// one (`attach_user_infos[].domain`); the usage operation finds a
    /// user outside the main domain only with it.
    pub user_domain: Option<String>,
    /// Every user attached to it (`attach_user_infos`).
    pub attached_users: Vec<String>,
    /// `ACTIVE`, `SHUTOFF`, …, as the service says.
    pub status: Option<String>,
    /// Whether someone is connected, as the service says.
    pub connect_status: Option<String>,
    /// The desktop pool, for pool desktops.
    pub pool_id: Option<String>,
    /// The enterprise project.
    pub enterprise_project_id: Option<String>,
    /// When it was created; `None` when not given or not RFC 3339.
    pub created: Option<DateTime<Utc>>,
    /// Its IP address.
    pub ip_address: Option<String>,
    /// `DEDICATED`, `SHARED`, ….
    pub desktop_type: Option<String>,
    /// Its availability zone.
    pub availability_zone: Option<String>,
    /// Its tags, `(key, value)`.
    pub tags: Vec<(String, String)>,
}

/// Every desktop of an inventory query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Inventory {
    /// The desktops, in the service's order, each once.
    pub desktops: Vec<Desktop>,
}

impl Inventory {
    /// The desktops by id, to join with usage.
    pub fn into_names(self) -> HashMap<String, Desktop> {
        self.desktops
            .into_iter()
            .map(|d| (d.desktop_id.clone(), d))
            .collect()
    }
}
