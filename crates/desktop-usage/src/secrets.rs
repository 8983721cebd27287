//! The IAM token from a file or the environment (never from a flag: flags
//! end up in shell history and in `ps`), and the warning about sending
//! credentials in clear text.

use std::io::{self, Read};
use std::path::Path;

use crate::failure::Failure;

/// The largest token file read. IAM tokens are a few KiB; the bound keeps
/// `--auth-token-file /dev/zero` from eating the memory.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// The environment variable holding an IAM token.
pub const TOKEN_VARIABLE: &str = "HUAWEICLOUD_SDK_AUTH_TOKEN";

/// The IAM token to send, if any: `--auth-token-file` (`-` is stdin) wins
/// over [`TOKEN_VARIABLE`]; an empty variable counts as unset.
pub fn auth_token(file: Option<&Path>) -> Result<Option<String>, Failure> {
    if let Some(path) = file {
        return read_token_file(path).map(Some);
    }
    match std::env::var(TOKEN_VARIABLE) {
        Ok(token) if !token.is_empty() => Ok(Some(token)),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Failure::Usage(format!(
            "invalid {TOKEN_VARIABLE}: it is not UTF-8 text"
        ))),
    }
}

fn read_token_file(path: &Path) -> Result<String, Failure> {
    let name = path.display();
    let fail = |rule: String| Failure::Usage(format!("invalid --auth-token-file {name}: {rule}"));
    let limit = MAX_TOKEN_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    let read = if path == Path::new("-") {
        io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| fail(format!("cannot read it: {e}")))?;
    if bytes.len() > MAX_TOKEN_BYTES {
        return Err(fail(format!(
            "it is longer than {} KiB, too long for an IAM token",
            MAX_TOKEN_BYTES / 1024
        )));
    }
    let mut text = String::from_utf8(bytes).map_err(|_| fail("it is not UTF-8 text".into()))?;
    // `echo "$TOKEN" > file` adds one line end; keep everything else as is.
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.trim().is_empty() {
        return Err(fail("the token is empty".into()));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, bytes).unwrap();
        f
    }

    #[test]
    fn token_file_loses_one_line_end_only() {
        for (content, token) in [
            (&b"tok\n"[..], "tok"),
            (b"tok\r\n", "tok"),
            (b"tok", "tok"),
            (b"tok\n\n", "tok\n"),
            (b" tok ", " tok "),
        ] {
            let f = file_with(content);
            assert_eq!(read_token_file(f.path()).unwrap(), token);
        }
    }

    #[test]
    fn bad_token_files_name_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let just_fits = file_with(&vec![b'a'; MAX_TOKEN_BYTES]);
        assert_eq!(
            read_token_file(just_fits.path()).unwrap().len(),
            MAX_TOKEN_BYTES
        );
        let files = [
            (file_with(b"\n"), "empty"),
            (file_with(b""), "empty"),
            (file_with(b"\xff\xfe"), "UTF-8"),
            (
                file_with(&vec![b'a'; MAX_TOKEN_BYTES + 1]),
                "longer than 64 KiB",
            ),
        ];
        let mut cases: Vec<(std::path::PathBuf, &str)> = files
            .iter()
            .map(|(f, rule)| (f.path().to_path_buf(), *rule))
            .collect();
        cases.push((dir.path().join("missing"), "cannot read"));
        cases.push((dir.path().to_path_buf(), "cannot read"));
        for (path, rule) in cases {
            let text = read_token_file(&path).unwrap_err().to_string();
            assert!(text.starts_with("invalid --auth-token-file "), "{text}");
            assert!(text.contains(rule), "{rule}: {text}");
        }
    }
}
