//! `workspace-sim`: serves the desktop-usage simulator until Ctrl-C.
//!
//! The first stdout line is the base URL; then `project_id=`, `ak=`, `sk=`
//! (and `security_token=` when given) lines, so scripts can read them.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use huaweicloud_workspace_sim::{FaultConfig, FaultKind, Simulator};

/// A local simulator of Huawei Cloud Workspace's desktop-usage operations:
/// the per-day usage, the desktop and user usage metrics, the desktop list.
#[derive(Debug, Parser)]
#[command(name = "workspace-sim", version)]
struct Args {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Number of desktops in the fleet.
    #[arg(long, default_value_t = 200)]
    desktops: usize,
    /// Seed of the fleet, default credentials and faults.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Access key to accept (default: derived from the seed).
    #[arg(long, requires = "sk")]
    ak: Option<String>,
    /// Secret key of --ak.
    #[arg(long, requires = "ak")]
    sk: Option<String>,
    /// Security token signed requests must carry.
    #[arg(long)]
    security_token: Option<String>,
    /// IAM token to accept in X-Auth-Token (repeatable).
    #[arg(long)]
    iam_token: Vec<String>,
    /// Project id the path must carry.
    #[arg(long)]
    project_id: Option<String>,
    /// Fixed latency added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Extra random latency, up to this many milliseconds.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Fraction of requests (0 to 1) answered with an injected fault.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Answer every k-th request (across all clients) with a fault instead,
    /// the kinds in turn.
    #[arg(long, value_name = "K", conflicts_with = "fault_rate",
          value_parser = clap::value_parser!(u64).range(1..))]
    fault_every: Option<u64>,
    /// Requests per second allowed per access key (token bucket).
    #[arg(long)]
    rate_limit: Option<f64>,
    /// Send use_time as JSON strings instead of numbers.
    #[arg(long)]
    string_hours: bool,
    /// Do not lock an access key after five bad signatures.
    #[arg(long)]
    no_lockout: bool,
    /// The simulator's "today" (UTC), yyyy-MM-dd: default ranges, the
    /// metrics' 180-day window and creation dates (default: the real date).
    #[arg(long)]
    today: Option<chrono::NaiveDate>,
    /// Answer ListDesktops with 403, as a policy without the desktop list.
    #[arg(long)]
    deny_inventory: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let mut b = Simulator::builder()
        .desktops(args.desktops)
        .seed(args.seed)
        .addr(SocketAddr::new(args.bind, args.port))
        .latency(
            Duration::from_millis(args.latency_ms),
            Duration::from_millis(args.jitter_ms),
        )
        .faults(match args.fault_every {
            Some(k) => FaultConfig::every(k, FaultKind::ALL),
            None => FaultConfig {
                rate: args.fault_rate,
                ..FaultConfig::default()
            },
        })
        .string_hours(args.string_hours)
        .lockout(!args.no_lockout)
        .deny_inventory(args.deny_inventory);
    if let Some(today) = args.today {
        b = b.today(today);
    }
    if let (Some(ak), Some(sk)) = (args.ak, args.sk) {
        b = b.access_key(ak, sk);
    }
    if let Some(t) = args.security_token {
        b = b.security_token(t);
    }
    for t in args.iam_token {
        b = b.iam_token(t);
    }
    if let Some(p) = args.project_id {
        b = b.project_id(p);
    }
    if let Some(r) = args.rate_limit {
        b = b.rate_limit(r);
    }
    let sim = b.start().await.context("starting the simulator")?;
    let creds = sim.credentials();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", sim.base_url())?;
        writeln!(out, "project_id={}", sim.project_id())?;
        writeln!(out, "ak={}", creds.access_key())?;
        // Printing the SK is the point: it is a local test credential.
        writeln!(out, "sk={}", creds.secret_key().expose())?;
        if let Some(t) = creds.security_token() {
            writeln!(out, "security_token={}", t.expose())?;
        }
        writeln!(out, "desktops={}", sim.fleet().desktops().len())?;
        out.flush()?;
    }
    eprintln!("workspace-sim: serving; Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    let stats = sim.stats();
    sim.shutdown().await;
    eprintln!("workspace-sim: stopped; {stats:?}");
    Ok(())
}
