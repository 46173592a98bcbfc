//! Service accounts as actors: the profile a delegated token's `act.sub`
//! names, and the revocation of a service account token that also cuts
//! off, in the same transaction, every delegated token it may have minted.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::directory::DynamoDirectory;
use super::items::*;
use super::writer::{built, Step};
use crate::domain::ids::{TokenId, UserId};
use crate::domain::model::Identity;
use crate::domain::ports::{Refusal, WriteError};
use crate::domain::time::UnixMillis;
use crate::error::Error;

impl DynamoDirectory {
    /// The actor's profile, strongly consistent.
    pub(super) async fn actor_profile(&self, actor_id: &UserId) -> Result<Option<Identity>, Error> {
        let item = self
            .get(IdentityItem::profile_key(actor_id), "directory actor read")
            .await?;
        Ok(item
            .and_then(decode::<IdentityItem>)
            .map(IdentityItem::into_identity))
    }

    pub(super) async fn recorded_owner(&self, token_id: &TokenId) -> Result<Option<UserId>, Error> {
        let item = self
            .get(TokenItem::key(token_id), "directory token read")
            .await?;
        Ok(item
            .and_then(decode::<TokenItem>)
            .and_then(|t| t.owner().cloned()))
    }

    pub(super) async fn revoke_actor_token_at_once(
        &self,
        owner: &UserId,
        token_id: &TokenId,
        actor_cut_off: UnixMillis,
    ) -> Result<(), WriteError> {
        let revoke = Update::builder()
            .table_name(&self.table)
            .set_key(Some(TokenItem::key(token_id).to_item()))
            .update_expression("SET #st = :st")
            .condition_expression("attribute_exists(pk) AND #owner = :owner")
            .expression_attribute_names("#st", STATUS)
            .expression_attribute_names("#owner", TokenItem::OWNER)
            .expression_attribute_values(":st", AttributeValue::S(Status::Revoked.as_str().into()))
            .expression_attribute_values(":owner", AttributeValue::S(owner.to_string()))
            .build();
        let (name, value) = IdentityItem::actor_cut_off_attribute(actor_cut_off)?;
        let cut_off = Update::builder()
            .table_name(&self.table)
            .set_key(Some(IdentityItem::profile_key(owner).to_item()))
            .update_expression("SET #co = :co ADD #rev :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#co", name)
            .expression_attribute_names("#rev", IdentityItem::REVISION)
            .expression_attribute_values(":co", value)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .build();
        let steps = vec![
            Step {
                item: TransactWriteItem::builder().update(built(revoke)?).build(),
                refusal: Refusal::TokenMissing,
            },
            Step {
                item: TransactWriteItem::builder().update(built(cut_off)?).build(),
                refusal: Refusal::IdentityMissing,
            },
        ];
        self.transact(steps).await
    }
}
