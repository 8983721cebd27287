//! The machine the bench runs on: its description, its load, and the CPU
//! time its children used.

use std::process::Command;
use std::time::{Duration, Instant};

/// How long to wait for the machine to go quiet (1-minute load < 1.0).
const QUIET_WAIT: Duration = Duration::from_secs(300);

pub(super) fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// Waits (bounded) until the 1-minute load average is under 1.0.
pub(super) fn wait_for_quiet() -> f64 {
    let deadline = Instant::now() + QUIET_WAIT;
    loop {
        let load = load_average();
        if load.is_nan() || load < 1.0 || Instant::now() >= deadline {
            if load >= 1.0 {
                eprintln!(
                    "xtask bench: load average still {load:.2} after {} s; measuring anyway (noted in the report)",
                    QUIET_WAIT.as_secs()
                );
            }
            return load;
        }
        eprintln!("xtask bench: load average {load:.2}, waiting for < 1.0 ...");
        std::thread::sleep(Duration::from_secs(10));
    }
}

pub(super) fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_string();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| {
                    v.split_whitespace()
                        .next()
                        .and_then(|n| n.parse::<u64>().ok())
                })
        })
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string();
    let rustc = command_line_output("rustc", &["--version"]);
    format!(
        "{cores} cores ({model}), {:.1} GiB memory, Linux {kernel}, {rustc}",
        mem_kib as f64 / 1024.0 / 1024.0
    )
}

fn command_line_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// User + system CPU seconds of the reaped children so far, from /proc/self/stat.
pub(super) fn children_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return f64::NAN;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 (1-based) of the whole line: 14 and 15 after ')'.
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    match (ticks(13), ticks(14)) {
        (Some(u), Some(s)) => (u + s) / clock_ticks_per_second(),
        _ => f64::NAN,
    }
}

fn clock_ticks_per_second() -> f64 {
    command_line_output("getconf", &["CLK_TCK"])
        .parse()
        .unwrap_or(100.0)
}
