//! CPU cost of the request path with the network taken out: the pieces a
//! delegated login runs (bearer verification, nonce parsing, user action
//! binding, claims, DER to JOSE) and the whole login through in-process
//! stand-ins for the ports. Stand-ins are for this benchmark only; every
//! test runs against real backends.
//!
//! `cargo bench --bench request_path`

use std::collections::HashSet;
use std::hint::black_box;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use criterion::{criterion_group, criterion_main, Criterion};
use delegated_login::domain::bearer::{KeyRing, VerificationKey};
use delegated_login::domain::credential::PublicKey;
use delegated_login::domain::der::p256_signature_to_fixed;
use delegated_login::domain::ids::{OrgId, TokenId, UserId};
use delegated_login::domain::model::{CallerRecord, Identity, TokenKind, TokenState, UserKind};
use delegated_login::domain::nonce::{check_nonce, NoncePolicy};
use delegated_login::domain::payload::binding;
use delegated_login::domain::ports::{
    ChallengeRecord, Directory, ReplayStore, Signer, Signing, Spend,
};
use delegated_login::domain::secret::{Redacted, SecretDigest};
use delegated_login::domain::time::UnixTime;
use delegated_login::domain::token::{assemble, build_claims, signing_input, TokenSubject};
use delegated_login::domain::unix_now;
use delegated_login::domain::user_action::UserActionKey;
use delegated_login::domain::username::Username;
use delegated_login::service::{ApiRequest, AuthService, Decision, Settings};
use delegated_login::Error;

const ISSUER: &str = "https://auth.bench";
const ORG: &str = "or-00000-00000-0000000000000001";
const SA: &str = "us-00000-00000-0000000000000002";
const TARGET: &str = "us-00000-00000-0000000000000003";
const ALL_OPERATIONS: [&str; 4] = [
    "Auth:Users:Read",
    "Auth:Users:Delegate",
    "Auth:Types:Employee",
    "Auth:Types:EndUser",
];

fn identity(user_id: &str, username: &str, kind: UserKind, service_account: bool) -> Identity {
    let mut identity = Identity::new(
        OrgId::parse(ORG).expect("id"),
        Username::parse(username).expect("name"),
        kind,
        service_account,
    );
    identity.user_id = UserId::parse(user_id).expect("id");
    identity
}

/// Answers like a healthy directory, from memory.
struct MemoryDirectory;

impl Directory for MemoryDirectory {
    async fn caller(&self, _: &UserId, _: &TokenId) -> Result<CallerRecord, Error> {
        Ok(CallerRecord {
            identity: Some(identity(SA, "backend", UserKind::CustomerEmployee, true)),
            credentials: Vec::new(),
            operations: ALL_OPERATIONS
                .iter()
                .map(|s| s.to_string())
                .collect::<HashSet<_>>(),
            token: TokenState::Active,
            limits: Default::default(),
        })
    }

    async fn actor(&self, _: &UserId) -> Result<Option<Identity>, Error> {
        Ok(Some(identity(
            SA,
            "backend",
            UserKind::CustomerEmployee,
            true,
        )))
    }

    async fn user_by_username(
        &self,
        _: &OrgId,
        username: &Username,
    ) -> Result<Option<Identity>, Error> {
        Ok(Some(identity(
            TARGET,
            username.as_str(),
            UserKind::EndUser,
            false,
        )))
    }
}

/// Every nonce fresh, every user action spendable: the benchmark measures
/// the checks' CPU, not single use (the integration tests do).
struct MemoryReplay;

impl ReplayStore for MemoryReplay {
    async fn record_nonce(
        &self,
        _: &UserId,
        _: &SecretDigest,
        _: UnixTime,
        _: UnixTime,
    ) -> Result<bool, Error> {
        Ok(true)
    }
    async fn forget_nonce(&self, _: &UserId, _: &SecretDigest) -> Result<(), Error> {
        Ok(())
    }
    async fn put_challenge(&self, _: &ChallengeRecord) -> Result<(), Error> {
        Ok(())
    }
    async fn sign_challenge(
        &self,
        _: &SecretDigest,
        _: &UserId,
        _: &Signing,
        _: UnixTime,
    ) -> Result<Option<ChallengeRecord>, Error> {
        Ok(None)
    }
    async fn spend_user_action(
        &self,
        _: &UserActionKey,
        _: &UserId,
        _: &SecretDigest,
        _: UnixTime,
    ) -> Result<Spend, Error> {
        Ok(Spend::Spent {
            cred_id: String::new(),
        })
    }
    async fn count_login(&self, _: &UserId, _: UnixTime) -> Result<u64, Error> {
        Ok(1)
    }
}

/// KMS's work happens in KMS; what is left here is DER to JOSE.
struct FixedSigner(Vec<u8>);

impl Signer for FixedSigner {
    fn key_id(&self) -> &str {
        "bench-key"
    }
    async fn sign(&self, _: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(p256_signature_to_fixed(&self.0).expect("DER").to_vec())
    }
}

struct Fixture {
    ring: KeyRing,
    bearer: String,
    nonce: String,
    der: Vec<u8>,
}

fn fixture() -> Fixture {
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).expect("key");
    let spki = key.public_key().as_der().expect("spki");
    let ring = KeyRing::new(
        ISSUER,
        vec![VerificationKey::from_p256_spki("bench-key", spki.as_ref()).expect("key")],
    );
    let subject = TokenSubject {
        org_id: ORG,
        user_id: SA,
        username: "backend",
        kind: TokenKind::ServiceAccount,
        token_id: "to-00000-00000-0000000000000004",
        actor: None,
    };
    let input = signing_input(
        "bench-key",
        &build_claims(ISSUER, &subject, unix_now(), 3600),
    );
    let der = key
        .sign(&SystemRandom::new(), input.as_bytes())
        .expect("sign")
        .as_ref()
        .to_vec();
    let date = chrono::Utc::now().to_rfc3339();
    let nonce = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"uuid":"0f6a3b7c-8d9e-4f00-a1b2-c3d4e5f60718","date":"{date}"}}"#
    ));
    Fixture {
        ring,
        bearer: format!(
            "Bearer {}",
            assemble(&input, &p256_signature_to_fixed(&der).expect("DER"))
        ),
        nonce,
        der,
    }
}

fn pieces(c: &mut Criterion) {
    let f = fixture();
    let now = unix_now();
    let body = br#"{"username":"jdoe@example.co"}"#;
    // A token seen for the first time, then one already verified (what a
    // backend reusing its service account token gets from its second call).
    let uncached = f.ring.clone().with_token_cache(0);
    c.bench_function("bearer_verify", |b| {
        b.iter(|| {
            uncached
                .verify_authorization(Some(black_box(&f.bearer)), now)
                .expect("valid")
        })
    });
    c.bench_function("bearer_verify_cached", |b| {
        b.iter(|| {
            f.ring
                .verify_authorization(Some(black_box(&f.bearer)), now)
                .expect("valid")
        })
    });
    c.bench_function("nonce_parse", |b| {
        b.iter(|| {
            check_nonce(
                Some(black_box(&f.nonce)),
                NoncePolicy::Required,
                300,
                UnixTime::from_secs(now),
            )
            .expect("valid")
        })
    });
    let sa = UserId::parse(SA).expect("id");
    c.bench_function("user_action_binding", |b| {
        b.iter(|| {
            binding(
                black_box(&sa),
                "POST",
                "/auth/login/delegated",
                black_box(body),
            )
        })
    });
    c.bench_function("claims_and_signing_input", |b| {
        let subject = TokenSubject {
            org_id: ORG,
            user_id: TARGET,
            username: "jdoe@example.co",
            kind: TokenKind::Token,
            token_id: "uj-00000-00000-0000000000000005",
            actor: Some(SA),
        };
        b.iter(|| {
            signing_input(
                "bench-key",
                &build_claims(ISSUER, black_box(&subject), now, 21600),
            )
        })
    });
    c.bench_function("credential_verify_p256", |b| {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).expect("key");
        let spki = key.public_key().as_der().expect("spki");
        let base64 = base64::engine::general_purpose::STANDARD.encode(spki.as_ref());
        let lines: Vec<&str> = base64
            .as_bytes()
            .chunks(64)
            .map(|l| std::str::from_utf8(l).expect("ascii"))
            .collect();
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        );
        let client_data =
            br#"{"type":"key.get","challenge":"Y2hhbGxlbmdl","origin":"https://app"}"#;
        let der = key.sign(&SystemRandom::new(), client_data).expect("sign");
        b.iter(|| {
            let key = PublicKey::from_pem(black_box(&pem)).expect("key");
            assert!(key.verify(client_data, der.as_ref()));
        })
    });
    c.bench_function("der_to_jose", |b| {
        b.iter(|| p256_signature_to_fixed(black_box(&f.der)).expect("DER"))
    });
}

fn whole_login(c: &mut Criterion) {
    let f = fixture();
    let req = ApiRequest {
        method: "POST".into(),
        path: "/auth/login/delegated".into(),
        query: None,
        authorization: Some(Redacted::new(f.bearer.clone())),
        nonce: Some(Redacted::new(f.nonce.clone())),
        user_action: Some(Redacted::new(
            "bench-challenge-identifier.bench-user-action-secret".into(),
        )),
        body: Redacted::new(br#"{"username":"jdoe@example.co"}"#.to_vec()),
        source_ip: None,
        user_agent: None,
    };
    // The service account token already verified (every call after a
    // backend's first), then verified from scratch on every login.
    for (name, ring) in [
        ("delegated_login_cpu", f.ring.clone()),
        (
            "delegated_login_cpu_uncached",
            f.ring.clone().with_token_cache(0),
        ),
    ] {
        let service = AuthService::new(
            MemoryDirectory,
            MemoryReplay,
            FixedSigner(f.der.clone()),
            ring,
            Settings {
                issuer: ISSUER.into(),
                nonce_policy: NoncePolicy::Required,
                replay_window_secs: 300,
                delegated_token_ttl_secs: 21600,
            },
        );
        c.bench_function(name, |b| {
            b.iter(|| {
                let mut decision = Decision::default();
                futures::executor::block_on(service.delegated_login(black_box(&req), &mut decision))
                    .expect("login")
            })
        });
    }
}

criterion_group!(benches, pieces, whole_login);
criterion_main!(benches);
