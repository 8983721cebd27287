//! One module per API operation: its request (built by the generated
//! client) and the only decoder of its answer.

pub(crate) mod desktop_metrics;
pub(crate) mod desktops;
pub(crate) mod metrics;
pub(crate) mod projects;
pub(crate) mod used;
pub(crate) mod user_metrics;
