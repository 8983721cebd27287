//! The client of a run: built from the global flags (region, endpoint,
//! project, credentials, retries), or the embedded simulator's with
//! `--demo`. Nothing here sends a request.

use std::time::Duration;

use chrono::NaiveDate;
use huaweicloud_workspace::{
    Client, ClientBuilder, Credentials, Error as ApiError, Region, RetryConfig,
};

use crate::cli::global::GlobalArgs;
use crate::demo;
use crate::failure::Failure;
use crate::secrets;

/// The client of a run, and the demo simulator behind it with `--demo`.
pub struct Session {
    /// The client every query of the run uses.
    pub client: Client,
    simulator: Option<huaweicloud_workspace_sim::RunningSimulator>,
}

impl Session {
    /// Builds the client from the flags (starting the demo simulator with
    /// `--demo`); nothing is sent.
    pub async fn open(global: &GlobalArgs, today: NaiveDate) -> Result<Session, Failure> {
        // --demo brings its own credentials.
        let token = if global.demo {
            None
        } else {
            secrets::auth_token(global.auth_token_file.as_deref())?
        };
        let simulator = if global.demo {
            Some(
                demo::start(today, global.quiet)
                    .await
                    .map_err(Failure::Demo)?,
            )
        } else {
            None
        };
        let client = match &simulator {
            Some(sim) => demo::client(sim, configure(Client::builder(), global))?,
            None => real_client(global, token)?,
        };
        // An endpoint in clear is warned about by the library's builder
        // (one line, through the logging).
        Ok(Session { client, simulator })
    }

    /// Stops the demo simulator, if any.
    pub async fn close(self) {
        if let Some(sim) = self.simulator {
            sim.shutdown().await;
        }
    }
}

fn configure(mut builder: ClientBuilder, global: &GlobalArgs) -> ClientBuilder {
    builder = builder.user_agent(concat!("desktop-usage/", env!("CARGO_PKG_VERSION")));
    if let Some(concurrency) = global.concurrency {
        builder = builder.concurrency(concurrency);
    }
    if let Some(secs) = global.timeout {
        builder = builder.attempt_timeout(Duration::from_secs(secs));
    }
    if let Some(retries) = global.retries {
        builder = builder.retry(if retries == 0 {
            RetryConfig::disabled()
        } else {
            RetryConfig::default().with_max_attempts(retries + 1)
        });
    }
    builder
}

fn real_client(global: &GlobalArgs, token: Option<String>) -> Result<Client, Failure> {
    let mut builder = configure(Client::builder(), global);
    match (&global.endpoint, &global.region) {
        (Some(endpoint), region) => {
            builder = builder.endpoint(endpoint);
            // Still the region IAM is asked about when no project id is given.
            if let Some(region) = region {
                builder = builder.region(Region::custom(region.trim()));
            }
        }
        (None, Some(region)) => {
            let region = match region.parse::<Region>() {
                Ok(known) => known,
                // A region the tool does not know is fine when the official
                // override variable gives its endpoint.
                Err(_)
                    if std::env::var_os(Region::custom(region.trim()).override_variable())
                        .is_some() =>
                {
                    Region::custom(region.trim())
                }
                Err(_) => {
                    let known: Vec<&str> = Region::KNOWN.iter().map(Region::id).collect();
                    return Err(Failure::Usage(format!(
                        "--region {region:?} is not a known region (known: {}); for another \
                         region pass its endpoint with --endpoint, or set {}",
                        known.join(", "),
                        Region::custom(region.trim()).override_variable()
                    )));
                }
            };
            builder = builder.region(region);
        }
        (None, None) => {
            return Err(Failure::Usage(
                "no endpoint: pass --region <REGION> (or set HUAWEICLOUD_SDK_REGION), \
                 or --endpoint <URL>"
                    .to_string(),
            ));
        }
    }
    if let Some(project) = &global.project_id {
        builder = builder.project_id(project.clone());
    }
    if let Some(profile) = &global.profile {
        builder = builder.profile(profile.clone());
    }
    if let Some(token) = token {
        builder = builder.credentials(
            Credentials::iam_token(token.as_str()).map_err(|e| Failure::from(ApiError::from(e)))?,
        );
    }
    Ok(builder.build()?)
}
