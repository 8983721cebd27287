//! Names for desktop ids: one inventory pass (`ListDesktops`) per run. A
//! report never fails for lack of names: when the inventory cannot be read
//! (a policy may allow usage statistics but not the desktop list), the run
//! goes on without them and says so once.

use std::sync::Arc;

use futures::TryStreamExt;
use huaweicloud_workspace::{Client, DesktopListQuery};

use crate::failure::Failure;
use crate::logging::say;
use crate::rows::{Named, Names};

/// Inventory pages in flight at once (a page lists up to 1,000 desktops).
const INVENTORY_CONCURRENCY: usize = 2;

/// The inventory of a run: known already, or to be read.
pub enum Pending {
    /// Known (or not wanted: `None`).
    Ready(Option<Arc<Names>>),
    /// To be read once the usage query has answered: a run whose
    /// credentials are refused sends one bad signature, not two (five in a
    /// row lock the key), and the names cost one round trip at most.
    Deferred(Box<DesktopListQuery>, Keep),
}

/// What a run keeps of each inventory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The computer name (what `report` shows).
    Names,
    /// The name, status and creation day (what `idle` shows).
    NamesAndState,
}

impl Pending {
    /// The inventory pass of a run: every desktop (⌈N/1000⌉ requests), or
    /// the `--desktop` ones (batches of 100).
    pub fn of(client: &Client, ids: &[String], keep: Keep) -> Pending {
        // Its own places in flight, not the client's shared adaptive ones:
        // it is read while the usage stream is paused on its first desktop,
        // and that stream's requests may hold every shared place until it
        // is polled again.
        let mut query = client.desktops().concurrency(INVENTORY_CONCURRENCY);
        if !ids.is_empty() {
            query = query.desktop_ids(ids.iter().cloned());
        }
        Pending::Deferred(Box::new(query), keep)
    }

    /// The names; `None`, with one warning on stderr (unless `quiet`),
    /// when the inventory could not be read.
    pub async fn wait(self, quiet: bool) -> Option<Arc<Names>> {
        let (query, keep) = match self {
            Pending::Ready(names) => return names,
            Pending::Deferred(query, keep) => (query, keep),
        };
        match collect(*query, keep).await {
            Ok(names) => Some(Arc::new(names)),
            Err(error) => {
                if !quiet {
                    say(&format!(
                        "desktop-usage: warning: desktop names are not shown: the desktop list \
                         could not be read ({error}); the usage is complete without them \
                         (--no-names skips the list)"
                    ));
                }
                None
            }
        }
    }
}

/// The desktops whose computer name contains `text` (the service's match),
/// restricted to `ids` when some were given. `--name` cannot work without
/// the inventory, so its errors are the run's.
pub async fn matching(client: &Client, text: &str, ids: &[String]) -> Result<Names, Failure> {
    let mut query = client.desktops().computer_name(text);
    if !ids.is_empty() {
        query = query.desktop_ids(ids.iter().cloned());
    }
    Ok(collect(query, Keep::NamesAndState).await?)
}

/// The inventory as it streams in, keeping of each desktop what rows show.
async fn collect(
    query: DesktopListQuery,
    keep: Keep,
) -> Result<Names, huaweicloud_workspace::Error> {
    query
        .into_stream()
        .map_ok(|desktop| {
            let id = desktop.desktop_id.clone().into_boxed_str();
            let named = match keep {
                Keep::NamesAndState => Named::from(desktop),
                // A fleet of 20,000 keeps 20,000 of these.
                Keep::Names => Named {
                    computer_name: desktop.computer_name.map(String::into_boxed_str),
                    ..Named::default()
                },
            };
            (id, named)
        })
        .try_collect()
        .await
}
