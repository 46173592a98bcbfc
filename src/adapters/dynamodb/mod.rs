//! DynamoDB adapters and the single-table layout they share.
//!
//! Directory table (`pk`, `sk`):
//!
//! | item | pk | sk |
//! |---|---|---|
//! | org | `ORG#<orgId>` | `ORG` |
//! | user by username | `ORG#<orgId>` | `USERNAME#<username>` |
//! | permission | `PERMISSION#<pm>` | `PERMISSION` |
//! | identity profile | `IDENTITY#<userId>` | `PROFILE` |
//! | credential | `IDENTITY#<userId>` | `CREDENTIAL#<cr>` |
//! | assignment (operations copied in) | `IDENTITY#<userId>` | `ASSIGNMENT#<as>` |
//! | token | `TOKEN#<tokenId>` | `TOKEN` |
//!
//! One query of the identity's partition brings back the caller's profile,
//! credentials and granted operations. The username item repeats the
//! profile so that a login looks its target up with one read.
//!
//! Replay table (`pk`, TTL attribute `expiresAt`): `NONCE#`, `CHALLENGE#`
//! and `USERACTION#` followed by a SHA-256 digest.

mod directory;
pub mod items;
mod replay;

pub use directory::DynamoDirectory;
pub use replay::DynamoReplayStore;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};

use crate::error::Error;

/// True when a write was refused by its condition.
pub(crate) fn is_condition_failure<E, R>(err: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    err.as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}

/// Any other DynamoDB failure is a 500 whose detail goes to the log.
pub(crate) fn store_error<E, R>(context: &str, err: SdkError<E, R>) -> Error
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    Error::internal(context, DisplayErrorContext(err))
}
