//! The operations the simulator serves, by the spec's names.

/// The operations the simulator serves, named as the spec's `operationId`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `list_used_desktop_info`: `POST /v2/{project_id}/desktops/statistics/used`.
    ListUsedDesktopInfo,
    /// `list_desktop_usage_metric`: `GET /v2/{project_id}/statistics/metrics/desktops`.
    ListDesktopUsageMetric,
    /// `list_user_usage_metric`: `GET /v2/{project_id}/statistics/metrics/users`.
    ListUserUsageMetric,
    /// `list_desktops`: `GET /v2/{project_id}/desktops`.
    ListDesktops,
    /// `list_login_records_new`: `GET /v2/{project_id}/connections/desktops`.
    ListLoginRecordsNew,
    /// `keystone_list_projects` (IAM): `GET /v3/projects?name={region}`.
    KeystoneListProjects,
}

impl Operation {
    /// Every operation, in declaration order.
    pub const ALL: [Operation; 6] = [
        Operation::ListUsedDesktopInfo,
        Operation::ListDesktopUsageMetric,
        Operation::ListUserUsageMetric,
        Operation::ListDesktops,
        Operation::ListLoginRecordsNew,
        Operation::KeystoneListProjects,
    ];

    /// The spec's `operationId` (also the generated builder's name).
    pub fn operation_id(self) -> &'static str {
        match self {
            Operation::ListUsedDesktopInfo => "list_used_desktop_info",
            Operation::ListDesktopUsageMetric => "list_desktop_usage_metric",
            Operation::ListUserUsageMetric => "list_user_usage_metric",
            Operation::ListDesktops => "list_desktops",
            Operation::ListLoginRecordsNew => "list_login_records_new",
            Operation::KeystoneListProjects => "keystone_list_projects",
        }
    }

    /// The operation with this `operationId`, if any.
    pub fn from_operation_id(id: &str) -> Option<Operation> {
        Operation::ALL
            .into_iter()
            .find(|op| op.operation_id() == id)
    }

    /// The HTTP method the operation answers.
    pub fn method(self) -> http::Method {
        match self {
            Operation::ListUsedDesktopInfo => http::Method::POST,
            _ => http::Method::GET,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}
