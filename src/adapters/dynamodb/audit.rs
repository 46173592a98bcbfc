//! The audit trail in the directory table, under `AUDIT#<orgId>`.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use super::items::*;
use super::store_error;
use crate::domain::audit::{AuditFuture, AuditRecord, AuditSink};
use crate::domain::ids::{OrgId, UserId};
use crate::error::Error;

/// Writes audit records with a retention (their TTL).
#[derive(Clone)]
pub struct DynamoAuditLog {
    client: Client,
    table: String,
    retention_secs: i64,
}

/// What `audit list` selects: an org's records, at or after `since` (RFC
/// 3339), of one actor and/or one target.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub org_id: Option<OrgId>,
    pub actor: Option<UserId>,
    pub target: Option<UserId>,
    pub since: Option<String>,
}

impl DynamoAuditLog {
    pub fn new(client: Client, directory_table: impl Into<String>, retention_days: i64) -> Self {
        Self {
            client,
            table: directory_table.into(),
            retention_secs: retention_days * 86_400,
        }
    }

    async fn put(&self, record: &AuditRecord) -> Result<(), Error> {
        let item = encode(&AuditItem::new(record, self.retention_secs))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| store_error("audit write", e))?;
        Ok(())
    }

    /// The org's records in time order, filtered; every page.
    pub async fn list(&self, org_id: &OrgId, query: &AuditQuery) -> Result<Vec<AuditItem>, Error> {
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_values(":pk", AttributeValue::S(AuditItem::partition(org_id)));
        request = match &query.since {
            Some(since) => request
                .key_condition_expression("pk = :pk AND sk >= :since")
                .expression_attribute_values(":since", AttributeValue::S(since.clone())),
            None => request.key_condition_expression("pk = :pk"),
        };
        let mut filters = Vec::new();
        if let Some(actor) = &query.actor {
            filters.push("actor = :actor");
            request =
                request.expression_attribute_values(":actor", AttributeValue::S(actor.to_string()));
        }
        if let Some(target) = &query.target {
            filters.push("target = :target");
            request = request
                .expression_attribute_values(":target", AttributeValue::S(target.to_string()));
        }
        if !filters.is_empty() {
            request = request.filter_expression(filters.join(" AND "));
        }
        let items = request
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| store_error("audit query", e))?;
        Ok(items.into_iter().filter_map(decode::<AuditItem>).collect())
    }
}

impl AuditSink for DynamoAuditLog {
    fn record<'a>(&'a self, record: &'a AuditRecord) -> AuditFuture<'a> {
        Box::pin(self.put(record))
    }
}
