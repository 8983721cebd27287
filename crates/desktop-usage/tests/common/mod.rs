//! The harness the binary's end-to-end tests share: a simulator on its own
//! runtime, and the binary with a cleared environment pointed at it.

// Each test binary uses its own part of the harness.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use huaweicloud_workspace_sim::{RunningSimulator, SimulatorBuilder};

/// A simulator running on its own runtime while the blocking command runs.
pub struct Sim {
    pub sim: RunningSimulator,
    _rt: tokio::runtime::Runtime,
    pub home: tempfile::TempDir,
}

/// How long any one run of the binary may take before the harness kills it,
/// so that a hang fails the test instead of blocking the suite.
pub const HARNESS_LIMIT: Duration = Duration::from_secs(120);

pub fn start(builder: SimulatorBuilder) -> Sim {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt.block_on(builder.start()).unwrap();
    Sim {
        sim,
        _rt: rt,
        home: tempfile::tempdir().unwrap(),
    }
}

/// The binary with an empty environment: no credentials, no region, and a
/// HOME without a profile file.
pub fn bare(home: &Path) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("desktop-usage");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .timeout(HARNESS_LIMIT);
    cmd
}

impl Sim {
    /// The binary pointed at this simulator, AK/SK in the environment.
    pub fn cmd(&self) -> Command {
        self.cmd_for_project(self.sim.project_id())
    }

    /// Same, with another project id.
    pub fn cmd_for_project(&self, project: &str) -> Command {
        let creds = self.sim.credentials();
        let mut cmd = bare(self.home.path());
        cmd.env("HUAWEICLOUD_SDK_AK", creds.access_key())
            .env("HUAWEICLOUD_SDK_SK", creds.secret_key().expose())
            .args(["--endpoint", &self.sim.base_url()])
            .args(["--project-id", project]);
        cmd
    }
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
