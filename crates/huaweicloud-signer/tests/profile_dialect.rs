//! The profile file's dialect, case by case as the official reader
//! (Python's configparser) reads it; `cargo xtask vectors --check` compares
//! the same cases with the official SDK itself. These run without Python.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::path::Path;

use huaweicloud_signer::{
    Credentials, CredentialsError, Resolved, from_profile_str, from_profile_str_section,
};

const P: &str = "/creds";

fn read(text: &str) -> Result<Option<Resolved>, CredentialsError> {
    from_profile_str(text, Path::new(P))
}

/// (ak, sk, token, project_id) of a profile text that must read.
fn keys(text: &str) -> (String, String, Option<String>, Option<String>) {
    let r = read(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("a [basic] with keys");
    let Credentials::AccessKey(k) = &r.credentials else {
        panic!("AK/SK expected")
    };
    (
        k.access_key().to_owned(),
        k.secret_key().expose().to_owned(),
        k.security_token().map(|t| t.expose().to_owned()),
        r.project_id.clone(),
    )
}

fn error(text: &str) -> String {
    match read(text) {
        Err(e) => e.to_string(),
        Ok(r) => panic!("expected an error, got {r:?}"),
    }
}

#[test]
fn crlf_and_lone_cr_line_endings() {
    let want = ("A".into(), "S".into(), None, Some("p".into()));
    assert_eq!(
        keys("[basic]\r\nak = A\r\nsk = S\r\nproject_id = p\r\n"),
        want
    );
    assert_eq!(keys("[basic]\rak = A\rsk = S\rproject_id = p\r"), want);
}

#[test]
fn a_byte_order_mark_is_skipped() {
    assert_eq!(keys("\u{feff}[basic]\nak=A\nsk=S\n").0, "A");
    // Only at the start: elsewhere it is content.
    let err = error("[basic]\n\u{feff}ak=A\nsk=S\n");
    assert!(err.contains("sk is set but ak is not"), "{err}");
}

#[test]
fn colon_and_equals_split_at_the_first_of_either() {
    assert_eq!(
        keys("[basic]\nak: A\nsk = S=K:1\nproject_id : a:b\n"),
        ("A".into(), "S=K:1".into(), None, Some("a:b".into()))
    );
}

#[test]
fn default_section_fills_in_and_is_overridden() {
    assert_eq!(
        keys("[DEFAULT]\nak = DA\nsk = DS\n[basic]\nproject_id = p\n"),
        ("DA".into(), "DS".into(), None, Some("p".into()))
    );
    assert_eq!(
        keys("[DEFAULT]\nak = DA\nsk = DS\n[basic]\nak = BA\n").0,
        "BA"
    );
    // [DEFAULT] alone is not a [basic] section.
    assert!(read("[DEFAULT]\nak = DA\nsk = DS\n").unwrap().is_none());
}

#[test]
fn duplicate_keys_and_sections_are_errors_naming_the_line() {
    assert_eq!(
        error("[basic]\nak = A\nAK = B\nsk = S\n"),
        "credentials file /creds: line 3: key `ak` appears twice in [basic]"
    );
    assert_eq!(
        error("[basic]\nak = A\n[basic]\nsk = S\n"),
        "credentials file /creds: line 3: section [basic] appears twice"
    );
    // In another section the same key is fine.
    assert_eq!(keys("[other]\nak = O\n[basic]\nak = A\nsk = S\n").0, "A");
}

#[test]
fn percent_is_interpolated_like_configparser() {
    assert_eq!(keys("[basic]\nak = A\nsk = S%%1\n").1, "S%1");
    assert_eq!(keys("[basic]\nak = A\nsk = %(ak)s-x\n").1, "A-x");
    assert_eq!(
        keys("[DEFAULT]\nbase = B\n[basic]\nak = A\nsk = %(BASE)s%(ak)s\n").1,
        "BA"
    );
    let err = error("[basic]\nak = A\nsk = S%1\n");
    assert!(err.contains("key `sk` in [basic]"), "{err}");
    assert!(err.contains("write `%%` for a literal `%`"), "{err}");
    // Any key of the section, as the official `items()` interpolates them all.
    assert!(error("[basic]\nak = A\nsk = S\nnote = 100%\n").contains("key `note`"));
    let err = error("[basic]\nak = A\nsk = %(SeCrEt)s\n");
    assert!(
        err.contains("names a key that is not in the section"),
        "{err}"
    );
    // The referenced name may be part of a secret: it is not shown.
    assert!(!err.contains("secret"), "{err}");
}

#[test]
fn interpolation_depth_and_growth_are_bounded() {
    let chain = |n: usize| {
        let mut text = String::from("[basic]\nak = A\nsk = %(k1)s\n");
        for i in 1..n {
            text.push_str(&format!("k{i} = %(k{})s\n", i + 1));
        }
        text.push_str(&format!("k{n} = end%%\n"));
        text
    };
    assert_eq!(keys(&chain(9)).1, "end%");
    assert!(error(&chain(10)).contains("nested more than 10 deep"));

    // Doubling at each of 8 levels: 2^8 * 301 bytes > 64 KiB.
    let mut text = String::from("[basic]\nak = A\nsk = %(k1)s\n");
    for i in 1..9 {
        text.push_str(&format!("k{i} = %(k{0})s%(k{0})s\n", i + 1));
    }
    text.push_str(&format!("k9 = {}%%\n", "x".repeat(300)));
    assert!(error(&text).contains("grows past 64 KiB"));
}

#[test]
fn comments_are_whole_lines_only() {
    assert_eq!(
        keys("# c\n; c\n[basic]\n  # indented\nak = A\n\t; tab\nsk = S;#x\n").1,
        "S;#x"
    );
    // `# my key` stays in the value, then the access key rule refuses it.
    let err = error("[basic]\nak = A # my key\nsk = S\n");
    assert_eq!(err, "ak must be printable ASCII without spaces or commas");
}

#[test]
fn empty_values_count_as_unset() {
    assert_eq!(
        error("[basic]\nak =\nsk = S\n"),
        "credentials file /creds [basic]: sk is set but ak is not"
    );
    assert!(read("[basic]\nak =\nsk =\n").unwrap().is_none());
    assert_eq!(keys("[basic]\nak = A\nsk = S\nproject_id =\n").3, None);
}

#[test]
fn whitespace_around_keys_and_values_is_trimmed() {
    assert_eq!(
        keys("[basic]\n  ak   =   A  \nsk\t=\tS\t\nproject_id=  p\n"),
        ("A".into(), "S".into(), None, Some("p".into()))
    );
}

#[test]
fn keys_are_case_insensitive_sections_are_not() {
    assert_eq!(
        keys("[basic]\nAK = A\nSk = S\nPROJECT_ID = p\nSecurity_Token = T\n"),
        ("A".into(), "S".into(), Some("T".into()), Some("p".into()))
    );
    assert!(read("[BASIC]\nak = A\nsk = S\n").unwrap().is_none());
    assert!(read("[ basic ]\nak = A\nsk = S\n").unwrap().is_none());
    assert_eq!(keys("[basic] ; note\nak = A\nsk = S\n").0, "A");
}

#[test]
fn malformed_lines_are_errors_with_line_numbers_only() {
    assert_eq!(
        error("ak = A\n[basic]\n"),
        "credentials file /creds: line 1: a key before any [section] (the profile starts with a header such as [basic])"
    );
    let err = error("[basic]\nak = A\nsk = S\nSECRETVALUE\n= x\n");
    assert_eq!(
        err,
        "credentials file /creds: line 4, 5: not `key = value`, `key: value`, a [section] or a comment"
    );
    assert!(!err.contains("SECRETVALUE"));
}

#[test]
fn continuation_lines_join_and_a_secret_with_a_newline_is_refused() {
    assert_eq!(
        keys("[basic]\nak = A\nsk = S\nproject_id = p1\n\n  p2\n").3,
        Some("p1\n\np2".into())
    );
    let err = error("[basic]\nak = A\nsk = S\n  more\n");
    assert_eq!(
        err,
        "sk must not contain control characters (a trailing newline or CR, a tab, ...)"
    );
}

#[test]
fn iam_endpoint_and_global_sections() {
    let r = read("[basic]\nak=A\nsk=S\niam_endpoint = https://iam.example.com\ndomain_id = d\n")
        .unwrap()
        .unwrap();
    assert_eq!(r.iam_endpoint.as_deref(), Some("https://iam.example.com"));
    // domain_id belongs to global credentials only, as in the official SDK.
    assert_eq!(r.domain_id, None);
    assert_eq!(r.profile.as_deref(), Some("basic"));

    let text = "[basic]\nak=B\nsk=B\n[global]\nak=G\nsk=GS\ndomain_id=d1\nproject_id=p1\n";
    let r = from_profile_str_section(text, Path::new(P), "global").unwrap();
    assert_eq!(r.domain_id.as_deref(), Some("d1"));
    assert_eq!(r.project_id, None);
    assert_eq!(r.profile.as_deref(), Some("global"));
}

#[test]
fn a_named_section_must_exist_and_hold_keys() {
    let text = "[basic]\nak=B\nsk=B\n[dev]\nak=D\nsk=DS\nproject_id=pd\n";
    let r = from_profile_str_section(text, Path::new(P), "dev").unwrap();
    assert_eq!(r.project_id.as_deref(), Some("pd"));

    let err = from_profile_str_section(text, Path::new(P), "prod").unwrap_err();
    assert_eq!(
        err,
        CredentialsError::ProfileSectionMissing {
            path: P.into(),
            section: "prod".into(),
            present: vec!["basic".into(), "dev".into()],
        }
    );
    assert_eq!(
        err.to_string(),
        "credentials file /creds: no [prod] section (sections present: basic, dev)"
    );
    let err = from_profile_str_section("[dev]\nproject_id=p\n", Path::new(P), "dev").unwrap_err();
    assert_eq!(
        err.to_string(),
        "credentials file /creds: [dev] has no ak and sk"
    );
}

#[test]
fn federated_keys_are_refused_rather_than_silently_ignored() {
    let err = error("[basic]\nak=A\nsk=S\nidp_id=i\nid_token_file=/t\n");
    assert!(err.contains("federated credentials"), "{err}");
    // One of the two alone is not federation to the official SDK either.
    assert_eq!(keys("[basic]\nak=A\nsk=S\nidp_id=i\n").0, "A");
}
