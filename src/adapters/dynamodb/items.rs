//! Every item the service stores, defined once: its attributes (the serde
//! names below are the attribute names) and the key builders next to it.
//! Nothing outside this folder knows an attribute name.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::domain::ids::{
    AssignmentId, CredId, CredentialId, OrgId, PermissionId, TokenId, UserId,
};
use crate::domain::model::{
    Assignment, Credential, Identity, Org, Permission, TokenRecord, UserKind,
};
use crate::domain::ports::{ChallengeRecord, UserActionRecord};
use crate::domain::secret::{Redacted, SecretDigest};
use crate::domain::time::UnixTime;
use crate::domain::username::Username;
use crate::error::Error;

pub type Item = HashMap<String, AttributeValue>;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// TTL attribute of the replay table.
pub const EXPIRES_AT: &str = "expiresAt";
/// The attribute every lifecycle condition reads.
pub const STATUS: &str = "status";

const CREDENTIAL_PREFIX: &str = "CREDENTIAL#";
const ASSIGNMENT_PREFIX: &str = "ASSIGNMENT#";
const PROFILE_SK: &str = "PROFILE";

/// `status` of directory items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Active,
    Inactive,
    Revoked,
}

impl Status {
    pub fn of(active: bool) -> Self {
        if active {
            Status::Active
        } else {
            Status::Inactive
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "Active",
            Status::Inactive => "Inactive",
            Status::Revoked => "Revoked",
        }
    }
}

/// The primary key of an item (`sk` only in the directory table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: Option<String>,
}

impl Key {
    fn directory(pk: String, sk: impl Into<String>) -> Self {
        Self {
            pk,
            sk: Some(sk.into()),
        }
    }

    fn replay(pk: String) -> Self {
        Self { pk, sk: None }
    }

    pub fn to_item(&self) -> Item {
        let mut item = Item::from([(PK.to_string(), AttributeValue::S(self.pk.clone()))]);
        if let Some(sk) = &self.sk {
            item.insert(SK.to_string(), AttributeValue::S(sk.clone()));
        }
        item
    }
}

pub fn encode<T: Serialize>(value: &T) -> Result<Item, Error> {
    serde_dynamo::to_item(value).map_err(|e| Error::internal("item encode", e))
}

/// An item of the expected shape, or `None` (a foreign or damaged item
/// grants nothing).
pub fn decode<T: DeserializeOwned>(item: Item) -> Option<T> {
    serde_dynamo::from_item(item).ok()
}

fn identity_pk(user_id: &UserId) -> String {
    format!("IDENTITY#{user_id}")
}

fn org_pk(org_id: &OrgId) -> String {
    format!("ORG#{org_id}")
}

/// The item kinds of an identity's partition, told apart by `sk`.
pub enum PartitionItem {
    Profile,
    Credential,
    Assignment,
    Other,
}

impl PartitionItem {
    pub fn of(item: &Item) -> Self {
        match item.get(SK).and_then(|v| v.as_s().ok()).map(String::as_str) {
            Some(PROFILE_SK) => PartitionItem::Profile,
            Some(sk) if sk.starts_with(CREDENTIAL_PREFIX) => PartitionItem::Credential,
            Some(sk) if sk.starts_with(ASSIGNMENT_PREFIX) => PartitionItem::Assignment,
            _ => PartitionItem::Other,
        }
    }

    /// The key condition value that selects the whole partition.
    pub fn partition(user_id: &UserId) -> String {
        identity_pk(user_id)
    }
}

/// `ORG#<orgId>` / `ORG`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgItem {
    pk: String,
    sk: String,
    org_id: OrgId,
    name: String,
    created_at: UnixTime,
}

impl OrgItem {
    pub fn key(org_id: &OrgId) -> Key {
        Key::directory(org_pk(org_id), "ORG")
    }

    pub fn new(org: &Org) -> Self {
        let key = Self::key(&org.org_id);
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            org_id: org.org_id.clone(),
            name: org.name.clone(),
            created_at: org.created_at,
        }
    }
}

/// An identity, stored twice: its profile (`IDENTITY#<userId>` /
/// `PROFILE`) and, for users, its username entry (`ORG#<orgId>` /
/// `USERNAME#<username>`), so that a login finds its target in one read.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityItem {
    pk: String,
    sk: String,
    user_id: UserId,
    org_id: OrgId,
    username: Username,
    kind: UserKind,
    #[serde(default)]
    is_service_account: bool,
    status: Status,
}

impl IdentityItem {
    pub fn profile_key(user_id: &UserId) -> Key {
        Key::directory(identity_pk(user_id), PROFILE_SK)
    }

    pub fn username_key(org_id: &OrgId, username: &Username) -> Key {
        Key::directory(org_pk(org_id), format!("USERNAME#{username}"))
    }

    /// The keys of every item that carries `identity`.
    pub fn keys(identity: &Identity) -> Vec<Key> {
        let mut keys = vec![Self::profile_key(&identity.user_id)];
        if !identity.is_service_account {
            keys.push(Self::username_key(&identity.org_id, &identity.username));
        }
        keys
    }

    /// The items `keys` names, in the same order.
    pub fn items(identity: &Identity) -> Vec<Self> {
        Self::keys(identity)
            .into_iter()
            .map(|key| Self {
                pk: key.pk,
                sk: key.sk.unwrap_or_default(),
                user_id: identity.user_id.clone(),
                org_id: identity.org_id.clone(),
                username: identity.username.clone(),
                kind: identity.kind,
                is_service_account: identity.is_service_account,
                status: Status::of(identity.active),
            })
            .collect()
    }

    pub fn into_identity(self) -> Identity {
        Identity {
            user_id: self.user_id,
            org_id: self.org_id,
            username: self.username,
            kind: self.kind,
            is_service_account: self.is_service_account,
            active: self.status == Status::Active,
        }
    }
}

/// `IDENTITY#<userId>` / `CREDENTIAL#<credentialId>`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialItem {
    pk: String,
    sk: String,
    credential_id: CredentialId,
    cred_id: CredId,
    public_key: String,
    status: Status,
}

impl CredentialItem {
    pub fn key(user_id: &UserId, credential_id: &CredentialId) -> Key {
        Key::directory(
            identity_pk(user_id),
            format!("{CREDENTIAL_PREFIX}{credential_id}"),
        )
    }

    pub fn new(user_id: &UserId, c: &Credential) -> Self {
        let key = Self::key(user_id, &c.credential_id);
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            credential_id: c.credential_id.clone(),
            cred_id: c.cred_id.clone(),
            public_key: c.public_key_pem.clone(),
            status: Status::of(c.active),
        }
    }

    pub fn into_credential(self) -> Credential {
        Credential {
            credential_id: self.credential_id,
            cred_id: self.cred_id,
            public_key_pem: self.public_key,
            active: self.status == Status::Active,
        }
    }
}

/// `PERMISSION#<permissionId>` / `PERMISSION`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionItem {
    pk: String,
    sk: String,
    permission_id: PermissionId,
    org_id: OrgId,
    name: String,
    #[serde(with = "serde_dynamo::string_set")]
    operations: Vec<String>,
    status: Status,
}

impl PermissionItem {
    pub fn key(permission_id: &PermissionId) -> Key {
        Key::directory(format!("PERMISSION#{permission_id}"), "PERMISSION")
    }

    pub fn new(p: &Permission) -> Self {
        let key = Self::key(&p.permission_id);
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            permission_id: p.permission_id.clone(),
            org_id: p.org_id.clone(),
            name: p.name.clone(),
            operations: p.operations.clone(),
            status: Status::of(p.active),
        }
    }

    pub fn into_permission(self) -> Permission {
        Permission {
            permission_id: self.permission_id,
            org_id: self.org_id,
            name: self.name,
            operations: self.operations,
            active: self.status == Status::Active,
        }
    }
}

/// `IDENTITY#<userId>` / `ASSIGNMENT#<assignmentId>`, with the
/// permission's operations copied in.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentItem {
    pk: String,
    sk: String,
    assignment_id: AssignmentId,
    permission_id: PermissionId,
    #[serde(with = "serde_dynamo::string_set")]
    operations: Vec<String>,
    status: Status,
}

impl AssignmentItem {
    pub fn key(user_id: &UserId, assignment_id: &AssignmentId) -> Key {
        Key::directory(
            identity_pk(user_id),
            format!("{ASSIGNMENT_PREFIX}{assignment_id}"),
        )
    }

    pub fn new(user_id: &UserId, a: &Assignment) -> Self {
        let key = Self::key(user_id, &a.assignment_id);
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            assignment_id: a.assignment_id.clone(),
            permission_id: a.permission_id.clone(),
            operations: a.operations.clone(),
            status: Status::of(a.active),
        }
    }

    pub fn into_assignment(self) -> Assignment {
        Assignment {
            assignment_id: self.assignment_id,
            permission_id: self.permission_id,
            operations: self.operations,
            active: self.status == Status::Active,
        }
    }
}

/// `TOKEN#<tokenId>` / `TOKEN`: a service account token on record, or
/// the revocation of a login token (then only `tokenId` and `status`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenItem {
    pk: String,
    sk: String,
    token_id: TokenId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org_id: Option<OrgId>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<UnixTime>,
}

impl TokenItem {
    pub fn key(token_id: &TokenId) -> Key {
        Key::directory(format!("TOKEN#{token_id}"), "TOKEN")
    }

    pub fn new(t: &TokenRecord) -> Self {
        let key = Self::key(&t.token_id);
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            token_id: t.token_id.clone(),
            user_id: Some(t.user_id.clone()),
            org_id: Some(t.org_id.clone()),
            status: Status::Active,
            expires_at: Some(t.expires_at),
        }
    }
}

/// Replay table: `NONCE#<digest of the uuid>`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NonceItem {
    pk: String,
    expires_at: UnixTime,
}

impl NonceItem {
    pub fn new(key: &SecretDigest, expires_at: UnixTime) -> Self {
        Self {
            pk: format!("NONCE#{}", key.as_str()),
            expires_at,
        }
    }
}

/// Replay table: `CHALLENGE#<digest of the challenge identifier>`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeItem {
    pk: String,
    caller_id: UserId,
    challenge: Redacted<String>,
    binding: SecretDigest,
    expires_at: UnixTime,
}

impl ChallengeItem {
    pub fn key(key: &SecretDigest) -> Key {
        Key::replay(format!("CHALLENGE#{}", key.as_str()))
    }

    pub fn new(r: &ChallengeRecord) -> Self {
        Self {
            pk: Self::key(&r.key).pk,
            caller_id: r.caller_id.clone(),
            challenge: r.challenge.clone(),
            binding: r.binding.clone(),
            expires_at: r.expires_at,
        }
    }

    pub fn into_record(self, key: &SecretDigest) -> ChallengeRecord {
        ChallengeRecord {
            key: key.clone(),
            caller_id: self.caller_id,
            challenge: self.challenge,
            binding: self.binding,
            expires_at: self.expires_at,
        }
    }
}

/// Replay table: `USERACTION#<digest of the user action token>`;
/// `spentAt` is set by the one request that spends it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserActionItem {
    pk: String,
    caller_id: UserId,
    pub binding: SecretDigest,
    pub expires_at: UnixTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spent_at: Option<UnixTime>,
}

impl UserActionItem {
    pub fn key(key: &SecretDigest) -> Key {
        Key::replay(format!("USERACTION#{}", key.as_str()))
    }

    pub fn new(r: &UserActionRecord) -> Self {
        Self {
            pk: Self::key(&r.key).pk,
            caller_id: r.caller_id.clone(),
            binding: r.binding.clone(),
            expires_at: r.expires_at,
            spent_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(is_service_account: bool) -> Identity {
        Identity {
            user_id: UserId::mint(),
            org_id: OrgId::mint(),
            username: Username::parse("jdoe@example.co").unwrap(),
            kind: UserKind::EndUser,
            is_service_account,
            active: true,
        }
    }

    #[test]
    fn identities_keep_their_stored_layout() {
        let id = identity(false);
        let items = IdentityItem::items(&id);
        assert_eq!(items.len(), 2);
        let profile = encode(&items[0]).unwrap();
        assert_eq!(
            profile[PK].as_s().unwrap(),
            &format!("IDENTITY#{}", id.user_id)
        );
        assert_eq!(profile[SK].as_s().unwrap(), "PROFILE");
        assert_eq!(profile["status"].as_s().unwrap(), "Active");
        assert_eq!(profile["kind"].as_s().unwrap(), "EndUser");
        assert_eq!(profile["isServiceAccount"].as_bool().unwrap(), &false);
        let by_name = encode(&items[1]).unwrap();
        assert_eq!(by_name[SK].as_s().unwrap(), "USERNAME#jdoe@example.co");
        let back: IdentityItem = decode(by_name).unwrap();
        assert_eq!(back.into_identity(), id);
        assert_eq!(IdentityItem::items(&identity(true)).len(), 1);
    }

    #[test]
    fn operations_are_a_string_set() {
        let a = Assignment {
            assignment_id: AssignmentId::mint(),
            permission_id: PermissionId::mint(),
            operations: vec!["Auth:Users:Read".into()],
            active: true,
        };
        let item = encode(&AssignmentItem::new(&UserId::mint(), &a)).unwrap();
        assert!(item["operations"].is_ss());
        let back: AssignmentItem = decode(item).unwrap();
        assert_eq!(back.into_assignment(), a);
    }

    #[test]
    fn damaged_items_decode_to_nothing() {
        let id = identity(false);
        let mut item = encode(&IdentityItem::items(&id)[0]).unwrap();
        item.insert("userId".into(), AttributeValue::S("not-an-id".into()));
        assert!(decode::<IdentityItem>(item).is_none());
    }
}
