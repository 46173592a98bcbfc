//! Bearer tokens whose signature and claims already verified, remembered
//! for their lifetime.
//!
//! A platform backend sends the same service account token on every call,
//! and checking its ES256 signature was the largest share of the
//! function's own CPU per login. A hit skips only the signature check and
//! the claims decoding: the token's time bounds are checked again on every
//! hit, and revocation and account state are still read from the
//! directory on every request. Entries are keyed by the token's SHA-256
//! digest, so the token itself is not kept, and only tokens that verified
//! are ever stored: junk cannot fill the cache.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::model::Caller;

/// Entries kept at most; a Lambda instance sees few distinct tokens.
pub const DEFAULT_CAPACITY: usize = 1024;

/// The SHA-256 of a token (`secret::digest`), the cache key.
pub type TokenDigest = [u8; 32];

/// First and last second (leeway included) a token is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub from: i64,
    pub until: i64,
}

impl Validity {
    pub fn contains(&self, now: i64) -> bool {
        self.from <= now && now <= self.until
    }
}

#[derive(Debug, Clone)]
struct Entry {
    caller: Caller,
    validity: Validity,
}

#[derive(Debug)]
pub struct VerifiedTokens {
    capacity: usize,
    entries: Mutex<HashMap<TokenDigest, Entry>>,
}

impl VerifiedTokens {
    /// A capacity of 0 turns the cache off.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The caller a verified token names, if it is remembered and `now`
    /// is inside its time bounds.
    pub fn get(&self, key: &TokenDigest, now: i64) -> Option<Caller> {
        let entries = self.lock();
        let entry = entries.get(key)?;
        entry.validity.contains(now).then(|| entry.caller.clone())
    }

    /// Remembers a token that verified. When full, expired entries go
    /// first; if none has expired, everything goes (a bound, not an LRU:
    /// more distinct live tokens than the capacity means no cache helps).
    pub fn insert(&self, key: TokenDigest, caller: Caller, validity: Validity, now: i64) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            entries.retain(|_, e| e.validity.until >= now);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, Entry { caller, validity });
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TokenDigest, Entry>> {
        // The map is consistent after any panic mid-update (each update is
        // one call), so a poisoned lock is still safe to use.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{OrgId, TokenId, UserId};
    use crate::domain::model::TokenKind;
    use crate::domain::secret::digest as sha256;

    fn digest(token: &str) -> TokenDigest {
        sha256(token.as_bytes())
    }

    fn valid(from: i64, until: i64) -> Validity {
        Validity { from, until }
    }

    fn caller(n: usize) -> Caller {
        Caller {
            user_id: UserId::parse(&format!("us-01jtb-imrht-{n:016}")).unwrap(),
            org_id: OrgId::parse("or-01jtb-imrht-edl9flkevj8gev5j").unwrap(),
            token_id: TokenId::parse(&format!("to-01jtb-imrht-{n:016}")).unwrap(),
            token_kind: TokenKind::ServiceAccount,
            issued_at: crate::domain::time::UnixTime::from_secs(100),
            minted_at: crate::domain::time::UnixMillis::from_millis(100_000),
            actor: None,
        }
    }

    #[test]
    fn a_hit_honours_the_time_bounds() {
        let cache = VerifiedTokens::new(8);
        let key = digest("token-a");
        cache.insert(key, caller(1), valid(100, 200), 150);
        assert_eq!(cache.get(&key, 100), Some(caller(1)));
        assert_eq!(cache.get(&key, 200), Some(caller(1)));
        assert_eq!(cache.get(&key, 99), None);
        assert_eq!(cache.get(&key, 201), None);
        assert_eq!(cache.get(&digest("token-b"), 150), None);
    }

    #[test]
    fn stays_within_its_capacity() {
        let cache = VerifiedTokens::new(4);
        for n in 0..4 {
            cache.insert(
                digest(&format!("t{n}")),
                caller(n),
                valid(0, 10 + n as i64),
                0,
            );
        }
        assert_eq!(cache.len(), 4);
        // Full: the two entries expired by 12 make room; the rest stay.
        cache.insert(digest("t4"), caller(4), valid(0, 100), 12);
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get(&digest("t3"), 12), Some(caller(3)));
        assert_eq!(cache.get(&digest("t0"), 9), None);
        // Full of live entries: cleared rather than grown.
        for n in 5..20 {
            cache.insert(digest(&format!("t{n}")), caller(n), valid(0, 100), 12);
            assert!(cache.len() <= 4);
        }
        assert_eq!(cache.get(&digest("t19"), 12), Some(caller(19)));
    }

    #[test]
    fn capacity_zero_stores_nothing() {
        let cache = VerifiedTokens::new(0);
        cache.insert(digest("t"), caller(1), valid(0, 100), 0);
        assert_eq!(cache.len(), 0);
        assert_eq!(cache.get(&digest("t"), 1), None);
    }
}
