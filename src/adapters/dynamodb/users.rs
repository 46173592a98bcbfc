//! `UserDirectory` over the directory table: one user with its
//! assignments, and pages of an org's users.

use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::future::join_all;

use super::directory::DynamoDirectory;
use super::items::*;
use super::store_error;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::model::{Identity, UserKind};
use crate::domain::ports::{UserDirectory, UserPage, UserRecord};
use crate::domain::username::Username;
use crate::error::Error;

/// The user a partition's items describe, if it has a profile.
fn user_record(items: Vec<Item>) -> Option<UserRecord> {
    let mut identity = None;
    let mut assignments = Vec::new();
    for item in items {
        match PartitionItem::of(&item) {
            PartitionItem::Profile => {
                identity = decode::<IdentityItem>(item).map(IdentityItem::into_identity);
            }
            PartitionItem::Assignment => {
                if let Some(a) = decode::<AssignmentItem>(item).map(AssignmentItem::into_assignment)
                {
                    if a.active {
                        assignments.push(a);
                    }
                }
            }
            _ => {}
        }
    }
    identity.map(|identity| UserRecord {
        identity,
        assignments,
    })
}

impl DynamoDirectory {
    async fn record_of(&self, identity: Identity) -> Result<UserRecord, Error> {
        let items = self.identity_items(&identity.user_id).await?;
        // The username entry listed it; the profile is the source of truth.
        Ok(user_record(items).unwrap_or(UserRecord {
            identity,
            assignments: Vec::new(),
        }))
    }
}

impl UserDirectory for DynamoDirectory {
    async fn user(&self, user_id: &UserId) -> Result<Option<UserRecord>, Error> {
        Ok(user_record(self.identity_items(user_id).await?))
    }

    async fn list_users(
        &self,
        org_id: &OrgId,
        kind: Option<UserKind>,
        limit: usize,
        start_after: Option<&Username>,
    ) -> Result<UserPage, Error> {
        let (pk, prefix) = IdentityItem::org_users(org_id);
        let mut filter = "#st <> :archived".to_string();
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_names("#st", STATUS)
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .expression_attribute_values(":prefix", AttributeValue::S(prefix.into()))
            .expression_attribute_values(
                ":archived",
                AttributeValue::S(Status::Archived.as_str().into()),
            )
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .consistent_read(true);
        if let Some(kind) = kind {
            filter.push_str(" AND #kind = :kind");
            query = query
                .expression_attribute_names("#kind", "kind")
                .expression_attribute_values(":kind", AttributeValue::S(kind.as_str().into()));
        }
        if let Some(after) = start_after {
            query = query
                .set_exclusive_start_key(Some(IdentityItem::username_key(org_id, after).to_item()));
        }
        let out = query
            .filter_expression(filter)
            .send()
            .await
            .map_err(|e| store_error("directory users query", e))?;
        let identities: Vec<Identity> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .filter_map(decode::<IdentityItem>)
            .map(IdentityItem::into_identity)
            .filter(|i| &i.org_id == org_id && !i.is_service_account)
            .collect();
        // Each user's assignments live in its own partition: read them
        // concurrently, a page at a time (at most `limit` reads).
        let users = join_all(identities.into_iter().map(|i| self.record_of(i)))
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        let next = out
            .last_evaluated_key
            .as_ref()
            .and_then(Key::from_item)
            .and_then(|k| IdentityItem::username_in(&k));
        Ok(UserPage { users, next })
    }
}
