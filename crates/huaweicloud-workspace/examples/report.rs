//! The hours of every desktop over the last 30 days, busiest first, with
//! the computer names from the inventory.
//!
//! ```text
//! HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... \
//!   cargo run -p huaweicloud-workspace --example report -- cn-north-4
//! ```
//!
//! The project id comes from `HUAWEICLOUD_SDK_PROJECT_ID`, the profile
//! file, or IAM's project list for the region.

use huaweicloud_workspace::{Client, Error, Region};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let region: Region = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "cn-north-4".to_string())
        .parse()?;
    let client = Client::builder().region(region).build()?;
    print_report(&client).await?;
    Ok(())
}

/// What an application does with a client: one usage query, one inventory pass.
async fn print_report(client: &Client) -> Result<(), Error> {
    let report = client.desktop_usage().last_days(30).send().await?;
    let names = client.desktops().send().await?.into_names();
    let mut totals: Vec<(&str, _)> = report.totals_per_desktop().collect();
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (id, hours) in totals {
        let name = names
            .get(id)
            .and_then(|d| d.computer_name.as_deref())
            .unwrap_or(id);
        println!("{name:<24} {hours:>8} h");
    }
    println!("{:<24} {:>8} h", "total", report.total_hours());
    Ok(())
}
