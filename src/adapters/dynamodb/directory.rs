//! `Directory` over the directory table.

use std::collections::HashSet;

use aws_sdk_dynamodb::Client;

use super::items::*;
use super::store_error;
use crate::domain::model::{CallerRecord, Credential, Identity, TokenState};
use crate::domain::ports::Directory;
use crate::error::Error;

#[derive(Clone)]
pub struct DynamoDirectory {
    client: Client,
    table: String,
}

impl DynamoDirectory {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Every item of the identity's partition, all pages.
    async fn identity_items(&self, user_id: &str) -> Result<Vec<Item>, Error> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(identity_pk(user_id)))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| store_error("directory query", e))?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    async fn token_state(&self, token_id: &str) -> Result<TokenState, Error> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(token_pk(token_id)))
            .key(SK, s(TOKEN_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("directory token read", e))?;
        Ok(match out.item {
            None => TokenState::Unrecorded,
            Some(item) if get_s(&item, "status") == Some(STATUS_ACTIVE) => TokenState::Active,
            Some(_) => TokenState::Revoked,
        })
    }
}

fn caller_record(items: Vec<Item>, token: TokenState) -> CallerRecord {
    let mut record = CallerRecord {
        identity: None,
        credentials: Vec::new(),
        operations: HashSet::new(),
        token,
    };
    for item in items {
        let sk = get_s(&item, SK).unwrap_or_default();
        if sk == PROFILE_SK {
            record.identity = identity_from(&item);
        } else if sk.starts_with(CREDENTIAL_PREFIX) {
            if let (Some(id), Some(cred_id), Some(pem)) = (
                get_s(&item, "credentialId"),
                get_s(&item, "credId"),
                get_s(&item, "publicKey"),
            ) {
                record.credentials.push(Credential {
                    credential_id: id.to_string(),
                    cred_id: cred_id.to_string(),
                    public_key_pem: pem.to_string(),
                    active: get_s(&item, "status") == Some(STATUS_ACTIVE),
                });
            }
        } else if sk.starts_with(ASSIGNMENT_PREFIX) && get_s(&item, "status") == Some(STATUS_ACTIVE)
        {
            record.operations.extend(get_ss(&item, "operations"));
        }
    }
    record
}

impl Directory for DynamoDirectory {
    async fn caller(&self, user_id: &str, token_id: &str) -> Result<CallerRecord, Error> {
        let (items, token) = tokio::join!(self.identity_items(user_id), self.token_state(token_id));
        Ok(caller_record(items?, token?))
    }

    async fn user_by_username(
        &self,
        org_id: &str,
        username: &str,
    ) -> Result<Option<Identity>, Error> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(org_pk(org_id)))
            .key(SK, s(username_sk(username)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("directory user read", e))?;
        Ok(out
            .item
            .as_ref()
            .and_then(identity_from)
            .filter(|i| i.org_id == org_id && !i.is_service_account))
    }
}
