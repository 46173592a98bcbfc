//! Directory table: `AUDIT#<orgId>` / `<RFC 3339 time>#<jti or event id>`,
//! one audit record, deleted by the directory table's TTL
//! (`auditExpiresAt`, which no other item carries).

use serde::{Deserialize, Serialize};

use super::Key;
use crate::domain::audit::AuditRecord;
use crate::domain::ids::OrgId;
use crate::domain::secret::random_bytes;

/// TTL attribute of the directory table: only audit records carry it.
pub const AUDIT_EXPIRES_AT: &str = "auditExpiresAt";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditItem {
    pk: String,
    sk: String,
    pub at: String,
    pub event: String,
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    audit_expires_at: i64,
}

impl AuditItem {
    pub fn partition(org_id: &OrgId) -> String {
        format!("AUDIT#{org_id}")
    }

    pub fn new(r: &AuditRecord, retention_secs: i64) -> Self {
        let at = r.time();
        // The jti names an issued token's record; any other gets a random id,
        // so two records of the same microsecond never overwrite each other.
        let id = match &r.jti {
            Some(jti) => jti.to_string(),
            None => hex(&random_bytes::<8>()),
        };
        let key = Key::directory(Self::partition(&r.org_id), format!("{at}#{id}"));
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            at,
            event: r.event.as_str().to_string(),
            outcome: r.outcome.as_str().to_string(),
            reason: r.reason.map(String::from),
            status: r.status,
            actor: shown(&r.actor),
            target: shown(&r.target),
            credential: shown(&r.credential),
            jti: shown(&r.jti),
            source_ip: r.source_ip.clone(),
            user_agent: r.user_agent.clone(),
            request_id: r.request_id.clone(),
            audit_expires_at: r.at_micros / 1_000_000 + retention_secs,
        }
    }

    /// The record as the CLI prints it (no keys, no TTL).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "at": self.at, "event": self.event, "outcome": self.outcome, "status": self.status,
        });
        for (name, value) in [
            ("reason", &self.reason),
            ("actor", &self.actor),
            ("target", &self.target),
            ("credential", &self.credential),
            ("jti", &self.jti),
            ("sourceIp", &self.source_ip),
            ("userAgent", &self.user_agent),
            ("requestId", &self.request_id),
        ] {
            if let Some(value) = value {
                v[name] = serde_json::json!(value);
            }
        }
        v
    }
}

fn shown<T: std::fmt::Display>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(ToString::to_string)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
