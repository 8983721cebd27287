//! The errors printed around clap's: a removed flag refused before clap
//! sees it, and clap's own messages folded to one line.

/// The error for a flag that was removed because it is unsafe, found
/// before clap (whose message would repeat the flag's value: a secret).
pub fn removed_flag(args: impl IntoIterator<Item = std::ffi::OsString>) -> Option<String> {
    args.into_iter().skip(1).find_map(|arg| {
        let arg = arg.to_string_lossy();
        (arg == "--auth-token" || arg.starts_with("--auth-token=")).then(|| {
            "--auth-token was removed: a token on the command line ends up in shell history \
             and in the process list; set HUAWEICLOUD_SDK_AUTH_TOKEN or pass \
             --auth-token-file FILE (- for stdin)"
                .to_string()
        })
    })
}

/// Clap's error text (`error: ...`, details, a blank line, usage, tips) as
/// the one line the tool prints for every error.
pub fn one_line_usage_error(rendered: &str) -> String {
    let mut words = Vec::new();
    for line in rendered.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("Usage:") {
            break;
        }
        words.extend(line.split_whitespace());
    }
    let text = words.join(" ");
    text.strip_prefix("error: ").unwrap_or(&text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auth_token_flag_is_refused_without_echoing_the_token() {
        let args = |list: &[&str]| list.iter().map(Into::into).collect::<Vec<_>>();
        for list in [
            &["desktop-usage", "--auth-token", "s3cret", "report"][..],
            &["desktop-usage", "report", "--auth-token=s3cret"],
        ] {
            let message = removed_flag(args(list)).unwrap();
            assert!(message.contains("--auth-token-file"), "{message}");
            assert!(!message.contains("s3cret"));
        }
        assert_eq!(
            removed_flag(args(&["desktop-usage", "--auth-token-file", "f", "report"])),
            None
        );
    }
}
