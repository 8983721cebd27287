//! `desktop-usage completions SHELL`: the shell completion scripts, as
//! clap_complete writes them, with bash's script repaired for our
//! hyphenated binary name.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// The name the scripts complete; also the name of the installed binary.
const BIN: &str = "desktop-usage";

/// Writes `shell`'s completion script for `desktop-usage` to `out`.
pub fn generate(shell: Shell, out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, BIN, &mut script);
    if shell == Shell::Bash {
        let text = String::from_utf8(script).map_err(std::io::Error::other)?;
        out.extend_from_slice(fix_bash_hyphenated_bin(&text, BIN).as_bytes());
    } else {
        out.extend_from_slice(&script);
    }
    Ok(())
}

/// Makes bash's per-command `case` arms spell the command the way the
/// script's own loop does.
///
/// clap_complete's bash generator (clap issue 6421, open as of
/// clap_complete 4.6.12) escapes a `-` in the binary name as `__` while it
/// walks the words typed (`desktop__usage__subcmd__report`), but as
/// `__subcmd__` in the labels of the arms it then looks that name up in
/// (`desktop__subcmd__usage__subcmd__report`). No arm ever matches, so
/// nothing below the top level completes: `desktop-usage report --<TAB>`
/// offers no flag. Only arm labels (a line that is a label and nothing
/// else) starting with the wrong spelling are rewritten, so once clap
/// fixes the generator this does nothing.
fn fix_bash_hyphenated_bin(script: &str, bin: &str) -> String {
    const SEP: &str = "__subcmd__";
    if !bin.contains('-') {
        return script.to_owned();
    }
    let wrong = format!("{}{SEP}", bin.replace('-', SEP));
    let right = format!("{}{SEP}", bin.replace('-', "__"));
    let mut fixed = String::with_capacity(script.len());
    for line in script.split_inclusive('\n') {
        let unindented = line.trim_start();
        let label = unindented.trim_end();
        let is_arm = label
            .strip_suffix(')')
            .is_some_and(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        match unindented.strip_prefix(&wrong) {
            Some(rest) if is_arm => {
                fixed.push_str(&line[..line.len() - unindented.len()]);
                fixed.push_str(&right);
                fixed.push_str(rest);
            }
            _ => fixed.push_str(line),
        }
    }
    fixed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_wrongly_spelled_arm_labels_change() {
        let script = "\
            desktop__usage,report)\n\
            \x20               cmd=\"desktop__usage__subcmd__report\"\n\
            \x20       desktop__usage)\n\
            \x20       desktop__subcmd__usage__subcmd__users__subcmd__daily)\n\
            \x20           opts=\"desktop__subcmd__usage__subcmd__x)\"\n";
        assert_eq!(
            fix_bash_hyphenated_bin(script, "desktop-usage"),
            "\
            desktop__usage,report)\n\
            \x20               cmd=\"desktop__usage__subcmd__report\"\n\
            \x20       desktop__usage)\n\
            \x20       desktop__usage__subcmd__users__subcmd__daily)\n\
            \x20           opts=\"desktop__subcmd__usage__subcmd__x)\"\n"
        );
        assert_eq!(fix_bash_hyphenated_bin(script, "plain"), script);
    }
}
