//! Profile files read side by side: the official SDK's `ProfileCredentialProvider`
//! (through `xtask/python/profile_read.py`) and our `huaweicloud_signer`
//! reader, over the same texts. Run by `cargo xtask vectors --check`.
//!
//! Each case says whether the two must agree or how they differ, and why;
//! a difference that is not declared, or a declared one that no longer
//! happens, fails the check. Nothing is skipped.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::workspace_root;

const SCRIPT: &str = "xtask/python/profile_read.py";

/// What one reader does with a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Reads,
    Refuses,
}

/// What the case expects of the two readers.
enum Expect {
    /// Both read the same values, or both refuse.
    Same,
    /// A documented difference: what each does, and why we differ.
    Differs {
        official: Side,
        ours: Side,
        why: &'static str,
    },
}

struct Case {
    name: &'static str,
    section: &'static str,
    text: &'static str,
    expect: Expect,
}

const fn same(name: &'static str, text: &'static str) -> Case {
    Case {
        name,
        section: "basic",
        text,
        expect: Expect::Same,
    }
}

const FIELDS: &[&str] = &[
    "ak",
    "sk",
    "security_token",
    "project_id",
    "domain_id",
    "iam_endpoint",
];

fn cases() -> Vec<Case> {
    vec![
        same("plain", "[basic]\nak = AK1\nsk = SK1\nproject_id = p1\n"),
        same(
            "security token and iam_endpoint",
            "[basic]\nak=AK1\nsk=SK1\nsecurity_token=TOK\niam_endpoint=https://iam.example.com\n",
        ),
        same(
            "CRLF line endings",
            "[basic]\r\nak = AK1\r\nsk = SK1\r\nproject_id = p1\r\n",
        ),
        same("lone CR line endings", "[basic]\rak = AK1\rsk = SK1\r"),
        Case {
            name: "UTF-8 byte order mark",
            section: "basic",
            text: "\u{feff}[basic]\nak = AK1\nsk = SK1\n",
            expect: Expect::Differs {
                official: Side::Refuses,
                ours: Side::Reads,
                why: "Python opens the file as utf-8 (not utf-8-sig), keeps the BOM and finds no section header; Notepad writes one and refusing it helps nobody",
            },
        },
        same(
            "colon separator",
            "[basic]\nak: AK1\nsk :SK1\nproject_id : p1\n",
        ),
        same(
            "first of = and : splits",
            "[basic]\nak = AK1\nsk: S=K:1\nproject_id=a:b\n",
        ),
        same(
            "[DEFAULT] gives its keys to [basic]",
            "[DEFAULT]\nak = DAK\nsk = DSK\n[basic]\nproject_id = p1\n",
        ),
        same(
            "[basic] overrides [DEFAULT]",
            "[DEFAULT]\nak = DAK\nsk = DSK\n[basic]\nak = BAK\n",
        ),
        same(
            "[DEFAULT] alone is not [basic]",
            "[DEFAULT]\nak = DAK\nsk = DSK\n",
        ),
        same("duplicate key", "[basic]\nak = AK1\nak = AK2\nsk = SK1\n"),
        same(
            "duplicate key differing in case",
            "[basic]\nak = AK1\nAK = AK2\nsk = SK1\n",
        ),
        same(
            "duplicate section",
            "[basic]\nak = AK1\n[basic]\nsk = SK1\n",
        ),
        same("lone % in a value", "[basic]\nak = AK1\nsk = SK%1\n"),
        same(
            "lone % in an unrelated key",
            "[basic]\nak = AK1\nsk = SK1\nnote = 100%\n",
        ),
        same("%% is a literal %", "[basic]\nak = AK1\nsk = SK%%1\n"),
        same("%(key)s reference", "[basic]\nak = AK1\nsk = %(ak)s-x\n"),
        same(
            "%(key)s reference into [DEFAULT], key case-folded",
            "[DEFAULT]\nbase = B\n[basic]\nak = AK1\nsk = %(BASE)s-%(ak)s\n",
        ),
        same(
            "%(missing)s reference",
            "[basic]\nak = AK1\nsk = %(nope)s\n",
        ),
        same("%( without )s", "[basic]\nak = AK1\nsk = %(ak)x\n"),
        same(
            "references nested 10 deep",
            "[basic]\nak = AK1\nk1 = %(k2)s\nk2 = %(k3)s\nk3 = %(k4)s\nk4 = %(k5)s\nk5 = %(k6)s\nk6 = %(k7)s\nk7 = %(k8)s\nk8 = %(k9)s\nk9 = x%%\nsk = %(k1)s\n",
        ),
        same(
            "references nested 11 deep",
            "[basic]\nak = AK1\nk1 = %(k2)s\nk2 = %(k3)s\nk3 = %(k4)s\nk4 = %(k5)s\nk5 = %(k6)s\nk6 = %(k7)s\nk7 = %(k8)s\nk8 = %(k9)s\nk9 = %(k10)s\nk10 = x%%\nsk = %(k1)s\n",
        ),
        same(
            "full-line comments, indented too",
            "# top\n; top\n[basic]\n# c\n  ; indented\nak = AK1\n\t# tab\nsk = SK1\n",
        ),
        Case {
            name: "no inline comments: # is part of the value",
            section: "basic",
            text: "[basic]\nak = AK1 # my key\nsk = SK1\n",
            expect: Expect::Differs {
                official: Side::Reads,
                ours: Side::Refuses,
                why: "both read the access key `AK1 # my key`; we refuse it (not printable ASCII without spaces) before sending, the official SDK sends it and fails at the server",
            },
        },
        same(
            "; inside a secret is kept",
            "[basic]\nak = AK1\nsk = SK1;#x\n",
        ),
        same("empty ak", "[basic]\nak =\nsk = SK1\n"),
        same("empty ak and sk", "[basic]\nak =\nsk =\n"),
        same("only ak", "[basic]\nak = AK1\n"),
        same(
            "empty project_id",
            "[basic]\nak = AK1\nsk = SK1\nproject_id =\n",
        ),
        same(
            "whitespace around keys and values",
            "[basic]\n  ak   =   AK1  \nsk\t=\tSK1\t\nproject_id=  p1\n",
        ),
        same("missing section", "[other]\nak = AK1\nsk = SK1\n"),
        same("empty file", ""),
        same("only comments", "# nothing here\n"),
        same(
            "section names are case-sensitive",
            "[BASIC]\nak = AK1\nsk = SK1\n",
        ),
        same(
            "spaces inside the brackets",
            "[ basic ]\nak = AK1\nsk = SK1\n",
        ),
        same(
            "text after the header",
            "[basic] ; mine\nak = AK1\nsk = SK1\n",
        ),
        same(
            "upper-case keys",
            "[basic]\nAK = AK1\nSk = SK1\nPROJECT_ID = p1\n",
        ),
        same("a key before any section", "ak = AK1\n[basic]\nsk = SK1\n"),
        same(
            "a line without = or :",
            "[basic]\nak = AK1\nsk = SK1\njunk\n",
        ),
        same("an empty key", "[basic]\n= x\nak = AK1\nsk = SK1\n"),
        Case {
            name: "indented line continues a value",
            section: "basic",
            text: "[basic]\nak = AK1\nsk = SK1\n  more\n",
            expect: Expect::Differs {
                official: Side::Reads,
                ours: Side::Refuses,
                why: "both read sk as `SK1\\nmore`; we refuse a secret with a control character before sending (a bad signature at the server says nothing of the cause)",
            },
        },
        same(
            "indented line after a blank line continues project_id",
            "[basic]\nak = AK1\nsk = SK1\nproject_id = p1\n\n  p2\n",
        ),
        Case {
            name: "tab inside the secret",
            section: "basic",
            text: "[basic]\nak = AK1\nsk = SK\t1\n",
            expect: Expect::Differs {
                official: Side::Reads,
                ours: Side::Refuses,
                why: "a control character in a secret is refused by name before anything is sent",
            },
        },
        Case {
            name: "[global] gives domain_id, not project_id",
            section: "global",
            text: "[basic]\nak = B\nsk = B\n[global]\nak = GAK\nsk = GSK\ndomain_id = d1\nproject_id = p1\n",
            expect: Expect::Same,
        },
        Case {
            name: "section named basic_dev (a basic type to the official SDK)",
            section: "basic_dev",
            text: "[basic]\nak = B\nsk = B\n[basic_dev]\nak = DAK\nsk = DSK\nproject_id = pd\n",
            expect: Expect::Same,
        },
        Case {
            name: "section named dev",
            section: "dev",
            text: "[dev]\nak = DAK\nsk = DSK\nproject_id = pd\n",
            expect: Expect::Differs {
                official: Side::Refuses,
                ours: Side::Reads,
                why: "named profiles are ours: the official SDK only takes types starting with basic or global (ApiTypeError otherwise)",
            },
        },
        Case {
            name: "federated idp_id and id_token_file",
            section: "basic",
            text: "[basic]\nak = AK1\nsk = SK1\nidp_id = idp\nid_token_file = /tmp/t\n",
            expect: Expect::Differs {
                official: Side::Reads,
                ours: Side::Refuses,
                why: "the official SDK would ignore ak/sk and federate through IAM; we do not support federation and say so instead of using other keys than it would",
            },
        },
    ]
}

/// Our reader's outcome: the fields, or the error.
fn ours(case: &Case) -> std::result::Result<Value, String> {
    let path = Path::new("/profile-case");
    let resolved = huaweicloud_signer::from_profile_str_section(case.text, path, case.section)
        .map_err(|err| err.to_string())?;
    let huaweicloud_signer::Credentials::AccessKey(keys) = &resolved.credentials else {
        return Err("not AK/SK credentials".to_owned());
    };
    Ok(json!({
        "ak": keys.access_key(),
        "sk": keys.secret_key().expose(),
        "security_token": keys.security_token().map(|t| t.expose()),
        "project_id": resolved.project_id,
        "domain_id": resolved.domain_id,
        "iam_endpoint": resolved.iam_endpoint,
    }))
}

/// The official SDK keeps an empty optional value as `""`; it means unset
/// there too (`if not self.project_id`), and we say `None`.
fn normalise(fields: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for field in FIELDS {
        let value = match &fields[*field] {
            Value::String(s) if s.is_empty() => Value::Null,
            other => other.clone(),
        };
        out.insert((*field).to_owned(), value);
    }
    Value::Object(out)
}

fn run_official(python: &Path, cases: &[Case]) -> Result<Vec<Value>> {
    let input: Vec<Value> = cases
        .iter()
        .map(|c| json!({"name": c.name, "section": c.section, "text": c.text}))
        .collect();
    let script = workspace_root().join(SCRIPT);
    let mut child = Command::new(python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {} {}", python.display(), script.display()))?;
    child
        .stdin
        .take()
        .context("python stdin")?
        .write_all(serde_json::to_string(&input)?.as_bytes())
        .context("writing the profile cases to python")?;
    let output = child.wait_with_output().context("waiting for python")?;
    if !output.status.success() {
        bail!("{SCRIPT} failed: {}", output.status);
    }
    let parsed: Value =
        serde_json::from_slice(&output.stdout).context("parsing the official reader's output")?;
    let results = parsed["cases"]
        .as_array()
        .context("output has no cases")?
        .clone();
    if results.len() != cases.len() {
        bail!(
            "{SCRIPT} answered {} cases for {}",
            results.len(),
            cases.len()
        );
    }
    Ok(results)
}

/// Compares one case; `Err` says how it fails.
fn compare(case: &Case, official: &Value) -> std::result::Result<String, String> {
    let theirs = match (&official["ok"], &official["error"]) {
        (Value::Object(_), _) => Ok(normalise(&official["ok"])),
        (_, Value::String(class)) => Err(class.clone()),
        _ => return Err(format!("unexpected answer from {SCRIPT}: {official}")),
    };
    let mine = ours(case).map(|v| normalise(&v));
    let side = |r: &std::result::Result<Value, String>| {
        if r.is_ok() {
            Side::Reads
        } else {
            Side::Refuses
        }
    };
    let shown = |r: &std::result::Result<Value, String>| match r {
        Ok(v) => format!("reads {v}"),
        Err(e) => format!("refuses ({e})"),
    };
    let summary = format!("official {}; ours {}", shown(&theirs), shown(&mine));
    match &case.expect {
        Expect::Same => match (&theirs, &mine) {
            (Ok(a), Ok(b)) if a == b => Ok(format!("same: {}", shown(&mine))),
            (Err(_), Err(_)) => Ok(format!("both refuse: {summary}")),
            _ => Err(format!("undeclared difference: {summary}")),
        },
        Expect::Differs {
            official: want_theirs,
            ours: want_mine,
            why,
        } => {
            if side(&theirs) == *want_theirs && side(&mine) == *want_mine {
                Ok(format!("documented difference ({why}): {summary}"))
            } else {
                Err(format!(
                    "the documented difference no longer holds (expected official {want_theirs:?}, ours {want_mine:?}): {summary}"
                ))
            }
        }
    }
}

/// Runs every case through both readers; `Ok(false)` when any case fails.
pub fn check(python: &Path) -> Result<bool> {
    let cases = cases();
    let official = run_official(python, &cases)?;
    let mut failures = 0;
    for (case, theirs) in cases.iter().zip(&official) {
        if theirs["name"] != case.name {
            bail!("{SCRIPT} answered out of order at {:?}", case.name);
        }
        match compare(case, theirs) {
            Ok(line) => println!("profiles: ok   {}: {line}", case.name),
            Err(line) => {
                failures += 1;
                eprintln!("profiles: FAIL {}: {line}", case.name);
            }
        }
    }
    if failures > 0 {
        eprintln!(
            "profiles: {failures} of {} cases differ from the official reader",
            cases.len()
        );
        return Ok(false);
    }
    println!(
        "profiles: {} cases agree with the official reader or differ as documented",
        cases.len()
    );
    Ok(true)
}
