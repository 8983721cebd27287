//! `--demo`: an embedded simulator on a free loopback port.

use chrono::NaiveDate;
use huaweicloud_workspace::{Client, ClientBuilder, Credentials};
use huaweicloud_workspace_sim::{RunningSimulator, Simulator};

use crate::failure::Failure;
use crate::logging::say;

/// Desktops in the demo fleet.
pub const DEMO_DESKTOPS: usize = 300;

/// The demo fleet's seed: the same numbers on every machine, for a given day.
pub const DEMO_SEED: u64 = 2024;

/// Starts the simulator with its own credentials, "today" being the real UTC today,
/// and says on stderr that what follows is a simulation (unless `quiet`:
/// the table's caption and the json's absence of a cloud still say so).
pub async fn start(today: NaiveDate, quiet: bool) -> Result<RunningSimulator, String> {
    let sim = Simulator::builder()
        .desktops(DEMO_DESKTOPS)
        .seed(DEMO_SEED)
        .today(today)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    if !quiet {
        say(&format!(
            "desktop-usage: --demo: SIMULATION. Querying an embedded simulator at {} \
             ({DEMO_DESKTOPS} made-up desktops, seed {DEMO_SEED}); no cloud is contacted \
             and credentials in the environment are ignored.",
            sim.base_url()
        ));
    }
    Ok(sim)
}

/// A client for the simulator: its endpoint, project and credentials, with the
/// other settings (concurrency, timeout, retries) from the command line.
pub fn client(sim: &RunningSimulator, builder: ClientBuilder) -> Result<Client, Failure> {
    Ok(builder
        .endpoint(sim.base_url())
        .project_id(sim.project_id())
        .credentials(Credentials::AccessKey(sim.credentials()))
        .build()?)
}
