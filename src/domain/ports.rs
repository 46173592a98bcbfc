//! What the rules need from the outside world. DynamoDB and KMS adapters
//! implement these; nothing here knows either.

use std::future::Future;

use crate::domain::ids::{OrgId, PermissionId, TokenId, UserId};
use crate::domain::model::{
    Assignment, CallerRecord, Credential, Identity, Org, Permission, TokenRecord, UserKind,
};
use crate::domain::secret::{Redacted, SecretDigest};
use crate::domain::time::{UnixMillis, UnixTime};
use crate::domain::username::Username;
use crate::error::Error;

/// Read side of the org directory.
pub trait Directory: Send + Sync {
    /// The caller's identity, credentials, granted operations and the
    /// state of the token id it presented, read in one go.
    fn caller(
        &self,
        user_id: &UserId,
        token_id: &TokenId,
    ) -> impl Future<Output = Result<CallerRecord, Error>> + Send;

    /// The profile of the service account a token names as its actor
    /// (`act.sub`), for its actor cut-off; read in the caller's stage.
    fn actor(
        &self,
        actor_id: &UserId,
    ) -> impl Future<Output = Result<Option<Identity>, Error>> + Send;

    /// A user (not a service account) of `org_id`, by exact username.
    fn user_by_username(
        &self,
        org_id: &OrgId,
        username: &Username,
    ) -> impl Future<Output = Result<Option<Identity>, Error>> + Send;
}

/// A user with the permission assignments its User object lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub identity: Identity,
    /// Active assignments only.
    pub assignments: Vec<Assignment>,
}

/// One page of an org's users, in username order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPage {
    pub users: Vec<UserRecord>,
    /// Where the next page starts, if there may be one.
    pub next: Option<Username>,
}

/// The users API's reads.
pub trait UserDirectory: Send + Sync {
    /// Any identity by id (service accounts and archived users included:
    /// the use case decides what a caller may see).
    fn user(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Option<UserRecord>, Error>> + Send;

    /// Users of `org_id` (never service accounts, never archived ones),
    /// after `start_after`, at most `limit`, of `kind` when given.
    fn list_users(
        &self,
        org_id: &OrgId,
        kind: Option<UserKind>,
        limit: usize,
        start_after: Option<&Username>,
    ) -> impl Future<Output = Result<UserPage, Error>> + Send;
}

/// Why the directory refused a write: a condition did not hold. Nothing
/// was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The org named does not exist.
    OrgMissing,
    /// The username is taken in that org.
    UsernameTaken,
    /// The identity named does not exist.
    IdentityMissing,
    /// The token named is not on record.
    TokenMissing,
    /// The credId is already registered in the org.
    CredIdTaken,
    /// The credential named does not exist.
    CredentialMissing,
    /// The credential that had to stay active no longer is.
    NoOtherActive,
    /// A freshly minted id collided, or the item changed concurrently.
    Conflict,
}

/// A refused write, or a store failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    Refused(Refusal),
    Store(Error),
}

impl From<Error> for WriteError {
    fn from(e: Error) -> Self {
        WriteError::Store(e)
    }
}

/// Write side of the org directory. Every multi-item write is one
/// transaction: all of it happens, or none.
pub trait DirectoryWriter: Send + Sync {
    fn create_org(&self, org: &Org) -> impl Future<Output = Result<(), WriteError>> + Send;

    /// The identity's profile and, for users, its username entry.
    fn create_identity(
        &self,
        identity: &Identity,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    /// A service account with its first credential and token record.
    fn create_service_account(
        &self,
        identity: &Identity,
        credential: &Credential,
        token: &TokenRecord,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    fn identity(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Option<Identity>, Error>> + Send;

    /// Rewrites every item that carries the identity (its profile and,
    /// for users, its username entry), together; refused when it does not
    /// exist.
    fn save_identity(
        &self,
        identity: &Identity,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    fn add_credential(
        &self,
        user_id: &UserId,
        credential: &Credential,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    fn put_token(&self, token: &TokenRecord)
        -> impl Future<Output = Result<(), WriteError>> + Send;

    /// Marks a token revoked. Service account tokens must be on record;
    /// a login token gets a revocation record.
    fn revoke_token(
        &self,
        token_id: &TokenId,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    /// The identity a service account token on record belongs to.
    fn token_owner(
        &self,
        token_id: &TokenId,
    ) -> impl Future<Output = Result<Option<UserId>, Error>> + Send;

    /// Revokes the service account token `token_id` of `owner` and sets
    /// the owner's actor cut-off, together: refused with `TokenMissing`
    /// when the token is not on record as the owner's, `IdentityMissing`
    /// when the owner is gone.
    fn revoke_actor_token(
        &self,
        owner: &UserId,
        token_id: &TokenId,
        actor_cut_off: UnixMillis,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    /// Logout: revokes the login token `token_id` of `identity` and, with
    /// `cut_off`, refuses every token of the identity issued at or before
    /// it. The default takes two writes; a store that can should override
    /// it with one transaction that moves nothing but the cut-off, so that
    /// a concurrent change to the identity is never written back stale.
    fn end_sessions(
        &self,
        identity: &Identity,
        token_id: &TokenId,
        cut_off: Option<UnixMillis>,
    ) -> impl Future<Output = Result<(), WriteError>> + Send {
        async move {
            if let Some(cut_off) = cut_off {
                let identity = Identity {
                    cut_off: Some(cut_off),
                    ..identity.clone()
                };
                self.save_identity(&identity).await?;
            }
            self.revoke_token(token_id).await
        }
    }

    fn create_permission(
        &self,
        permission: &Permission,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    fn permission(
        &self,
        permission_id: &PermissionId,
    ) -> impl Future<Output = Result<Option<Permission>, Error>> + Send;

    fn assign(
        &self,
        user_id: &UserId,
        assignment: &Assignment,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;
}

/// Everything the HTTP entry needs of the directory: one bound instead of
/// a list that grows with every endpoint.
pub trait DirectoryStore:
    Directory + DirectoryWriter + UserDirectory + crate::domain::credentials::CredentialStore
{
}

impl<T> DirectoryStore for T where
    T: Directory + DirectoryWriter + UserDirectory + crate::domain::credentials::CredentialStore
{
}

/// A signing challenge waiting for its assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeRecord {
    /// Digest of the challenge identifier handed to the client.
    pub key: SecretDigest,
    pub caller_id: UserId,
    pub challenge: Redacted<String>,
    /// Digest binding the eventual user action to caller and request.
    pub binding: SecretDigest,
    pub expires_at: UnixTime,
}

/// A user action token waiting to be spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserActionRecord {
    /// Digest of the user action token handed to the client.
    pub key: SecretDigest,
    pub caller_id: UserId,
    pub binding: SecretDigest,
    pub expires_at: UnixTime,
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
    /// Nonces are the caller's own: recorded under `caller`, so that one
    /// caller never burns another's.
    fn record_nonce(
        &self,
        caller: &UserId,
        key: &SecretDigest,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    fn put_challenge(
        &self,
        record: &ChallengeRecord,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Removes and returns the challenge if it exists, is unexpired and
    /// belongs to `caller_id`.
    fn take_challenge(
        &self,
        key: &SecretDigest,
        caller_id: &UserId,
        now: UnixTime,
    ) -> impl Future<Output = Result<Option<ChallengeRecord>, Error>> + Send;

    fn put_user_action(
        &self,
        record: &UserActionRecord,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Spends the user action if its binding matches and it is unspent
    /// and unexpired.
    fn spend_user_action(
        &self,
        key: &SecretDigest,
        binding: &SecretDigest,
        now: UnixTime,
    ) -> impl Future<Output = Result<Spend, Error>> + Send;

    /// Counts one delegated login attempt of `account` in the fixed
    /// window starting at `window`, with one atomic increment; answers the
    /// count including this attempt (1 for the first), so that of any
    /// number of concurrent attempts each gets a different count.
    fn count_login(
        &self,
        account: &UserId,
        window: UnixTime,
    ) -> impl Future<Output = Result<u64, Error>> + Send;
}

/// The issuer's asymmetric signing key.
pub trait Signer: Send + Sync {
    /// Key id placed in the JWT header (`kid`).
    fn key_id(&self) -> &str;

    /// JOSE signature (for ES256: the 64-byte `r || s`) over `message`.
    fn sign(&self, message: &[u8]) -> impl Future<Output = Result<Vec<u8>, Error>> + Send;
}
