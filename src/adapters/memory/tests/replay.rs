//! Single use, expiry and the conditions of the replay table.

use super::{digest, MemoryReplay, T};
use crate::domain::ids::UserId;
use crate::domain::ports::{ChallengeRecord, ReplayStore, Spend, UserActionRecord};
use crate::domain::secret::Redacted;

#[tokio::test]
async fn a_nonce_is_fresh_once_until_it_expires() {
    let r = MemoryReplay::new();
    let (key, until) = (digest("n1"), T.plus_secs(300));
    let me = UserId::mint();
    assert_eq!(r.record_nonce(&me, &key, until, T).await, Ok(true));
    assert_eq!(r.record_nonce(&me, &key, until, T).await, Ok(false));
    // Still recorded at its expiry second (`expiresAt < :now`), free after.
    assert_eq!(r.record_nonce(&me, &key, until, until).await, Ok(false));
    let later = until.plus_secs(1);
    assert_eq!(
        r.record_nonce(&me, &key, later.plus_secs(300), later).await,
        Ok(true)
    );
    assert_eq!(
        r.record_nonce(&me, &key, later.plus_secs(300), later).await,
        Ok(false)
    );
    assert_eq!(r.record_nonce(&me, &digest("n2"), until, T).await, Ok(true));
}

#[tokio::test]
async fn a_nonce_is_its_callers_own() {
    let r = MemoryReplay::new();
    let (key, until) = (digest("n1"), T.plus_secs(300));
    let (a, b) = (UserId::mint(), UserId::mint());
    assert_eq!(r.record_nonce(&a, &key, until, T).await, Ok(true));
    // Another caller's use of the same value burns nothing of `a`'s.
    assert_eq!(r.record_nonce(&b, &key, until, T).await, Ok(true));
    assert_eq!(r.record_nonce(&a, &key, until, T).await, Ok(false));
    assert_eq!(r.record_nonce(&b, &key, until, T).await, Ok(false));
}

#[tokio::test]
async fn a_challenge_is_taken_once_by_its_caller_before_it_expires() {
    let r = MemoryReplay::new();
    let (owner, other) = (UserId::mint(), UserId::mint());
    let record = ChallengeRecord {
        key: digest("c1"),
        caller_id: owner.clone(),
        challenge: Redacted::new("challenge".into()),
        binding: digest("binding"),
        expires_at: T.plus_secs(60),
    };
    r.put_challenge(&record).await.unwrap();
    // Refusals leave it where it is.
    assert_eq!(r.take_challenge(&record.key, &other, T).await, Ok(None));
    assert_eq!(r.challenge(&record.key), Some(record.clone()));
    let expiry = record.expires_at;
    assert_eq!(
        r.take_challenge(&record.key, &owner, expiry).await,
        Ok(None)
    );
    assert_eq!(r.challenge(&record.key), Some(record.clone()));

    let taken = r.take_challenge(&record.key, &owner, T).await;
    assert_eq!(taken, Ok(Some(record.clone())));
    assert_eq!(r.challenge(&record.key), None);
    assert_eq!(r.take_challenge(&record.key, &owner, T).await, Ok(None));
    assert_eq!(r.take_challenge(&digest("c2"), &owner, T).await, Ok(None));
}

#[tokio::test]
async fn a_user_action_is_spent_exactly_once() {
    let r = MemoryReplay::new();
    let (b1, b2) = (digest("b1"), digest("b2"));
    let record = UserActionRecord {
        key: digest("ua"),
        caller_id: UserId::mint(),
        binding: b1.clone(),
        expires_at: T.plus_secs(60),
    };
    let key = &record.key;
    r.put_user_action(&record).await.unwrap();
    // Another request, or too late: invalid, and nothing is spent.
    assert_eq!(r.spend_user_action(key, &b2, T).await, Ok(Spend::Invalid));
    let expiry = record.expires_at;
    assert_eq!(
        r.spend_user_action(key, &b1, expiry).await,
        Ok(Spend::Invalid)
    );
    assert_eq!(r.spent_at(key), None);

    assert_eq!(r.spend_user_action(key, &b1, T).await, Ok(Spend::Spent));
    assert_eq!(r.spent_at(key), Some(T));
    let later = T.plus_secs(1);
    assert_eq!(
        r.spend_user_action(key, &b1, later).await,
        Ok(Spend::AlreadySpent)
    );
    assert_eq!(r.spent_at(key), Some(T));
    // "Already used" is told only to the request it was valid for.
    assert_eq!(
        r.spend_user_action(key, &b2, later).await,
        Ok(Spend::Invalid)
    );
    assert_eq!(
        r.spend_user_action(key, &b1, expiry).await,
        Ok(Spend::Invalid)
    );
    let unknown = digest("unknown");
    assert_eq!(
        r.spend_user_action(&unknown, &b1, T).await,
        Ok(Spend::Invalid)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_concurrent_spends_exactly_one_wins() {
    let r = MemoryReplay::new();
    let record = UserActionRecord {
        key: digest("ua"),
        caller_id: UserId::mint(),
        binding: digest("b"),
        expires_at: T.plus_secs(60),
    };
    r.put_user_action(&record).await.unwrap();
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (r, key, binding) = (r.clone(), record.key.clone(), record.binding.clone());
            tokio::spawn(async move { r.spend_user_action(&key, &binding, T).await })
        })
        .collect();
    let mut spent = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Spend::Spent => spent += 1,
            other => assert_eq!(other, Spend::AlreadySpent),
        }
    }
    assert_eq!(spent, 1);
}

#[tokio::test]
async fn replay_keys_are_written_once() {
    let r = MemoryReplay::new();
    let challenge = ChallengeRecord {
        key: digest("c"),
        caller_id: UserId::mint(),
        challenge: Redacted::new("first".into()),
        binding: digest("b"),
        expires_at: T.plus_secs(60),
    };
    r.put_challenge(&challenge).await.unwrap();
    let again = ChallengeRecord {
        challenge: Redacted::new("second".into()),
        ..challenge.clone()
    };
    let status = r.put_challenge(&again).await.map_err(|e| e.status());
    assert_eq!(status, Err(500));
    assert_eq!(r.challenge(&challenge.key), Some(challenge));

    let ua = UserActionRecord {
        key: digest("ua"),
        caller_id: UserId::mint(),
        binding: digest("b"),
        expires_at: T.plus_secs(60),
    };
    r.put_user_action(&ua).await.unwrap();
    assert_eq!(
        r.spend_user_action(&ua.key, &ua.binding, T).await,
        Ok(Spend::Spent)
    );
    assert!(r.put_user_action(&ua).await.is_err());
    let spend = r.spend_user_action(&ua.key, &ua.binding, T).await;
    assert_eq!(spend, Ok(Spend::AlreadySpent));
}
