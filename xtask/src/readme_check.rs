//! `cargo xtask readme-check`: the README's copy-paste `[dependencies]`
//! block and its library examples build, as a new user would paste them.
//!
//! The blocks are the fenced code blocks right after the markers
//! `<!-- readme-check: deps -->` and `<!-- readme-check: example -->`. They
//! go unchanged into a fresh crate outside the workspace, except that the
//! `huaweicloud-workspace` line also gets the path of this checkout (its
//! version requirement stays, so it must match the crate's version). The
//! build uses the workspace's Cargo.lock and target directory, so only what
//! differs is compiled.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

use crate::workspace_root;

const DEPS_MARKER: &str = "<!-- readme-check: deps -->";
const EXAMPLE_MARKER: &str = "<!-- readme-check: example -->";
const FACADE: &str = "huaweicloud-workspace";

/// Entry point of `cargo xtask readme-check`.
pub fn run() -> Result<ExitCode> {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).context("reading README.md")?;
    let deps = blocks_after(&readme, DEPS_MARKER, "toml")?;
    let [deps] = deps.as_slice() else {
        bail!(
            "README.md must have exactly one `{DEPS_MARKER}` block, found {}",
            deps.len()
        );
    };
    let examples = blocks_after(&readme, EXAMPLE_MARKER, "rust")?;
    if examples.is_empty() {
        bail!("README.md has no `{EXAMPLE_MARKER}` block");
    }
    let facade = root.join("crates").join(FACADE);
    let manifest = manifest(deps, &facade)?;

    let dir = std::env::temp_dir().join(format!("readme-check-{}", std::process::id()));
    let result = build(&root, &dir, &manifest, &examples);
    // The crate is only scaffolding; the artifacts stay in the target dir.
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn build(root: &Path, dir: &Path, manifest: &str, examples: &[String]) -> Result<ExitCode> {
    let bin = dir.join("src").join("bin");
    std::fs::create_dir_all(&bin).with_context(|| format!("creating {}", bin.display()))?;
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    // The workspace's versions: nothing new to resolve or download unless
    // the README asks for a crate the workspace does not use.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    for (i, example) in examples.iter().enumerate() {
        std::fs::write(bin.join(format!("example{}.rs", i + 1)), example)?;
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    println!(
        "readme-check: building {} example(s) against the README's [dependencies] in {}",
        examples.len(),
        dir.display()
    );
    let status = Command::new(env!("CARGO"))
        .arg("build")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target_dir)
        .status()
        .context("starting cargo build")?;
    if !status.success() {
        eprintln!(
            "readme-check: the README's [dependencies] block and examples do not build as pasted"
        );
        return Ok(ExitCode::FAILURE);
    }
    println!("readme-check: ok");
    Ok(ExitCode::SUCCESS)
}

/// The contents of every fenced block of `lang` that follows a `marker` line
/// (blank lines between them allowed).
fn blocks_after(text: &str, marker: &str, lang: &str) -> Result<Vec<String>> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        if line.trim() != marker {
            continue;
        }
        let fence = loop {
            match lines.next() {
                Some((_, l)) if l.trim().is_empty() => {}
                Some((_, l)) => break l.trim(),
                None => bail!(
                    "README.md line {}: `{marker}` is not followed by a code block",
                    n + 1
                ),
            }
        };
        if fence != format!("```{lang}") {
            bail!(
                "README.md line {}: `{marker}` must be followed by a ```{lang} block, found `{fence}`",
                n + 1
            );
        }
        let mut body = String::new();
        loop {
            match lines.next() {
                Some((_, l)) if l.trim() == "```" => break,
                Some((_, l)) => {
                    body.push_str(l);
                    body.push('\n');
                }
                None => bail!(
                    "README.md line {}: the ```{lang} block is not closed",
                    n + 1
                ),
            }
        }
        blocks.push(body);
    }
    Ok(blocks)
}

/// A manifest of a crate named `readme-check` whose dependencies are `deps`
/// (a `[dependencies]` table), the facade's line pointed at `facade`.
fn manifest(deps: &str, facade: &Path) -> Result<String> {
    let mut lines = deps.lines();
    if lines.next().map(str::trim) != Some("[dependencies]") {
        bail!("the `{DEPS_MARKER}` block must start with `[dependencies]`");
    }
    let path = facade
        .to_str()
        .context("the checkout's path is not UTF-8")?
        .replace('\\', "/");
    let mut out = String::from(
        "[package]\nname = \"readme-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         # Its own workspace: it lives outside ours.\n[workspace]\n\n\
         [lints.rust]\nwarnings = \"deny\"\n\n[dependencies]\n",
    );
    let mut found = false;
    for line in lines {
        match line.split_once('=') {
            Some((key, value)) if key.trim() == FACADE => {
                found = true;
                out.push_str(&with_path(value.trim(), &path)?);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    if !found {
        bail!("the `{DEPS_MARKER}` block has no `{FACADE}` line");
    }
    Ok(out)
}

/// `huaweicloud-workspace = "0.1"` or `= { version = "0.1", ... }`, with
/// `path` added and everything else kept.
fn with_path(value: &str, path: &str) -> Result<String> {
    let path = format!("path = \"{path}\"");
    if let Some(version) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Ok(format!("{FACADE} = {{ version = \"{version}\", {path} }}"))
    } else if let Some(table) = value.strip_prefix('{') {
        Ok(format!("{FACADE} = {{ {path}, {}", table.trim_start()))
    } else {
        bail!("cannot read the `{FACADE}` line of the `{DEPS_MARKER}` block: `{value}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "# x\n\n<!-- readme-check: deps -->\n```toml\n[dependencies]\n\
        huaweicloud-workspace = \"0.1\"\ntokio = { version = \"1\", features = [\"macros\"] }\n```\n\n\
        text\n<!-- readme-check: example -->\n\n```rust\nfn main() {}\n```\n\
        ```rust\nnot marked\n```\n";

    #[test]
    fn only_the_marked_blocks_are_taken_exactly() {
        let deps = blocks_after(README, DEPS_MARKER, "toml").unwrap();
        assert_eq!(
            deps,
            [
                "[dependencies]\nhuaweicloud-workspace = \"0.1\"\ntokio = { version = \"1\", features = [\"macros\"] }\n"
            ]
        );
        let examples = blocks_after(README, EXAMPLE_MARKER, "rust").unwrap();
        assert_eq!(examples, ["fn main() {}\n"]);
    }

    #[test]
    fn a_marker_before_the_wrong_kind_of_block_is_an_error() {
        let err = blocks_after(
            "<!-- readme-check: deps -->\n```sh\nx\n```\n",
            DEPS_MARKER,
            "toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let err = blocks_after(
            "<!-- readme-check: deps -->\n```toml\nx\n",
            DEPS_MARKER,
            "toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("not closed"), "{err}");
    }

    #[test]
    fn the_facade_line_gets_the_path_and_keeps_its_version_and_features() {
        let plain = manifest(
            "[dependencies]\nhuaweicloud-workspace = \"0.1\"\ntokio = \"1\"\n",
            Path::new("/src/crates/huaweicloud-workspace"),
        )
        .unwrap();
        assert!(plain.contains(
            "\nhuaweicloud-workspace = { version = \"0.1\", path = \"/src/crates/huaweicloud-workspace\" }\ntokio = \"1\"\n"
        ), "{plain}");
        let table = manifest(
            "[dependencies]\nhuaweicloud-workspace = { version = \"0.1\", default-features = false, features = [\"native-tls\"] }\n",
            Path::new("/c"),
        )
        .unwrap();
        assert!(table.contains(
            "huaweicloud-workspace = { path = \"/c\", version = \"0.1\", default-features = false, features = [\"native-tls\"] }\n"
        ), "{table}");
        assert!(manifest("[dependencies]\ntokio = \"1\"\n", Path::new("/c")).is_err());
        assert!(manifest("tokio = \"1\"\n", Path::new("/c")).is_err());
    }
}
