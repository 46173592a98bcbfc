//! Provisioning: what the operator CLI does, as a library the tests and
//! the local stack share. It writes the layout `adapters::dynamodb` reads.

mod directory;
mod setup;

pub use directory::{IssuedToken, ServiceAccount, ServiceAccountRequest};

use aws_config::SdkConfig;

/// Why a provisioning step failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("{0}")]
    Backend(String),
}

impl AdminError {
    pub fn backend(context: &str, err: impl std::fmt::Display) -> Self {
        AdminError::Backend(format!("{context}: {err}"))
    }
}

/// Provisioning against one directory table, one replay table and KMS.
#[derive(Clone)]
pub struct Admin {
    pub(crate) dynamo: aws_sdk_dynamodb::Client,
    pub(crate) kms: aws_sdk_kms::Client,
    pub(crate) directory_table: String,
    pub(crate) replay_table: String,
}

impl Admin {
    pub fn new(sdk: &SdkConfig, directory_table: &str, replay_table: &str) -> Self {
        Self {
            dynamo: aws_sdk_dynamodb::Client::new(sdk),
            kms: aws_sdk_kms::Client::new(sdk),
            directory_table: directory_table.to_string(),
            replay_table: replay_table.to_string(),
        }
    }
}
