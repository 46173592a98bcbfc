//! `ReplayStore` over the replay table: every use is a conditional write.

use aws_sdk_dynamodb::types::ReturnValue;
use aws_sdk_dynamodb::Client;

use super::items::*;
use super::{is_condition_failure, store_error};
use crate::domain::ports::{ChallengeRecord, ReplayStore, Spend, UserActionRecord};
use crate::error::Error;

#[derive(Clone)]
pub struct DynamoReplayStore {
    client: Client,
    table: String,
}

impl DynamoReplayStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn nonce_pk(key: &str) -> String {
    format!("NONCE#{key}")
}
fn challenge_pk(key: &str) -> String {
    format!("CHALLENGE#{key}")
}
fn user_action_pk(key: &str) -> String {
    format!("USERACTION#{key}")
}

impl ReplayStore for DynamoReplayStore {
    async fn record_nonce(&self, key: &str, expires_at: i64, now: i64) -> Result<bool, Error> {
        // TTL deletes lazily (up to days later): an expired item is free.
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(nonce_pk(key)))
            .item(EXPIRES_AT, n(expires_at))
            .condition_expression("attribute_not_exists(pk) OR expiresAt < :now")
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(store_error("replay nonce write", e)),
        }
    }

    async fn put_challenge(&self, record: &ChallengeRecord) -> Result<(), Error> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(challenge_pk(&record.key)))
            .item("callerId", s(&record.caller_id))
            .item("challenge", s(&record.challenge))
            .item("binding", s(&record.binding))
            .item(EXPIRES_AT, n(record.expires_at))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| store_error("replay challenge write", e))?;
        Ok(())
    }

    async fn take_challenge(
        &self,
        key: &str,
        caller_id: &str,
        now: i64,
    ) -> Result<Option<ChallengeRecord>, Error> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(challenge_pk(key)))
            .condition_expression("callerId = :caller AND expiresAt > :now")
            .expression_attribute_values(":caller", s(caller_id))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let item = match result {
            Ok(out) => out.attributes,
            Err(e) if is_condition_failure(&e) => return Ok(None),
            Err(e) => return Err(store_error("replay challenge take", e)),
        };
        Ok(item.and_then(|item| {
            Some(ChallengeRecord {
                key: key.to_string(),
                caller_id: get_s(&item, "callerId")?.to_string(),
                challenge: get_s(&item, "challenge")?.to_string(),
                binding: get_s(&item, "binding")?.to_string(),
                expires_at: get_n(&item, EXPIRES_AT)?,
            })
        }))
    }

    async fn put_user_action(&self, record: &UserActionRecord) -> Result<(), Error> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(user_action_pk(&record.key)))
            .item("callerId", s(&record.caller_id))
            .item("binding", s(&record.binding))
            .item(EXPIRES_AT, n(record.expires_at))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| store_error("replay user action write", e))?;
        Ok(())
    }

    async fn spend_user_action(&self, key: &str, binding: &str, now: i64) -> Result<Spend, Error> {
        let pk = s(user_action_pk(key));
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, pk.clone())
            .update_expression("SET spentAt = :now")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(spentAt) AND binding = :b AND expiresAt > :now",
            )
            .expression_attribute_values(":b", s(binding))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match result {
            Ok(_) => return Ok(Spend::Spent),
            Err(e) if is_condition_failure(&e) => {}
            Err(e) => return Err(store_error("replay user action spend", e)),
        }
        // Refused: tell "spent already" from "never valid here" (failure path only).
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, pk)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("replay user action read", e))?
            .item;
        let spent_here = item.is_some_and(|item| {
            get_s(&item, "binding") == Some(binding)
                && get_n(&item, EXPIRES_AT).is_some_and(|t| t > now)
                && item.contains_key("spentAt")
        });
        Ok(if spent_here {
            Spend::AlreadySpent
        } else {
            Spend::Invalid
        })
    }
}
