//! Testing your own code against the simulator: a fixed fleet (seed and
//! size) and a fixed `today` give the same numbers on every machine and
//! every day, so a snapshot of your output stays true. Run the test with
//! `cargo test -p huaweicloud-workspace --example simulator_test`; the
//! program itself prints what the test snapshots.
//!
//! In your own crate:
//!
//! ```toml
//! [dev-dependencies]
//! huaweicloud-workspace-sim = "0.1"
//! insta = "1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```

use chrono::NaiveDate;
use huaweicloud_workspace::{Client, Credentials, Error};
use huaweicloud_workspace_sim::Simulator;

/// The code under test: a summary of the busiest desktops of a week.
async fn busiest(client: &Client, today: NaiveDate, n: usize) -> Result<String, Error> {
    let report = client
        .desktop_usage()
        // Without it, "the last 7 days" would move with the clock.
        .today(today)
        .last_days(7)
        .send()
        .await?;
    let mut totals: Vec<_> = report.totals_per_desktop().collect();
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut text = String::new();
    for (id, hours) in totals.into_iter().take(n) {
        text.push_str(&format!("{id} {hours}\n"));
    }
    text.push_str(&format!("total {}\n", report.total_hours()));
    Ok(text)
}

async fn run() -> Result<String, Box<dyn std::error::Error>> {
    let today = NaiveDate::from_ymd_opt(2024, 3, 1).ok_or("a date")?;
    let sim = Simulator::builder()
        .desktops(50)
        .seed(42)
        .today(today)
        .start()
        .await?;
    let client = Client::builder()
        .endpoint(sim.base_url())
        .project_id(sim.project_id())
        .credentials(Credentials::AccessKey(sim.credentials()))
        .build()?;
    let text = busiest(&client, today, 3).await;
    sim.shutdown().await;
    Ok(text?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", run().await?);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_busiest_desktops_of_a_fixed_week() {
        let text = super::run().await.unwrap();
        insta::assert_snapshot!(text);
    }
}
