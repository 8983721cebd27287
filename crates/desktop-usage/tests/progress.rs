//! The terminal (here a pseudo-terminal, as a person's shell gives): the
//! progress bar drawn on stderr when stderr is one, never when stderr is a
//! pipe or with `-q`, and the rows on stdout the same either way; tables
//! fitted to its width, every column when piped.

// Test helpers outside `#[test]` functions panic on purpose too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::ffi::OsStr;
use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use common::{HARNESS_LIMIT, Sim, start, stderr, stdout};
use huaweicloud_workspace_sim::Simulator;
use rustix::fs::{Mode, OFlags};
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{Winsize, tcsetwinsize};

/// Words of the bar's template (`{spinner} fetching 3/8 requests [===>  ] 0s`).
const BAR_WORDS: [&str; 2] = ["fetching", "requests"];

/// Desktops over two pages of 100, each answer held back, so that the run
/// lasts several of the bar's 120 ms ticks and the bar moves.
fn sim() -> Sim {
    start(
        Simulator::builder()
            .desktops(150)
            .seed(3)
            .today(NaiveDate::from_ymd_opt(2024, 1, 31).unwrap())
            .latency(Duration::from_millis(150), Duration::ZERO),
    )
}

/// A pseudo-terminal: the controller end (read by the test) and the
/// terminal end (the child's stderr), 24 rows of `columns` columns.
fn pty_of(columns: u16) -> (File, OwnedFd) {
    let controller = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
        .expect("a pseudo-terminal (/dev/ptmx)");
    grantpt(&controller).unwrap();
    unlockpt(&controller).unwrap();
    let name = ptsname(&controller, Vec::new()).unwrap();
    let terminal = rustix::fs::open(
        OsStr::from_bytes(name.as_bytes()),
        OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .unwrap();
    let size = Winsize {
        ws_row: 24,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    tcsetwinsize(&terminal, size).unwrap();
    (File::from(controller), terminal)
}

/// A pseudo-terminal of 100 columns.
fn pty() -> (File, OwnedFd) {
    pty_of(100)
}

/// The binary against `sim`, as a person's shell starts it: `TERM` set (a
/// terminal without `TERM` is a dumb one, where no bar is drawn).
fn command(sim: &Sim, extra: &[&str]) -> Command {
    let mut cmd = base(sim, extra);
    cmd.args([
        "report",
        "--from",
        "2024-01-01",
        "--to",
        "2024-01-07",
        "--format",
        "csv",
    ]);
    cmd
}

/// The binary against `sim` with `extra` and no command yet.
fn base(sim: &Sim, extra: &[&str]) -> Command {
    let creds = sim.sim.credentials();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("desktop-usage"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sim.home.path())
        .env("TERM", "xterm-256color")
        .env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:1")
        .env("HUAWEICLOUD_SDK_AK", creds.access_key())
        .env("HUAWEICLOUD_SDK_SK", creds.secret_key().expose())
        .args(["--endpoint", &sim.sim.base_url()])
        .args(["--project-id", sim.sim.project_id()])
        .args(extra)
        .stdin(Stdio::null());
    cmd
}

/// Everything a reader thread sends until its stream ends; `None` when it
/// is still open at the deadline.
fn collect(rx: &mpsc::Receiver<Vec<u8>>, deadline: Instant) -> Option<Vec<u8>> {
    let mut all = Vec::new();
    // Bounded: each wait ends by the deadline, and a closed stream ends the loop.
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(chunk) => all.extend(chunk),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Some(all),
            Err(mpsc::RecvTimeoutError::Timeout) => return None,
        }
    }
}

/// Reads `source` to its end (or its first error: EIO once the terminal end
/// is closed everywhere) on a thread of its own.
fn reader(mut source: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = source.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// What a run printed on stdout (a pipe) and on its terminal (stderr).
struct PtyRun {
    code: Option<i32>,
    stdout: String,
    terminal: String,
}

/// Runs `cmd` with stdout and stderr on one fresh pseudo-terminal of
/// `columns` columns, as a person's shell runs it; what the terminal got.
fn run_all_on_pty(mut cmd: Command, columns: u16) -> (Option<i32>, String) {
    let (controller, terminal) = pty_of(columns);
    let second = terminal.try_clone().unwrap();
    cmd.stdout(Stdio::from(terminal))
        .stderr(Stdio::from(second));
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    let term = reader(controller);
    let Some(shown) = collect(&term, Instant::now() + HARNESS_LIMIT) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the run was still going after {HARNESS_LIMIT:?}");
    };
    let code = child.wait().unwrap().code();
    (code, String::from_utf8_lossy(&shown).into_owned())
}

/// Runs `cmd` with stderr on a fresh pseudo-terminal and stdout on a pipe,
/// both read while the run goes on (a full pipe would stall it).
fn run_on_pty(mut cmd: Command) -> PtyRun {
    let (controller, terminal) = pty();
    cmd.stdout(Stdio::piped()).stderr(Stdio::from(terminal));
    let mut child = cmd.spawn().unwrap();
    // The command holds the terminal end: dropped, the child's copy is the
    // last, and the controller reads EIO once the child is gone.
    drop(cmd);
    let deadline = Instant::now() + HARNESS_LIMIT;
    let out = reader(child.stdout.take().unwrap());
    let term = reader(controller);
    let both = collect(&term, deadline).zip(collect(&out, deadline));
    let Some((terminal, stdout)) = both else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the run was still going after {HARNESS_LIMIT:?}");
    };
    let code = child.wait().unwrap().code();
    PtyRun {
        code,
        stdout: String::from_utf8(stdout).unwrap(),
        terminal: String::from_utf8_lossy(&terminal).into_owned(),
    }
}

#[test]
fn the_bar_is_drawn_on_a_terminal_and_the_rows_reach_stdout_unchanged() {
    let sim = sim();
    let run = run_on_pty(command(&sim, &[]));
    assert_eq!(run.code, Some(0), "{}", run.terminal);
    for word in BAR_WORDS {
        assert!(
            run.terminal.contains(word),
            "no bar on the terminal: {:?}",
            run.terminal
        );
    }
    // The planned requests are known once the first page is in: 2 pages.
    assert!(run.terminal.contains("/2 requests"), "{:?}", run.terminal);
    // The bar is a terminal's: drawn over itself with escape sequences.
    assert!(run.terminal.contains('\u{1b}'), "{:?}", run.terminal);

    // stdout carries the rows alone, exactly as in a run without a terminal.
    let plain = command(&sim, &[]).output().unwrap();
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    assert_eq!(run.stdout, stdout(&plain));
    assert_eq!(run.stdout.lines().count(), 1 + 150 * 7);
    assert!(!run.stdout.contains('\u{1b}'));
    for word in BAR_WORDS {
        assert!(!run.stdout.contains(word));
    }
}

#[test]
fn no_bar_when_stderr_is_a_pipe() {
    let sim = sim();
    let out = command(&sim, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    for word in BAR_WORDS {
        assert!(!err.contains(word), "{err:?}");
    }
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert_eq!(stdout(&out).lines().count(), 1 + 150 * 7);
}

#[test]
fn no_bar_on_a_terminal_with_quiet() {
    let sim = sim();
    let run = run_on_pty(command(&sim, &["-q"]));
    assert_eq!(run.code, Some(0), "{}", run.terminal);
    assert_eq!(run.terminal, "", "-q prints nothing on the terminal");
    assert_eq!(run.stdout.lines().count(), 1 + 150 * 7);
}

/// The terminal's text before `marker`, with each bar drawing and clearing
/// kept as the bytes the terminal got.
fn before<'a>(shown: &'a str, marker: &str) -> &'a str {
    let at = shown
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} never shown: {shown:?}"));
    &shown[..at]
}

#[test]
fn the_bar_is_cleared_before_a_table_on_the_same_terminal() {
    let sim = sim();
    // 31 days (one window) and more (two): the issue was seen with two.
    for to in ["2023-12-31", "2024-01-31"] {
        let mut cmd = base(&sim, &[]);
        cmd.args(["report", "--from", "2023-12-01", "--to", to]);
        let (code, shown) = run_all_on_pty(cmd, 100);
        assert_eq!(code, Some(0), "{shown}");
        let drawn = before(&shown, "Desktop usage, 2023-12-01");
        assert!(drawn.contains("requests"), "the bar was drawn: {drawn:?}");
        // The last drawing of the bar is erased (carriage return, erase
        // line) before the caption: nothing of it is left on screen.
        let last = drawn.rfind("requests").unwrap();
        assert!(
            drawn[last..].contains("\r\u{1b}[2K"),
            "the bar stays above the table: {:?}",
            &drawn[last.saturating_sub(80)..]
        );
    }
}

#[test]
fn no_bar_over_rows_streamed_to_the_same_terminal() {
    let sim = sim();
    let (code, shown) = run_all_on_pty(command(&sim, &[]), 100);
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("desktop_id,computer_name"), "{shown:?}");
    for word in BAR_WORDS {
        assert!(!shown.contains(word), "a bar between the rows: {shown:?}");
    }
}

/// The terminal's text as lines, with what the terminal does with carriage
/// returns (the pty turns `\n` into `\r\n`) undone.
fn screen_lines(shown: &str) -> Vec<String> {
    shown
        .split('\n')
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect()
}

/// A table on a terminal fits its width: the least useful columns go first
/// (the average, then the sparkline), names are cut with `…`, a note under
/// the table says what is not shown; piped, the same run has every column.
#[test]
fn tables_fit_the_terminal_and_keep_every_column_when_piped() {
    use unicode_width::UnicodeWidthStr;
    let sim = sim();
    // A month: the sparkline (DAILY) is drawn on a terminal by default.
    let args = ["report", "--from", "2024-01-01", "--to", "2024-01-31"];
    for columns in [80u16, 60] {
        let mut cmd = base(&sim, &["-q"]);
        cmd.args(args);
        let (code, shown) = run_all_on_pty(cmd, columns);
        assert_eq!(code, Some(0), "{shown}");
        let lines = screen_lines(&shown);
        let widest = lines.iter().map(|l| l.width()).max().unwrap_or(0);
        assert!(
            widest <= usize::from(columns),
            "{columns} columns, a line of {widest}: {shown}"
        );
        let header = lines
            .iter()
            .find(|l| l.starts_with("DESKTOP"))
            .unwrap_or_else(|| panic!("no header: {shown}"));
        assert!(
            header.contains("HOURS") && header.contains("USER"),
            "{header}"
        );
        assert!(!header.contains("AVG H/ACTIVE DAY"), "{header}");
        assert!(!header.contains("DAILY"), "{header}");
        let note = shown.replace("\r\n", " ");
        assert!(
            note.contains(&format!(
                "(fitted to {columns} columns: without AVG H/ACTIVE DAY, DAILY"
            )),
            "{shown}"
        );
        // The totals are whole.
        assert!(
            lines.iter().any(|l| l.starts_with("TOTAL (150 desktops)")),
            "{shown}"
        );
    }

    // A wide terminal: every column, the sparkline too, and no note.
    let mut cmd = base(&sim, &["-q"]);
    cmd.args(args);
    let (code, shown) = run_all_on_pty(cmd, 250);
    assert_eq!(code, Some(0), "{shown}");
    assert!(
        shown.contains("AVG H/ACTIVE DAY") && shown.contains("DAILY"),
        "{shown}"
    );
    assert!(!shown.contains("fitted"), "{shown}");

    // Piped: every column (no pictures: not a terminal) and no note.
    let out = base(&sim, &["-q"]).args(args).output().unwrap();
    let piped = stdout(&out);
    assert!(piped.contains("AVG H/ACTIVE DAY"), "{piped}");
    assert!(!piped.contains("fitted") && !piped.contains('…'), "{piped}");
    assert!(
        piped.lines().any(|l| l.width() > 80),
        "the test needs a wide table: {piped}"
    );
}
