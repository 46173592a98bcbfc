//! Keys and attribute codecs of the two tables.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::domain::model::{Identity, UserKind};

pub type Item = HashMap<String, AttributeValue>;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// TTL attribute of the replay table (Unix seconds).
pub const EXPIRES_AT: &str = "expiresAt";

pub const ORG_SK: &str = "ORG";
pub const PROFILE_SK: &str = "PROFILE";
pub const PERMISSION_SK: &str = "PERMISSION";
pub const TOKEN_SK: &str = "TOKEN";
pub const CREDENTIAL_PREFIX: &str = "CREDENTIAL#";
pub const ASSIGNMENT_PREFIX: &str = "ASSIGNMENT#";

pub const STATUS_ACTIVE: &str = "Active";
pub const STATUS_INACTIVE: &str = "Inactive";
pub const STATUS_REVOKED: &str = "Revoked";

pub fn org_pk(org_id: &str) -> String {
    format!("ORG#{org_id}")
}
pub fn username_sk(username: &str) -> String {
    format!("USERNAME#{username}")
}
pub fn identity_pk(user_id: &str) -> String {
    format!("IDENTITY#{user_id}")
}
pub fn token_pk(token_id: &str) -> String {
    format!("TOKEN#{token_id}")
}
pub fn permission_pk(permission_id: &str) -> String {
    format!("PERMISSION#{permission_id}")
}

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}
pub fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn get_s<'a>(item: &'a Item, key: &str) -> Option<&'a str> {
    item.get(key)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}
pub fn get_n(item: &Item, key: &str) -> Option<i64> {
    item.get(key)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}
pub fn get_bool(item: &Item, key: &str) -> bool {
    item.get(key)
        .and_then(|v| v.as_bool().ok())
        .copied()
        .unwrap_or(false)
}
pub fn get_ss(item: &Item, key: &str) -> Vec<String> {
    item.get(key)
        .and_then(|v| v.as_ss().ok())
        .cloned()
        .unwrap_or_default()
}

/// The identity attributes shared by profile and username items.
pub fn identity_attributes(identity: &Identity) -> Item {
    HashMap::from([
        ("userId".to_string(), s(&identity.user_id)),
        ("orgId".to_string(), s(&identity.org_id)),
        ("username".to_string(), s(&identity.username)),
        ("kind".to_string(), s(identity.kind.as_str())),
        (
            "isServiceAccount".to_string(),
            AttributeValue::Bool(identity.is_service_account),
        ),
        (
            "status".to_string(),
            s(if identity.active {
                STATUS_ACTIVE
            } else {
                STATUS_INACTIVE
            }),
        ),
    ])
}

/// Reads what `identity_attributes` wrote; `None` if the item is not one.
pub fn identity_from(item: &Item) -> Option<Identity> {
    Some(Identity {
        user_id: get_s(item, "userId")?.to_string(),
        org_id: get_s(item, "orgId")?.to_string(),
        username: get_s(item, "username")?.to_string(),
        kind: UserKind::parse(get_s(item, "kind")?)?,
        is_service_account: get_bool(item, "isServiceAccount"),
        active: get_s(item, "status") == Some(STATUS_ACTIVE),
    })
}
