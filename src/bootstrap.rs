//! Wiring at init: one `SdkConfig`, clients built once, the issuer's
//! public keys fetched once, connections warmed.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};

use crate::adapters::dynamodb::{DynamoAuditLog, DynamoDirectory, DynamoReplayStore};
use crate::adapters::kms::{load_public_key, KmsSigner};
use crate::config::Config;
use crate::domain::bearer::KeyRing;
use crate::service::AuthService;

/// The service as deployed.
pub type AppService = AuthService<DynamoDirectory, DynamoReplayStore, KmsSigner>;

/// Bounds on every AWS call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsLimits {
    /// Time to open a connection to DynamoDB or KMS.
    pub connect: Duration,
    /// One attempt of one AWS call.
    pub attempt: Duration,
    /// One AWS call, retries included.
    pub operation: Duration,
    /// Attempts per call (the first included), with the SDK's standard
    /// backoff for throttling and transient errors.
    pub max_attempts: u32,
}

impl AwsLimits {
    /// What the function runs with. A login has two sequential stages, so
    /// it answers within about 2 x 3 s even when a backend hangs: well
    /// inside the function's 10 s timeout (template.yaml).
    pub const LAMBDA: AwsLimits = AwsLimits {
        connect: Duration::from_secs(1),
        attempt: Duration::from_millis(1500),
        operation: Duration::from_secs(3),
        max_attempts: 3,
    };
}

/// Applies `limits` to every AWS call of `loader`.
pub fn with_limits(loader: ConfigLoader, limits: AwsLimits) -> ConfigLoader {
    loader
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(limits.connect)
                .operation_attempt_timeout(limits.attempt)
                .operation_timeout(limits.operation)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(limits.max_attempts))
}

/// Loads the AWS configuration from the environment (region, credentials,
/// `AWS_ENDPOINT_URL` for local backends), with the function's limits.
pub async fn load_sdk_config() -> SdkConfig {
    with_limits(
        aws_config::defaults(BehaviorVersion::latest()),
        AwsLimits::LAMBDA,
    )
    .load()
    .await
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
    let audit = DynamoAuditLog::new(
        dynamo.clone(),
        &config.directory_table,
        config.audit_retention_days,
    );
    Ok(AuthService::new(
        DynamoDirectory::new(dynamo.clone(), &config.directory_table),
        DynamoReplayStore::new(dynamo, &config.replay_table)
            .with_directory_table(&config.directory_table),
        signer,
        KeyRing::new(config.settings.issuer.clone(), keys),
        config.settings.clone(),
    )
    .with_audit(std::sync::Arc::new(audit)))
}
