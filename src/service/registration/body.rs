//! The registration bodies, read field by field so that every 400 names
//! its field and none echoes the caller's input.

use serde_json::{Map, Value};

use crate::domain::model::{CredentialKind, UserKind};
use crate::domain::username::{Username, UsernameError};
use crate::error::Error;
use crate::service::parse_body;

/// Longest `externalId` and `credentialName` accepted, in bytes.
pub const MAX_LABEL_LEN: usize = 256;

/// A JSON object and where it sits in the body, for messages.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Fields<'a> {
    fn root(map: &'a Map<String, Value>) -> Self {
        Self {
            map,
            path: String::new(),
        }
    }

    fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The value of `key`; `null` counts as absent.
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn opt_string(&self, key: &str) -> Result<Option<&'a str>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::bad_request(format!(
                "{} must be a string",
                self.name(key)
            ))),
        }
    }

    fn string(&self, key: &str) -> Result<&'a str, Error> {
        self.opt_string(key)?
            .ok_or_else(|| Error::bad_request(format!("{} is required", self.name(key))))
    }

    fn opt_object(&self, key: &str) -> Result<Option<Fields<'a>>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields {
                map,
                path: self.name(key),
            })),
            Some(_) => Err(Error::bad_request(format!(
                "{} must be an object",
                self.name(key)
            ))),
        }
    }

    fn object(&self, key: &str) -> Result<Fields<'a>, Error> {
        self.opt_object(key)?
            .ok_or_else(|| Error::bad_request(format!("{} is required", self.name(key))))
    }

    /// An optional short label: a string of at most `MAX_LABEL_LEN` bytes.
    fn opt_label(&self, key: &str) -> Result<Option<&'a str>, Error> {
        let value = self.opt_string(key)?;
        if value.is_some_and(|v| v.len() > MAX_LABEL_LEN || v.chars().any(char::is_control)) {
            return Err(Error::bad_request(format!(
                "{} must be at most {MAX_LABEL_LEN} bytes without control characters",
                self.name(key)
            )));
        }
        Ok(value)
    }
}

/// `POST /auth/registration/delegated` (and `/restart`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeBody {
    pub email: Username,
    pub kind: UserKind,
    pub external_id: Option<String>,
}

pub fn parse_challenge_body(body: &[u8]) -> Result<ChallengeBody, Error> {
    let map: Map<String, Value> = parse_body(body)?;
    let f = Fields::root(&map);
    let email = Username::parse(f.string("email")?).map_err(|e| {
        Error::bad_request(match e {
            UsernameError::Empty => "email must be a non-empty string".to_string(),
            UsernameError::Malformed => {
                "email must be at most 256 bytes without control characters".to_string()
            }
        })
    })?;
    let kind = UserKind::parse(f.string("kind")?)
        .ok_or_else(|| Error::bad_request("kind must be EndUser or CustomerEmployee"))?;
    Ok(ChallengeBody {
        email,
        kind,
        external_id: f.opt_label("externalId")?.map(str::to_string),
    })
}

/// One credential of a registration body, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialBody {
    pub kind: CredentialKind,
    /// Where its `credentialInfo` sits, for messages.
    pub info_path: String,
    pub cred_id: String,
    pub client_data: String,
    pub attestation_data: String,
    pub name: String,
}

/// `POST /auth/registration` and `/auth/registration/enduser`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterBody {
    pub first_factor: CredentialBody,
    pub recovery: Option<CredentialBody>,
}

fn credential(f: &Fields<'_>, kinds: &[CredentialKind]) -> Result<CredentialBody, Error> {
    let sent = f.string("credentialKind")?;
    let Some(&kind) = kinds.iter().find(|k| k.as_str() == sent) else {
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        return Err(Error::bad_request(format!(
            "{} must be {}: no other kind is supported",
            f.name("credentialKind"),
            names.join(" or ")
        )));
    };
    let info = f.object("credentialInfo")?;
    // Accepted for compatibility; the service keeps no private key material.
    f.opt_string("encryptedPrivateKey")?;
    Ok(CredentialBody {
        kind,
        info_path: info.path.clone(),
        cred_id: info.string("credId")?.to_string(),
        client_data: info.string("clientData")?.to_string(),
        attestation_data: info.string("attestationData")?.to_string(),
        name: f.opt_label("credentialName")?.unwrap_or("").to_string(),
    })
}

/// The kinds a first factor may be: what signs user actions.
const FIRST_FACTORS: [CredentialKind; 2] = [CredentialKind::Key, CredentialKind::Fido2];

/// `POST /auth/credentials`: a credential of the caller's and the
/// credential challenge it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredentialBody {
    pub credential: CredentialBody,
    pub challenge_identifier: String,
}

pub fn parse_new_credential_body(body: &[u8]) -> Result<NewCredentialBody, Error> {
    let map: Map<String, Value> = parse_body(body)?;
    let f = Fields::root(&map);
    let credential = credential(&f, &FIRST_FACTORS)?;
    Ok(NewCredentialBody {
        credential,
        challenge_identifier: f.string("challengeIdentifier")?.to_string(),
    })
}

/// `wallets` is required (and must be empty) with `end_user`.
pub fn parse_register_body(body: &[u8], end_user: bool) -> Result<RegisterBody, Error> {
    let map: Map<String, Value> = parse_body(body)?;
    let f = Fields::root(&map);
    let first_factor = credential(&f.object("firstFactorCredential")?, &FIRST_FACTORS)?;
    if f.get("secondFactorCredential").is_some() {
        return Err(Error::bad_request(
            "secondFactorCredential is not supported",
        ));
    }
    let recovery = match f.opt_object("recoveryCredential")? {
        Some(r) => Some(credential(&r, &[CredentialKind::RecoveryKey])?),
        None => None,
    };
    if end_user {
        match f.get("wallets") {
            None => return Err(Error::bad_request("wallets is required")),
            Some(Value::Array(w)) if w.is_empty() => {}
            Some(Value::Array(_)) => {
                return Err(Error::bad_request(
                    "wallets are not supported by this service",
                ))
            }
            Some(_) => return Err(Error::bad_request("wallets must be an array")),
        }
    }
    Ok(RegisterBody {
        first_factor,
        recovery,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(r: Result<impl std::fmt::Debug, Error>) -> String {
        match r {
            Err(Error::BadRequest(m)) => m,
            other => panic!("not a 400: {other:?}"),
        }
    }

    #[test]
    fn challenge_body_rules() {
        let ok = parse_challenge_body(br#"{"email":"a@b.co","kind":"EndUser"}"#).unwrap();
        assert_eq!((ok.email.as_str(), ok.kind), ("a@b.co", UserKind::EndUser));
        assert_eq!(ok.external_id, None);
        let with_id = br#"{"email":"a@b.co","kind":"CustomerEmployee","externalId":"ext-1"}"#;
        assert_eq!(
            parse_challenge_body(with_id)
                .unwrap()
                .external_id
                .as_deref(),
            Some("ext-1")
        );
        for (body, field) in [
            (&br#"{"kind":"EndUser"}"#[..], "email is required"),
            (br#"{"email":7,"kind":"EndUser"}"#, "email must be a string"),
            (
                br#"{"email":"","kind":"EndUser"}"#,
                "email must be a non-empty",
            ),
            (
                br#"{"email":"a\u0000","kind":"EndUser"}"#,
                "email must be at most",
            ),
            (br#"{"email":"a@b.co"}"#, "kind is required"),
            (
                br#"{"email":"a@b.co","kind":"Admin"}"#,
                "kind must be EndUser or CustomerEmployee",
            ),
            (
                br#"{"email":"a@b.co","kind":"EndUser","externalId":1}"#,
                "externalId must be a string",
            ),
        ] {
            let m = message(parse_challenge_body(body));
            assert!(m.starts_with(field), "{m}");
            assert!(
                !m.contains("Admin") && !m.contains('7'),
                "echoes input: {m}"
            );
        }
        assert!(parse_challenge_body(b"[]").is_err());
    }

    fn key(kind: &str) -> Value {
        json!({"credentialKind": kind, "credentialInfo": {"credId": "c", "clientData": "d", "attestationData": "a"}})
    }

    #[test]
    fn register_body_rules() {
        let body = json!({"firstFactorCredential": key("Key")}).to_string();
        let ok = parse_register_body(body.as_bytes(), false).unwrap();
        assert_eq!(ok.first_factor.name, "");
        assert_eq!(
            ok.first_factor.info_path,
            "firstFactorCredential.credentialInfo"
        );
        assert!(ok.recovery.is_none());
        // null counts as absent; a recovery key and a name are kept.
        let mut full = key("Key");
        full["credentialName"] = json!("laptop");
        let mut recovery = key("RecoveryKey");
        recovery["encryptedPrivateKey"] = json!("...");
        let body = json!({"firstFactorCredential": full, "secondFactorCredential": null, "recoveryCredential": recovery});
        let ok = parse_register_body(body.to_string().as_bytes(), false).unwrap();
        assert_eq!(ok.first_factor.name, "laptop");
        assert_eq!(
            ok.recovery.unwrap().info_path,
            "recoveryCredential.credentialInfo"
        );

        let cases = [
            (json!({}), "firstFactorCredential is required"),
            (
                json!({"firstFactorCredential": key("Password")}),
                "firstFactorCredential.credentialKind must be Key or Fido2",
            ),
            (
                json!({"firstFactorCredential": {"credentialKind": "Key"}}),
                "firstFactorCredential.credentialInfo is required",
            ),
            (
                json!({"firstFactorCredential": {"credentialKind": "Key", "credentialInfo": {"credId": "c", "clientData": 1}}}),
                "firstFactorCredential.credentialInfo.clientData must be a string",
            ),
            (
                json!({"firstFactorCredential": key("Key"), "secondFactorCredential": key("Key")}),
                "secondFactorCredential is not supported",
            ),
            (
                json!({"firstFactorCredential": key("Key"), "recoveryCredential": key("Key")}),
                "recoveryCredential.credentialKind must be RecoveryKey",
            ),
            (
                json!({"firstFactorCredential": key("Key"), "recoveryCredential": "x"}),
                "recoveryCredential must be an object",
            ),
        ];
        for (body, expected) in cases {
            let m = message(parse_register_body(body.to_string().as_bytes(), false));
            assert!(m.starts_with(expected), "{m}");
        }
    }

    #[test]
    fn end_user_bodies_need_an_empty_wallet_list() {
        let with = |wallets: Option<Value>| {
            let mut body = json!({"firstFactorCredential": key("Key")});
            if let Some(w) = wallets {
                body["wallets"] = w;
            }
            parse_register_body(body.to_string().as_bytes(), true)
        };
        assert!(with(Some(json!([]))).is_ok());
        assert_eq!(message(with(None)), "wallets is required");
        assert_eq!(message(with(Some(json!({})))), "wallets must be an array");
        assert_eq!(
            message(with(Some(json!([{"network": "Ethereum"}])))),
            "wallets are not supported by this service"
        );
        // Without end_user, wallets are not looked at.
        let body = json!({"firstFactorCredential": key("Key"), "wallets": [1]}).to_string();
        assert!(parse_register_body(body.as_bytes(), false).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_body(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_challenge_body(&bytes);
            let _ = parse_register_body(&bytes, true);
        }
    }
}
