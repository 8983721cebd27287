//! Desktops used at most one hour over the last 30 days, with who they
//! belong to and since when they exist: the candidates to reclaim.
//!
//! ```text
//! HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... \
//!   cargo run -p huaweicloud-workspace --example idle_desktops -- cn-north-4
//! ```

use huaweicloud_workspace::{Client, Error, Hours, Region};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let region: Region = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "cn-north-4".to_string())
        .parse()?;
    let client = Client::builder().region(region).build()?;
    for line in idle(&client, Hours::from_hundredths(100)).await? {
        println!("{line}");
    }
    Ok(())
}

/// One line per desktop whose 30-day total is at most `threshold`.
async fn idle(client: &Client, threshold: Hours) -> Result<Vec<String>, Error> {
    let report = client.desktop_usage().last_days(30).send().await?;
    let inventory = client.desktops().send().await?.into_names();
    let mut lines = Vec::new();
    for (id, hours) in report.totals_per_desktop() {
        if hours > threshold {
            continue;
        }
        let desktop = inventory.get(id);
        let name = desktop
            .and_then(|d| d.computer_name.as_deref())
            .unwrap_or(id);
        let user = desktop.and_then(|d| d.user_name.as_deref()).unwrap_or("-");
        let created = desktop
            .and_then(|d| d.created)
            .map_or_else(|| "-".to_string(), |t| t.date_naive().to_string());
        lines.push(format!(
            "{name:<24} {user:<16} {hours:>6} h  created {created}"
        ));
    }
    lines.sort();
    Ok(lines)
}
