//! Runs the per-day commands (`report`, `idle`, `users-daily`): resolves
//! the range, streams the query into the emitter, and commits the output.
//! The client comes from [`Session`].

use std::collections::BTreeSet;
use std::fmt;
use std::io::IsTerminal;

use chrono::NaiveDate;
use futures::StreamExt;
use huaweicloud_workspace::{Client, DesktopUsageQuery, GroupBy};

use crate::cli::OutputArgs;
use crate::cli::global::GlobalArgs;
use crate::cli::usage::{GroupByArg, NamesArgs, QueryArgs, SortArgs};
use crate::emit::{Emitter, Kind};
use crate::failure::Failure;
use crate::logging::say;
use crate::names;
use crate::output::{Format, Sink};
use crate::progress::Progress;
use crate::session::Session;

/// The range the query covers, as the CLI resolved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// No dates: the API's latest 15 days.
    ApiDefault,
    /// These days, both included (UTC).
    Days(NaiveDate, NaiveDate),
}

impl Range {
    /// Resolves `--from/--to` or `--last` against `today` (UTC); `--last`
    /// may reach back as far as the calendar goes, not further.
    pub fn resolve(query: &QueryArgs, today: NaiveDate) -> Result<Range, Failure> {
        Ok(match (query.from, query.to, query.last) {
            (Some(from), Some(to), _) => Range::Days(from, to),
            (_, _, Some(n)) => {
                let from = today
                    .checked_sub_days(chrono::Days::new(u64::from(n.saturating_sub(1))))
                    .ok_or_else(|| {
                        Failure::Usage(format!(
                            "invalid --last: {n}d before {today} is before {}, the first day \
                             the calendar can hold",
                            NaiveDate::MIN
                        ))
                    })?;
                Range::Days(from, today)
            }
            _ => Range::ApiDefault,
        })
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Range::ApiDefault => f.write_str("the latest 15 days (the API's default range, UTC)"),
            Range::Days(from, to) => {
                let days = (*to - *from).num_days() + 1;
                let unit = if days == 1 { "day" } else { "days" };
                write!(f, "{from} to {to} ({days} {unit}, UTC)")
            }
        }
    }
}

/// The caption over a table: what the numbers cover.
pub fn caption(kind: Kind, query: &QueryArgs, range: Range, demo: bool) -> String {
    let what = match kind {
        Kind::Report => "Desktop usage".to_string(),
        Kind::Idle { threshold } => format!("Idle desktops (at most {threshold} h)"),
        Kind::UsersDaily => "Usage per user (from the per-day usage)".to_string(),
    };
    let mut text = format!("{what}, {range}");
    text.push_str(match query.group_by {
        GroupByArg::Day => ", per day",
        GroupByArg::Hour => ", per hour",
    });
    if let Some(user) = &query.user {
        text.push_str(&format!(", user {user}"));
    }
    if let Some(domain) = &query.domain {
        text.push_str(&format!(", domain {domain}"));
    }
    if !query.desktops.is_empty() {
        let n = query.desktops.len();
        text.push_str(&format!(
            ", {n} selected desktop{}",
            if n == 1 { "" } else { "s" }
        ));
    }
    if demo {
        text.push_str(" [SIMULATED DATA]");
    }
    text
}

/// Runs `report`, `idle` or `users-daily` end to end.
pub async fn run(
    global: &GlobalArgs,
    kind: Kind,
    query_args: &QueryArgs,
    (names_args, sort): (&NamesArgs, SortArgs),
    output: &OutputArgs,
) -> Result<(), Failure> {
    check_filters(query_args)?;
    let today = global.today();
    let range = Range::resolve(query_args, today)?;
    // The output file is created before anything is sent: a path that
    // cannot be written is a usage error found before any request.
    let sink = Sink::create(output.output.as_deref())?;
    let session = Session::open(global, today).await?;
    // Rows written as they come to the terminal that shows the bar would
    // be drawn over by it: the bar is for output held until the end.
    let rows_on_terminal =
        output.format != Format::Table && !output.writes_file() && std::io::stdout().is_terminal();
    let progress = Progress::new(global.quiet || rows_on_terminal);
    let result = run_usage(
        &session.client,
        (global, &progress),
        kind,
        query_args,
        (names_args, sort),
        (range, today),
        (sink, output.format, output.charts()),
    )
    .await;
    session.close().await;
    let (sink, unknown) = result?;
    sink.commit()?;
    if unknown.is_empty() {
        return Ok(());
    }
    // `idle` would call a mistyped desktop not idle: a failure. The other
    // commands' rows are complete for the ids that exist.
    match kind {
        Kind::Idle { .. } => Err(Failure::UnknownDesktops(unknown)),
        _ => {
            if !global.quiet {
                say(&format!(
                    "desktop-usage: warning: {}",
                    unknown_ids_message(&unknown)
                ));
            }
            Ok(())
        }
    }
}

async fn run_usage(
    client: &Client,
    (global, progress): (&GlobalArgs, &Progress),
    kind: Kind,
    query_args: &QueryArgs,
    (names_args, sort): (&NamesArgs, SortArgs),
    (range, today): (Range, NaiveDate),
    (sink, format, charts): (Sink, Format, bool),
) -> Result<(Sink, Vec<String>), Failure> {
    let mut query = build_query(client, query_args, range, today, global, progress);
    query.validate()?;
    if let (Some(user), None) = (&query_args.user, &query_args.domain)
        && let Some((name, domain)) = as_stored(client, user, global.quiet).await?
    {
        query = query.username(name);
        if let Some(domain) = domain {
            query = query.user_domain(domain);
        }
    }
    let wants_names = !matches!(kind, Kind::UsersDaily) && !global.no_names;
    let mut nothing_matched = false;
    let inventory = match &names_args.name {
        // --name: which desktops, from the inventory, before the usage.
        Some(text) => {
            let named = names::matching(client, text, &query_args.desktops).await?;
            if named.is_empty() {
                nothing_matched = true;
                if !global.quiet {
                    say(&format!(
                        "desktop-usage: note: no desktop's computer name contains {:?}",
                        crate::sanitize::for_terminal(text)
                    ));
                }
            } else {
                query = query.desktop_ids(named.keys().cloned());
            }
            names::Pending::Ready(Some(std::sync::Arc::new(named)))
        }
        None if wants_names => {
            let keep = match kind {
                Kind::Idle { .. } => names::Keep::NamesAndState,
                _ => names::Keep::Names,
            };
            names::Pending::of(client, &query_args.desktops, keep, global.attempt_timeout())
        }
        None => names::Pending::Ready(None),
    };
    let caption = caption(kind, query_args, range, global.demo);
    let width = sink.terminal_width();
    let mut emitter = Emitter::new(kind, format, caption, sink)
        .fit_to(width)
        .with_sort(sort.order())
        .arriving_by_id(query.streams_by_id());
    if charts {
        emitter = emitter.with_charts(match range {
            Range::Days(from, to) => Some((from, to)),
            Range::ApiDefault => None,
        });
    }
    // The asked ids the service does not list (the stream leaves them out;
    // only the library's `send` names them). With --name the inventory
    // already narrowed the ids, so a missing one may just not match.
    let unlisted = std::cell::RefCell::new(if names_args.name.is_none() {
        query_args.desktops.iter().cloned().collect()
    } else {
        BTreeSet::new()
    });
    let desktops = if nothing_matched {
        futures::stream::empty().boxed_local()
    } else {
        query
            .into_stream()
            .inspect(|desktop| {
                if let Ok(desktop) = desktop {
                    unlisted.borrow_mut().remove(&desktop.desktop_id);
                }
            })
            .boxed_local()
    };
    let result = names::stream_into(
        desktops,
        emitter,
        (inventory, progress),
        names_args.ids,
        global.quiet,
    )
    .await;
    progress.finish();
    if let Ok((_, 0)) = &result
        && query_args.user.is_some()
        && query_args.domain.is_none()
        && !global.quiet
    {
        say(
            "desktop-usage: note: no desktop matched --user; users outside the main domain \
             also need --domain <DOMAIN>",
        );
    }
    let (sink, _) = result?;
    Ok((sink, unlisted.into_inner().into_iter().collect()))
}

/// `--user` as the inventory spells it and in its domain, when it
/// differs from what was typed: the usage operation matches the exact
/// name, in the main domain unless told otherwise, so the name as the
/// README shows it (any case, any domain) finds the user.
async fn as_stored(
    client: &Client,
    user: &str,
    quiet: bool,
) -> Result<Option<(String, Option<String>)>, Failure> {
    let Some(found) = names::users_named(client, user).await? else {
        return Ok(None);
    };
    let shown = |d: &str| crate::sanitize::for_terminal(d).into_owned();
    let mut found = found.into_iter();
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some((name, domain)), None) => {
            if name == user && domain.is_none() {
                return Ok(None);
            }
            if !quiet {
                let in_domain = domain.as_deref().map_or_else(
                    || " (main domain)".to_string(),
                    |d| {
                        format!(
                            " in domain {} (--domain {} skips the lookup)",
                            shown(d),
                            shown(d)
                        )
                    },
                );
                say(&format!(
                    "desktop-usage: note: --user {}: the inventory has {}{in_domain}",
                    shown(user),
                    shown(&name)
                ));
            }
            Ok(Some((name, domain)))
        }
        (Some(first), Some(second)) => {
            let all: Vec<String> = [first, second]
                .into_iter()
                .chain(found)
                .map(|(n, d)| {
                    format!(
                        "{} ({})",
                        shown(&n),
                        shown(d.as_deref().unwrap_or("main domain"))
                    )
                })
                .collect();
            Err(Failure::Usage(format!(
                "--user {}: the inventory has several users of that name: {}; pass --user with \
                 the exact name and --domain <DOMAIN> to say which",
                shown(user),
                all.join(", ")
            )))
        }
    }
}

/// The words for asked ids the service does not know.
pub fn unknown_ids_message(ids: &[String]) -> String {
    let n = ids.len();
    let (them, are) = if n == 1 {
        ("desktop id", "is")
    } else {
        ("desktop ids", "are")
    };
    format!(
        "{n} {them} given with --desktop {are} not known to the service: {} (a typo, or a \
         desktop of another project or region)",
        ids.join(", ")
    )
}

/// Filter rules the CLI states in its own words, before the library sees them.
fn check_filters(args: &QueryArgs) -> Result<(), Failure> {
    if args.domain.is_some() && args.user.is_none() {
        return Err(Failure::Usage(
            "invalid --domain: it qualifies a user name, so --user <NAME> is required too"
                .to_string(),
        ));
    }
    Ok(())
}

fn build_query(
    client: &Client,
    args: &QueryArgs,
    range: Range,
    today: NaiveDate,
    global: &GlobalArgs,
    progress: &Progress,
) -> DesktopUsageQuery {
    let mut query = client
        .desktop_usage()
        .today(today)
        .group_by(match args.group_by {
            GroupByArg::Day => GroupBy::Day,
            GroupByArg::Hour => GroupBy::Hour,
        });
    if let Range::Days(from, to) = range {
        query = query.range(from..=to);
    }
    if !args.desktops.is_empty() {
        query = query.desktop_ids(args.desktops.iter().cloned());
    }
    if let Some(user) = &args.user {
        query = query.username(user.clone());
    }
    if let Some(domain) = &args.domain {
        query = query.user_domain(domain.clone());
    }
    if let Some(concurrency) = global.concurrency {
        query = query.concurrency(concurrency);
    }
    let progress = progress.clone();
    query.on_progress(move |p| progress.update(p.requests_done, p.requests_planned))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> QueryArgs {
        QueryArgs {
            from: None,
            to: None,
            last: None,
            desktops: vec![],
            user: None,
            domain: None,
            group_by: GroupByArg::Day,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn last_days_end_today() {
        let today = date(2024, 3, 1);
        let q = QueryArgs {
            last: Some(45),
            ..args()
        };
        assert_eq!(
            Range::resolve(&q, today).unwrap(),
            Range::Days(date(2024, 1, 17), today)
        );
        let q = QueryArgs {
            last: Some(1),
            ..args()
        };
        assert_eq!(
            Range::resolve(&q, today).unwrap(),
            Range::Days(today, today)
        );
        assert_eq!(Range::resolve(&args(), today).unwrap(), Range::ApiDefault);
    }

    #[test]
    fn last_days_reach_as_far_as_the_calendar() {
        let today = date(2024, 3, 1);
        let q = QueryArgs {
            last: Some(3651),
            ..args()
        };
        assert_eq!(
            Range::resolve(&q, today).unwrap(),
            Range::Days(date(2014, 3, 4), today)
        );
        let q = QueryArgs {
            last: Some(u32::MAX),
            ..args()
        };
        let text = Range::resolve(&q, today).unwrap_err().to_string();
        assert!(
            text.starts_with("invalid --last: 4294967295d before 2024-03-01"),
            "{text}"
        );
        assert_eq!(Failure::Usage(text).exit_code(), 2);
    }

    #[test]
    fn domain_needs_user_in_the_clis_words() {
        let q = QueryArgs {
            domain: Some("corp".into()),
            ..args()
        };
        let text = check_filters(&q).unwrap_err().to_string();
        assert!(
            text.contains("--domain") && text.contains("--user <NAME>"),
            "{text}"
        );
        let q = QueryArgs {
            domain: Some("corp".into()),
            user: Some("ann".into()),
            ..args()
        };
        assert!(check_filters(&q).is_ok());
    }

    #[test]
    fn captions_say_what_is_covered() {
        let q = QueryArgs {
            user: Some("alice".into()),
            desktops: vec!["d1".into()],
            ..args()
        };
        let range = Range::Days(date(2024, 1, 1), date(2024, 1, 31));
        assert_eq!(
            caption(Kind::Report, &q, range, true),
            "Desktop usage, 2024-01-01 to 2024-01-31 (31 days, UTC), per day, user alice, \
             1 selected desktop [SIMULATED DATA]"
        );
        assert_eq!(
            caption(Kind::UsersDaily, &args(), Range::ApiDefault, false),
            "Usage per user (from the per-day usage), the latest 15 days (the API's default range, UTC), per day"
        );
    }
}
