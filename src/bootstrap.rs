//! Wiring at init: one `SdkConfig`, clients built once, the issuer's
//! public keys fetched once, connections warmed.

use aws_config::SdkConfig;

use crate::adapters::dynamodb::{DynamoDirectory, DynamoReplayStore};
use crate::adapters::kms::{load_public_key, KmsSigner};
use crate::config::Config;
use crate::domain::bearer::KeyRing;
use crate::service::AuthService;

/// The service as deployed.
pub type AppService = AuthService<DynamoDirectory, DynamoReplayStore, KmsSigner>;

/// Loads the AWS configuration from the environment (region, credentials,
/// `AWS_ENDPOINT_URL` for local backends).
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// Builds the service; any error names what to fix and stops init.
pub async fn build_service(config: &Config, sdk: &SdkConfig) -> Result<AppService, String> {
    let dynamo = aws_sdk_dynamodb::Client::new(sdk);
    let kms = aws_sdk_kms::Client::new(sdk);

    // Fetching the keys warms the KMS connection; describing the tables
    // warms DynamoDB's and proves they exist.
    let key_ids: Vec<&String> = std::iter::once(&config.signing_key_id)
        .chain(&config.previous_signing_key_ids)
        .collect();
    let keys = async {
        let mut keys = Vec::with_capacity(key_ids.len());
        for id in &key_ids {
            keys.push(load_public_key(&kms, id).await?);
        }
        Ok::<_, String>(keys)
    };
    let describe = |table: &str| {
        let req = dynamo.describe_table().table_name(table);
        let table = table.to_string();
        async move {
            req.send().await.map(|_| ()).map_err(|e| {
                format!(
                    "table {table}: {}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(e)
                )
            })
        }
    };
    let (keys, dir, replay) = tokio::join!(
        keys,
        describe(&config.directory_table),
        describe(&config.replay_table)
    );
    let (keys, (), ()) = (keys?, dir?, replay?);

    let signer = KmsSigner::new(kms, keys[0].kid.clone());
    Ok(AuthService::new(
        DynamoDirectory::new(dynamo.clone(), &config.directory_table),
        DynamoReplayStore::new(dynamo, &config.replay_table),
        signer,
        KeyRing::new(config.settings.issuer.clone(), keys),
        config.settings.clone(),
    ))
}
