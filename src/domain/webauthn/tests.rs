//! Registration and assertion against vectors made by the fixed-key
//! software authenticator: every check of PASSKEYS.md sections 3 and 4
//! accepts the good ceremony and refuses the one thing changed.

use super::*;
use crate::error::Error;
use crate::test_passkeys::{Assertion, Authenticator, Ceremony, Format, Registration, UP, UV};

const CHALLENGE: &str = "dGhpcy1pcy1hLWNoYWxsZW5nZS0xNg";
const ORIGIN: &str = "https://app.example.com";
const USER: &str = "us-01jtb-imrht-edl9flkevj8gev5j";

fn settings() -> PasskeySettings {
    PasskeySettings {
        org_name: "Acme".into(),
        relying_parties: vec![
            RelyingParty {
                rp_id: "example.com".into(),
                origins: Origins::Https,
            },
            RelyingParty {
                rp_id: "localhost".into(),
                origins: Origins::List(vec!["http://localhost:3000".into()]),
            },
        ],
    }
}

fn create() -> Ceremony {
    Ceremony::new("webauthn.create", ORIGIN, "example.com")
}

fn get() -> Ceremony {
    Ceremony::new("webauthn.get", ORIGIN, "example.com")
}

fn register_with(
    r: &Registration,
    settings: &PasskeySettings,
    uv: bool,
) -> Result<NewPasskey, Error> {
    let info = PasskeyCredentialInfo {
        cred_id: &r.cred_id,
        client_data: &r.client_data,
        attestation_data: &r.attestation_data,
    };
    let options = CreationOptions {
        challenge: CHALLENGE,
        settings,
        user_verification: uv,
    };
    verify_registration("firstFactorCredential.credentialInfo", &info, &options)
}

fn register(r: &Registration) -> Result<NewPasskey, Error> {
    register_with(r, &settings(), true)
}

fn authenticators() -> [Authenticator; 2] {
    [Authenticator::es256(1), Authenticator::rs256(1)]
}

#[test]
fn none_and_packed_registrations_of_es256_and_rs256_verify() {
    for a in authenticators() {
        for format in [
            Format::None,
            Format::PackedSelf,
            Format::PackedX5c,
            Format::Unverified,
        ] {
            for utf8_challenge in [true, false] {
                let c = Ceremony {
                    format,
                    utf8_challenge,
                    ..create()
                };
                let passkey = register(&a.register(&c, CHALLENGE))
                    .unwrap_or_else(|e| panic!("{:?} {format:?}: {e:?}", a.alg));
                assert_eq!(passkey.cred_id.as_str(), a.cred_id_b64());
                assert_eq!(
                    (passkey.rp_id.as_str(), passkey.origin.as_str()),
                    ("example.com", ORIGIN)
                );
                assert_eq!(passkey.aaguid, "adce0002-35bc-c60a-648b-0b25f1f05503");
                assert_eq!(passkey.sign_count, 0);
                assert!(
                    crate::domain::credential::PublicKey::from_pem(&passkey.public_key_pem).is_ok()
                );
            }
        }
    }
}

#[test]
fn a_listed_http_origin_registers_for_its_party() {
    let c = Ceremony::new("webauthn.create", "http://localhost:3000", "localhost");
    let passkey = register(&Authenticator::es256(2).register(&c, CHALLENGE)).unwrap();
    assert_eq!(passkey.rp_id, "localhost");
}

#[test]
fn each_registration_rejection() {
    let a = Authenticator::es256(3);
    let reg = |c: Ceremony| register(&a.register(&c, CHALLENGE));
    let invalid = Err(Error::AssertionInvalid);
    assert_eq!(
        reg(Ceremony {
            kind: "webauthn.get".into(),
            ..create()
        }),
        Err(Error::bad_request(
            "firstFactorCredential.credentialInfo.clientData.type must be webauthn.create"
        ))
    );
    assert_eq!(
        register(&a.register(&create(), "another-challenge-value")),
        Err(Error::ChallengeInvalid)
    );
    assert_eq!(
        reg(Ceremony {
            origin: "https://evil.test".into(),
            ..create()
        }),
        invalid
    );
    assert_eq!(
        reg(Ceremony {
            origin: "http://app.example.com".into(),
            ..create()
        }),
        invalid
    );
    assert_eq!(
        reg(Ceremony {
            cross_origin: Some(true),
            ..create()
        }),
        invalid
    );
    assert_eq!(
        reg(Ceremony {
            rp_id: "evil.test".into(),
            ..create()
        }),
        invalid
    );
    assert_eq!(
        reg(Ceremony {
            flags: UV,
            ..create()
        }),
        invalid,
        "UP missing"
    );
    assert_eq!(reg(Ceremony { attested_flag: false, ..create() }), Err(Error::bad_request(
        "firstFactorCredential.credentialInfo.attestationData.authData is not valid authenticator data"
    )), "AT missing: the attested bytes are left over");
    assert_eq!(
        reg(Ceremony {
            flags: UP,
            ..create()
        }),
        invalid,
        "UV required"
    );
    let no_uv = a.register(
        &Ceremony {
            flags: UP,
            ..create()
        },
        CHALLENGE,
    );
    assert!(
        register_with(&no_uv, &settings(), false).is_ok(),
        "UV not required"
    );

    // The credential id sent is not the attested one.
    let mut other = a.register(&create(), CHALLENGE);
    other.cred_id = Authenticator::es256(4).cred_id_b64();
    assert_eq!(register(&other), invalid);

    // A packed statement that does not verify: signed for another challenge.
    let good = a.register(
        &Ceremony {
            format: Format::PackedSelf,
            ..create()
        },
        CHALLENGE,
    );
    let forged = a.register(
        &Ceremony {
            format: Format::PackedSelf,
            ..create()
        },
        "x-other-challenge",
    );
    let mixed = Registration {
        attestation_data: forged.attestation_data,
        ..good
    };
    assert_eq!(register(&mixed), invalid);

    // An org without settings allows no origin.
    let empty = PasskeySettings {
        org_name: "Acme".into(),
        relying_parties: vec![],
    };
    assert_eq!(
        register_with(&a.register(&create(), CHALLENGE), &empty, true),
        invalid
    );

    // Fields that do not decode are named.
    let mut bad = a.register(&create(), CHALLENGE);
    bad.attestation_data = "AAAA".into();
    assert!(matches!(register(&bad), Err(Error::BadRequest(m)) if m.contains("attestationData")));
    bad.client_data = "not base64!".into();
    assert!(matches!(register(&bad), Err(Error::BadRequest(m)) if m.contains("clientData")));
}

fn verify(a: &Assertion, stored_count: u32, uv: bool, user: &str) -> Result<u32, Error> {
    let authenticator = Authenticator::es256(9);
    verify_with(a, &authenticator, stored_count, uv, user)
}

fn verify_with(
    a: &Assertion,
    by: &Authenticator,
    stored_count: u32,
    uv: bool,
    user: &str,
) -> Result<u32, Error> {
    let registered = register(&by.register(&create(), CHALLENGE)).unwrap();
    let stored = StoredPasskey {
        public_key_pem: &registered.public_key_pem,
        rp_id: &registered.rp_id,
        sign_count: stored_count,
    };
    let assertion = PasskeyAssertion {
        client_data: &a.client_data,
        authenticator_data: &a.authenticator_data,
        signature: &a.signature,
        user_handle: Some(&a.user_handle),
    };
    let s = settings();
    let options = RequestOptions {
        challenge: CHALLENGE,
        settings: &s,
        user_verification: uv,
        user_id: user,
    };
    verify_assertion(
        "firstFactor.credentialAssertion",
        &assertion,
        &stored,
        &options,
    )
}

#[test]
fn assertions_of_es256_and_rs256_verify_and_count() {
    for mut a in authenticators().map(|a| a.counting_from(5)) {
        for utf8_challenge in [true, false] {
            let assertion = a.assert(
                &Ceremony {
                    utf8_challenge,
                    ..get()
                },
                CHALLENGE,
                USER,
            );
            let stored = a.sign_count - 1;
            assert_eq!(
                verify_with(&assertion, &a, stored, true, USER),
                Ok(a.sign_count)
            );
        }
    }
    // An authenticator that does not count (0 and 0) passes.
    let mut silent = Authenticator::es256(9);
    let assertion = silent.assert(&get(), CHALLENGE, USER);
    assert_eq!(verify(&assertion, 0, true, USER), Ok(0));
}

#[test]
fn each_assertion_rejection() {
    let a = Authenticator::es256(9).counting_from(10);
    let at = |c: Ceremony| a.assert_with_count(&c, CHALLENGE, USER, 11);
    let invalid = Err(Error::AssertionInvalid);
    assert_eq!(verify(&at(get()), 10, true, USER), Ok(11));
    assert_eq!(
        verify(
            &at(Ceremony {
                kind: "webauthn.create".into(),
                ..get()
            }),
            10,
            true,
            USER
        ),
        Err(Error::bad_request(
            "firstFactor.credentialAssertion.clientData.type must be webauthn.get"
        ))
    );
    assert_eq!(
        verify(
            &a.assert_with_count(&get(), "other-challenge", USER, 11),
            10,
            true,
            USER
        ),
        Err(Error::ChallengeInvalid)
    );
    assert_eq!(
        verify(
            &at(Ceremony {
                origin: "https://evil.test".into(),
                ..get()
            }),
            10,
            true,
            USER
        ),
        invalid
    );
    // An origin of another party of the org is not the credential's.
    assert_eq!(
        verify(
            &at(Ceremony {
                origin: "http://localhost:3000".into(),
                ..get()
            }),
            10,
            true,
            USER
        ),
        invalid
    );
    assert_eq!(
        verify(
            &at(Ceremony {
                rp_id: "localhost".into(),
                ..get()
            }),
            10,
            true,
            USER
        ),
        invalid
    );
    assert_eq!(
        verify(&at(Ceremony { flags: UV, ..get() }), 10, true, USER),
        invalid,
        "UP"
    );
    assert_eq!(
        verify(&at(Ceremony { flags: UP, ..get() }), 10, true, USER),
        invalid,
        "UV"
    );
    assert_eq!(
        verify(&at(Ceremony { flags: UP, ..get() }), 10, false, USER),
        Ok(11)
    );
    // The counter: equal (a clone replaying) or lower is refused; a skip is fine.
    for (stored, new) in [(11, 11), (12, 11), (5, 0)] {
        assert_eq!(
            verify(
                &a.assert_with_count(&get(), CHALLENGE, USER, new),
                stored,
                true,
                USER
            ),
            invalid,
            "{stored} -> {new}"
        );
    }
    assert_eq!(
        verify(
            &a.assert_with_count(&get(), CHALLENGE, USER, 40),
            11,
            true,
            USER
        ),
        Ok(40)
    );
    // Another user's handle.
    assert_eq!(verify(&at(get()), 10, true, "us-other"), invalid);
    // A signature by another credential (another user's key).
    let mut forged = at(get());
    forged.signature = Authenticator::rs256(1)
        .assert_with_count(&get(), CHALLENGE, USER, 11)
        .signature;
    assert_eq!(verify(&forged, 10, true, USER), invalid);
    // The signature covers the authenticator data: a raised count is caught.
    let mut raised = at(get());
    raised.authenticator_data = a
        .assert_with_count(&get(), CHALLENGE, USER, 99)
        .authenticator_data;
    assert_eq!(verify(&raised, 10, true, USER), invalid);
    let mut garbled = at(get());
    garbled.authenticator_data = "AAAA".into();
    assert!(
        matches!(verify(&garbled, 10, true, USER), Err(Error::BadRequest(m)) if m.contains("authenticatorData"))
    );
}

#[test]
fn the_counter_rule() {
    use assert::counter_advances;
    assert!(counter_advances(0, 0));
    assert!(counter_advances(0, 1));
    assert!(counter_advances(3, 7));
    assert!(!counter_advances(3, 3));
    assert!(!counter_advances(3, 0));
    assert!(!counter_advances(3, 2));
}
