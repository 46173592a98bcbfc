//! A nonce recorded only for a caller whose token is valid: one transaction
//! across both tables, the nonce's put in the replay table and conditions
//! on the caller's records in the directory table, so that a request of a
//! revoked token, a deactivated or cut-off identity, or a cut-off actor
//! burns no nonce. A refusal is told apart by which condition failed.

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};

use super::items::*;
use super::replay::{time, DynamoReplayStore};
use crate::domain::model::Caller;
use crate::domain::secret::SecretDigest;
use crate::domain::time::UnixTime;
use crate::error::Error;

fn item<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, Error> {
    r.map_err(|e| Error::internal("nonce transaction item", e))
}

fn check(
    table: &str,
    key: Key,
    condition: &str,
    names: &[(&str, &str)],
    values: &[(&str, AttributeValue)],
) -> Result<TransactWriteItem, Error> {
    let mut c = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key.to_item()))
        .condition_expression(condition);
    for (k, v) in names {
        c = c.expression_attribute_names(*k, *v);
    }
    for (k, v) in values {
        c = c.expression_attribute_values(*k, v.clone());
    }
    Ok(TransactWriteItem::builder()
        .condition_check(item(c.build())?)
        .build())
}

impl DynamoReplayStore {
    pub(super) async fn record_caller_nonce_at_once(
        &self,
        directory: &str,
        caller: &Caller,
        key: &SecretDigest,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        let iat = time(caller.issued_at);
        let active = AttributeValue::S(Status::Active.as_str().into());
        // TTL deletes lazily (up to days later): an expired item is free.
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(encode(&NonceItem::new(
                &caller.user_id,
                key,
                expires_at,
            ))?))
            .condition_expression("attribute_not_exists(pk) OR expiresAt < :now")
            .expression_attribute_values(":now", time(now))
            .build();
        let mut items = vec![
            TransactWriteItem::builder().put(item(put)?).build(),
            // The identity: active, and the token issued after its cut-off.
            check(
                directory,
                IdentityItem::profile_key(&caller.user_id),
                "#st = :active AND (attribute_not_exists(#co) OR #co < :iat)",
                &[("#st", STATUS), ("#co", IdentityItem::CUT_OFF)],
                &[(":active", active.clone()), (":iat", iat.clone())],
            )?,
            // The token: a service account's on record, active and its
            // own; an issued token without a revocation record.
            if caller.token_id.is_service_account() {
                check(
                    directory,
                    TokenItem::key(&caller.token_id),
                    "#st = :active AND #owner = :owner",
                    &[("#st", STATUS), ("#owner", TokenItem::OWNER)],
                    &[
                        (":active", active),
                        (":owner", AttributeValue::S(caller.user_id.to_string())),
                    ],
                )?
            } else {
                check(
                    directory,
                    TokenItem::key(&caller.token_id),
                    "attribute_not_exists(pk)",
                    &[],
                    &[],
                )?
            },
        ];
        if let Some(actor) = &caller.actor {
            items.push(check(
                directory,
                IdentityItem::profile_key(actor),
                "attribute_exists(pk) AND (attribute_not_exists(#aco) OR #aco < :iat)",
                &[("#aco", IdentityItem::ACTOR_CUT_OFF)],
                &[(":iat", iat)],
            )?);
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(true),
            Err(e) => e.into_service_error(),
        };
        if let TransactWriteItemsError::TransactionCanceledException(cancel) = &err {
            let codes: Vec<Option<&str>> = cancel
                .cancellation_reasons()
                .iter()
                .map(|r| r.code())
                .collect();
            let failed = |c: &Option<&str>| {
                matches!(
                    c,
                    Some("ConditionalCheckFailed") | Some("TransactionConflict")
                )
            };
            // The nonce first: taken, or being taken by a concurrent request.
            if codes.first().is_some_and(failed) {
                return Ok(false);
            }
            if codes
                .iter()
                .skip(1)
                .any(|c| *c == Some("ConditionalCheckFailed"))
            {
                return Err(Error::NotAuthorized);
            }
        }
        Err(Error::internal(
            "replay nonce write",
            DisplayErrorContext(&err),
        ))
    }
}
