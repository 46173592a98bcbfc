//! Delegated registration: the pending registration a temporary token
//! stands for, the port that stores and spends it, and the token's claims.
//!
//! A user has at most one pending registration, keyed by its user id: a
//! new challenge replaces the earlier one (whose token then stops working),
//! and completion spends it with one conditional write, in the same
//! transaction that stores the credential, so of any number of concurrent
//! completions exactly one registers a credential.

use std::future::Future;

use crate::domain::ids::{TokenId, UserId};
use crate::domain::model::{Credential, Identity, TokenKind};
use crate::domain::secret::{Redacted, SecretDigest};
use crate::domain::time::UnixTime;
use crate::domain::token::{build_claims, Claims, TokenSubject};
use crate::error::Error;

/// Lifetime of a registration challenge and its temporary token.
pub const REGISTRATION_TTL_SECS: i64 = 15 * 60;

/// The user's pending registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRecord {
    pub user_id: UserId,
    /// Digest of the temporary token's `jti`: only that token completes it.
    pub token: SecretDigest,
    /// The challenge the new credential must sign.
    pub challenge: Redacted<String>,
    pub expires_at: UnixTime,
}

impl RegistrationRecord {
    /// True when the temporary token `token_id` may complete this
    /// registration at `now`.
    pub fn admits(&self, token_id: &TokenId, now: UnixTime) -> bool {
        self.token == SecretDigest::of(token_id.as_str().as_bytes()) && self.expires_at > now
    }
}

/// Everything completing a registration writes, all or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The user as read before (its keys: id, org, username).
    pub user: Identity,
    /// The pending registration's token digest: the spend's condition.
    pub token: SecretDigest,
    /// The first factor first (it becomes the user's `credential_uuid`),
    /// then a recovery credential, if any.
    pub credentials: Vec<Credential>,
    pub now: UnixTime,
}

/// Why completing a registration wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationRefusal {
    /// The pending registration is gone, replaced or expired: another
    /// request completed it, or a newer challenge replaced it.
    TokenSpent,
    /// The user is no longer active and unregistered.
    UserChanged,
    /// A credId is already registered in the org.
    CredIdTaken,
    /// A concurrent transaction on the same items, or a minted id collided.
    Conflict,
}

/// A refused completion, or a store failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationError {
    Refused(RegistrationRefusal),
    Store(Error),
}

impl From<Error> for RegistrationError {
    fn from(e: Error) -> Self {
        RegistrationError::Store(e)
    }
}

/// Pending registrations, beside the other single-use records.
pub trait RegistrationStore: Send + Sync {
    /// Stores the user's pending registration, replacing any earlier one.
    fn put_registration(
        &self,
        record: &RegistrationRecord,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// The user's pending registration, if any (expired ones included).
    fn registration(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Option<RegistrationRecord>, Error>> + Send;

    /// In one transaction: spends the pending registration (it must still
    /// hold `registration.token` and be unexpired), stores the credentials
    /// with their org-wide credId records, and marks the user registered
    /// (it must still be active and unregistered).
    fn complete_registration(
        &self,
        registration: &Registration,
    ) -> impl Future<Output = Result<(), RegistrationError>> + Send;
}

/// The claims of a temporary registration token for `user`, obtained by
/// the service account `actor`.
pub fn temp_token_claims(
    issuer: &str,
    user: &Identity,
    actor: &UserId,
    token_id: &TokenId,
    now: UnixTime,
) -> Claims {
    let subject = TokenSubject {
        org_id: user.org_id.as_str(),
        user_id: user.user_id.as_str(),
        username: user.username.as_str(),
        kind: TokenKind::Temp,
        token_id: token_id.as_str(),
        actor: Some(actor.as_str()),
    };
    build_claims(issuer, &subject, now.as_secs(), REGISTRATION_TTL_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bearer::{KeyRing, VerificationKey};
    use crate::domain::ids::OrgId;
    use crate::domain::model::UserKind;
    use crate::domain::token::{assemble, signing_input};
    use crate::domain::username::Username;
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

    const ISS: &str = "https://issuer.test";

    fn user() -> Identity {
        Identity::new(
            OrgId::mint(),
            Username::parse("new@example.co").unwrap(),
            UserKind::EndUser,
            false,
        )
    }

    #[test]
    fn temp_token_claims_name_the_user_the_kind_and_the_actor() {
        let (u, sa, jti) = (user(), UserId::mint(), TokenId::new_issued());
        let claims = temp_token_claims(ISS, &u, &sa, &jti, UnixTime::from_secs(1_000));
        let v = serde_json::to_value(&claims).unwrap();
        assert_eq!(
            v["https://custom/app_metadata"],
            serde_json::json!({"userId": u.user_id, "orgId": u.org_id, "tokenKind": "Temp"})
        );
        assert_eq!(v["sub"], u.org_id.as_str());
        assert_eq!(v["jti"], jti.as_str());
        assert_eq!(v["iat"], 1_000);
        assert_eq!(v["exp"], 1_000 + 15 * 60);
        assert_eq!(v["https://custom/username"], "new@example.co");
        assert_eq!(v["act"]["sub"], sa.as_str());
    }

    #[test]
    fn a_temp_token_verifies_as_temp_and_stays_temp_when_remembered() {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let spki = key.public_key().as_der().unwrap();
        let ring = KeyRing::new(
            ISS,
            vec![VerificationKey::from_p256_spki("kid", spki.as_ref()).unwrap()],
        );
        let now = UnixTime::now();
        let claims = temp_token_claims(ISS, &user(), &UserId::mint(), &TokenId::new_issued(), now);
        let input = signing_input("kid", &claims);
        let sig = key.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
        let bearer = format!("Bearer {}", assemble(&input, sig.as_ref()));
        // Verified, then served from the cache: the kind never changes.
        for _ in 0..2 {
            let caller = ring
                .verify_authorization(Some(&bearer), now.as_secs())
                .unwrap();
            assert_eq!(caller.token_kind, TokenKind::Temp);
        }
        // Past its 15 minutes (and the leeway) it is refused, cached or not.
        let later = now.as_secs() + REGISTRATION_TTL_SECS + 61;
        assert!(ring.verify_authorization(Some(&bearer), later).is_err());
    }

    #[test]
    fn a_record_admits_only_its_token_until_it_expires() {
        let jti = TokenId::new_issued();
        let record = RegistrationRecord {
            user_id: UserId::mint(),
            token: SecretDigest::of(jti.as_str().as_bytes()),
            challenge: Redacted::new("c".into()),
            expires_at: UnixTime::from_secs(100),
        };
        assert!(record.admits(&jti, UnixTime::from_secs(99)));
        assert!(!record.admits(&jti, UnixTime::from_secs(100)));
        assert!(!record.admits(&TokenId::new_issued(), UnixTime::from_secs(1)));
    }
}
