//! One module per API operation: its request (built by the generated
//! client) and the only decoder of its answer.

pub(crate) mod desktop_metrics;
pub(crate) mod desktop_usage;
pub(crate) mod desktops;
pub(crate) mod login_records;
pub(crate) mod metrics;
pub(crate) mod projects;
pub(crate) mod user_metrics;

/// Sets one optional query parameter on a generated builder: the builders
/// take values, not `Option`s, so each filter would otherwise be its own
/// `if let`, spelled out once more in every operation.
pub(crate) trait Maybe: Sized {
    /// `set(self, value)` when there is a value, else `self` unchanged.
    fn maybe<V>(self, value: Option<V>, set: impl FnOnce(Self, V) -> Self) -> Self {
        match value {
            Some(value) => set(self, value),
            None => self,
        }
    }
}

impl<B> Maybe for B {}
