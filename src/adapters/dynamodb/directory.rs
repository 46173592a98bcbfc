//! `Directory` over the directory table: the reads of the request path.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use super::items::*;
use super::store_error;
use crate::domain::ids::{OrgId, TokenId, UserId};
use crate::domain::model::{CallerRecord, Identity, TokenState};
use crate::domain::ports::Directory;
use crate::domain::username::Username;
use crate::error::Error;

/// The directory table: reads here, writes in `writer`.
#[derive(Clone)]
pub struct DynamoDirectory {
    pub(super) client: Client,
    pub(super) table: String,
}

impl DynamoDirectory {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn from_sdk(sdk: &aws_config::SdkConfig, table: &str) -> Self {
        Self::new(Client::new(sdk), table)
    }

    /// One item by key, strongly consistent.
    pub(super) async fn get(&self, key: Key, context: &str) -> Result<Option<Item>, Error> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error(context, e))?;
        Ok(out.item)
    }

    /// Every item of the identity's partition, all pages.
    pub(super) async fn identity_items(&self, user_id: &UserId) -> Result<Vec<Item>, Error> {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(
                ":pk",
                AttributeValue::S(PartitionItem::partition(user_id)),
            )
            .consistent_read(true)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| store_error("directory query", e))
    }

    /// A token on record for another identity than the one that presents
    /// it is no token of that identity: refused like a revoked one.
    async fn token_state(&self, token_id: &TokenId, user_id: &UserId) -> Result<TokenState, Error> {
        let item = self
            .get(TokenItem::key(token_id), "directory token read")
            .await?;
        Ok(match item.and_then(decode::<TokenItem>) {
            None => TokenState::Unrecorded,
            Some(t) if t.status == Status::Active && t.belongs_to(user_id) => TokenState::Active,
            Some(_) => TokenState::Revoked,
        })
    }
}

pub(super) fn caller_record(items: Vec<Item>, token: TokenState) -> CallerRecord {
    let mut record = CallerRecord {
        identity: None,
        credentials: Vec::new(),
        operations: HashSet::new(),
        token,
        limits: Default::default(),
    };
    for item in items {
        match PartitionItem::of(&item) {
            PartitionItem::Profile => {
                record.identity = decode::<IdentityItem>(item).map(IdentityItem::into_identity);
            }
            PartitionItem::Credential => {
                if let Some(c) = decode::<CredentialItem>(item) {
                    record.credentials.push(c.into_credential());
                }
            }
            PartitionItem::Assignment => {
                if let Some(a) = decode::<AssignmentItem>(item).map(AssignmentItem::into_assignment)
                {
                    if a.active {
                        record.operations.extend(a.operations);
                    }
                }
            }
            PartitionItem::Limits => {
                if let Some(l) = decode::<LimitsItem>(item) {
                    record.limits = l.into_limits();
                }
            }
            PartitionItem::Other => {}
        }
    }
    record
}

impl Directory for DynamoDirectory {
    async fn caller(&self, user_id: &UserId, token_id: &TokenId) -> Result<CallerRecord, Error> {
        let (items, token) = tokio::join!(
            self.identity_items(user_id),
            self.token_state(token_id, user_id)
        );
        Ok(caller_record(items?, token?))
    }

    async fn actor(&self, actor_id: &UserId) -> Result<Option<Identity>, Error> {
        self.actor_profile(actor_id).await
    }

    async fn user_by_username(
        &self,
        org_id: &OrgId,
        username: &Username,
    ) -> Result<Option<Identity>, Error> {
        let item = self
            .get(
                IdentityItem::username_key(org_id, username),
                "directory user read",
            )
            .await?;
        Ok(item
            .and_then(decode::<IdentityItem>)
            .map(IdentityItem::into_identity)
            .filter(|i| &i.org_id == org_id && !i.is_service_account))
    }
}
