//! `ReplayStore` in memory, with the replay table's conditions: each use
//! is checked and applied under one lock, so of two concurrent uses
//! exactly one succeeds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{lock, Faults};
use crate::domain::ids::UserId;
use crate::domain::ports::{ChallengeRecord, ReplayStore, Signing, Spend};
use crate::domain::secret::SecretDigest;
use crate::domain::time::UnixTime;
use crate::domain::user_action::UserActionKey;
use crate::error::Error;

/// The calls that can be armed to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayCall {
    RecordNonce,
    ForgetNonce,
    PutChallenge,
    SignChallenge,
    SpendUserAction,
    CountLogin,
}

/// A challenge, what signing it recorded, and when it was spent.
#[derive(Debug, Clone)]
struct ChallengeEntry {
    record: ChallengeRecord,
    signing: Option<Signing>,
    spent_at: Option<UnixTime>,
}

impl ChallengeEntry {
    /// The challenge's expiry, or once signed its user action's.
    fn expires_at(&self) -> UnixTime {
        self.signing
            .as_ref()
            .map_or(self.record.expires_at, |s| s.expires_at)
    }
}

#[derive(Debug, Default)]
struct Store {
    /// (Caller, nonce digest) -> until when it stays recorded.
    nonces: HashMap<(UserId, SecretDigest), UnixTime>,
    challenges: HashMap<SecretDigest, ChallengeEntry>,
    /// (account, window start) -> delegated login attempts counted.
    login_windows: HashMap<(UserId, UnixTime), u64>,
}

/// Single-use records in memory. Clones share one store.
#[derive(Debug, Clone, Default)]
pub struct MemoryReplay {
    store: Arc<Mutex<Store>>,
    faults: Arc<Faults<ReplayCall>>,
}

impl MemoryReplay {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the next `call` fail with `Error::Internal`, writing nothing.
    pub fn fail_next(&self, call: ReplayCall) {
        self.faults.arm(call);
    }

    /// The challenge stored under `key`, expired or not, signed or not.
    pub fn challenge(&self, key: &SecretDigest) -> Option<ChallengeRecord> {
        lock(&self.store)
            .challenges
            .get(key)
            .map(|e| e.record.clone())
    }

    /// What signing the challenge under `key` recorded, if it was signed.
    pub fn signing(&self, key: &SecretDigest) -> Option<Signing> {
        lock(&self.store)
            .challenges
            .get(key)
            .and_then(|e| e.signing.clone())
    }

    /// Whether the nonce is recorded for `caller` (expired or not).
    pub fn has_nonce(&self, caller: &UserId, key: &SecretDigest) -> bool {
        lock(&self.store)
            .nonces
            .contains_key(&(caller.clone(), key.clone()))
    }

    /// When the user action of the challenge under `key` was spent, if it was.
    pub fn spent_at(&self, key: &SecretDigest) -> Option<UnixTime> {
        lock(&self.store)
            .challenges
            .get(key)
            .and_then(|e| e.spent_at)
    }
}

/// Random keys never collide; a write over one is a failure, as the
/// table's `attribute_not_exists(pk)` makes it.
fn key_taken(what: &str) -> Error {
    Error::internal(what, "key already exists")
}

impl ReplayStore for MemoryReplay {
    /// Fresh when absent or when its record has expired
    /// (`attribute_not_exists(pk) OR expiresAt < :now`).
    async fn record_nonce(
        &self,
        caller: &UserId,
        key: &SecretDigest,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        self.faults.check(ReplayCall::RecordNonce)?;
        let mut store = lock(&self.store);
        let key = (caller.clone(), key.clone());
        if store.nonces.get(&key).is_some_and(|until| *until >= now) {
            return Ok(false);
        }
        store.nonces.insert(key, expires_at);
        Ok(true)
    }

    async fn forget_nonce(&self, caller: &UserId, key: &SecretDigest) -> Result<(), Error> {
        self.faults.check(ReplayCall::ForgetNonce)?;
        lock(&self.store)
            .nonces
            .remove(&(caller.clone(), key.clone()));
        Ok(())
    }

    async fn put_challenge(&self, record: &ChallengeRecord) -> Result<(), Error> {
        self.faults.check(ReplayCall::PutChallenge)?;
        let mut store = lock(&self.store);
        if store.challenges.contains_key(&record.key) {
            return Err(key_taken("replay challenge write"));
        }
        let entry = ChallengeEntry {
            record: record.clone(),
            signing: None,
            spent_at: None,
        };
        store.challenges.insert(record.key.clone(), entry);
        Ok(())
    }

    /// Signed only under `callerId = :caller AND expiresAt > :now AND
    /// attribute_not_exists(signedAt)`: a refusal (wrong caller, expired,
    /// signed already) changes nothing.
    async fn sign_challenge(
        &self,
        key: &SecretDigest,
        caller_id: &UserId,
        signing: &Signing,
        now: UnixTime,
    ) -> Result<Option<ChallengeRecord>, Error> {
        self.faults.check(ReplayCall::SignChallenge)?;
        let mut store = lock(&self.store);
        let Some(entry) = store.challenges.get_mut(key) else {
            return Ok(None);
        };
        let signable = &entry.record.caller_id == caller_id
            && entry.expires_at() > now
            && entry.signing.is_none();
        if !signable {
            return Ok(None);
        }
        entry.signing = Some(signing.clone());
        Ok(Some(entry.record.clone()))
    }

    /// Spent under the signed secret, binding, caller, unspent and
    /// unexpired; a refusal is `AlreadySpent` only when the token was
    /// valid for this request, so nothing else is revealed.
    async fn spend_user_action(
        &self,
        action: &UserActionKey,
        caller_id: &UserId,
        binding: &SecretDigest,
        now: UnixTime,
    ) -> Result<Spend, Error> {
        self.faults.check(ReplayCall::SpendUserAction)?;
        let mut store = lock(&self.store);
        let Some(entry) = store.challenges.get_mut(&action.challenge) else {
            return Ok(Spend::Invalid);
        };
        let expires_at = entry.expires_at();
        let Some(signing) = &entry.signing else {
            return Ok(Spend::Invalid);
        };
        if signing.secret != action.secret
            || &entry.record.binding != binding
            || &entry.record.caller_id != caller_id
            || expires_at <= now
        {
            return Ok(Spend::Invalid);
        }
        if entry.spent_at.is_some() {
            return Ok(Spend::AlreadySpent);
        }
        let cred_id = signing.cred_id.clone();
        entry.spent_at = Some(now);
        Ok(Spend::Spent { cred_id })
    }

    /// `ADD #c :one` under the lock: every attempt gets its own count.
    async fn count_login(&self, account: &UserId, window: UnixTime) -> Result<u64, Error> {
        self.faults.check(ReplayCall::CountLogin)?;
        let mut store = lock(&self.store);
        let count = store
            .login_windows
            .entry((account.clone(), window))
            .or_insert(0);
        *count += 1;
        Ok(*count)
    }
}
