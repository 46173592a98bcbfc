//! Items of the replay table: each keyed by the digest of a secret.

use serde::{Deserialize, Serialize};

use super::Key;
use crate::domain::ids::UserId;
use crate::domain::ports::{ChallengeRecord, UserActionRecord};
use crate::domain::registration::RegistrationRecord;
use crate::domain::secret::{Redacted, SecretDigest};
use crate::domain::time::UnixTime;

/// Replay table: `NONCE#<caller's userId>#<digest of the uuid>`: a
/// nonce is its caller's own.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NonceItem {
    pk: String,
    expires_at: UnixTime,
}

impl NonceItem {
    pub fn new(caller: &UserId, key: &SecretDigest, expires_at: UnixTime) -> Self {
        Self {
            pk: format!("NONCE#{caller}#{}", key.as_str()),
            expires_at,
        }
    }
}

/// Replay table: `CHALLENGE#<digest of the challenge identifier>`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeItem {
    pk: String,
    caller_id: UserId,
    challenge: Redacted<String>,
    binding: SecretDigest,
    expires_at: UnixTime,
}

impl ChallengeItem {
    pub fn key(key: &SecretDigest) -> Key {
        Key::replay(format!("CHALLENGE#{}", key.as_str()))
    }

    pub fn new(r: &ChallengeRecord) -> Self {
        Self {
            pk: Self::key(&r.key).pk,
            caller_id: r.caller_id.clone(),
            challenge: r.challenge.clone(),
            binding: r.binding.clone(),
            expires_at: r.expires_at,
        }
    }

    pub fn into_record(self, key: &SecretDigest) -> ChallengeRecord {
        ChallengeRecord {
            key: key.clone(),
            caller_id: self.caller_id,
            challenge: self.challenge,
            binding: self.binding,
            expires_at: self.expires_at,
        }
    }
}

/// Replay table: `USERACTION#<digest of the user action token>`;
/// `spentAt` is set by the one request that spends it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserActionItem {
    pk: String,
    caller_id: UserId,
    pub binding: SecretDigest,
    pub expires_at: UnixTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spent_at: Option<UnixTime>,
}

impl UserActionItem {
    pub fn key(key: &SecretDigest) -> Key {
        Key::replay(format!("USERACTION#{}", key.as_str()))
    }

    pub fn new(r: &UserActionRecord) -> Self {
        Self {
            pk: Self::key(&r.key).pk,
            caller_id: r.caller_id.clone(),
            binding: r.binding.clone(),
            expires_at: r.expires_at,
            spent_at: None,
        }
    }
}

/// Replay table: `REGISTRATION#<userId>`, the user's one pending
/// registration. A new challenge overwrites it, so earlier temporary
/// tokens stop working; completion deletes it, conditioned on `tokenDigest`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationItem {
    pk: String,
    user_id: UserId,
    token_digest: SecretDigest,
    challenge: Redacted<String>,
    expires_at: UnixTime,
}

impl RegistrationItem {
    /// The attribute completion's condition compares.
    pub const TOKEN_DIGEST: &'static str = "tokenDigest";

    pub fn key(user_id: &UserId) -> Key {
        Key::replay(format!("REGISTRATION#{user_id}"))
    }

    pub fn new(r: &RegistrationRecord) -> Self {
        Self {
            pk: Self::key(&r.user_id).pk,
            user_id: r.user_id.clone(),
            token_digest: r.token.clone(),
            challenge: r.challenge.clone(),
            expires_at: r.expires_at,
        }
    }

    pub fn into_record(self) -> RegistrationRecord {
        RegistrationRecord {
            user_id: self.user_id,
            token: self.token_digest,
            challenge: self.challenge,
            expires_at: self.expires_at,
        }
    }
}
