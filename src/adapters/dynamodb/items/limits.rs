//! A service account's limits (directory table, in its partition so that
//! the caller read brings them back) and the per-window login counter
//! (replay table, TTL'd).

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{identity_pk, Key, EXPIRES_AT};
use crate::domain::ids::UserId;
use crate::domain::limits::{
    Cidr, ServiceAccountLimits, LOGIN_WINDOW_RETENTION_SECS, LOGIN_WINDOW_SECS,
};
use crate::domain::time::UnixTime;

pub(super) const LIMITS_SK: &str = "LIMITS";

/// Directory table: `IDENTITY#<userId>` / `LIMITS`. Absent: no limits.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitsItem {
    pk: String,
    sk: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cidrs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    logins_per_minute: Option<u32>,
}

impl LimitsItem {
    pub fn key(user_id: &UserId) -> Key {
        Key::directory(identity_pk(user_id), LIMITS_SK)
    }

    pub fn new(user_id: &UserId, limits: &ServiceAccountLimits) -> Self {
        Self {
            pk: identity_pk(user_id),
            sk: LIMITS_SK.to_string(),
            cidrs: limits.cidrs.iter().map(Cidr::to_string).collect(),
            logins_per_minute: limits.logins_per_minute,
        }
    }

    /// A block that no longer parses is dropped; an item whose whole list
    /// was damaged would then allow any source, so it refuses every one
    /// (`0.0.0.0/32` matches no client) instead.
    pub fn into_limits(self) -> ServiceAccountLimits {
        let mut cidrs: Vec<Cidr> = self
            .cidrs
            .iter()
            .filter_map(|c| Cidr::parse(c).ok())
            .collect();
        if cidrs.len() < self.cidrs.len() && cidrs.is_empty() {
            cidrs.extend(Cidr::parse("0.0.0.0/32"));
        }
        ServiceAccountLimits {
            cidrs,
            logins_per_minute: self.logins_per_minute,
        }
    }
}

/// Replay table: `LOGINS#<userId>#<window start>`, the count of delegated
/// login attempts in that one-minute window.
pub struct LoginWindowItem;

impl LoginWindowItem {
    pub const COUNT: &'static str = "count";

    pub fn key(account: &UserId, window: UnixTime) -> Key {
        Key::replay(format!("LOGINS#{account}#{}", window.as_secs()))
    }

    /// The TTL written with every increment.
    pub fn expires_at(window: UnixTime) -> (&'static str, AttributeValue) {
        let at = window.as_secs() + LOGIN_WINDOW_SECS + LOGIN_WINDOW_RETENTION_SECS;
        (EXPIRES_AT, AttributeValue::N(at.to_string()))
    }
}
