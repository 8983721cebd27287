//! The completion scripts run in the shells they are for: what a user gets
//! on <TAB> (issue #34).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use std::path::Path;
use std::process::Command;

use common::{bare, stderr, stdout};

/// Sources `script` in a fresh non-interactive bash and asks the function
/// `complete -p desktop-usage` names to complete `words` (the last one is
/// the word under the cursor), as bash does on <TAB>; returns COMPREPLY.
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    const DRIVER: &str = r#"
source "$1"; shift
COMP_WORDS=("$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
spec=$(complete -p desktop-usage) || exit 3
fn=${spec#*-F }; fn=${fn%% *}
"$fn" desktop-usage "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let out = Command::new("/bin/bash")
        .args(["--norc", "--noprofile", "-c", DRIVER, "driver"])
        .arg(script)
        .args(words)
        .env_clear()
        .output()
        .unwrap();
    assert!(out.status.success(), "{words:?}: {}", stderr(&out));
    stdout(&out)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_commands_and_each_commands_flags() {
    if !Path::new("/bin/bash").exists() {
        eprintln!("no /bin/bash: skipped");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = bare(home.path())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = home.path().join("desktop-usage.bash");
    std::fs::write(&script, &out.stdout).unwrap();

    let offers = |words: &[&str]| bash_completes(&script, words);
    assert!(
        offers(&["desktop-usage", "rep"]).contains(&"report".to_owned()),
        "{:?}",
        offers(&["desktop-usage", "rep"])
    );
    // Below the top level: the words the subcommand's own arm offers.
    for (words, expected) in [
        (&["desktop-usage", "report", "--no"][..], "--no-names"),
        (&["desktop-usage", "idle", "--thr"], "--threshold"),
        (&["desktop-usage", "users-daily", "--"], "--group-by"),
        (&["desktop-usage", "--demo", "report", "--for"], "--format"),
        (&["desktop-usage", "completions", "fi"], "fish"),
    ] {
        let got = offers(words);
        assert!(got.contains(&expected.to_owned()), "{words:?}: {got:?}");
    }
    // Each command offers only its own flags: idle's --threshold is not report's.
    let got = offers(&["desktop-usage", "report", "--thr"]);
    assert!(got.is_empty(), "report --thr: {got:?}");
}
