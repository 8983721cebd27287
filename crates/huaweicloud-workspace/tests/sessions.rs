//! The connection records query against the simulator: a list that grows
//! while it is paged loses and doubles nothing, and a range the service no
//! longer keeps is refused without a request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use huaweicloud_workspace::{Client, ConnectionRecord, Credentials, ErrorClass};
use huaweicloud_workspace_sim::{Operation, RunningSimulator, Simulator};

const TODAY: &str = "2024-03-31";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn sim(growth: u64) -> RunningSimulator {
    Simulator::builder()
        .desktops(80)
        .seed(9)
        .today(NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap())
        .records_growth(growth)
        .start()
        .await
        .unwrap()
}

fn client(sim: &RunningSimulator) -> Client {
    Client::builder()
        .endpoint(sim.base_url())
        .project_id(sim.project_id())
        .credentials(Credentials::AccessKey(sim.credentials()))
        .build()
        .unwrap()
}

async fn week(sim: &RunningSimulator, page_size: u32) -> Vec<ConnectionRecord> {
    client(sim)
        .connection_records()
        .now(t("2024-03-31T23:59:00Z"))
        .start_time(t("2024-03-25T00:00:00Z"))
        .end_time(t("2024-03-31T23:59:00Z"))
        .page_size(page_size)
        .concurrency(4)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_list_growing_while_paged_loses_and_doubles_nothing() {
    let still = sim(0).await;
    let before = week(&still, 1000).await;
    still.shutdown().await;
    assert!(before.len() > 1000, "{} records", before.len());

    // Every request after the first sees 7 more records at the front, which
    // push every record already there 7 places later.
    let growing = sim(7).await;
    let during = week(&growing, 100).await;
    let pages = growing.requests_for(Operation::ListLoginRecordsNew);
    growing.shutdown().await;

    let ids: HashSet<&str> = during.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), during.len(), "a record came twice");
    let lost: Vec<&str> = before
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !ids.contains(id))
        .collect();
    assert!(lost.is_empty(), "{} records lost", lost.len());
    // The newer records arrived at offsets already paged: not asked for,
    // and not needed (they began after the first page was answered).
    assert_eq!(during.len(), before.len());
    assert!(
        pages > before.len().div_ceil(100) as u64,
        "the pages past the first total were asked ({pages})"
    );
}

#[tokio::test]
async fn records_are_typed_and_derived() {
    let sim = sim(0).await;
    let records = week(&sim, 1000).await;
    sim.shutdown().await;
    let failed: Vec<&ConnectionRecord> = records.iter().filter(|r| r.failed).collect();
    assert!(!failed.is_empty());
    assert!(
        failed
            .iter()
            .all(|r| r.setup.is_none() && r.failure_reason.is_some())
    );
    let open: Vec<&ConnectionRecord> = records.iter().filter(|r| r.is_open()).collect();
    assert!(!open.is_empty());
    assert!(
        open.iter()
            .all(|r| r.setup.unwrap() >= t("2024-03-31T00:00:00Z"))
    );
    assert!(
        records
            .iter()
            .filter(|r| !r.failed)
            .all(|r| r.network_rtt_ms.is_some() && r.e2e_rtt_ms >= r.network_rtt_ms)
    );
    assert!(
        records
            .iter()
            .all(|r| r.transaction_id.as_deref() == Some(r.id.as_str()))
    );
}

#[tokio::test]
async fn a_range_older_than_30_days_is_refused_before_any_request() {
    let sim = sim(0).await;
    let now = t("2024-03-31T12:00:00Z");
    let err = client(&sim)
        .connection_records()
        .now(now)
        .start_time(now - Duration::days(30) - Duration::minutes(1))
        .end_time(now)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::InvalidInput);
    assert!(err.to_string().starts_with("invalid start_time:"), "{err}");
    assert!(
        err.to_string()
            .contains("keeps connection records for 30 days only"),
        "{err}"
    );
    let half = client(&sim)
        .connection_records()
        .now(now)
        .end_time(now)
        .send()
        .await
        .unwrap_err();
    assert!(half.to_string().contains("both or neither"), "{half}");
    assert_eq!(sim.requests_for(Operation::ListLoginRecordsNew), 0);
    // The oldest minute still kept is asked.
    let kept = client(&sim)
        .connection_records()
        .now(now)
        .start_time(now - Duration::days(30))
        .end_time(now)
        .page_size(1000)
        .send()
        .await
        .unwrap();
    assert!(!kept.is_empty());
    sim.shutdown().await;
}
