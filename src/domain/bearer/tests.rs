use super::*;
use crate::domain::token::{assemble, build_claims, signing_input, TokenSubject};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, KeyPair, ECDSA_P256K1_SHA256_ASN1_SIGNING, ECDSA_P256_SHA256_ASN1_SIGNING,
    ECDSA_P256_SHA256_FIXED_SIGNING,
};

const ISS: &str = "https://issuer.test";
const ORG: &str = "or-01jtb-imrht-edl9flkevj8gev5j";
const USER: &str = "us-01jtb-imrht-edl9flkevj8gev5j";
const TOKEN: &str = "to-01jtb-imrht-edl9flkevj8gev5j";

struct Issuer {
    /// Signs in the fixed `r || s` form ES256 carries.
    key: EcdsaKeyPair,
    ring: KeyRing,
}

fn issuer() -> Issuer {
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let spki = key.public_key().as_der().unwrap();
    let vk = VerificationKey::from_p256_spki("kid-1", spki.as_ref()).unwrap();
    Issuer {
        key,
        ring: KeyRing::new(ISS, vec![vk]),
    }
}

fn subject(kind: TokenKind) -> TokenSubject<'static> {
    TokenSubject {
        org_id: ORG,
        user_id: USER,
        username: "sa",
        kind,
        token_id: TOKEN,
        actor: None,
    }
}

fn sign_raw(key: &EcdsaKeyPair, input: &str) -> String {
    let sig = key.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
    assemble(input, sig.as_ref())
}

fn token(i: &Issuer, claims: &Claims) -> String {
    sign_raw(&i.key, &signing_input("kid-1", claims))
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

#[test]
fn accepts_a_token_of_this_issuer() {
    let i = issuer();
    let now = crate::domain::unix_now();
    let t = token(
        &i,
        &build_claims(ISS, &subject(TokenKind::ServiceAccount), now, 600),
    );
    let caller = i.ring.verify_authorization(Some(&bearer(&t)), now).unwrap();
    assert_eq!(caller.user_id, USER);
    assert_eq!(caller.org_id, ORG);
    assert_eq!(caller.token_id, TOKEN);
    assert_eq!(caller.token_kind, TokenKind::ServiceAccount);
    assert!(i
        .ring
        .verify_authorization(Some(&format!("bearer  {t} ")), now)
        .is_ok());
}

#[test]
fn rejects_forgeries_and_wrong_claims() {
    let i = issuer();
    let now = crate::domain::unix_now();
    let good = build_claims(ISS, &subject(TokenKind::ServiceAccount), now, 600);
    let other_key = issuer();
    let mut cases: Vec<(&str, String)> = vec![
        ("other key", token(&other_key, &good)),
        (
            "wrong iss",
            token(
                &i,
                &Claims {
                    iss: "https://evil".into(),
                    ..good.clone()
                },
            ),
        ),
        (
            "wrong aud",
            token(
                &i,
                &Claims {
                    aud: "other".into(),
                    ..good.clone()
                },
            ),
        ),
        (
            "expired",
            token(
                &i,
                &Claims {
                    exp: now - 61,
                    iat: now - 600,
                    ..good.clone()
                },
            ),
        ),
        (
            "nbf future",
            token(
                &i,
                &Claims {
                    nbf: Some(now + 120),
                    ..good.clone()
                },
            ),
        ),
        (
            "iat future",
            token(
                &i,
                &Claims {
                    iat: now + 120,
                    ..good.clone()
                },
            ),
        ),
        (
            "sub not org",
            token(
                &i,
                &Claims {
                    sub: "or-2".into(),
                    ..good.clone()
                },
            ),
        ),
    ];
    let mut bad_kind = good.clone();
    bad_kind.app_metadata.token_kind = "Admin".into();
    cases.push(("unknown kind", token(&i, &bad_kind)));
    // alg: none and HS256 keyed with public material.
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&good).unwrap());
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"kid-1"}"#);
    cases.push(("alg none", format!("{none_header}.{payload}.")));
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some("kid-1".into()),
            ..jsonwebtoken::Header::new(Algorithm::HS256)
        },
        &good,
        &jsonwebtoken::EncodingKey::from_secret(i.ring.jwks().to_string().as_bytes()).unwrap(),
    )
    .unwrap();
    cases.push(("hs256", hs));
    let unknown_kid = sign_raw(&i.key, &signing_input("kid-2", &good));
    cases.push(("unknown kid", unknown_kid));
    // A flipped bit in the signature and an edited payload.
    let t = token(&i, &good);
    let mut flipped = t.clone().into_bytes();
    let last = flipped.len() - 2;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    cases.push(("flipped", String::from_utf8(flipped).unwrap()));
    let parts: Vec<&str> = t.split('.').collect();
    let edited = Claims {
        sub: "or-9".into(),
        ..good.clone()
    };
    let mut edited_meta = edited.clone();
    edited_meta.app_metadata.org_id = "or-9".into();
    let edited_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&edited_meta).unwrap());
    cases.push((
        "edited payload",
        format!("{}.{edited_payload}.{}", parts[0], parts[2]),
    ));
    // Headers that point elsewhere for the key, signed by the attacker's key.
    let attacker = issuer();
    let attacker_jwk = attacker.ring.jwks()["keys"][0].clone();
    for extra in [
        serde_json::json!({"jku": "https://evil.example/jwks.json"}),
        serde_json::json!({"x5u": "https://evil.example/cert.pem"}),
        serde_json::json!({"jwk": attacker_jwk}),
        serde_json::json!({"kid": "../../etc/passwd"}),
        serde_json::json!({"kid": "https://evil.example/key"}),
        serde_json::json!({"kid": "kid-1\" OR \"1\"=\"1"}),
    ] {
        let mut header = serde_json::json!({"typ": "JWT", "alg": "ES256", "kid": "kid-1"});
        for (k, v) in extra.as_object().unwrap() {
            header[k] = v.clone();
        }
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&good).unwrap())
        );
        cases.push(("foreign key header", sign_raw(&attacker.key, &input)));
    }
    // r = s = 0, and a DER signature where JOSE wants 64 bytes.
    let input = signing_input("kid-1", &good);
    cases.push(("zero signature", assemble(&input, &[0u8; 64])));
    let pkcs8 = i.key.to_pkcs8v1().unwrap();
    let der_key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
    let der = der_key
        .sign(&SystemRandom::new(), input.as_bytes())
        .unwrap();
    cases.push(("DER signature", assemble(&input, der.as_ref())));
    // Other algorithms with a valid-looking header.
    for alg in ["ES384", "RS256", "PS256", "EdDSA"] {
        let header =
            URL_SAFE_NO_PAD.encode(format!(r#"{{"typ":"JWT","alg":"{alg}","kid":"kid-1"}}"#));
        let input = format!("{header}.{}", input.split('.').nth(1).unwrap());
        cases.push(("other alg", sign_raw(&i.key, &input)));
    }
    // Opaque values this service hands out are not bearer tokens.
    cases.push(("challenge", crate::domain::secret::new_opaque_token()));
    for (name, t) in cases {
        assert_eq!(
            i.ring.verify_authorization(Some(&bearer(&t)), now),
            Err(Error::NotAuthorized),
            "{name}"
        );
    }
}

#[test]
fn a_remembered_token_is_still_held_to_its_time_bounds() {
    let i = issuer();
    let now = crate::domain::unix_now();
    let t = bearer(&token(
        &i,
        &build_claims(ISS, &subject(TokenKind::ServiceAccount), now, 600),
    ));
    let first = i.ring.verify_authorization(Some(&t), now).unwrap();
    assert_eq!(i.ring.verified.len(), 1);
    assert_eq!(i.ring.verify_authorization(Some(&t), now + 10), Ok(first));
    // Past exp + leeway, and before iat - leeway, as a fresh check says.
    for when in [now + 600 + 61, now - 61] {
        assert_eq!(
            i.ring.verify_authorization(Some(&t), when),
            Err(Error::NotAuthorized),
            "{when}"
        );
        assert_eq!(
            fresh_cache(&i).verify_authorization(Some(&t), when),
            Err(Error::NotAuthorized),
            "{when}"
        );
    }
    for when in [now + 600 + 60, now - 60] {
        assert!(
            i.ring.verify_authorization(Some(&t), when).is_ok(),
            "{when}"
        );
        assert!(fresh_cache(&i).verify_authorization(Some(&t), when).is_ok());
    }
}

#[test]
fn only_tokens_that_verify_are_remembered() {
    let i = issuer();
    let now = crate::domain::unix_now();
    let good = build_claims(ISS, &subject(TokenKind::ServiceAccount), now, 600);
    let t = token(&i, &good);
    i.ring.verify_authorization(Some(&bearer(&t)), now).unwrap();
    // One byte more or less is another token, verified on its own.
    let mut tampered = t.clone();
    tampered.pop();
    for bad in [tampered, format!("{t}A"), token(&issuer(), &good)] {
        assert_eq!(
            i.ring.verify_authorization(Some(&bearer(&bad)), now),
            Err(Error::NotAuthorized)
        );
    }
    assert_eq!(i.ring.verified.len(), 1);
    // With the cache off, nothing is kept and the answer is the same.
    let uncached = i.ring.clone().with_token_cache(0);
    assert!(uncached
        .verify_authorization(Some(&bearer(&t)), now)
        .is_ok());
    assert_eq!(uncached.verified.len(), 0);
}

/// A ring with the same keys and an empty cache.
fn fresh_cache(i: &Issuer) -> KeyRing {
    i.ring
        .clone()
        .with_token_cache(verified_tokens::DEFAULT_CAPACITY)
}

#[test]
fn rejects_malformed_headers() {
    let i = issuer();
    let now = crate::domain::unix_now();
    let t = token(&i, &build_claims(ISS, &subject(TokenKind::Token), now, 600));
    for h in [
        None,
        Some(String::new()),
        Some(t.clone()),
        Some(format!("Basic {t}")),
        Some("Bearer ".into()),
        Some(format!("Bearer {}", "a".repeat(9000))),
    ] {
        assert_eq!(
            i.ring.verify_authorization(h.as_deref(), now),
            Err(Error::NotAuthorized),
            "{h:?}"
        );
    }
}

#[test]
fn issuer_keys_are_uncompressed_p256_points() {
    use crate::domain::der::testing::ec_spki;
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let point = key.public_key().as_ref();
    let spki = key.public_key().as_der().unwrap();
    let vk = VerificationKey::from_p256_spki("kid-1", spki.as_ref()).unwrap();
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(vk.jwk["x"].as_str().unwrap())
            .unwrap(),
        &point[1..33]
    );
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(vk.jwk["y"].as_str().unwrap())
            .unwrap(),
        &point[33..]
    );
    assert_eq!(ec_spki(false, point), spki.as_ref());
    let k1 = EcdsaKeyPair::generate(&ECDSA_P256K1_SHA256_ASN1_SIGNING).unwrap();
    let compressed = [&[0x02 | (point[64] & 1)][..], &point[1..33]].concat();
    let mut off_curve = point.to_vec();
    off_curve[64] ^= 1;
    for der in [
        k1.public_key().as_der().unwrap().as_ref().to_vec(),
        ec_spki(false, k1.public_key().as_ref()),
        ec_spki(false, &compressed),
        ec_spki(false, &off_curve),
        ec_spki(false, &point[..64]),
        spki.as_ref()[..spki.as_ref().len() - 1].to_vec(),
        Vec::new(),
    ] {
        assert!(VerificationKey::from_p256_spki("kid-1", &der).is_err());
    }
}

#[test]
fn jwks_lists_each_key() {
    let i = issuer();
    let jwks = i.ring.jwks();
    assert_eq!(jwks["keys"][0]["kid"], "kid-1");
    assert_eq!(jwks["keys"][0]["kty"], "EC");
    assert_eq!(jwks["keys"][0]["alg"], "ES256");
}

#[test]
fn the_minting_instant_is_trusted_only_inside_its_tokens_second() {
    let claims_with = |jti: &str, iat: i64| {
        let mut c = build_claims(ISS, &subject(TokenKind::Token), iat, 600);
        c.jti = jti.to_string();
        c
    };
    let iat = 1_800_000_000;
    let minted = UnixMillis::from_millis(iat * 1000 + 250);
    let id = TokenId::new_issued_at(minted);
    assert_eq!(minted_at(&claims_with(id.as_str(), iat)), minted);
    // A millisecond into the next second: still this token's.
    let next = TokenId::new_issued_at(UnixMillis::from_millis(iat * 1000 + 1_000));
    assert_eq!(
        minted_at(&claims_with(next.as_str(), iat)).as_millis(),
        iat * 1000 + 1_000
    );
    // An id that says another time (or any id not minted so): the last
    // millisecond of `iat`, which a cut-off in that second refuses.
    let far = TokenId::new_issued_at(UnixMillis::from_millis((iat + 3_600) * 1000));
    assert_eq!(
        minted_at(&claims_with(far.as_str(), iat)).as_millis(),
        iat * 1000 + 999
    );
    assert_eq!(
        minted_at(&claims_with(TOKEN, iat)).as_millis(),
        iat * 1000 + 999
    );
}
