//! The runs of each contender in one scenario, and the check that they all
//! got the same answer.

use anyhow::{Result, bail};

use crate::bench::contender::{Contender, Outcome, Tools, run_once};
use crate::bench::sim::Sim;
use crate::bench::stats::median;

/// The runs of one contender in one scenario.
#[derive(Debug, Clone)]
pub(super) struct Series {
    pub(super) contender: Contender,
    pub(super) runs: Vec<Outcome>,
}

impl Series {
    pub(super) fn ok(&self) -> Vec<&Outcome> {
        self.runs.iter().filter(|o| o.error.is_none()).collect()
    }

    pub(super) fn median_seconds(&self) -> f64 {
        let secs: Vec<f64> = self.ok().iter().map(|o| o.seconds).collect();
        median(&secs)
    }

    pub(super) fn median_inner(&self) -> Option<f64> {
        let secs: Vec<f64> = self.ok().iter().filter_map(|o| o.inner_seconds).collect();
        (!secs.is_empty()).then(|| median(&secs))
    }

    pub(super) fn median_of(&self, f: impl Fn(&Outcome) -> u64) -> f64 {
        let xs: Vec<f64> = self.runs.iter().map(|o| f(o) as f64).collect();
        median(&xs)
    }

    pub(super) fn first_error(&self) -> Option<&str> {
        self.runs.iter().find_map(|o| o.error.as_deref())
    }
}

/// Checks that every contender that finished got the same answer.
fn agreement(series: &[Series]) -> Result<String> {
    let mut reference: Option<(Contender, (u64, u64, u64))> = None;
    for s in series {
        for o in s.ok() {
            let (Some(d), Some(p), Some(h)) = (o.desktops, o.periods, o.hundredths) else {
                continue;
            };
            match reference {
                None => reference = Some((s.contender, (d, p, h))),
                Some((who, r)) if r != (d, p, h) => bail!(
                    "the contenders disagree: {} saw {:?} (desktops, periods, hundredths), {} saw {:?}",
                    who.label(),
                    r,
                    s.contender.label(),
                    (d, p, h)
                ),
                Some(_) => {}
            }
        }
    }
    Ok(match reference {
        Some((_, (d, p, h))) => format!(
            "Every contender returned the same data: {d} desktops, {p} periods, {}.{:02} hours in total.",
            h / 100,
            h % 100
        ),
        None => "No contender's answer could be checked.".to_string(),
    })
}

/// Runs the contenders `runs` times in turn (plus one untimed verification
/// run of the CLI that reads its rows).
pub(super) fn series(
    tools: &Tools,
    contenders: &[Contender],
    sim: &dyn Fn() -> Result<Sim>,
    range: (&str, &str),
    runs: usize,
) -> Result<(Vec<Series>, String)> {
    let mut all: Vec<Series> = contenders
        .iter()
        .map(|&c| Series {
            contender: c,
            runs: Vec::new(),
        })
        .collect();
    let mut verified = Series {
        contender: Contender::Cli,
        runs: Vec::new(),
    };
    if contenders.contains(&Contender::Cli) {
        eprintln!("xtask bench:   verification run of the CLI");
        verified
            .runs
            .push(run_once(Contender::Cli, tools, sim()?, range, true, None)?);
    }
    for i in 0..runs {
        for series in &mut all {
            if series.contender == Contender::Official && tools.python.is_none() {
                continue;
            }
            eprintln!(
                "xtask bench:   run {}/{}: {}",
                i + 1,
                runs,
                series.contender.label()
            );
            let o = run_once(series.contender, tools, sim()?, range, false, None)?;
            if let Some(e) = &o.error {
                eprintln!("xtask bench:     failed: {e}");
            }
            series.runs.push(o);
        }
    }
    // Agreement takes the CLI's verified rows in place of its timed runs.
    let mut checked: Vec<Series> = all
        .iter()
        .filter(|x| x.contender != Contender::Cli)
        .cloned()
        .collect();
    checked.push(verified);
    let check = agreement(&checked)?;
    Ok((all, check))
}

pub(super) fn facade_concurrency(all: &[Series]) -> Option<u64> {
    all.iter()
        .filter(|s| s.contender == Contender::Facade)
        .flat_map(|s| s.ok())
        .find_map(|o| o.concurrency)
}
