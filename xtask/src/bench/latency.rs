//! Sections 1 and 2 of `cargo xtask bench`: every contender against a
//! simulator with 50 ms latency on every answer, over a month and over a
//! year, against the floor the latency sets.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use crate::bench::bins::Bins;
use crate::bench::contender::{Contender, Tools};
use crate::bench::report::{Section, ratio, secs};
use crate::bench::series::{Series, facade_concurrency, series};
use crate::bench::sim::Sim;
use crate::bench::stats::min_max;
use crate::bench::{LATENCY_MS, PAGE_SIZE, Settings};

pub(super) fn latency_scenario(
    s: &Settings,
    bins: &Bins,
    python: Option<&Path>,
    root: &Path,
    title: &str,
    range: (&str, &str),
    days: u64,
) -> Result<Section> {
    eprintln!("xtask bench: {title}");
    let fleet = s.fleet;
    let sim = || Sim::start(&bins.sim, fleet, LATENCY_MS, None);
    let mut contenders = vec![Contender::Cli, Contender::Facade, Contender::Official];
    if days > 31 {
        contenders.insert(2, Contender::FacadeIds);
    }
    let tools = Tools { bins, python, root };
    let (all, check) = series(&tools, &contenders, &sim, range, s.runs)?;
    let concurrency =
        facade_concurrency(&all).context("the facade example reported no concurrency")?;
    let windows = days.div_ceil(31);
    let pages = windows * fleet.div_ceil(PAGE_SIZE);
    let latency = LATENCY_MS as f64 / 1000.0;
    let floor = latency * (1 + (pages - 1).div_ceil(concurrency)) as f64;
    let official = all
        .iter()
        .find(|x| x.contender == Contender::Official)
        .map_or(f64::NAN, Series::median_seconds);

    let mut table = String::from(
        "| contender | median | min – max | requests sent | vs official SDK | vs floor |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for x in &all {
        let med = x.median_seconds();
        let (lo, hi) = min_max(&x.ok().iter().map(|o| o.seconds).collect::<Vec<_>>());
        let _ = writeln!(
            table,
            "| {} | {} | {} – {} | {:.0} | {} | {} |",
            x.contender.label(),
            secs(med),
            secs(lo),
            secs(hi),
            x.median_of(|o| o.requests),
            if x.contender == Contender::Official {
                "1.00×".to_string()
            } else {
                format!("{} faster", ratio(official / med))
            },
            ratio(med / floor),
        );
    }
    let _ = writeln!(
        table,
        "| floor: {LATENCY_MS} ms × (1 + ⌈({pages} − 1) / {concurrency}⌉) | {} | | {pages} pages | | 1.00× |",
        secs(floor)
    );
    let mut findings = vec![check];
    if let Some(x) = all.iter().find(|x| x.contender == Contender::Official)
        && let Some(inner) = x.median_inner()
    {
        findings.push(format!(
            "The official SDK spends {} of its median inside the script (paging, decoding, summing); \
             the rest is starting Python and importing the SDK.",
            secs(inner)
        ));
    }
    for x in &all {
        if let Some(e) = x.first_error() {
            findings.push(format!("{} failed: {e}", x.contender.label()));
        }
    }
    if days > 31 {
        for x in all
            .iter()
            .filter(|x| matches!(x.contender, Contender::Cli | Contender::Facade))
        {
            let med = x.median_seconds();
            findings.push(format!(
                "Target for {}: ≥ 20× faster than the official SDK ({}: {}) and within 1.3× of the floor ({}: {}).",
                x.contender.label(),
                ratio(official / med),
                if official / med >= 20.0 { "met" } else { "missed" },
                ratio(med / floor),
                if med / floor <= 1.3 { "met" } else { "missed" },
            ));
        }
    }
    Ok(Section {
        title: title.to_string(),
        setup: format!(
            "Simulator: {fleet} desktops, {LATENCY_MS} ms injected latency on every answer, range {} to {} \
             ({days} days: {windows} window(s) of at most 31 days, {pages} pages of {PAGE_SIZE} at least). \
             The CLI writes ndjson to /dev/null; the facade example streams every desktop into a sink; \
             the official SDK pages with offset/limit=100, one request after the other{}. \
             The floor is the latency times the rounds of requests the minimum number of pages needs \
             after the first request, at the concurrency the facade ran at ({concurrency}: under the \
             default `auto`, the most requests it had in flight at once).",
            range.0,
            range.1,
            if days > 31 {
                ", over 31-day windows cut by hand"
            } else {
                ""
            },
        ),
        table,
        findings,
    })
}
