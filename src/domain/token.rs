//! Claims of the tokens this service issues, and JWS assembly around an
//! external signer (the private key never leaves KMS).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::domain::model::TokenKind;

/// `aud` of every user token, as Dfns issues them.
pub const AUDIENCE: &str = "dfns:auth:user";

/// `https://custom/app_metadata`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppMetadata {
    #[serde(rename = "userId")]
    pub user_id: String,
    #[serde(rename = "orgId")]
    pub org_id: String,
    #[serde(rename = "tokenKind")]
    pub token_kind: String,
}

/// RFC 8693 actor: who obtained this token on the subject's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub sub: String,
}

/// The claim set, shaped like Dfns tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nbf: Option<i64>,
    #[serde(rename = "https://custom/username")]
    pub username: String,
    #[serde(rename = "https://custom/app_metadata")]
    pub app_metadata: AppMetadata,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub act: Option<Actor>,
}

/// What a token is about; the issuer adds `iss`, `aud` and times.
#[derive(Debug, Clone)]
pub struct TokenSubject<'a> {
    pub org_id: &'a str,
    pub user_id: &'a str,
    pub username: &'a str,
    pub kind: TokenKind,
    pub token_id: &'a str,
    /// Service account that obtained the token, for delegated logins.
    pub actor: Option<&'a str>,
}

pub fn build_claims(issuer: &str, subject: &TokenSubject<'_>, now: i64, ttl_secs: i64) -> Claims {
    Claims {
        iss: issuer.to_string(),
        aud: AUDIENCE.to_string(),
        sub: subject.org_id.to_string(),
        jti: subject.token_id.to_string(),
        iat: now,
        exp: now + ttl_secs,
        nbf: None,
        username: subject.username.to_string(),
        app_metadata: AppMetadata {
            user_id: subject.user_id.to_string(),
            org_id: subject.org_id.to_string(),
            token_kind: subject.kind.as_str().to_string(),
        },
        act: subject.actor.map(|sub| Actor {
            sub: sub.to_string(),
        }),
    }
}

/// `base64url(header).base64url(claims)`: the bytes the signer signs.
pub fn signing_input(key_id: &str, claims: &Claims) -> String {
    let header = serde_json::json!({ "typ": "JWT", "alg": "ES256", "kid": key_id });
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        // Serialising plain strings and integers cannot fail.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default())
    )
}

/// Appends the JOSE signature to the signing input.
pub fn assemble(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_have_the_contract_names() {
        let subject = TokenSubject {
            org_id: "or-1",
            user_id: "us-1",
            username: "jdoe@example.co",
            kind: TokenKind::Token,
            token_id: "uj-1",
            actor: Some("us-sa"),
        };
        let claims = build_claims("https://issuer.example", &subject, 1000, 21600);
        let v = serde_json::to_value(&claims).unwrap();
        assert_eq!(v["aud"], "dfns:auth:user");
        assert_eq!(v["sub"], "or-1");
        assert_eq!(v["exp"], 22600);
        assert_eq!(v["https://custom/username"], "jdoe@example.co");
        assert_eq!(v["https://custom/app_metadata"]["orgId"], "or-1");
        assert_eq!(v["https://custom/app_metadata"]["userId"], "us-1");
        assert_eq!(v["https://custom/app_metadata"]["tokenKind"], "Token");
        assert_eq!(v["act"]["sub"], "us-sa");
        assert!(v.get("nbf").is_none());
    }

    #[test]
    fn signing_input_header_names_the_key() {
        let subject = TokenSubject {
            org_id: "or-1",
            user_id: "us-1",
            username: "u",
            kind: TokenKind::ServiceAccount,
            token_id: "to-1",
            actor: None,
        };
        let input = signing_input("kid-1", &build_claims("iss", &subject, 0, 1));
        let header = input.split('.').next().unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        assert_eq!(
            header,
            serde_json::json!({"typ":"JWT","alg":"ES256","kid":"kid-1"})
        );
        assert_eq!(assemble("a.b", &[0xff]), "a.b._w");
    }
}
