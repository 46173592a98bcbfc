//! What the rules need from the outside world. DynamoDB and KMS adapters
//! implement these; nothing here knows either.

use std::future::Future;

use crate::domain::model::{CallerRecord, Identity};
use crate::error::Error;

/// Read side of the org directory.
pub trait Directory: Send + Sync {
    /// The caller's identity, credentials, granted operations and the
    /// state of the token id it presented, read in one go.
    fn caller(
        &self,
        user_id: &str,
        token_id: &str,
    ) -> impl Future<Output = Result<CallerRecord, Error>> + Send;

    /// A user (not a service account) of `org_id`, by exact username.
    fn user_by_username(
        &self,
        org_id: &str,
        username: &str,
    ) -> impl Future<Output = Result<Option<Identity>, Error>> + Send;
}

/// A signing challenge waiting for its assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeRecord {
    /// Digest of the challenge identifier handed to the client.
    pub key: String,
    pub caller_id: String,
    pub challenge: String,
    /// Digest binding the eventual user action to caller and request.
    pub binding: String,
    pub expires_at: i64,
}

/// A user action token waiting to be spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserActionRecord {
    /// Digest of the user action token handed to the client.
    pub key: String,
    pub caller_id: String,
    pub binding: String,
    pub expires_at: i64,
}

/// Result of spending a user action token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    /// This request spent it: the only one that ever will.
    Spent,
    /// It was valid for this request but already spent.
    AlreadySpent,
    /// Unknown, expired, or bound to another caller or request.
    Invalid,
}

/// Single-use records with a time to live. Every "use" is a conditional
/// write, so that of two concurrent uses exactly one succeeds.
pub trait ReplayStore: Send + Sync {
    /// Records a nonce; `false` when it is already recorded and unexpired.
    fn record_nonce(
        &self,
        key: &str,
        expires_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    fn put_challenge(
        &self,
        record: &ChallengeRecord,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Removes and returns the challenge if it exists, is unexpired and
    /// belongs to `caller_id`.
    fn take_challenge(
        &self,
        key: &str,
        caller_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<ChallengeRecord>, Error>> + Send;

    fn put_user_action(
        &self,
        record: &UserActionRecord,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Spends the user action if its binding matches and it is unspent
    /// and unexpired.
    fn spend_user_action(
        &self,
        key: &str,
        binding: &str,
        now: i64,
    ) -> impl Future<Output = Result<Spend, Error>> + Send;
}

/// The issuer's asymmetric signing key.
pub trait Signer: Send + Sync {
    /// Key id placed in the JWT header (`kid`).
    fn key_id(&self) -> &str;

    /// JOSE signature (for ES256: the 64-byte `r || s`) over `message`.
    fn sign(&self, message: &[u8]) -> impl Future<Output = Result<Vec<u8>, Error>> + Send;
}
