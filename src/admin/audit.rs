//! Reading the audit trail.

use super::{Admin, AdminError};
use crate::adapters::dynamodb::AuditQuery;
use crate::domain::audit::format_micros;
use crate::domain::ids::{OrgId, UserId};

/// What `audit list` was asked for, as the operator typed it.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    pub org: &'a str,
    pub actor: Option<&'a str>,
    pub target: Option<&'a str>,
    /// RFC 3339, any offset.
    pub since: Option<&'a str>,
}

impl Admin {
    /// The org's audit records in time order, oldest first, as JSON.
    pub async fn audit_list(
        &self,
        filter: &AuditFilter<'_>,
    ) -> Result<Vec<serde_json::Value>, AdminError> {
        let id = |value: &str, what: &str| {
            UserId::parse(value)
                .ok_or_else(|| AdminError::Invalid(format!("{what} {value:?} is not a valid id")))
        };
        let org_id = OrgId::parse(filter.org).ok_or_else(|| {
            AdminError::Invalid(format!("org {:?} is not a valid id", filter.org))
        })?;
        let since = filter
            .since
            .map(|s| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| format_micros(t.timestamp_micros()))
                    .map_err(|e| AdminError::Invalid(format!("since {s:?} is not RFC 3339: {e}")))
            })
            .transpose()?;
        let query = AuditQuery {
            org_id: Some(org_id.clone()),
            actor: filter.actor.map(|a| id(a, "actor")).transpose()?,
            target: filter.target.map(|t| id(t, "target")).transpose()?,
            since,
        };
        let items = self
            .audit
            .list(&org_id, &query)
            .await
            .map_err(|e| AdminError::backend("audit query", format!("{e:?}")))?;
        Ok(items.iter().map(|i| i.to_json()).collect())
    }
}
