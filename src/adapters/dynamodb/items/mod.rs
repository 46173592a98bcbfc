//! Every item the service stores, defined once: its attributes (the serde
//! names are the attribute names) and the key builders next to it.
//! Nothing outside this folder knows an attribute name.
//!
//! `directory`: orgs, identities, credentials, permissions, assignments,
//! tokens. `replay`: nonces, challenges, user actions.

mod audit;
mod directory;
mod limits;
mod replay;

pub use audit::*;
pub use directory::*;
pub use limits::*;
pub use replay::*;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::domain::ids::{OrgId, UserId};
use crate::error::Error;

pub type Item = HashMap<String, AttributeValue>;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// TTL attribute of the replay table.
pub const EXPIRES_AT: &str = "expiresAt";
/// The attribute every lifecycle condition reads.
pub const STATUS: &str = "status";

pub(super) const CREDENTIAL_PREFIX: &str = "CREDENTIAL#";
pub(super) const ASSIGNMENT_PREFIX: &str = "ASSIGNMENT#";
pub(super) const PROFILE_SK: &str = "PROFILE";

/// `status` of directory items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Active,
    Inactive,
    Revoked,
    /// A user deleted for good.
    Archived,
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
            Status::Archived => "Archived",
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
    pub(super) fn directory(pk: String, sk: impl Into<String>) -> Self {
        Self {
            pk,
            sk: Some(sk.into()),
        }
    }

    pub(super) fn replay(pk: String) -> Self {
        Self { pk, sk: None }
    }

    /// The key of a stored item (a page's last evaluated key).
    pub fn from_item(item: &Item) -> Option<Self> {
        let get = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        Some(Self {
            pk: get(PK)?,
            sk: get(SK),
        })
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

pub(super) fn identity_pk(user_id: &UserId) -> String {
    format!("IDENTITY#{user_id}")
}

pub(super) fn org_pk(org_id: &OrgId) -> String {
    format!("ORG#{org_id}")
}

/// The item kinds of an identity's partition, told apart by `sk`.
pub enum PartitionItem {
    Profile,
    Credential,
    Assignment,
    Limits,
    Other,
}

impl PartitionItem {
    pub fn of(item: &Item) -> Self {
        match item.get(SK).and_then(|v| v.as_s().ok()).map(String::as_str) {
            Some(PROFILE_SK) => PartitionItem::Profile,
            Some(limits::LIMITS_SK) => PartitionItem::Limits,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{AssignmentId, OrgId, PermissionId, UserId};
    use crate::domain::model::{Assignment, Identity, UserKind};
    use crate::domain::username::Username;
    use aws_sdk_dynamodb::types::AttributeValue;

    fn identity(is_service_account: bool) -> Identity {
        Identity::new(
            OrgId::mint(),
            Username::parse("jdoe@example.co").unwrap(),
            UserKind::EndUser,
            is_service_account,
        )
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
    fn a_cut_off_update_writes_what_the_profile_stores() {
        let mut id = identity(false);
        id.cut_off = Some(crate::domain::time::UnixMillis::from_millis(
            1_800_000_000_250,
        ));
        let (name, value) = IdentityItem::cut_off_attribute(id.cut_off.unwrap()).unwrap();
        for item in IdentityItem::items(&id) {
            assert_eq!(encode(&item).unwrap()[name], value);
        }
    }

    #[test]
    fn operations_are_a_string_set() {
        let a = Assignment {
            assignment_id: AssignmentId::mint(),
            permission_id: PermissionId::mint(),
            permission_name: "read".into(),
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
