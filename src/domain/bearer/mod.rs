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
use crate::domain::time::{UnixMillis, UnixTime};
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
        let caller = caller_of(&claims).ok_or(Error::NotAuthorized)?;
        self.verified.insert(key, caller.clone(), validity, now);
        Ok(caller)
    }

    /// A token presented for introspection: verified exactly as a bearer
    /// token is (signature, issuer, audience, times, ids), never through
    /// the cache of verified tokens (its claims are echoed). `None` for
    /// anything that would not pass as a bearer token.
    pub fn verify_token(&self, token: &str, now: i64) -> Option<(Caller, Claims)> {
        let token = token.trim();
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let (claims, _) = self.verify(token, now)?;
        Some((caller_of(&claims)?, claims))
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

/// When a token was minted, to the millisecond: the instant its `jti`
/// carries, trusted only when it falls in the token's `iat` second or the
/// next (a mint may sit a millisecond past a cut-off); otherwise, as for
/// any id not minted that way, the last millisecond of `iat`, so that a
/// cut-off in that second refuses it.
fn minted_at(claims: &Claims) -> UnixMillis {
    let second = UnixMillis::from_millis(claims.iat.saturating_mul(1000));
    TokenId::parse(&claims.jti)
        .and_then(|id| id.minted_at())
        .filter(|m| second <= *m && *m < second.plus_millis(2000))
        .unwrap_or(second.plus_millis(999))
}

/// The caller a verified claim set names, if its ids parse.
fn caller_of(claims: &Claims) -> Option<Caller> {
    let kind = TokenKind::parse(&claims.app_metadata.token_kind)?;
    // `sub` is the org; it must agree with the metadata the SDK reads.
    if claims.sub != claims.app_metadata.org_id {
        return None;
    }
    // Ids that do not parse name no identity of this issuer.
    let actor = match &claims.act {
        Some(act) => Some(UserId::parse(&act.sub)?),
        None => None,
    };
    Some(Caller {
        user_id: UserId::parse(&claims.app_metadata.user_id)?,
        org_id: OrgId::parse(&claims.app_metadata.org_id)?,
        token_id: TokenId::parse(&claims.jti)?,
        token_kind: kind,
        issued_at: UnixTime::from_secs(claims.iat),
        minted_at: minted_at(claims),
        actor,
    })
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
mod tests;
