//! `DirectoryWriter` over the directory table. Each write is one
//! transaction whose conditions name what must (not) exist; a refusal is
//! told apart by which condition failed, never by a second read.

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};

use super::directory::DynamoDirectory;
use super::items::*;
use crate::domain::ids::{PermissionId, TokenId, UserId};
use crate::domain::model::{Assignment, Credential, Identity, Org, Permission, TokenRecord};
use crate::domain::ports::{DirectoryWriter, Refusal, WriteError};
use crate::domain::time::UnixMillis;
use crate::error::Error;

/// One item of a transaction, and what its failed condition means.
pub(super) struct Step {
    pub(super) item: TransactWriteItem,
    pub(super) refusal: Refusal,
}

pub(super) fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, Error> {
    r.map_err(|e| Error::internal("transaction item", e))
}

impl DynamoDirectory {
    /// A put that never overwrites.
    pub(super) fn put_new(&self, item: Item, refusal: Refusal) -> Result<Step, Error> {
        let put = built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build(),
        )?;
        Ok(Step {
            item: TransactWriteItem::builder().put(put).build(),
            refusal,
        })
    }

    /// A condition that `key` exists, writing nothing.
    pub(super) fn exists(&self, key: Key, refusal: Refusal) -> Result<Step, Error> {
        let check = built(
            ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(key.to_item()))
                .condition_expression("attribute_exists(pk)")
                .build(),
        )?;
        Ok(Step {
            item: TransactWriteItem::builder().condition_check(check).build(),
            refusal,
        })
    }

    /// Sets `status` on an existing item (or on any, with `upsert`).
    pub(super) fn set_status(
        &self,
        key: Key,
        status: Status,
        extra: Option<(&str, AttributeValue)>,
        upsert: bool,
        refusal: Refusal,
    ) -> Result<Step, Error> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .expression_attribute_names("#st", STATUS)
            .expression_attribute_values(":st", AttributeValue::S(status.as_str().into()));
        update = match extra {
            Some((name, value)) => update
                .update_expression("SET #st = :st, #x = :x")
                .expression_attribute_names("#x", name)
                .expression_attribute_values(":x", value),
            None => update.update_expression("SET #st = :st"),
        };
        if !upsert {
            update = update.condition_expression("attribute_exists(pk)");
        }
        Ok(Step {
            item: TransactWriteItem::builder()
                .update(built(update.build())?)
                .build(),
            refusal,
        })
    }

    pub(super) async fn transact(&self, steps: Vec<Step>) -> Result<(), WriteError> {
        let refusals: Vec<Refusal> = steps.iter().map(|s| s.refusal).collect();
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(steps.into_iter().map(|s| s.item).collect()))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(()),
            Err(e) => e.into_service_error(),
        };
        match &err {
            TransactWriteItemsError::TransactionCanceledException(cancel) => {
                // The reasons come in the items' order; the first failed
                // condition says what was missing or taken.
                let failed = cancel
                    .cancellation_reasons()
                    .iter()
                    .position(|r| r.code() == Some("ConditionalCheckFailed"));
                match failed {
                    Some(i) => Err(WriteError::Refused(
                        refusals.get(i).copied().unwrap_or(Refusal::Conflict),
                    )),
                    None => Err(WriteError::Refused(Refusal::Conflict)),
                }
            }
            _ => Err(WriteError::Store(Error::internal(
                "directory write",
                DisplayErrorContext(&err),
            ))),
        }
    }

    /// Marks a token revoked. Service account tokens are always on
    /// record; a login token's revocation is a record of its own.
    pub(super) fn revocation(&self, token_id: &TokenId) -> Result<Step, Error> {
        self.set_status(
            TokenItem::key(token_id),
            Status::Revoked,
            Some(("tokenId", AttributeValue::S(token_id.to_string()))),
            !token_id.is_service_account(),
            Refusal::TokenMissing,
        )
    }

    fn identity_steps(&self, identity: &Identity) -> Result<Vec<Step>, Error> {
        IdentityItem::items(identity)
            .iter()
            .zip([Refusal::Conflict, Refusal::UsernameTaken])
            .map(|(item, refusal)| self.put_new(encode(item)?, refusal))
            .collect()
    }
}

impl DirectoryWriter for DynamoDirectory {
    async fn create_org(&self, org: &Org) -> Result<(), WriteError> {
        let step = self.put_new(encode(&OrgItem::new(org))?, Refusal::Conflict)?;
        self.transact(vec![step]).await
    }

    async fn create_identity(&self, identity: &Identity) -> Result<(), WriteError> {
        let mut steps = vec![self.exists(OrgItem::key(&identity.org_id), Refusal::OrgMissing)?];
        steps.extend(self.identity_steps(identity)?);
        self.transact(steps).await
    }

    async fn create_service_account(
        &self,
        identity: &Identity,
        credential: &Credential,
        token: &TokenRecord,
    ) -> Result<(), WriteError> {
        let mut steps = vec![self.exists(OrgItem::key(&identity.org_id), Refusal::OrgMissing)?];
        steps.extend(self.identity_steps(identity)?);
        steps.push(self.put_new(
            encode(&CredentialItem::new(&identity.user_id, credential))?,
            Refusal::Conflict,
        )?);
        steps.push(self.put_new(encode(&TokenItem::new(token))?, Refusal::Conflict)?);
        self.transact(steps).await
    }

    async fn identity(&self, user_id: &UserId) -> Result<Option<Identity>, Error> {
        let item = self
            .get(IdentityItem::profile_key(user_id), "directory profile read")
            .await?;
        Ok(item
            .and_then(decode::<IdentityItem>)
            .map(IdentityItem::into_identity))
    }

    async fn save_identity(&self, identity: &Identity) -> Result<(), WriteError> {
        // Written at the next revision, on condition that the stored one is
        // still the one read: a concurrent change (a logout's cut-off, a
        // deactivation) is never overwritten with older state.
        let next = Identity {
            revision: identity.revision + 1,
            ..identity.clone()
        };
        let read_at = AttributeValue::N(identity.revision.to_string());
        let steps = IdentityItem::items(&next)
            .iter()
            .map(|item| {
                let put = built(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(encode(item)?))
                        .condition_expression(
                            "attribute_exists(pk) AND (attribute_not_exists(#rev) OR #rev = :rev)",
                        )
                        .expression_attribute_names("#rev", IdentityItem::REVISION)
                        .expression_attribute_values(":rev", read_at.clone())
                        .build(),
                )?;
                Ok(Step {
                    item: TransactWriteItem::builder().put(put).build(),
                    refusal: Refusal::Conflict,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        self.transact(steps).await
    }

    async fn add_credential(
        &self,
        user_id: &UserId,
        credential: &Credential,
    ) -> Result<(), WriteError> {
        let steps = vec![
            self.exists(IdentityItem::profile_key(user_id), Refusal::IdentityMissing)?,
            self.put_new(
                encode(&CredentialItem::new(user_id, credential))?,
                Refusal::Conflict,
            )?,
        ];
        self.transact(steps).await
    }

    async fn put_token(&self, token: &TokenRecord) -> Result<(), WriteError> {
        let step = self.put_new(encode(&TokenItem::new(token))?, Refusal::Conflict)?;
        self.transact(vec![step]).await
    }

    async fn revoke_token(&self, token_id: &TokenId) -> Result<(), WriteError> {
        let step = self.revocation(token_id)?;
        self.transact(vec![step]).await
    }

    async fn token_owner(&self, token_id: &TokenId) -> Result<Option<UserId>, Error> {
        self.recorded_owner(token_id).await
    }

    async fn revoke_actor_token(
        &self,
        owner: &UserId,
        token_id: &TokenId,
        actor_cut_off: UnixMillis,
    ) -> Result<(), WriteError> {
        self.revoke_actor_token_at_once(owner, token_id, actor_cut_off)
            .await
    }

    async fn end_sessions(
        &self,
        identity: &Identity,
        token_id: &TokenId,
        cut_off: Option<UnixMillis>,
    ) -> Result<(), WriteError> {
        self.end_sessions_at_once(identity, token_id, cut_off).await
    }

    async fn create_permission(&self, permission: &Permission) -> Result<(), WriteError> {
        let steps = vec![
            self.exists(OrgItem::key(&permission.org_id), Refusal::OrgMissing)?,
            self.put_new(encode(&PermissionItem::new(permission))?, Refusal::Conflict)?,
        ];
        self.transact(steps).await
    }

    async fn permission(&self, permission_id: &PermissionId) -> Result<Option<Permission>, Error> {
        let item = self
            .get(
                PermissionItem::key(permission_id),
                "directory permission read",
            )
            .await?;
        Ok(item
            .and_then(decode::<PermissionItem>)
            .map(PermissionItem::into_permission))
    }

    async fn assign(&self, user_id: &UserId, assignment: &Assignment) -> Result<(), WriteError> {
        let steps = vec![
            self.exists(IdentityItem::profile_key(user_id), Refusal::IdentityMissing)?,
            self.put_new(
                encode(&AssignmentItem::new(user_id, assignment))?,
                Refusal::Conflict,
            )?,
        ];
        self.transact(steps).await
    }
}
