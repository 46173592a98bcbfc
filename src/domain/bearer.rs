//! Bearer token verification against the issuer's public keys.
//!
//! The algorithm is pinned by the key (ES256 for P-256), never taken from
//! the token header; `jku`, `jwk` and `x5u` headers are never consulted.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use std::sync::Arc;

use crate::domain::der;
use crate::domain::ids::{OrgId, TokenId, UserId};
use crate::domain::model::{Caller, TokenKind};
use crate::domain::secret;
use crate::domain::time::UnixTime;
use crate::domain::token::{Claims, AUDIENCE};
use crate::domain::verified_tokens::{self, Validity, VerifiedTokens};
use crate::error::Error;

/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: u64 = 60;
/// Longer `Authorization` values are rejected unparsed.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// One public key of the issuer.
#[derive(Clone)]
pub struct VerificationKey {
    pub kid: String,
    decoding: DecodingKey,
    jwk: serde_json::Value,
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationKey")
            .field("kid", &self.kid)
            .finish()
    }
}

impl VerificationKey {
    /// A P-256 key from its SubjectPublicKeyInfo DER (what KMS returns).
    pub fn from_p256_spki(kid: &str, spki_der: &[u8]) -> Result<Self, String> {
        use aws_lc_rs::signature::{ParsedPublicKey, ECDSA_P256_SHA256_FIXED};
        let point = der::parse_spki(spki_der)
            .filter(|spki| spki.algorithm == der::SpkiAlgorithm::P256)
            .ok_or("not a P-256 SubjectPublicKeyInfo")?
            .key;
        // The uncompressed SEC 1 form, 0x04 || x || y, as KMS sends it.
        let Some((&0x04, xy)) = point.split_first().filter(|(_, xy)| xy.len() == 64) else {
            return Err("P-256 public key is not an uncompressed point".into());
        };
        // The point must be on the curve.
        ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, spki_der)
            .map_err(|e| format!("not a P-256 public key: {e}"))?;
        let (x, y) = xy.split_at(32);
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        let decoding = DecodingKey::from_ec_components(&x, &y).map_err(|e| e.to_string())?;
        let jwk = serde_json::json!({
            "kty": "EC", "crv": "P-256", "x": x, "y": y,
            "kid": kid, "use": "sig", "alg": "ES256",
        });
        Ok(Self {
            kid: kid.to_string(),
            decoding,
            jwk,
        })
    }
}

/// The issuer's current and previous public keys, with the validation
/// rules and the JWKS document built once rather than per request, and
/// the tokens already verified against them (clones share that cache).
#[derive(Debug, Clone)]
pub struct KeyRing {
    keys: Vec<VerificationKey>,
    validation: Validation,
    jwks: serde_json::Value,
    verified: Arc<VerifiedTokens>,
}

impl KeyRing {
    pub fn new(issuer: impl Into<String>, keys: Vec<VerificationKey>) -> Self {
        let mut validation = Validation::new(Algorithm::ES256);
        // Time claims are checked in `verify` against the caller's clock,
        // the same check a remembered token gets again on every hit.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_issuer(&[issuer.into()]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let jwks =
            serde_json::json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() });
        Self {
            keys,
            validation,
            jwks,
            verified: Arc::new(VerifiedTokens::new(verified_tokens::DEFAULT_CAPACITY)),
        }
    }

    /// The same ring remembering at most `capacity` verified tokens (0:
    /// verify every time).
    pub fn with_token_cache(mut self, capacity: usize) -> Self {
        self.verified = Arc::new(VerifiedTokens::new(capacity));
        self
    }

    /// The JWKS document (RFC 7517).
    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }

    /// Verifies an `Authorization` header value and names the caller.
    /// Every failure is the same `Not Authorized.`.
    pub fn verify_authorization(&self, header: Option<&str>, now: i64) -> Result<Caller, Error> {
        let token = header
            .and_then(|h| {
                let (scheme, rest) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_LEN)
            .ok_or(Error::NotAuthorized)?;
        let key = secret::digest(token.as_bytes());
        if let Some(caller) = self.verified.get(&key, now) {
            return Ok(caller);
        }
        let (claims, validity) = self.verify(token, now).ok_or(Error::NotAuthorized)?;
        let kind = TokenKind::parse(&claims.app_metadata.token_kind).ok_or(Error::NotAuthorized)?;
        // `sub` is the org; it must agree with the metadata the SDK reads.
        if claims.sub != claims.app_metadata.org_id {
            return Err(Error::NotAuthorized);
        }
        // Ids that do not parse name no identity of this issuer.
        let caller = Caller {
            user_id: UserId::parse(&claims.app_metadata.user_id).ok_or(Error::NotAuthorized)?,
            org_id: OrgId::parse(&claims.app_metadata.org_id).ok_or(Error::NotAuthorized)?,
            token_id: TokenId::parse(&claims.jti).ok_or(Error::NotAuthorized)?,
            token_kind: kind,
            issued_at: UnixTime::from_secs(claims.iat),
        };
        self.verified.insert(key, caller.clone(), validity, now);
        Ok(caller)
    }

    /// The claims of a token this issuer signed, and the seconds in which
    /// it is accepted, if `now` is one of them.
    fn verify(&self, token: &str, now: i64) -> Option<(Claims, Validity)> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let kid = header.kid.as_deref()?;
        let key = self.keys.iter().find(|k| k.kid == kid)?;
        let claims = jsonwebtoken::decode::<Claims>(token, &key.decoding, &self.validation)
            .ok()?
            .claims;
        let validity = validity(&claims);
        validity.contains(now).then_some((claims, validity))
    }
}

/// First and last second a token is accepted, leeway included: not before
/// `nbf`, not after `exp`, and not before `iat` (a token from the future is
/// forged or skewed).
fn validity(claims: &Claims) -> Validity {
    let leeway = LEEWAY_SECS as i64;
    let from = claims.nbf.unwrap_or(i64::MIN).max(claims.iat);
    Validity {
        from: from.saturating_sub(leeway),
        until: claims.exp.saturating_add(leeway),
    }
}

#[cfg(test)]
mod tests {
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
}
