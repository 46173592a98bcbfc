//! `ReplayStore` over the replay table: every use is a conditional write.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;

use super::items::*;
use super::store_error;
use crate::domain::ids::UserId;
use crate::domain::ports::{ChallengeRecord, ReplayStore, Signing, Spend};
use crate::domain::secret::SecretDigest;
use crate::domain::time::UnixTime;
use crate::domain::user_action::UserActionKey;
use crate::error::Error;

#[derive(Clone)]
pub struct DynamoReplayStore {
    pub(super) client: Client,
    pub(super) table: String,
    /// The directory table, which registration completion writes in the
    /// same transaction as it spends its record (see `registration`).
    pub(super) directory_table: Option<String>,
}

impl DynamoReplayStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            directory_table: None,
        }
    }

    /// The same store, completing registrations into `directory_table`.
    pub fn with_directory_table(mut self, directory_table: impl Into<String>) -> Self {
        self.directory_table = Some(directory_table.into());
        self
    }

    /// Writes a new item; any refusal is a failure (the key is random).
    async fn put_new(&self, item: Item, context: &str) -> Result<(), Error> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| store_error(context, e))?;
        Ok(())
    }
}

pub(super) fn time(t: UnixTime) -> AttributeValue {
    AttributeValue::N(t.as_secs().to_string())
}

impl ReplayStore for DynamoReplayStore {
    async fn record_nonce(
        &self,
        caller: &UserId,
        key: &SecretDigest,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        // TTL deletes lazily (up to days later): an expired item is free.
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(encode(&NonceItem::new(caller, key, expires_at))?))
            .condition_expression("attribute_not_exists(pk) OR expiresAt < :now")
            .expression_attribute_values(":now", time(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(store_error("replay nonce write", e)),
        }
    }

    async fn forget_nonce(&self, caller: &UserId, key: &SecretDigest) -> Result<(), Error> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(NonceItem::key(caller, key).to_item()))
            .send()
            .await
            .map_err(|e| store_error("replay nonce forget", e))?;
        Ok(())
    }

    async fn put_challenge(&self, record: &ChallengeRecord) -> Result<(), Error> {
        let item = encode(&ChallengeItem::new(record))?;
        self.put_new(item, "replay challenge write").await
    }

    /// One `UpdateItem`: marks it signed and records the user action,
    /// answering the challenge as it was (`ALL_OLD`).
    async fn sign_challenge(
        &self,
        key: &SecretDigest,
        caller_id: &UserId,
        signing: &Signing,
        now: UnixTime,
    ) -> Result<Option<ChallengeRecord>, Error> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(ChallengeItem::key(key).to_item()))
            .update_expression(
                "SET signedAt = :now, secretDigest = :s, credId = :cred, expiresAt = :until",
            )
            .condition_expression(
                "attribute_exists(pk) AND callerId = :caller AND expiresAt > :now AND attribute_not_exists(signedAt)",
            )
            .expression_attribute_values(":caller", AttributeValue::S(caller_id.to_string()))
            .expression_attribute_values(":now", time(now))
            .expression_attribute_values(":s", AttributeValue::S(signing.secret.as_str().into()))
            .expression_attribute_values(":cred", AttributeValue::S(signing.cred_id.clone()))
            .expression_attribute_values(":until", time(signing.expires_at))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let item = match result {
            Ok(out) => out.attributes,
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(store_error("replay challenge sign", e)),
        };
        Ok(item
            .and_then(decode::<ChallengeItem>)
            .map(|c| c.into_record(key)))
    }

    /// One `UpdateItem` on the signed challenge. Success answers the item
    /// as it was, naming the credential that signed it; a refusal brings
    /// the item back too, so "spent already" is told from "never valid
    /// here" without a second read.
    async fn spend_user_action(
        &self,
        action: &UserActionKey,
        caller_id: &UserId,
        binding: &SecretDigest,
        now: UnixTime,
    ) -> Result<Spend, Error> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(ChallengeItem::key(&action.challenge).to_item()))
            .update_expression("SET spentAt = :now")
            .condition_expression(
                "attribute_exists(signedAt) AND secretDigest = :s AND binding = :b \
                 AND callerId = :caller AND attribute_not_exists(spentAt) AND expiresAt > :now",
            )
            .expression_attribute_values(":s", AttributeValue::S(action.secret.as_str().into()))
            .expression_attribute_values(":b", AttributeValue::S(binding.as_str().to_string()))
            .expression_attribute_values(":caller", AttributeValue::S(caller_id.to_string()))
            .expression_attribute_values(":now", time(now))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let old = match result {
            Ok(out) => {
                return out
                    .attributes
                    .and_then(decode::<ChallengeItem>)
                    .and_then(|item| item.cred_id)
                    .map(|cred_id| Spend::Spent { cred_id })
                    .ok_or_else(|| {
                        Error::internal("replay user action spend", "spent item names no credId")
                    })
            }
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(refused) => refused.item,
                other => {
                    return Err(Error::internal(
                        "replay user action spend",
                        aws_sdk_dynamodb::error::DisplayErrorContext(other),
                    ))
                }
            },
        };
        let valid_here = old
            .and_then(decode::<ChallengeItem>)
            .filter(|item| item.is_user_action(&action.secret, binding, caller_id, now));
        Ok(match valid_here {
            Some(item) if item.spent_at.is_some() => Spend::AlreadySpent,
            _ => Spend::Invalid,
        })
    }

    /// One `UpdateItem`: `ADD #c :one` with the window's TTL, answering the
    /// new count. DynamoDB applies increments to one item one at a time, so
    /// concurrent attempts each see a different count.
    async fn count_login(&self, account: &UserId, window: UnixTime) -> Result<u64, Error> {
        let (ttl_name, ttl) = LoginWindowItem::expires_at(window);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(LoginWindowItem::key(account, window).to_item()))
            .update_expression("ADD #c :one SET #ttl = :ttl")
            .expression_attribute_names("#c", LoginWindowItem::COUNT)
            .expression_attribute_names("#ttl", ttl_name)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":ttl", ttl)
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| store_error("replay login count", e))?;
        out.attributes
            .as_ref()
            .and_then(|a| a.get(LoginWindowItem::COUNT))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| Error::internal("replay login count", "no count returned"))
    }
}
