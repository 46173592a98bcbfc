//! Items of the replay table: each keyed by the digest of a secret.

use serde::{Deserialize, Serialize};

use super::Key;
use crate::domain::ids::UserId;
use crate::domain::ports::ChallengeRecord;
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
    pub fn key(caller: &UserId, key: &SecretDigest) -> Key {
        Key::replay(format!("NONCE#{caller}#{}", key.as_str()))
    }

    pub fn new(caller: &UserId, key: &SecretDigest, expires_at: UnixTime) -> Self {
        Self {
            pk: Self::key(caller, key).pk,
            expires_at,
        }
    }
}

/// Replay table: `CHALLENGE#<digest of the challenge identifier>`: a
/// signing challenge, and once signed the user action it became. Init
/// puts it; `/auth/action` marks it signed (`signedAt`), recording the
/// digest of the user action's secret (`secretDigest`), the credId that
/// signed (`credId`) and the user action's expiry in place of the
/// challenge's; the one request that spends it sets `spentAt`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeItem {
    pk: String,
    pub caller_id: UserId,
    challenge: Redacted<String>,
    pub binding: SecretDigest,
    pub expires_at: UnixTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<UnixTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_digest: Option<SecretDigest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cred_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spent_at: Option<UnixTime>,
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
            signed_at: None,
            secret_digest: None,
            cred_id: None,
            spent_at: None,
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

    /// Whether it is the user action `secret`, `binding` and `caller`
    /// name, signed and unexpired at `now` (spent or not).
    pub fn is_user_action(
        &self,
        secret: &SecretDigest,
        binding: &SecretDigest,
        caller: &UserId,
        now: UnixTime,
    ) -> bool {
        self.signed_at.is_some()
            && self.secret_digest.as_ref() == Some(secret)
            && &self.binding == binding
            && &self.caller_id == caller
            && self.expires_at > now
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
