//! `KeystoneListProjects` (IAM, `GET /v3/projects?name={region}`): finds a
//! region's project id when the client was given none. The request comes
//! from the generated client built on the IAM base URL; the decoder here is
//! the only one of its answer.

use huaweicloud_workspace_api::types::KeystoneListProjectsResponse;

use crate::answer::Answer;
use crate::classify::Failure;
use crate::error::Error;
use crate::operation::{self, Host, Operation, build_error};

/// The projects named after one region.
#[derive(Debug)]
pub(crate) struct ProjectsByName<'a> {
    pub(crate) region: &'a str,
}

impl Operation for ProjectsByName<'_> {
    type Output = String;
    const NAME: &'static str = "KeystoneListProjects";
    const HOST: Host = Host::Iam;

    fn request(
        &self,
        api: &huaweicloud_workspace_api::Client,
        _project_id: &str,
    ) -> Result<reqwest::Request, Error> {
        api.keystone_list_projects()
            .name(self.region)
            .build_request()
            .map_err(build_error)
    }

    fn decode_body(&self, answer: &Answer) -> Result<Self::Output, Failure> {
        decode(answer, self.region)
    }
}

/// Decodes one answer of `KeystoneListProjects` asked for `region`, as the
/// client does: the status checks, then exactly one project with an id, or
/// [`Error::ProjectId`] (none, or several).
pub fn project_id(answer: &Answer, region: &str) -> Result<String, Error> {
    operation::decode(&ProjectsByName { region }, answer).map_err(|f| f.into_error(1))
}

fn decode(answer: &Answer, region: &str) -> Result<String, Failure> {
    let wire: KeystoneListProjectsResponse = serde_json::from_slice(&answer.body).map_err(|e| {
        Failure::bad_body(
            answer,
            format!("the body is not IAM's documented project list: {e}"),
        )
    })?;
    // IAM filters by name already; a project of another name is not this
    // region's, whatever IAM sent.
    let ids: Vec<String> = wire
        .projects
        .into_iter()
        .filter(|p| p.name.as_deref() == Some(region))
        .filter_map(|p| p.id)
        .collect();
    match ids.as_slice() {
        [id] if valid_project_id(id) => Ok(id.clone()),
        [_] => Err(Failure::bad_data(
            answer,
            "the project id IAM gave is not letters, digits, '-' or '_'".to_string(),
        )),
        _ => Err(Failure::Refused(Error::ProjectId {
            region: region.to_string(),
            found: ids.len(),
            iam_trace_id: answer.request_id.clone(),
        })),
    }
}

/// The rule `ClientBuilder` applies to a project id it is given; an id from
/// the network goes into URL paths and a header, so it meets the same rule.
pub(crate) fn valid_project_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_project_of_the_region_is_its_id() {
        let body = r#"{"projects":[{"id":"0123abcd","name":"cn-north-4","enabled":true},
            {"id":"ffff","name":"cn-north-4_sub"}]}"#;
        assert_eq!(
            project_id(&Answer::ok(body), "cn-north-4").unwrap(),
            "0123abcd"
        );
    }

    #[test]
    fn none_or_several_name_the_region_and_trace_id() {
        let mut answer = Answer::ok(r#"{"projects":[]}"#);
        answer.request_id = Some("trace-1".to_string());
        let e = project_id(&answer, "cn-nowhere-1").unwrap_err();
        assert!(matches!(&e, Error::ProjectId { found: 0, .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.contains("cn-nowhere-1") && text.contains("trace-1"),
            "{text}"
        );

        let two = Answer::ok(r#"{"projects":[{"id":"a","name":"r"},{"id":"b","name":"r"}]}"#);
        let e = project_id(&two, "r").unwrap_err();
        assert!(matches!(e, Error::ProjectId { found: 2, .. }), "{e:?}");
    }

    #[test]
    fn a_hostile_id_is_refused() {
        let body = r#"{"projects":[{"id":"../x","name":"r"}]}"#;
        let e = project_id(&Answer::ok(body), "r").unwrap_err();
        assert!(matches!(e, Error::InvalidResponse { .. }), "{e:?}");
    }
}
