//! Section 3 of `cargo xtask bench`: the year against a simulator that
//! answers 429 beyond a rate limit, against pages ÷ limit.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::bench::bins::Bins;
use crate::bench::contender::{Contender, Tools};
use crate::bench::report::{Section, ratio, secs};
use crate::bench::series::series;
use crate::bench::sim::Sim;
use crate::bench::stats::min_max;
use crate::bench::{PAGE_SIZE, Settings, YEAR, YEAR_DAYS};

/// One throttled scenario: the year against a limit of `limit` requests
/// per second, `runs` runs of each contender.
pub(super) fn throttled_scenario(
    s: &Settings,
    bins: &Bins,
    python: Option<&Path>,
    root: &Path,
    (title, limit, runs): (&str, f64, usize),
    contenders: &[Contender],
) -> Result<Section> {
    eprintln!("xtask bench: {title}");
    let fleet = s.fleet;
    let sim = || Sim::start(&bins.sim, fleet, 0, Some(limit));
    let tools = Tools { bins, python, root };
    let (all, check) = series(&tools, contenders, &sim, YEAR, runs)?;
    let windows = YEAR_DAYS.div_ceil(31);
    let pages = windows * fleet.div_ceil(PAGE_SIZE);
    let floor = pages as f64 / limit;
    let mut table = String::from(
        "| contender | median | min – max | requests sent | answered 429 | share 429 | vs pages ÷ limit |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut findings = Vec::new();
    for x in &all {
        let ok = x.ok();
        let med = x.median_seconds();
        let (lo, hi) = min_max(&ok.iter().map(|o| o.seconds).collect::<Vec<_>>());
        let requests = x.median_of(|o| o.requests);
        let throttled = x.median_of(|o| o.throttled);
        let share = if requests > 0.0 {
            throttled / requests
        } else {
            f64::NAN
        };
        let _ = writeln!(
            table,
            "| {} | {} | {} – {} | {:.0} | {:.0} | {:.1} % | {} |",
            x.contender.label(),
            secs(med),
            secs(lo),
            secs(hi),
            requests,
            throttled,
            share * 100.0,
            ratio(med / floor),
        );
        if let Some(e) = x.first_error() {
            findings.push(format!(
                "{} failed in {} of {} runs: {e}",
                x.contender.label(),
                x.runs.len() - ok.len(),
                x.runs.len()
            ));
        }
        if matches!(x.contender, Contender::Cli | Contender::Facade) && !ok.is_empty() {
            findings.push(format!(
                "Target for {}: within 1.15× of pages ÷ limit ({}: {}) with at most 5 % throttled ({:.1} %: {}).",
                x.contender.label(),
                ratio(med / floor),
                if med / floor <= 1.15 { "met" } else { "missed" },
                share * 100.0,
                if share <= 0.05 { "met" } else { "missed" },
            ));
        }
    }
    let _ = writeln!(
        table,
        "| pages ÷ limit: {pages} ÷ {limit} /s | {} | | {pages} | | | 1.00× |",
        secs(floor)
    );
    findings.insert(0, check);
    Ok(Section {
        title: title.to_string(),
        setup: format!(
            "Simulator: {fleet} desktops, no injected latency, a token bucket of {limit} requests per second \
             per access key (burst {limit}), answering 429 `APIG.0308` beyond it; range {} to {} (365 days). \
             Requests and 429s are the simulator's own counts. The bucket starts full, so the true minimum \
             is (pages − {limit}) ÷ limit, just under pages ÷ limit. The official SDK retries nothing by default. \
             {} run(s) of each contender.",
            YEAR.0, YEAR.1, runs
        ),
        table,
        findings,
    })
}
