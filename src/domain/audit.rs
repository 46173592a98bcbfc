//! The audit trail: one record per issued delegated token, refused
//! delegated login, registration step, user lifecycle change and logout.
//! Ids, addresses and labels only: a record never holds a secret.

use std::future::Future;
use std::pin::Pin;

use crate::domain::ids::{CredentialId, OrgId, TokenId, UserId};
use crate::error::Error;

/// Default retention of an audit record, in days (`AUDIT_RETENTION_DAYS`).
pub const DEFAULT_AUDIT_RETENTION_DAYS: i64 = 400;
/// Longest retention accepted (ten years).
pub const MAX_AUDIT_RETENTION_DAYS: i64 = 3650;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditEvent {
    DelegatedLogin,
    RegistrationStart,
    RegistrationRestart,
    Registration,
    EndUserRegistration,
    UserCreate,
    UserUpdate,
    UserActivate,
    UserDeactivate,
    UserArchive,
    Logout,
    CredentialCreate,
    CredentialActivate,
    CredentialDeactivate,
}

impl AuditEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::DelegatedLogin => "delegated_login",
            AuditEvent::RegistrationStart => "registration_start",
            AuditEvent::RegistrationRestart => "registration_restart",
            AuditEvent::Registration => "registration",
            AuditEvent::EndUserRegistration => "enduser_registration",
            AuditEvent::UserCreate => "user_create",
            AuditEvent::UserUpdate => "user_update",
            AuditEvent::UserActivate => "user_activate",
            AuditEvent::UserDeactivate => "user_deactivate",
            AuditEvent::UserArchive => "user_archive",
            AuditEvent::Logout => "logout",
            AuditEvent::CredentialCreate => "credential_create",
            AuditEvent::CredentialActivate => "credential_activate",
            AuditEvent::CredentialDeactivate => "credential_deactivate",
        }
    }
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    /// A delegated token was issued (the record is written with the sign).
    Issued,
    /// The change was made.
    Done,
    /// The request was refused (or failed); `reason` says why.
    Refused,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Issued => "issued",
            AuditOutcome::Done => "done",
            AuditOutcome::Refused => "refused",
        }
    }
}

/// One audit record.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// The org whose partition holds it: the caller's.
    pub org_id: OrgId,
    /// When, in microseconds since the epoch (the sort key's first part).
    pub at_micros: i64,
    pub event: AuditEvent,
    pub outcome: AuditOutcome,
    /// The error label of a refusal (`Error::reason`), `None` otherwise.
    pub reason: Option<&'static str>,
    pub status: u16,
    /// Who: the caller whose bearer token verified.
    pub actor: Option<UserId>,
    /// As whom / about whom: the user logged in, registered or changed.
    pub target: Option<UserId>,
    /// The credential whose signature the request verified or registered.
    pub credential: Option<CredentialId>,
    /// The `jti` of the token issued.
    pub jti: Option<TokenId>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

impl AuditRecord {
    /// The record's RFC 3339 time, as stored and printed.
    pub fn time(&self) -> String {
        format_micros(self.at_micros)
    }
}

/// RFC 3339 in UTC with microseconds, fixed width, so that its string
/// order is its time order.
pub fn format_micros(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// Microseconds since the epoch, now.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

pub type AuditFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Error>> + Send + 'a>>;

/// Where audit records go. Object-safe, so that the service holds one
/// without another type parameter.
pub trait AuditSink: Send + Sync {
    fn record<'a>(&'a self, record: &'a AuditRecord) -> AuditFuture<'a>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_sort_as_strings() {
        let a = format_micros(1_800_000_000_000_000);
        let b = format_micros(1_800_000_000_000_001);
        assert_eq!(a, "2027-01-15T08:00:00.000000Z");
        assert!(a < b);
        assert_eq!(b.len(), a.len());
    }
}
