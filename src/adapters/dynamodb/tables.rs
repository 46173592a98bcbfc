//! The two tables, for local use and tests (production uses the SAM
//! template, which must describe the same keys and TTL).

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;

use super::items::{AUDIT_EXPIRES_AT, EXPIRES_AT, PK, SK};

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, String> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| format!("key schema: {e}"))
}

fn string_attr(name: &str) -> Result<AttributeDefinition, String> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| format!("attribute: {e}"))
}

/// The directory and replay tables, by name.
#[derive(Clone)]
pub struct Tables {
    client: Client,
    directory_table: String,
    replay_table: String,
}

impl Tables {
    pub fn new(client: Client, directory_table: &str, replay_table: &str) -> Self {
        Self {
            client,
            directory_table: directory_table.to_string(),
            replay_table: replay_table.to_string(),
        }
    }

    pub fn from_sdk(
        sdk: &aws_config::SdkConfig,
        directory_table: &str,
        replay_table: &str,
    ) -> Self {
        Self::new(Client::new(sdk), directory_table, replay_table)
    }

    /// Creates both tables (on demand) and their TTLs (the replay table's
    /// records, the directory table's audit records). Safe to re-run.
    pub async fn create(&self) -> Result<(), String> {
        let (client, directory_table, replay_table) = (
            &self.client,
            self.directory_table.as_str(),
            self.replay_table.as_str(),
        );
        let dir = client
            .create_table()
            .table_name(directory_table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(string_attr(PK)?)
            .attribute_definitions(string_attr(SK)?)
            .key_schema(key(PK, KeyType::Hash)?)
            .key_schema(key(SK, KeyType::Range)?)
            .send()
            .await;
        ignore_existing(dir.map(|_| ()), "create directory table")?;
        let replay = client
            .create_table()
            .table_name(replay_table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(string_attr(PK)?)
            .key_schema(key(PK, KeyType::Hash)?)
            .send()
            .await;
        ignore_existing(replay.map(|_| ()), "create replay table")?;
        enable_ttl(client, replay_table, EXPIRES_AT).await?;
        // Only audit records carry this attribute: nothing else expires.
        enable_ttl(client, directory_table, AUDIT_EXPIRES_AT).await
    }
}

async fn enable_ttl(client: &Client, table: &str, attribute: &str) -> Result<(), String> {
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name(attribute)
        .enabled(true)
        .build()
        .map_err(|e| format!("ttl: {e}"))?;
    let result = client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(ttl)
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        // Re-running: DynamoDB refuses to enable TTL twice.
        Err(e) if format!("{}", DisplayErrorContext(&e)).contains("already enabled") => Ok(()),
        Err(e) => Err(format!("enable TTL on {table}: {}", DisplayErrorContext(e))),
    }
}

fn ignore_existing<E, R>(
    result: Result<(), aws_sdk_dynamodb::error::SdkError<E, R>>,
    context: &str,
) -> Result<(), String>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("ResourceInUseException") => {
            Ok(())
        }
        Err(e) => Err(format!("{context}: {}", DisplayErrorContext(e))),
    }
}
