//! Tables and the signing key, for local use and tests (production uses
//! the SAM template).

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_kms::types::{KeySpec, KeyUsageType};

use super::{Admin, AdminError};
use crate::adapters::dynamodb::items::{EXPIRES_AT, PK, SK};

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, AdminError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| AdminError::backend("key schema", e))
}

fn string_attr(name: &str) -> Result<AttributeDefinition, AdminError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| AdminError::backend("attribute", e))
}

impl Admin {
    /// Creates both tables (on demand) and the replay table's TTL. Safe to re-run.
    pub async fn create_tables(&self) -> Result<(), AdminError> {
        let dir = self
            .dynamo
            .create_table()
            .table_name(&self.directory_table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(string_attr(PK)?)
            .attribute_definitions(string_attr(SK)?)
            .key_schema(key(PK, KeyType::Hash)?)
            .key_schema(key(SK, KeyType::Range)?)
            .send()
            .await;
        ignore_existing(dir.map(|_| ()), "create directory table")?;
        let replay = self
            .dynamo
            .create_table()
            .table_name(&self.replay_table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(string_attr(PK)?)
            .key_schema(key(PK, KeyType::Hash)?)
            .send()
            .await;
        ignore_existing(replay.map(|_| ()), "create replay table")?;
        let ttl = TimeToLiveSpecification::builder()
            .attribute_name(EXPIRES_AT)
            .enabled(true)
            .build()
            .map_err(|e| AdminError::backend("ttl", e))?;
        let result = self
            .dynamo
            .update_time_to_live()
            .table_name(&self.replay_table)
            .time_to_live_specification(ttl)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Re-running: DynamoDB refuses to enable TTL twice.
            Err(e) if format!("{}", DisplayErrorContext(&e)).contains("already enabled") => Ok(()),
            Err(e) => Err(AdminError::backend("enable TTL", DisplayErrorContext(e))),
        }
    }

    /// Creates an ECC_NIST_P256 signing key (and an alias when given);
    /// returns its key id.
    pub async fn create_signing_key(&self, alias: Option<&str>) -> Result<String, AdminError> {
        let out = self
            .kms
            .create_key()
            .key_spec(KeySpec::EccNistP256)
            .key_usage(KeyUsageType::SignVerify)
            .description("delegated login token signing key (ES256)")
            .send()
            .await
            .map_err(|e| {
                AdminError::backend("create key", aws_sdk_kms::error::DisplayErrorContext(e))
            })?;
        let key_id = out
            .key_metadata
            .map(|m| m.key_id)
            .ok_or_else(|| AdminError::Backend("create key: no key metadata".into()))?;
        if let Some(alias) = alias {
            self.kms
                .create_alias()
                .alias_name(alias)
                .target_key_id(&key_id)
                .send()
                .await
                .map_err(|e| {
                    AdminError::backend("create alias", aws_sdk_kms::error::DisplayErrorContext(e))
                })?;
        }
        Ok(key_id)
    }
}

fn ignore_existing<E, R>(
    result: Result<(), aws_sdk_dynamodb::error::SdkError<E, R>>,
    context: &str,
) -> Result<(), AdminError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("ResourceInUseException") => {
            Ok(())
        }
        Err(e) => Err(AdminError::backend(context, DisplayErrorContext(e))),
    }
}
