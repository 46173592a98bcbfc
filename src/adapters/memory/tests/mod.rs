//! The memory ports answer as the DynamoDB and KMS adapters do.

mod credentials;
mod directory;
mod replay;

use super::*;
use crate::domain::ids::{OrgId, TokenId, UserId};
use crate::domain::model::TokenKind;
use crate::domain::ports::{Directory, ReplayStore, Signer};
use crate::domain::secret::SecretDigest;
use crate::domain::time::UnixTime;
use crate::domain::token::{assemble, build_claims, signing_input, TokenSubject};

const T: UnixTime = UnixTime::from_secs(1_800_000_000);

fn digest(s: &str) -> SecretDigest {
    SecretDigest::of(s.as_bytes())
}

#[tokio::test]
async fn armed_faults_fail_once_and_write_nothing() {
    let r = MemoryReplay::new();
    let key = digest("n");
    r.fail_next(ReplayCall::RecordNonce);
    let me = UserId::mint();
    let failed = r.record_nonce(&me, &key, T.plus_secs(60), T).await;
    assert_eq!(failed.map_err(|e| e.status()), Err(500));
    assert_eq!(
        r.record_nonce(&me, &key, T.plus_secs(60), T).await,
        Ok(true)
    );

    let d = MemoryDirectory::new();
    let (user, jti) = (UserId::mint(), TokenId::new_issued());
    d.fail_next(DirectoryCall::Caller);
    assert!(d.caller(&user, &jti).await.is_err());
    assert!(d.caller(&user, &jti).await.is_ok());

    let s = MemorySigner::generate("k").unwrap();
    s.fail_next();
    assert!(s.sign(b"m").await.is_err());
    assert_eq!(s.sign(b"m").await.map(|sig| sig.len()), Ok(64));
}

#[tokio::test]
async fn the_signer_signs_what_its_key_ring_verifies() {
    let signer = MemorySigner::generate("k1").unwrap();
    assert_eq!(signer.key_id(), "k1");
    let (org_id, user_id, token_id) = (OrgId::mint(), UserId::mint(), TokenId::new_issued());
    let subject = TokenSubject {
        org_id: org_id.as_str(),
        user_id: user_id.as_str(),
        username: "jdoe",
        kind: TokenKind::Token,
        token_id: token_id.as_str(),
        actor: None,
    };
    let now = UnixTime::now().as_secs();
    let input = signing_input("k1", &build_claims("iss", &subject, now, 600));
    let signature = signer.sign(input.as_bytes()).await.unwrap();
    assert_eq!(signature.len(), 64);
    let bearer = format!("Bearer {}", assemble(&input, &signature));
    let caller = signer
        .key_ring("iss")
        .unwrap()
        .verify_authorization(Some(&bearer), now);
    assert_eq!(
        caller.map(|c| (c.user_id, c.token_id)),
        Ok((user_id, token_id))
    );

    let stranger = MemorySigner::generate("k1")
        .unwrap()
        .key_ring("iss")
        .unwrap();
    let refused = stranger.verify_authorization(Some(&bearer), now);
    assert_eq!(refused, Err(crate::Error::NotAuthorized));
    let jwks = signer.key_ring("iss").unwrap().jwks().clone();
    assert_eq!(jwks["keys"][0]["kid"], "k1");
    let spki = signer.public_key_spki().unwrap();
    assert!(crate::domain::bearer::VerificationKey::from_p256_spki("k", &spki).is_ok());
}
