//! The `workspace-sim` binary: first stdout line is the base URL, then the
//! project id and credentials; it serves signed requests with them.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use chrono::Utc;
use huaweicloud_signer::AccessKeyCredentials;

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn prints_url_and_credentials_then_serves() {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_workspace-sim"))
            .args(["--port", "0", "--desktops", "12", "--seed", "3"])
            .args(["--ak", "BINAK000000000000000", "--sk", "bin-secret"])
            .args(["--project-id", "binproject", "--string-hours"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().take(6) {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    for _ in 0..5 {
        lines.push(rx.recv_timeout(Duration::from_secs(60)).unwrap());
    }
    let base = lines[0].clone();
    assert!(base.starts_with("http://127.0.0.1:"), "{lines:?}");
    assert_eq!(lines[1], "project_id=binproject");
    assert_eq!(lines[2], "ak=BINAK000000000000000");
    assert_eq!(lines[3], "sk=bin-secret");
    assert_eq!(lines[4], "desktops=12");

    let creds = AccessKeyCredentials::new("BINAK000000000000000", "bin-secret").unwrap();
    let url = format!("{base}/v2/binproject/desktops/statistics/used");
    let body = r#"{"start_time":"2024-01-01","end_time":"2024-01-01"}"#;
    let resp = common::send_signed_at(&url, &creds, body, Utc::now())
        .await
        .unwrap();
    let (status, has_id, json) = common::parts(resp).await;
    assert_eq!(status, 200, "{json}");
    assert!(has_id);
    assert_eq!(json["total_count"], 12);
    assert!(json["desktop_used_info_list"][0]["used_info_list"][0]["use_time"].is_string());
}
