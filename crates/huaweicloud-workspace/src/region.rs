//! Regions where Workspace runs, and their endpoints.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A Huawei Cloud region id, such as `cn-north-4`.
///
/// The 18 regions where Workspace is offered are constants; any other id can
/// be given as text ([`Region::custom`], or `From<&str>`), for regions added
/// after this crate was released. [`FromStr`] is strict: it only accepts the
/// known ids, and its error lists them.
///
/// ```
/// use huaweicloud_workspace::Region;
///
/// assert_eq!(Region::CN_NORTH_4.endpoint(), "https://workspace.cn-north-4.myhuaweicloud.com");
/// assert_eq!("ap-southeast-1".parse::<Region>().unwrap(), Region::AP_SOUTHEAST_1);
/// assert!("mars-1".parse::<Region>().is_err());
/// assert_eq!(Region::custom("xx-new-1").id(), "xx-new-1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(Cow<'static, str>);

macro_rules! regions {
    ($($name:ident = $id:literal),* $(,)?) => {
        impl Region {
            $(
                #[doc = concat!("`", $id, "`")]
                pub const $name: Region = Region(Cow::Borrowed($id));
            )*
            /// The regions where Workspace is offered, as this crate knows them.
            pub const KNOWN: &'static [Region] = &[$(Region::$name),*];
        }
    };
}

regions! {
    CN_EAST_3 = "cn-east-3",
    CN_NORTH_4 = "cn-north-4",
    CN_SOUTH_1 = "cn-south-1",
    CN_SOUTHWEST_2 = "cn-southwest-2",
    LA_SOUTH_2 = "la-south-2",
    SA_BRAZIL_1 = "sa-brazil-1",
    LA_NORTH_2 = "la-north-2",
    AP_SOUTHEAST_3 = "ap-southeast-3",
    CN_NORTH_9 = "cn-north-9",
    AP_SOUTHEAST_1 = "ap-southeast-1",
    CN_EAST_5 = "cn-east-5",
    ME_EAST_1 = "me-east-1",
    AF_SOUTH_1 = "af-south-1",
    TR_WEST_1 = "tr-west-1",
    CN_NORTH_11 = "cn-north-11",
    AF_NORTH_1 = "af-north-1",
    AP_SOUTHEAST_2 = "ap-southeast-2",
    EU_WEST_101 = "eu-west-101",
}

/// IAM's global endpoint, for regions without a regional one.
pub const GLOBAL_IAM_ENDPOINT: &str = "https://iam.myhuaweicloud.com";

/// The regions with a regional IAM endpoint in `huaweicloudsdkcore` 3.1.219
/// (`auth/endpoint.py`, `__IAM_ENDPOINT_DICT`).
const IAM_REGIONS: &[&str] = &[
    "cn-north-2",
    "cn-north-4",
    "cn-north-1",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "cn-south-2",
    "cn-southwest-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "af-south-1",
    "sa-brazil-1",
    "la-south-2",
    "na-mexico-1",
    "la-north-2",
    "cn-north-9",
    "eu-west-0",
    "my-kualalumpur-1",
    "ru-moscow-1",
    "me-east-1",
    "ap-southeast-4",
    "ae-ad-1",
    "cn-east-4",
    "cn-east-5",
    "tr-west-1",
    "cn-north-12",
];

impl Region {
    /// Any region id, known to this crate or not (checked by `build()`:
    /// lowercase letters, digits and `-`).
    pub fn custom(id: impl Into<String>) -> Region {
        let id = id.into();
        match Region::KNOWN.iter().find(|r| r.id() == id) {
            Some(known) => known.clone(),
            None => Region(Cow::Owned(id)),
        }
    }

    /// The region id.
    pub fn id(&self) -> &str {
        &self.0
    }

    /// Whether this is one of [`Region::KNOWN`].
    pub fn is_known(&self) -> bool {
        Region::KNOWN.contains(self)
    }

    /// The service endpoint: `https://workspace.{region}.myhuaweicloud.com`.
    pub fn endpoint(&self) -> String {
        format!("https://workspace.{}.myhuaweicloud.com", self.0)
    }

    /// The IAM endpoint that finds this region's project id, as the
    /// official core SDK maps it (`auth/endpoint.py`): the regional
    /// `https://iam.{region}.myhuaweicloud.com` where IAM has one, else the
    /// global `https://iam.myhuaweicloud.com`.
    pub fn iam_endpoint(&self) -> String {
        if IAM_REGIONS.contains(&self.id()) {
            format!("https://iam.{}.myhuaweicloud.com", self.id())
        } else {
            GLOBAL_IAM_ENDPOINT.to_string()
        }
    }

    /// The name of the variable that overrides this region's endpoint, as in
    /// the official SDKs: `HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4`.
    pub fn override_variable(&self) -> String {
        format!(
            "HUAWEICLOUD_SDK_REGION_WORKSPACE_{}",
            self.0.to_ascii_uppercase().replace('-', "_")
        )
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        let ok = !self.0.is_empty()
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !self.0.starts_with('-')
            && !self.0.ends_with('-');
        if ok {
            Ok(())
        } else {
            Err(Error::invalid(
                "region",
                format!(
                    "a region id is lowercase letters, digits and '-' (like cn-north-4), got {:?}",
                    self.0
                ),
            ))
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Region {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Region::KNOWN
            .iter()
            .find(|r| r.id() == s)
            .cloned()
            .ok_or_else(|| {
                let known: Vec<&str> = Region::KNOWN.iter().map(Region::id).collect();
                Error::invalid(
                    "region",
                    format!(
                        "unknown region {s:?}; known regions: {} (use Region::custom for another)",
                        known.join(", ")
                    ),
                )
            })
    }
}

impl From<&str> for Region {
    fn from(id: &str) -> Self {
        Region::custom(id)
    }
}

impl From<String> for Region {
    fn from(id: String) -> Self {
        Region::custom(id)
    }
}

impl From<&Region> for Region {
    fn from(r: &Region) -> Self {
        r.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighteen_known_regions() {
        assert_eq!(Region::KNOWN.len(), 18);
        for r in Region::KNOWN {
            assert!(r.check().is_ok());
            assert_eq!(r.id().parse::<Region>().unwrap(), *r);
        }
    }

    #[test]
    fn iam_endpoints_follow_the_official_map() {
        assert_eq!(
            Region::CN_NORTH_4.iam_endpoint(),
            "https://iam.cn-north-4.myhuaweicloud.com"
        );
        // Workspace is offered there; IAM has no regional endpoint.
        assert_eq!(Region::CN_NORTH_11.iam_endpoint(), GLOBAL_IAM_ENDPOINT);
        assert_eq!(Region::EU_WEST_101.iam_endpoint(), GLOBAL_IAM_ENDPOINT);
    }

    #[test]
    fn override_variable_name() {
        assert_eq!(
            Region::EU_WEST_101.override_variable(),
            "HUAWEICLOUD_SDK_REGION_WORKSPACE_EU_WEST_101"
        );
    }

    #[test]
    fn unknown_lists_known() {
        let e = "xx".parse::<Region>().unwrap_err().to_string();
        assert!(e.contains("cn-north-4") && e.contains("eu-west-101"), "{e}");
        assert!(Region::custom("Bad Region").check().is_err());
        assert!(Region::custom("").check().is_err());
        assert_eq!(Region::from("cn-north-4"), Region::CN_NORTH_4);
    }
}
