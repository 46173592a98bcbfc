//! DynamoDB adapters and the single-table layout they share. The item
//! shapes and their keys are defined once, in `items`.
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
//! | token, or a login token's revocation | `TOKEN#<tokenId>` | `TOKEN` |
//! | a credId taken in an org | `CREDID#<orgId>#<SHA-256 of credId>` | `CREDID` |
//! | a service account's limits | `IDENTITY#<userId>` | `LIMITS` |
//! | an audit record (TTL `auditExpiresAt`) | `AUDIT#<orgId>` | `<RFC 3339 time>#<jti or random id>` |
//!
//! One query of the identity's partition brings back the caller's profile,
//! credentials and granted operations. The username item repeats the
//! profile so that a login looks its target up with one read.
//!
//! Replay table (`pk`, TTL attribute `expiresAt`): `NONCE#<userId>#`
//! (the caller's own), `CHALLENGE#` and `USERACTION#` followed by a
//! SHA-256 digest, `REGISTRATION#` followed by a user id (its one pending
//! registration), and `LOGINS#<userId>#<window start>` (a delegated login
//! counter).

mod actors;
mod audit;
mod credentials;
mod directory;
mod items;
mod limits;
mod registration;
mod replay;
mod sessions;
mod tables;
mod users;
mod writer;

pub use audit::{AuditQuery, DynamoAuditLog};
pub use directory::DynamoDirectory;
pub use items::AuditItem;
pub use replay::DynamoReplayStore;
pub use tables::Tables;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};

use crate::error::Error;

/// Any DynamoDB failure that is not a refused condition is a 500 whose
/// detail goes to the log.
pub(crate) fn store_error<E, R>(context: &str, err: SdkError<E, R>) -> Error
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    Error::internal(context, DisplayErrorContext(err))
}
