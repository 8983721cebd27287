//! The classes, metadata and one-line wording of errors.

use super::{Error, ErrorClass, ErrorMetadata};

#[test]
fn classes_and_metadata() {
    assert_eq!(
        Error::invalid("page_size", "x").class(),
        ErrorClass::InvalidInput
    );
    let auth = Error::Authentication(Box::new(ErrorMetadata {
        status: 403,
        code: Some("WKS.0403".into()),
        encoded_authorization_message: Some("ZW5j".into()),
        request_id: Some("r".into()),
        ..ErrorMetadata::default()
    }));
    assert_eq!(auth.class(), ErrorClass::Authentication);
    assert_eq!(auth.request_id(), Some("r"));
    assert_eq!(auth.status(), Some(403));
    let text = auth.to_string();
    assert!(
        text.starts_with("permission denied: HTTP 403 WKS.0403"),
        "{text}"
    );
    assert!(
        text.contains("encoded authorization message: ZW5j"),
        "{text}"
    );
    assert!(text.ends_with("(request id r)"), "{text}");
    let network = Error::Transport {
        message: "reset".into(),
        attempts: 1,
    };
    assert_eq!(network.class(), ErrorClass::Network);
    assert_eq!(network.to_string(), "network error after 1 attempt: reset");
}

#[test]
fn an_unusable_body_that_is_not_empty_is_not_called_empty() {
    let data = Error::InvalidResponse {
        status: 200,
        reason: "the page has no total_count".into(),
        body_prefix: None,
        request_id: None,
    };
    assert!(!data.to_string().contains("empty"), "{data}");
    let empty = Error::InvalidResponse {
        status: 503,
        reason: "x".into(),
        body_prefix: Some(String::new()),
        request_id: None,
    };
    assert!(empty.to_string().contains("the body is empty"), "{empty}");
}
