//! `ReplayStore` in memory, with the replay table's conditions: each use
//! is checked and applied under one lock, so of two concurrent uses
//! exactly one succeeds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{lock, Faults};
use crate::domain::ids::UserId;
use crate::domain::ports::{ChallengeRecord, ReplayStore, Spend, UserActionRecord};
use crate::domain::secret::SecretDigest;
use crate::domain::time::UnixTime;
use crate::error::Error;

/// The calls that can be armed to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayCall {
    RecordNonce,
    PutChallenge,
    TakeChallenge,
    PutUserAction,
    SpendUserAction,
    CountLogin,
}

/// A user action token and, once spent, when.
#[derive(Debug, Clone)]
struct UserActionEntry {
    record: UserActionRecord,
    spent_at: Option<UnixTime>,
}

#[derive(Debug, Default)]
struct Store {
    /// (Caller, nonce digest) -> until when it stays recorded.
    nonces: HashMap<(UserId, SecretDigest), UnixTime>,
    challenges: HashMap<SecretDigest, ChallengeRecord>,
    user_actions: HashMap<SecretDigest, UserActionEntry>,
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

    /// The challenge stored under `key`, expired or not, without taking it.
    pub fn challenge(&self, key: &SecretDigest) -> Option<ChallengeRecord> {
        lock(&self.store).challenges.get(key).cloned()
    }

    /// When the user action stored under `key` was spent, if it was.
    pub fn spent_at(&self, key: &SecretDigest) -> Option<UnixTime> {
        lock(&self.store)
            .user_actions
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

    async fn put_challenge(&self, record: &ChallengeRecord) -> Result<(), Error> {
        self.faults.check(ReplayCall::PutChallenge)?;
        let mut store = lock(&self.store);
        if store.challenges.contains_key(&record.key) {
            return Err(key_taken("replay challenge write"));
        }
        store.challenges.insert(record.key.clone(), record.clone());
        Ok(())
    }

    /// Deleted only under `callerId = :caller AND expiresAt > :now`: a
    /// refusal (wrong caller, expired) leaves the challenge where it is.
    async fn take_challenge(
        &self,
        key: &SecretDigest,
        caller_id: &UserId,
        now: UnixTime,
    ) -> Result<Option<ChallengeRecord>, Error> {
        self.faults.check(ReplayCall::TakeChallenge)?;
        let mut store = lock(&self.store);
        let takeable = store
            .challenges
            .get(key)
            .is_some_and(|c| &c.caller_id == caller_id && c.expires_at > now);
        Ok(if takeable {
            store.challenges.remove(key)
        } else {
            None
        })
    }

    async fn put_user_action(&self, record: &UserActionRecord) -> Result<(), Error> {
        self.faults.check(ReplayCall::PutUserAction)?;
        let mut store = lock(&self.store);
        if store.user_actions.contains_key(&record.key) {
            return Err(key_taken("replay user action write"));
        }
        let entry = UserActionEntry {
            record: record.clone(),
            spent_at: None,
        };
        store.user_actions.insert(record.key.clone(), entry);
        Ok(())
    }

    /// Spent under `attribute_not_exists(spentAt) AND binding = :b AND
    /// expiresAt > :now`; a refusal is `AlreadySpent` only when the token
    /// was valid for this request, so nothing else is revealed.
    async fn spend_user_action(
        &self,
        key: &SecretDigest,
        binding: &SecretDigest,
        now: UnixTime,
    ) -> Result<Spend, Error> {
        self.faults.check(ReplayCall::SpendUserAction)?;
        let mut store = lock(&self.store);
        let Some(entry) = store.user_actions.get_mut(key) else {
            return Ok(Spend::Invalid);
        };
        if &entry.record.binding != binding || entry.record.expires_at <= now {
            return Ok(Spend::Invalid);
        }
        if entry.spent_at.is_some() {
            return Ok(Spend::AlreadySpent);
        }
        entry.spent_at = Some(now);
        Ok(Spend::Spent)
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
