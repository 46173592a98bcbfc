//! A service account's limits, as the operator sets them.

use super::{Admin, AdminError};
use crate::domain::ids::UserId;
use crate::domain::limits::{Cidr, ServiceAccountLimits};
use crate::domain::ports::DirectoryWriter;

/// Highest logins-per-minute limit accepted (a larger one limits nothing).
pub const MAX_LOGINS_PER_MINUTE: u32 = 100_000;

/// What `service-account limits` changes: a field left `None` keeps its
/// stored value; `clear` removes every limit first.
#[derive(Debug, Clone, Default)]
pub struct LimitsChange {
    pub cidrs: Option<Vec<String>>,
    pub logins_per_minute: Option<u32>,
    pub clear: bool,
}

/// The limits as they stand after a change.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitsView {
    pub user_id: String,
    pub cidrs: Vec<String>,
    pub logins_per_minute: Option<u32>,
}

/// Parses the operator's CIDR list; an empty list removes the limit.
pub fn parse_cidrs(values: &[String]) -> Result<Vec<Cidr>, AdminError> {
    values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| Cidr::parse(v).map_err(AdminError::Invalid))
        .collect()
}

impl Admin {
    /// Sets a service account's limits; they apply from its next request.
    pub async fn set_limits(
        &self,
        service_account: &str,
        change: &LimitsChange,
    ) -> Result<LimitsView, AdminError> {
        let id = UserId::parse(service_account).ok_or_else(|| {
            AdminError::Invalid(format!(
                "service account {service_account:?} is not a valid id"
            ))
        })?;
        let identity = self
            .directory
            .identity(&id)
            .await
            .map_err(|e| AdminError::backend("read", format!("{e:?}")))?
            .filter(|i| i.is_service_account)
            .ok_or_else(|| AdminError::NotFound(format!("service account {service_account}")))?;
        let mut limits = if change.clear {
            ServiceAccountLimits::default()
        } else {
            self.directory
                .limits(&identity.user_id)
                .await
                .map_err(|e| AdminError::backend("read", format!("{e:?}")))?
        };
        if let Some(cidrs) = &change.cidrs {
            limits.cidrs = parse_cidrs(cidrs)?;
        }
        if let Some(n) = change.logins_per_minute {
            if !(1..=MAX_LOGINS_PER_MINUTE).contains(&n) {
                return Err(AdminError::Invalid(format!(
                    "logins per minute must be 1 to {MAX_LOGINS_PER_MINUTE}"
                )));
            }
            limits.logins_per_minute = Some(n);
        }
        self.directory
            .set_limits(&identity.user_id, &limits)
            .await
            .map_err(|e| AdminError::backend("write", format!("{e:?}")))?;
        Ok(LimitsView {
            user_id: identity.user_id.to_string(),
            cidrs: limits.cidrs.iter().map(ToString::to_string).collect(),
            logins_per_minute: limits.logins_per_minute,
        })
    }
}
