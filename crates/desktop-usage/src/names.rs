//! Names for desktop ids: one inventory pass (`ListDesktops`) per run. A
//! report never fails for lack of names: when the inventory cannot be read
//! (a policy may allow usage statistics but not the desktop list), the run
//! goes on without them and says so once. [`stream_into`] reads them
//! while the usage query goes on.

use std::collections::BTreeSet;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use huaweicloud_workspace::{Client, DesktopListQuery, DesktopUsage, Error as ApiError};

use crate::emit::Emitter;
use crate::failure::Failure;
use crate::logging::say;
use crate::output::Sink;
use crate::progress::Progress;
use crate::rows::{Named, Names};

/// Inventory pages in flight at once (a page lists up to 1,000 desktops).
const INVENTORY_CONCURRENCY: usize = 2;

/// The inventory of a run: known already, or to be read.
pub enum Pending {
    /// Known (or not wanted: `None`).
    Ready(Option<Arc<Names>>),
    /// To be read once the usage query has answered: a run whose
    /// credentials are refused sends one bad signature, not two (five in a
    /// row lock the key), and the names cost one round trip at most. The
    /// read may take at most the duration given (see [`Pending::of`]).
    Deferred(Box<DesktopListQuery>, Keep, Duration),
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
    /// the `--desktop` ones (batches of 100), given at most `budget` (the
    /// time of one attempt, `--timeout`): names are optional, so an
    /// inventory that answers slowly, or retries, costs the run its names,
    /// never more time than that.
    pub fn of(client: &Client, ids: &[String], keep: Keep, budget: Duration) -> Pending {
        // Its own places in flight, not the client's shared adaptive ones:
        // it is read while the usage stream is paused on its first desktop,
        // and that stream's requests may hold every shared place until it
        // is polled again.
        let mut query = client.desktops().concurrency(INVENTORY_CONCURRENCY);
        if !ids.is_empty() {
            query = query.desktop_ids(ids.iter().cloned());
        }
        Pending::Deferred(Box::new(query), keep, budget)
    }

    /// The names; `None`, with one warning on stderr (unless `quiet`),
    /// when the inventory could not be read.
    pub async fn wait(self, quiet: bool) -> Option<Arc<Names>> {
        let (query, keep, budget) = match self {
            Pending::Ready(names) => return names,
            Pending::Deferred(query, keep, budget) => (query, keep, budget),
        };
        let why = match tokio::time::timeout(budget, collect(*query, keep)).await {
            Ok(Ok(names)) => return Some(Arc::new(names)),
            Ok(Err(error)) => format!("the desktop list could not be read ({error})"),
            Err(_) => format!(
                "the desktop list did not answer within {} s (--timeout)",
                budget.as_secs()
            ),
        };
        if !quiet {
            crate::progress::above(|| {
                say(&format!(
                    "desktop-usage: warning: desktop names are not shown: {why}; the usage is \
                     complete without them (--no-names skips the list)"
                ))
            });
        }
        None
    }
}

/// Desktops held while the names are read (a year's desktop is about
/// 15 KB): enough for the usage query to go on issuing its requests over
/// most of the inventory's round trips, few enough for a year of 20,000
/// desktops to stay under 40 MB (200 raised its peak by about 1.5 MB and
/// saved 20 ms of a latency-bound year of 2,000).
const HELD_WHILE_NAMING: usize = 100;

/// Streams the desktops into the emitter. The inventory is read once the
/// usage query has answered (its first page, its first desktop or its
/// end), so none is asked for when the usage query fails. Meanwhile the
/// usage stream is still polled, so its requests keep going out (up to
/// [`HELD_WHILE_NAMING`] desktops wait for their names).
pub async fn stream_into(
    desktops: impl futures::Stream<Item = Result<DesktopUsage, ApiError>>,
    emitter: Emitter<Sink>,
    (names, progress): (Pending, &Progress),
    show_ids: bool,
    quiet: bool,
) -> Result<(Sink, usize), Failure> {
    let mut stream = pin!(desktops);
    let mut held = Vec::new();
    let mut usage_done = false;
    tokio::select! {
        () = progress.first_page() => {}
        next = stream.next() => match next {
            Some(desktop) => held.push(desktop?),
            None => usage_done = true,
        },
    }
    let mut naming = pin!(names.wait(quiet));
    let names = loop {
        tokio::select! {
            names = &mut naming => break names,
            next = stream.next(), if !usage_done && held.len() < HELD_WHILE_NAMING => {
                match next {
                    Some(desktop) => held.push(desktop?),
                    None => usage_done = true,
                }
            }
        }
    };
    let mut emitter = emitter.with_names(names, show_ids);
    for desktop in held {
        emitter.push(desktop)?;
    }
    if !usage_done {
        while let Some(desktop) = stream.next().await {
            emitter.push(desktop?)?;
        }
    }
    // Before the held output (a table, sorted rows) is written: on a
    // terminal that also shows stdout, a bar still drawn would stay above it.
    progress.finish();
    let seen = emitter.seen();
    Ok((emitter.finish()?, seen))
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

/// The users named `name` in the inventory (compared without case, as
/// the directory does), each as the service spells it and with its domain
/// (`None`: the main domain), for `--user`: the usage operation matches
/// the exact spelling, and a user outside the main domain only with its
/// domain. Empty when the inventory has no such user; `None` when it
/// cannot be read (the run goes on as asked), but refused credentials are
/// the run's error: a second request with them would be one more bad
/// signature towards the key's lock-out.
pub async fn users_named(
    client: &Client,
    name: &str,
) -> Result<Option<BTreeSet<(String, Option<String>)>>, ApiError> {
    let listed: Result<Vec<huaweicloud_workspace::Desktop>, ApiError> = client
        .desktops()
        .concurrency(INVENTORY_CONCURRENCY)
        .user_name(name.trim())
        .into_stream()
        .try_collect()
        .await;
    let desktops = match listed {
        Ok(desktops) => desktops,
        Err(e) if e.class() == huaweicloud_workspace::ErrorClass::Authentication => {
            return Err(e);
        }
        Err(_) => return Ok(None),
    };
    Ok(Some(
        desktops
            .into_iter()
            .filter_map(|d| {
                let user = d.user_name?;
                user.eq_ignore_ascii_case(name.trim())
                    .then_some((user, d.user_domain))
            })
            .collect(),
    ))
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
