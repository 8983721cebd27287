//! The `--output` target: stdout, a device written in place, or a file
//! replaced atomically.

use std::fs;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::OutputError;

/// Where the rows go: stdout, a file written in place, or a temporary file
/// renamed over the target on success.
///
/// A regular file target is written next to the target (same directory,
/// hence same file system) and only `rename`d into place by
/// [`Sink::commit`]. Dropping an uncommitted sink deletes the temporary
/// file, so a failed run never leaves a partial file and never touches the
/// previous one. A symlink is followed: the temporary file goes beside the
/// link's final target and replaces it, and the link stays a link.
///
/// What is not a regular file (`/dev/null`, a named pipe, a terminal,
/// `/dev/stdout`) cannot be replaced by a rename without destroying it, so
/// it is opened and written in place, as a shell's `>` would.
pub struct Sink {
    kind: SinkKind,
}

enum SinkKind {
    Stdout(BufWriter<io::Stdout>),
    InPlace {
        writer: BufWriter<fs::File>,
        target: PathBuf,
    },
    File {
        writer: BufWriter<NamedTempFile>,
        /// What the user typed, for messages.
        target: PathBuf,
        /// The file the temporary file replaces: `target` with its symlinks followed.
        real: PathBuf,
    },
}

/// How many symlinks are followed before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Where a path really leads: a regular file (or nothing yet) to replace by
/// rename, or something to write in place.
enum Resolved {
    Replace(PathBuf),
    InPlace,
}

/// Follows `target`'s symlinks by hand (a dangling link still names the file to create).
fn resolve(target: &Path) -> io::Result<Resolved> {
    let mut path = target.to_path_buf();
    for _ in 0..MAX_LINKS {
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Resolved::Replace(path)),
            Err(e) => return Err(e),
        };
        if meta.file_type().is_symlink() {
            let link = fs::read_link(&path)?;
            // /dev/stdout, /dev/fd/N, /proc/self/fd/N name a file that is
            // already open (perhaps with >>): only writing through them
            // keeps the shell's redirection.
            if link.starts_with("/proc") || link.starts_with("/dev/fd") {
                return Ok(Resolved::InPlace);
            }
            path = match path.parent() {
                Some(dir) if link.is_relative() => dir.join(link),
                _ => link,
            };
            continue;
        }
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a directory",
            ));
        }
        return Ok(if meta.is_file() {
            Resolved::Replace(path)
        } else {
            Resolved::InPlace
        });
    }
    Err(io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links in a row"
    )))
}

impl Sink {
    /// Opens stdout (`None` or `-`), the device or pipe `path` names, or a
    /// temporary file for `path`.
    pub fn create(path: Option<&Path>) -> Result<Sink, OutputError> {
        let target = match path {
            Some(p) if p != Path::new("-") => p,
            _ => {
                return Ok(Sink {
                    kind: SinkKind::Stdout(BufWriter::new(io::stdout())),
                });
            }
        };
        let create_error = |source| OutputError::Create {
            path: target.to_path_buf(),
            source,
        };
        let real = match resolve(target).map_err(create_error)? {
            Resolved::Replace(real) => real,
            Resolved::InPlace => {
                // Append: through /dev/stdout this keeps a `>>`; on a device
                // or a pipe it makes no difference.
                let file = fs::OpenOptions::new()
                    .append(true)
                    .open(target)
                    .map_err(create_error)?;
                return Ok(Sink {
                    kind: SinkKind::InPlace {
                        writer: BufWriter::new(file),
                        target: target.to_path_buf(),
                    },
                });
            }
        };
        let dir = match real.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let file_name = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{file_name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(create_error)?;
        Ok(Sink {
            kind: SinkKind::File {
                writer: BufWriter::new(temp),
                target: target.to_path_buf(),
                real,
            },
        })
    }

    /// The width in columns of the terminal this writes to, if it is one
    /// (stdout on a terminal, or `--output /dev/tty`): tables are fitted to
    /// it. `None` for files and pipes, which get every column.
    pub fn terminal_width(&self) -> Option<usize> {
        let size = match &self.kind {
            SinkKind::Stdout(_) => {
                let stdout = io::stdout();
                if !stdout.is_terminal() {
                    return None;
                }
                terminal_size::terminal_size_of(&stdout)
            }
            SinkKind::InPlace { writer, .. } if writer.get_ref().is_terminal() => {
                terminal_size::terminal_size_of(writer.get_ref())
            }
            SinkKind::InPlace { .. } | SinkKind::File { .. } => return None,
        };
        // A terminal that reports no size (0 columns) is not fitted to.
        size.map(|(w, _)| usize::from(w.0)).filter(|&w| w > 0)
    }

    /// A write error, naming the --output file it happened on.
    fn context(&self, e: io::Error) -> io::Error {
        match &self.kind {
            SinkKind::Stdout(_) => e,
            SinkKind::InPlace { target, .. } | SinkKind::File { target, .. } => {
                with_path(target, e)
            }
        }
    }

    /// Flushes and, for a file, moves it into place (atomically on one file system).
    pub fn commit(self) -> Result<(), OutputError> {
        match self.kind {
            SinkKind::Stdout(mut out) => {
                out.flush()?;
                Ok(())
            }
            SinkKind::InPlace { mut writer, target } => {
                writer.flush().map_err(|e| with_path(&target, e))?;
                Ok(())
            }
            SinkKind::File {
                writer,
                target,
                real,
            } => {
                let temp = writer
                    .into_inner()
                    .map_err(|e| with_path(&target, e.into_error()))?;
                temp.as_file()
                    .sync_all()
                    .map_err(|e| with_path(&target, e))?;
                // Keep the permissions of the file being replaced; a new file
                // gets the usual rw-r--r-- rather than the temp file's rw-------.
                let permissions = match fs::metadata(&real) {
                    Ok(meta) => Some(meta.permissions()),
                    Err(_) => default_permissions(),
                };
                if let Some(p) = permissions {
                    temp.as_file()
                        .set_permissions(p)
                        .map_err(|e| with_path(&target, e))?;
                }
                temp.persist(&real).map_err(|e| OutputError::Persist {
                    path: target.clone(),
                    source: e.error,
                })?;
                Ok(())
            }
        }
    }
}

fn with_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("--output {}: {e}", path.display()))
}

#[cfg(unix)]
fn default_permissions() -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<fs::Permissions> {
    None
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = match &mut self.kind {
            SinkKind::Stdout(w) => w.write(buf),
            SinkKind::InPlace { writer, .. } => writer.write(buf),
            SinkKind::File { writer, .. } => writer.write(buf),
        };
        result.map_err(|e| self.context(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = match &mut self.kind {
            SinkKind::Stdout(w) => w.flush(),
            SinkKind::InPlace { writer, .. } => writer.flush(),
            SinkKind::File { writer, .. } => writer.flush(),
        };
        result.map_err(|e| self.context(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_file_output_leaves_nothing_and_keeps_previous() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        fs::write(&target, "previous\n").unwrap();
        {
            let mut sink = Sink::create(Some(&target)).unwrap();
            sink.write_all(b"partial").unwrap();
            sink.flush().unwrap();
            // dropped without commit: a failed run
        }
        assert_eq!(fs::read_to_string(&target).unwrap(), "previous\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        let mut sink = Sink::create(Some(&target)).unwrap();
        sink.write_all(b"new\n").unwrap();
        sink.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn output_in_missing_directory_fails_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let err = Sink::create(Some(&dir.path().join("nope/out.csv")))
            .err()
            .unwrap();
        assert!(matches!(err, OutputError::Create { .. }), "{err}");
        let err = Sink::create(Some(dir.path())).err().unwrap();
        assert!(matches!(err, OutputError::Create { .. }), "{err}");
    }

    #[test]
    fn dash_is_stdout() {
        let dir = tempfile::tempdir().unwrap();
        let sink = Sink::create(Some(Path::new("-"))).unwrap();
        assert!(matches!(sink.kind, SinkKind::Stdout(_)));
        let sink = Sink::create(Some(&dir.path().join("-"))).unwrap();
        assert!(matches!(sink.kind, SinkKind::File { .. }), "./- is a file");
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_written_in_place_and_kept() {
        use std::os::unix::fs::FileTypeExt;
        let mut sink = Sink::create(Some(Path::new("/dev/null"))).unwrap();
        assert!(matches!(sink.kind, SinkKind::InPlace { .. }));
        sink.write_all(b"rows\n").unwrap();
        sink.commit().unwrap();
        assert!(
            fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );

        // A symlink to a device: in place too, the link untouched.
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("null-link");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        let sink = Sink::create(Some(&link)).unwrap();
        assert!(matches!(sink.kind, SinkKind::InPlace { .. }));
        sink.commit().unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_device_is_an_output_error_naming_the_file() {
        let mut sink = Sink::create(Some(Path::new("/dev/full"))).unwrap();
        sink.write_all(b"rows\n").unwrap();
        let err = sink.commit().unwrap_err();
        assert!(matches!(err, OutputError::Write(_)), "{err}");
        assert!(!err.is_broken_pipe());
        let text = err.to_string();
        assert!(text.contains("--output /dev/full"), "{text}");
        assert!(text.contains("No space left"), "{text}");
        assert_eq!(crate::failure::Failure::Output(err).exit_code(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("real");
        fs::create_dir(&real_dir).unwrap();
        let target = real_dir.join("report.csv");
        fs::write(&target, "old\n").unwrap();
        let link = dir.path().join("latest.csv");
        // A relative link, resolved against the link's directory.
        std::os::unix::fs::symlink("real/report.csv", &link).unwrap();
        // And a link to that link.
        let link2 = dir.path().join("latest2.csv");
        std::os::unix::fs::symlink(&link, &link2).unwrap();

        let mut sink = Sink::create(Some(&link2)).unwrap();
        sink.write_all(b"new\n").unwrap();
        // The temporary file is beside the target, not the link.
        assert_eq!(fs::read_dir(&real_dir).unwrap().count(), 2);
        sink.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new\n");
        for l in [&link, &link2] {
            assert!(fs::symlink_metadata(l).unwrap().file_type().is_symlink());
        }
        assert_eq!(fs::read_dir(&real_dir).unwrap().count(), 1);

        // A dangling link names the file to create.
        let dangling = dir.path().join("dangling.csv");
        std::os::unix::fs::symlink("real/new.csv", &dangling).unwrap();
        let mut sink = Sink::create(Some(&dangling)).unwrap();
        sink.write_all(b"x\n").unwrap();
        sink.commit().unwrap();
        assert_eq!(fs::read_to_string(real_dir.join("new.csv")).unwrap(), "x\n");
        assert!(
            fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );

        // A loop is refused up front.
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let err = Sink::create(Some(&a)).err().unwrap();
        assert!(matches!(err, OutputError::Create { .. }), "{err}");
    }
}
