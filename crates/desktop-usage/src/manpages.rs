//! `desktop-usage man`: the man pages, rendered from the clap definition:
//! the top page, desktop-usage(1), and one page per command, which the top
//! page refers to as desktop-usage-COMMAND(1).

use std::io::{self, Write};
use std::path::Path;

use clap::{CommandFactory, ValueEnum};
use clap_mangen::Man;

use crate::cli::{Cli, ManPage};

/// The command the pages describe, built so that each command knows its
/// full name (desktop-usage-report).
///
/// `help` gets no page, so it is left out of the top page's list too
/// (clap_mangen's own `generate_to` does the same): every page the top
/// page names is one [`write_all`] writes.
fn root() -> clap::Command {
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    root
}

/// `command`'s page; each says it is from desktop-usage (clap_mangen would
/// put the command's own name, "report 0.1.0", in the footer).
fn page(command: clap::Command) -> Man {
    let source = format!("desktop-usage {}", env!("CARGO_PKG_VERSION"));
    Man::new(command).source(source)
}

/// The commands with a page of their own.
fn commands(root: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    root.get_subcommands().filter(|c| !c.is_hide_set())
}

/// Renders the top page, or `wanted`'s.
pub fn render(wanted: Option<ManPage>, out: &mut Vec<u8>) -> io::Result<()> {
    let root = root();
    let Some(wanted) = wanted else {
        return page(root).render(out);
    };
    let name = wanted
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default();
    match commands(&root).find(|c| c.get_name() == name) {
        Some(command) => page(command.clone()).render(out),
        None => Err(io::Error::other(format!(
            "there is no man page for {name:?}"
        ))),
    }
}

/// Writes desktop-usage.1 and desktop-usage-COMMAND.1 for every command
/// into `dir`, creating it if need be.
///
/// Each page is written to a temporary file in `dir` and renamed over the
/// page it replaces, so a reader (or `mandb`) never sees half a page. The
/// file names come from the clap definition alone.
pub fn write_all(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| with_path(dir, e))?;
    let root = root();
    let mut pages = vec![page(root.clone())];
    pages.extend(commands(&root).cloned().map(page));
    for man in pages {
        let file_name = man.get_filename();
        // A name from our own definition, but a separator in it would write
        // outside `dir`.
        if Path::new(&file_name).file_name() != Some(file_name.as_ref()) {
            return Err(io::Error::other(format!(
                "not a file name for a man page: {file_name:?}"
            )));
        }
        let path = dir.join(file_name);
        let mut text = Vec::new();
        man.render(&mut text)?;
        replace(dir, &path, &text).map_err(|e| with_path(&path, e))?;
    }
    Ok(())
}

/// Writes `text` to `path` by way of a temporary file in `dir`.
fn replace(dir: &Path, path: &Path, text: &[u8]) -> io::Result<()> {
    let mut temp = tempfile::Builder::new()
        .prefix(".desktop-usage-man.")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(text)?;
    temp.as_file().sync_all()?;
    // Pages are for every user to read, not the temporary file's rw-------.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// An error naming the file or directory it happened on.
fn with_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("man --dir: {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_man_page_value_and_no_other_has() {
        let root = root();
        let commands: Vec<&str> = commands(&root).map(clap::Command::get_name).collect();
        let values: Vec<String> = ManPage::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(values, commands);
    }
}
