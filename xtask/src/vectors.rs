//! `cargo xtask vectors [--check]`: signing test vectors from the official signer.
//!
//! The case inputs live here; `xtask/python/sign_vectors.py` signs them with
//! huaweicloudsdkcore (pinned in [`crate::python::PACKAGES`]) and the result is
//! written, pretty-printed and in a stable order, to
//! `crates/huaweicloud-signer/tests/vectors.json`, whose tests require the Rust
//! `Authorization` to be byte-identical for every case.
//!
//! `--check` also reads the profile-file cases of [`crate::profiles`] with
//! the official reader and ours, and fails on an undeclared difference.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::workspace_root;

const OUTPUT: &str = "crates/huaweicloud-signer/tests/vectors.json";
const SCRIPT: &str = "xtask/python/sign_vectors.py";

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const HOST: &str = "https://workspace.cn-north-4.myhuaweicloud.com";
const USED: &str = "/v2/0123456789abcdef0123456789abcdef/desktops/statistics/used";
const REF_BODY: &str = r#"{"desktop_ids": ["d1"], "start_time": "2024-01-01", "end_time": "2024-01-15", "group_by_type": "DAY", "limit": 10}"#;
const UA: &str = "huaweicloud-usdk-python/3.0; test-ua";

enum Body {
    Text(&'static str),
    Bytes(&'static [u8]),
}

struct Case {
    name: &'static str,
    method: &'static str,
    url: String,
    headers: Vec<(&'static str, &'static str)>,
    body: Body,
    ak: &'static str,
    sk: &'static str,
    security_token: Option<&'static str>,
    sdk_date: &'static str,
}

/// The headers the official client sends on the desktop-usage call.
fn client_headers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Content-Type", "application/json"),
        ("User-Agent", UA),
        ("X-Project-Id", PROJECT),
    ]
}

fn base(name: &'static str) -> Case {
    Case {
        name,
        method: "POST",
        url: format!("{HOST}{USED}"),
        headers: client_headers(),
        body: Body::Text(REF_BODY),
        ak: "AKEXAMPLE",
        sk: "SKEXAMPLE",
        security_token: None,
        sdk_date: "20240102T030405Z",
    }
}

fn cases() -> Vec<Case> {
    vec![
        base("reference vector from huawei-cloud-facts.md"),
        Case {
            method: "GET",
            url: format!("{HOST}/v2/{PROJECT}/desktops"),
            body: Body::Text(""),
            ..base("empty body, GET")
        },
        Case {
            body: Body::Text(
                r#"{"desktop_username": "张三", "note": "café ✓ 🚀", "desktop_ids": ["d1"]}"#,
            ),
            ..base("unicode body")
        },
        Case {
            url: format!("https://127.0.0.1:8443{USED}"),
            ..base("host with a port")
        },
        Case {
            url: format!("http://[::1]:18080{USED}"),
            ..base("IPv6 host with a port")
        },
        Case {
            url: format!("http://localhost:18080{USED}"),
            sdk_date: "20250315T235959Z",
            ..base("http host with a port")
        },
        Case {
            ak: "HSTAEXAMPLETEMPORARY",
            sk: "temporary/secret+key=",
            security_token: Some("gQpjbi1ub3J0aC00iz9xS0FTc2VjdXJpdHlUb2tlbkV4YW1wbGU="),
            ..base("security token")
        },
        Case {
            headers: vec![
                ("Content-Type", "  application/json  "),
                ("User-Agent", "\thuaweicloud-usdk-python/3.0; spaced ua \t"),
                ("X-Project-Id", PROJECT),
                ("X-Custom-Note", "   inner  spaces   kept   "),
            ],
            ..base("header values with surrounding spaces")
        },
        Case {
            headers: vec![
                ("Content-Type", "application/json"),
                ("User-Agent", UA),
                ("X-Project-Id", PROJECT),
                ("X_Trace_Id", "trace-with-underscore-name"),
            ],
            ..base("header with an underscore (not signed)")
        },
        Case {
            headers: vec![
                ("Content-Type", "application/json"),
                ("User-Agent", UA),
                ("X-Project-Id", PROJECT),
                ("X-Desktop-User", "张三 café"),
            ],
            ..base("unicode header value")
        },
        Case {
            method: "GET",
            url: format!("{HOST}/v2/{PROJECT}/desktops/desk%20top%2Fone/a~b.c_d-e/%E5%BC%A0"),
            body: Body::Text(""),
            ..base("percent-encoded path segments")
        },
        Case {
            method: "DELETE",
            url: format!("{HOST}/v1/{PROJECT}/bad%FF%C3utf8/x"),
            body: Body::Text(""),
            ..base("percent-encoded invalid UTF-8 in the path")
        },
        Case {
            method: "GET",
            url: format!("{HOST}/v2/{PROJECT}/desktops/"),
            body: Body::Text(""),
            ..base("path with a trailing slash")
        },
        Case {
            method: "GET",
            url: format!(
                "{HOST}/v2/{PROJECT}/desktops?limit=10&desktop_id=b&offset=0&desktop_id=a&name=%E5%BC%A0&desktop_id=a%2Fc"
            ),
            body: Body::Text(""),
            ..base("query parameters, sorted, repeated keys")
        },
        Case {
            method: "GET",
            url: format!(
                "{HOST}/v2/{PROJECT}/desktops?q=a+b%20c~&empty=&flag&z.y=1&a%2Eb=2&sort=-name"
            ),
            body: Body::Text(""),
            ..base("query with plus, space, empty value and bare key")
        },
        Case {
            sdk_date: "19991231T235959Z",
            ..base("date 1999-12-31")
        },
        Case {
            sdk_date: "20240229T120000Z",
            ..base("date 2024-02-29 (leap day)")
        },
        Case {
            sdk_date: "20380119T031408Z",
            ..base("date 2038-01-19")
        },
        Case {
            method: "PUT",
            headers: vec![("Content-Type", "text/plain"), ("X-Project-Id", PROJECT)],
            body: Body::Text("plain text body"),
            ..base("non-JSON content type: UNSIGNED-PAYLOAD")
        },
        Case {
            method: "PUT",
            headers: vec![("Content-Type", "text/plain"), ("X-Project-Id", PROJECT)],
            body: Body::Text(""),
            ..base("non-JSON content type with an empty body")
        },
        Case {
            method: "PUT",
            headers: vec![
                ("Content-Type", "application/octet-stream"),
                ("X-Project-Id", PROJECT),
            ],
            body: Body::Bytes(&[0x00, 0xff, 0xfe, 0x80, 0x7f, 0x0a, 0x0d, 0x20]),
            ..base("binary body, octet-stream")
        },
        Case {
            headers: vec![
                ("Content-Type", "application/json;charset=UTF-8"),
                ("X-Project-Id", PROJECT),
            ],
            body: Body::Bytes(&[0x7b, 0x22, 0x62, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
            ..base("JSON content type with non-UTF-8 body bytes")
        },
        Case {
            headers: vec![
                ("Content-Type", "application/json"),
                ("Host", "custom-host.example.com:9443"),
                ("X-Project-Id", PROJECT),
            ],
            ..base("Host header given by the caller")
        },
        Case {
            ak: "AK0123456789ABCDEFGH",
            sk: "sk with spaces, unicode ✓ and symbols !@#$%^&*()",
            ..base("secret key with spaces and unicode")
        },
        Case {
            method: "PATCH",
            headers: vec![
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
                ("X-Language", "en-us"),
                ("X-Project-Id", PROJECT),
                ("User-Agent", UA),
            ],
            body: Body::Text("{}"),
            ..base("more headers, PATCH")
        },
    ]
}

fn case_json(case: &Case) -> Value {
    let headers: Vec<Value> = case.headers.iter().map(|(n, v)| json!([n, v])).collect();
    let mut value = json!({
        "name": case.name,
        "method": case.method,
        "url": case.url,
        "headers": headers,
        "ak": case.ak,
        "sk": case.sk,
        "security_token": case.security_token,
        "sdk_date": case.sdk_date,
    });
    let (key, body) = match &case.body {
        Body::Text(text) => ("body_text", Value::from(*text)),
        Body::Bytes(bytes) => ("body_hex", Value::from(hex(bytes))),
    };
    if let Some(map) = value.as_object_mut() {
        map.insert(key.to_owned(), body);
    }
    value
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Signs every case with the official signer; returns the file contents.
fn generate(python: &Path) -> Result<String> {
    let input = serde_json::to_string(&cases().iter().map(case_json).collect::<Vec<_>>())?;
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
        .write_all(input.as_bytes())
        .context("writing the cases to python")?;
    let output = child.wait_with_output().context("waiting for python")?;
    if !output.status.success() {
        bail!("{SCRIPT} failed: {}", output.status);
    }
    let parsed: Value =
        serde_json::from_slice(&output.stdout).context("parsing the official signer's output")?;
    let cases = parsed["cases"].as_array().context("output has no cases")?;
    if cases.len() < 12 {
        bail!(
            "only {} vectors; the issue asks for at least 12",
            cases.len()
        );
    }
    Ok(serde_json::to_string_pretty(&parsed)? + "\n")
}

fn output_path() -> PathBuf {
    workspace_root().join(OUTPUT)
}

/// `cargo xtask vectors`: writes the vectors file (needs Python).
pub fn write() -> Result<()> {
    let Some(python) = crate::python::venv()? else {
        bail!("writing vectors needs the official signer: python3 with venv and pip");
    };
    let contents = generate(&python)?;
    if let Some(dir) = output_path().parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    fs::write(output_path(), contents).with_context(|| format!("writing {OUTPUT}"))?;
    println!("wrote {OUTPUT} ({} cases)", cases().len());
    Ok(())
}

/// `cargo xtask vectors --check`: regenerates in memory and fails with a diff
/// when the checked-in file differs from what the official signer says now.
/// Without Python (off CI) it says so and trusts the checked-in file.
pub fn check() -> Result<ExitCode> {
    let old = fs::read_to_string(output_path()).with_context(|| format!("reading {OUTPUT}"))?;
    let Some(python) = crate::python::venv()? else {
        println!(
            "vectors: no Python here; using the checked-in {OUTPUT} unverified, profile files not compared"
        );
        return Ok(ExitCode::SUCCESS);
    };
    let new = generate(&python)?;
    // The profile-file reader is compared with the official one here too: it
    // needs the same venv, and CI already runs this gate.
    let profiles_agree = crate::profiles::check(&python)?;
    if old == new {
        println!(
            "vectors: {OUTPUT} matches the official signer ({} cases)",
            cases().len()
        );
        return Ok(if profiles_agree {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let diff = similar::TextDiff::from_lines(&old, &new);
    print!(
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("{OUTPUT} (checked in)"), "official signer (now)")
    );
    eprintln!("vectors: {OUTPUT} differs from the official signer; run `cargo xtask vectors`");
    Ok(ExitCode::FAILURE)
}
