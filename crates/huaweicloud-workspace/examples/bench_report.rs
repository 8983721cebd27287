//! Streams a desktop-usage report through the facade into a sink and prints
//! what it saw: the contender "facade" of `cargo xtask bench`.
//!
//! ```text
//! HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... HUAWEICLOUD_SDK_PROJECT_ID=... \
//!   cargo run --release -p huaweicloud-workspace --example bench_report -- \
//!   --endpoint http://127.0.0.1:8080 --from 2024-01-01 --to 2024-12-30 [--concurrency auto|8]
//! ```
//!
//! Credentials and the project id come from the environment, as for any
//! application using the crate. `--fleet-ids SEED:DESKTOPS` passes every
//! desktop id of the simulator's fleet to the query (a diagnostic: a query
//! that knows its ids needs no discovery pass over a long range). Each desktop is written as one line (id,
//! user, every period and its hours) into `std::io::sink()`, so the cost of
//! formatting is paid as a real consumer would, but nothing is kept. The
//! last stdout line is JSON: `{"desktops":N,"periods":N,"hundredths":N,
//! "setting":"auto","concurrency":N,"limit":N,"seconds":F}`, where
//! `hundredths` is the exact total of every period, so the contenders'
//! answers can be checked against each other, `setting` the client's
//! concurrency setting (by default, the crate's default), `concurrency` the
//! concurrency it ran at (the fixed number, or under `auto` the most
//! requests it had in flight at once) and `limit` the adaptive limit at the end.

use std::io::Write as _;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use futures::TryStreamExt;
use huaweicloud_workspace::{Client, Concurrency};

struct Args {
    endpoint: String,
    from: NaiveDate,
    to: NaiveDate,
    concurrency: Option<Concurrency>,
    fleet_ids: Option<(u64, usize)>,
}

fn parse_args() -> Result<Args> {
    let mut endpoint = None;
    let mut from = None;
    let mut to = None;
    let mut concurrency = None;
    let mut fleet_ids = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--endpoint" => endpoint = Some(value),
            "--from" => from = Some(parse_date("--from", &value)?),
            "--to" => to = Some(parse_date("--to", &value)?),
            "--concurrency" => {
                concurrency = Some(
                    value
                        .parse::<Concurrency>()
                        .with_context(|| format!("--concurrency: {value:?}"))?,
                );
            }
            "--fleet-ids" => {
                let (seed, n) = value.split_once(':').with_context(|| {
                    format!("--fleet-ids: expected SEED:DESKTOPS, got {value:?}")
                })?;
                fleet_ids = Some((
                    seed.parse()
                        .context("--fleet-ids: the seed is not a number")?,
                    n.parse()
                        .context("--fleet-ids: the desktop count is not a number")?,
                ));
            }
            other => bail!(
                "unknown option {other} (known: --endpoint --from --to --concurrency --fleet-ids)"
            ),
        }
    }
    Ok(Args {
        endpoint: endpoint.context("--endpoint URL is required")?,
        from: from.context("--from YYYY-MM-DD is required")?,
        to: to.context("--to YYYY-MM-DD is required")?,
        concurrency,
        fleet_ids,
    })
}

fn parse_date(flag: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("{flag}: expected YYYY-MM-DD, got {text:?}"))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args()?;
    let started = Instant::now();
    let mut builder = Client::builder().endpoint(&args.endpoint);
    if let Some(n) = args.concurrency {
        builder = builder.concurrency(n);
    }
    let client = builder.build().context("building the client")?;
    let mut query = client.desktop_usage().range(args.from..=args.to);
    if let Some((seed, n)) = args.fleet_ids {
        let fleet = huaweicloud_workspace_sim::Fleet::new(seed, n);
        query = query.desktop_ids(fleet.desktops().iter().map(|d| d.id.clone()));
    }
    let mut stream = Box::pin(query.into_stream());
    let mut sink = std::io::BufWriter::new(std::io::sink());
    let (mut desktops, mut periods, mut hundredths) = (0u64, 0u64, 0u64);
    while let Some(desktop) = stream.try_next().await.context("querying")? {
        desktops += 1;
        write!(
            sink,
            "{} {}",
            desktop.desktop_id,
            desktop.username.as_deref().unwrap_or("-")
        )?;
        for p in &desktop.periods {
            periods += 1;
            hundredths += p.hours.hundredths();
            write!(sink, " {}={}", p.period, p.hours)?;
        }
        writeln!(sink)?;
    }
    sink.flush()?;
    let ran_at = match client.concurrency() {
        Concurrency::Auto => client.concurrency_peak(),
        Concurrency::Fixed(n) => n,
    };
    println!(
        "{{\"desktops\":{desktops},\"periods\":{periods},\"hundredths\":{hundredths},\"setting\":\"{}\",\"concurrency\":{ran_at},\"limit\":{},\"seconds\":{:.6}}}",
        client.concurrency(),
        client.concurrency_limit(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
