//! Log lines on stderr, from -v/-q or RUST_LOG.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The filter for a verbosity: our crates get more detail, dependencies stay at warn
/// (their trace output could include request details we do not control).
pub fn filter_for(verbose: u8, quiet: bool) -> String {
    const OURS: [&str; 3] = [
        "desktop_usage",
        "huaweicloud_workspace",
        "huaweicloud_signer",
    ];
    let (ours, others) = match (quiet, verbose) {
        (true, _) => return "error".to_string(),
        (false, 0) => return "warn".to_string(),
        (false, 1) => ("info", "warn"),
        (false, 2) => ("debug", "warn"),
        (false, _) => ("trace", "info"),
    };
    let mut filter = others.to_string();
    for krate in OURS {
        filter.push_str(&format!(",{krate}={ours}"));
    }
    filter
}

/// Installs the subscriber; RUST_LOG, when set and valid, wins over -v/-q.
pub fn init(verbose: u8, quiet: bool) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(text) if !text.trim().is_empty() => {
            EnvFilter::try_new(&text).unwrap_or_else(|_| EnvFilter::new(filter_for(verbose, quiet)))
        }
        _ => EnvFilter::new(filter_for(verbose, quiet)),
    };
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(verbose >= 2)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_levels() {
        assert_eq!(filter_for(0, true), "error");
        assert_eq!(filter_for(0, false), "warn");
        assert!(filter_for(1, false).contains("huaweicloud_workspace=info"));
        assert!(filter_for(2, false).starts_with("warn,"));
        assert!(filter_for(5, false).contains("desktop_usage=trace"));
        for v in 0..5 {
            assert!(EnvFilter::try_new(filter_for(v, false)).is_ok());
        }
    }
}
