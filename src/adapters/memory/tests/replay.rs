//! Single use, expiry and the conditions of the replay table.

use super::{digest, MemoryReplay, T};
use crate::domain::ids::UserId;
use crate::domain::ports::{ChallengeRecord, ReplayStore, Signing, Spend};
use crate::domain::secret::Redacted;
use crate::domain::time::UnixTime;
use crate::domain::user_action::UserActionKey;

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
async fn a_nonce_can_be_forgotten() {
    let r = MemoryReplay::new();
    let (key, until) = (digest("n1"), T.plus_secs(300));
    let me = UserId::mint();
    assert_eq!(r.record_nonce(&me, &key, until, T).await, Ok(true));
    assert!(r.has_nonce(&me, &key));
    r.forget_nonce(&me, &key).await.unwrap();
    assert!(!r.has_nonce(&me, &key));
    assert_eq!(r.record_nonce(&me, &key, until, T).await, Ok(true));
}

fn challenge(owner: &UserId, binding: &str) -> ChallengeRecord {
    ChallengeRecord {
        key: digest("c1"),
        caller_id: owner.clone(),
        challenge: Redacted::new("challenge".into()),
        binding: digest(binding),
        expires_at: T.plus_secs(60),
    }
}

fn signing(secret: &str, until: UnixTime) -> Signing {
    Signing {
        secret: digest(secret),
        cred_id: "cred-1".into(),
        expires_at: until,
    }
}

fn action(secret: &str) -> UserActionKey {
    UserActionKey {
        challenge: digest("c1"),
        secret: digest(secret),
    }
}

#[tokio::test]
async fn a_challenge_is_signed_once_by_its_caller_before_it_expires() {
    let r = MemoryReplay::new();
    let (owner, other) = (UserId::mint(), UserId::mint());
    let record = challenge(&owner, "binding");
    r.put_challenge(&record).await.unwrap();
    let s = signing("r", T.plus_secs(300));
    // Refusals change nothing.
    assert_eq!(r.sign_challenge(&record.key, &other, &s, T).await, Ok(None));
    let expiry = record.expires_at;
    assert_eq!(
        r.sign_challenge(&record.key, &owner, &s, expiry).await,
        Ok(None)
    );
    assert_eq!(r.signing(&record.key), None);

    let signed = r.sign_challenge(&record.key, &owner, &s, T).await;
    assert_eq!(signed, Ok(Some(record.clone())));
    assert_eq!(r.signing(&record.key), Some(s.clone()));
    // Signed once: another secret cannot be recorded over it.
    let again = signing("r2", T.plus_secs(300));
    let signed_again = r.sign_challenge(&record.key, &owner, &again, T).await;
    assert_eq!(signed_again, Ok(None));
    assert_eq!(r.signing(&record.key), Some(s));
    let unknown = r.sign_challenge(&digest("c2"), &owner, &again, T).await;
    assert_eq!(unknown, Ok(None));
}

#[tokio::test]
async fn a_user_action_is_spent_exactly_once() {
    let r = MemoryReplay::new();
    let (b1, b2) = (digest("b1"), digest("b2"));
    let owner = UserId::mint();
    let record = challenge(&owner, "b1");
    let key = &record.key;
    r.put_challenge(&record).await.unwrap();
    // Unsigned: nothing to spend.
    let spend = r.spend_user_action(&action("r"), &owner, &b1, T).await;
    assert_eq!(spend, Ok(Spend::Invalid));
    // Signed at the challenge's last second: the user action lives on.
    let until = record.expires_at.plus_secs(300);
    let s = signing("r", until);
    let last = record.expires_at.plus_secs(-1);
    r.sign_challenge(key, &owner, &s, last).await.unwrap();
    // Another request, secret or caller, or too late: invalid, nothing spent.
    let other = UserId::mint();
    for (a, caller, b, at) in [
        (action("r"), &owner, &b2, T),
        (action("wrong"), &owner, &b1, T),
        (action("r"), &other, &b1, T),
        (action("r"), &owner, &b1, until),
    ] {
        assert_eq!(
            r.spend_user_action(&a, caller, b, at).await,
            Ok(Spend::Invalid)
        );
    }
    assert_eq!(r.spent_at(key), None);

    let later = record.expires_at.plus_secs(1);
    let spent = r.spend_user_action(&action("r"), &owner, &b1, later).await;
    assert_eq!(
        spent,
        Ok(Spend::Spent {
            cred_id: "cred-1".into()
        })
    );
    assert_eq!(r.spent_at(key), Some(later));
    let again = r.spend_user_action(&action("r"), &owner, &b1, later).await;
    assert_eq!(again, Ok(Spend::AlreadySpent));
    // "Already used" is told only to the request it was valid for.
    for (a, b, at) in [
        (action("r"), &b2, later),
        (action("wrong"), &b1, later),
        (action("r"), &b1, until),
    ] {
        assert_eq!(
            r.spend_user_action(&a, &owner, b, at).await,
            Ok(Spend::Invalid)
        );
    }
    assert_eq!(r.spent_at(key), Some(later));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_concurrent_signs_and_spends_exactly_one_wins() {
    let r = MemoryReplay::new();
    let owner = UserId::mint();
    let record = challenge(&owner, "b");
    r.put_challenge(&record).await.unwrap();
    let signs: Vec<_> = (0..32)
        .map(|i| {
            let (r, key, owner) = (r.clone(), record.key.clone(), owner.clone());
            let s = signing(&format!("r{i}"), T.plus_secs(300));
            tokio::spawn(async move { r.sign_challenge(&key, &owner, &s, T).await })
        })
        .collect();
    let mut signed = 0;
    for task in signs {
        signed += usize::from(task.await.unwrap().unwrap().is_some());
    }
    assert_eq!(signed, 1);
    let secret = r.signing(&record.key).unwrap().secret;
    let spends: Vec<_> = (0..32)
        .map(|_| {
            let (r, owner, binding) = (r.clone(), owner.clone(), record.binding.clone());
            let a = UserActionKey {
                challenge: record.key.clone(),
                secret: secret.clone(),
            };
            tokio::spawn(async move { r.spend_user_action(&a, &owner, &binding, T).await })
        })
        .collect();
    let mut spent = 0;
    for task in spends {
        match task.await.unwrap().unwrap() {
            Spend::Spent { .. } => spent += 1,
            other => assert_eq!(other, Spend::AlreadySpent),
        }
    }
    assert_eq!(spent, 1);
}

#[tokio::test]
async fn challenge_keys_are_written_once() {
    let r = MemoryReplay::new();
    let record = challenge(&UserId::mint(), "b");
    r.put_challenge(&record).await.unwrap();
    let again = ChallengeRecord {
        challenge: Redacted::new("second".into()),
        ..record.clone()
    };
    let status = r.put_challenge(&again).await.map_err(|e| e.status());
    assert_eq!(status, Err(500));
    assert_eq!(r.challenge(&record.key), Some(record));
}
