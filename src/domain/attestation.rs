//! Registering a Key credential, in the format the Dfns browser key signer
//! (`BrowserKeySigner.create()`) produces:
//!
//! - `clientData`: base64url of `{"type":"key.create","challenge":"..."}`;
//! - `attestationData`: base64url of `{"publicKey": "<PEM>", "signature": "<hex>", "algorithm"?}`;
//! - the signature is over the exact bytes of
//!   `{"clientDataHash":"<hex SHA-256 of the clientData bytes>","publicKey":"<the PEM, JSON-escaped>"}`.
//!
//! The fingerprint is rebuilt from the raw clientData bytes and the PEM as
//! received, never from a re-serialisation; clientData is parsed only once
//! the signature verified.

use serde::Deserialize;

use crate::domain::client_data::check_client_data_of;
use crate::domain::credential::PublicKey;
use crate::domain::decode_base64url;
use crate::domain::ids::CredId;
use crate::domain::secret::digest_hex;
use crate::error::Error;

/// `clientData.type` of a credential being created.
pub const KEY_CREATE: &str = "key.create";

/// A `credentialInfo` as sent, not yet checked.
#[derive(Debug, Clone, Copy)]
pub struct KeyCredentialInfo<'a> {
    pub cred_id: &'a str,
    pub client_data: &'a str,
    pub attestation_data: &'a str,
}

/// A key whose holder proved it signed this registration's challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedKey {
    pub cred_id: CredId,
    /// The PEM exactly as sent.
    pub public_key_pem: String,
}

#[derive(Deserialize)]
struct AttestationData {
    #[serde(rename = "publicKey")]
    public_key: String,
    signature: String,
}

/// The bytes the credential's key signs: the Dfns key signer's
/// "credential info fingerprint", `JSON.stringify` of the hash and the PEM
/// in that key order, without spaces.
pub fn fingerprint(client_data: &[u8], public_key_pem: &str) -> String {
    // serde_json escapes a string as `JSON.stringify` does.
    format!(
        r#"{{"clientDataHash":"{}","publicKey":{}}}"#,
        digest_hex(client_data),
        serde_json::Value::from(public_key_pem)
    )
}

/// Verifies a Key credential for `challenge`, in the contract's order:
/// decode, signature over the fingerprint (401), then the parsed
/// clientData's type and challenge (400). `field` names the credentialInfo
/// in errors (`firstFactorCredential.credentialInfo`).
pub fn verify_key_attestation(
    field: &str,
    info: &KeyCredentialInfo<'_>,
    challenge: &str,
) -> Result<AttestedKey, Error> {
    let bad = |what: &str| Error::bad_request(format!("{field}.{what}"));
    let cred_id = CredId::parse(info.cred_id)
        .ok_or_else(|| bad("credId must be 1 to 1024 characters without control characters"))?;
    let client_data =
        decode_base64url(info.client_data).ok_or_else(|| bad("clientData must be base64url"))?;
    let attestation = decode_base64url(info.attestation_data)
        .ok_or_else(|| bad("attestationData must be base64url"))?;
    let attestation: AttestationData = serde_json::from_slice(&attestation).map_err(|_| {
        bad("attestationData must be base64url of a JSON object with publicKey and signature")
    })?;
    let signature = decode_hex(&attestation.signature)
        .ok_or_else(|| bad("attestationData.signature must be hex"))?;
    let key = PublicKey::from_pem(&attestation.public_key).map_err(|_| {
        bad("attestationData.publicKey must be a PEM public key: P-256, secp256k1, Ed25519, or RSA of at least 2048 bits")
    })?;
    let signed = fingerprint(&client_data, &attestation.public_key);
    if !key.verify(signed.as_bytes(), &signature) {
        return Err(Error::AssertionInvalid);
    }
    check_client_data_of(&client_data, KEY_CREATE, challenge).map_err(|e| match e {
        Error::BadRequest(message) => bad(&message),
        other => other,
    })?;
    Ok(AttestedKey {
        cred_id,
        public_key_pem: attestation.public_key,
    })
}

/// Hex, either case; `None` for an odd length or another character.
fn decode_hex(value: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let bytes = value.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys::{KeyKind, TestKey, ALL_KINDS};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    const FIELD: &str = "firstFactorCredential.credentialInfo";
    const CHALLENGE: &str = "Y2hhbGxlbmdlLWJ5dGVzLWZvci10ZXN0cw";

    /// A client key of each kind the contract lists.
    struct Client(TestKey);

    impl Client {
        fn of_kind(kind: KeyKind) -> Client {
            Client(TestKey::generate(kind))
        }

        fn all() -> Vec<Client> {
            ALL_KINDS.into_iter().map(Client::of_kind).collect()
        }

        /// The PEM as a browser exports it: no trailing newline.
        fn pem(&self) -> String {
            self.0.public_pem().trim_end().to_string()
        }

        fn sign(&self, message: &[u8]) -> Vec<u8> {
            self.0.sign(message)
        }
    }

    /// What a signer sends: (credId, clientData, attestationData).
    struct Sent {
        cred_id: String,
        client_data: String,
        attestation_data: String,
    }

    impl Sent {
        fn info(&self) -> KeyCredentialInfo<'_> {
            KeyCredentialInfo {
                cred_id: &self.cred_id,
                client_data: &self.client_data,
                attestation_data: &self.attestation_data,
            }
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Signs `signed_client_data` and `signed_pem` but sends `client_data`
    /// and `pem`: equal for an honest signer.
    fn build(
        client: &Client,
        client_data: &str,
        signed_client_data: &str,
        pem: &str,
        signed_pem: &str,
    ) -> Sent {
        let signature =
            client.sign(fingerprint(signed_client_data.as_bytes(), signed_pem).as_bytes());
        let attestation = serde_json::json!({"publicKey": pem, "signature": hex(&signature)});
        Sent {
            cred_id: "cred-1".into(),
            client_data: URL_SAFE_NO_PAD.encode(client_data),
            attestation_data: URL_SAFE_NO_PAD.encode(attestation.to_string()),
        }
    }

    fn honest(client: &Client, client_data: &str) -> Sent {
        let pem = client.pem();
        build(client, client_data, client_data, &pem, &pem)
    }

    fn browser_client_data(kind: &str, challenge: &str) -> String {
        format!(r#"{{"type":"{kind}","challenge":"{challenge}"}}"#)
    }

    fn verify(sent: &Sent) -> Result<AttestedKey, Error> {
        verify_key_attestation(FIELD, &sent.info(), CHALLENGE)
    }

    #[test]
    fn the_fingerprint_is_the_signers_json() {
        let f = fingerprint(
            b"abc",
            "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----",
        );
        assert_eq!(
            f,
            r#"{"clientDataHash":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","publicKey":"-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----"}"#
        );
    }

    #[test]
    fn accepts_every_key_type_and_keeps_the_pem_as_sent() {
        for client in Client::all() {
            let sent = honest(&client, &browser_client_data(KEY_CREATE, CHALLENGE));
            let key = verify(&sent).unwrap();
            assert_eq!(key.cred_id.as_str(), "cred-1");
            assert_eq!(key.public_key_pem, client.pem());
            // A trailing newline is another PEM, and fine when it is what was signed.
            let pem = format!("{}\n", client.pem());
            let cd = browser_client_data(KEY_CREATE, CHALLENGE);
            assert!(verify(&build(&client, &cd, &cd, &pem, &pem)).is_ok());
        }
    }

    #[test]
    fn refuses_a_bad_signature_a_re_serialised_client_data_or_an_altered_pem() {
        for kind in ALL_KINDS {
            let (client, other) = (Client::of_kind(kind), Client::of_kind(kind));
            let cd = browser_client_data(KEY_CREATE, CHALLENGE);
            let pem = client.pem();
            // Signed by another key of the same kind: the key in the PEM did not sign.
            let signature = other.sign(fingerprint(cd.as_bytes(), &pem).as_bytes());
            let forged = Sent {
                cred_id: "cred-1".into(),
                client_data: URL_SAFE_NO_PAD.encode(&cd),
                attestation_data: URL_SAFE_NO_PAD.encode(
                    serde_json::json!({"publicKey": pem, "signature": hex(&signature)}).to_string(),
                ),
            };
            assert_eq!(verify(&forged), Err(Error::AssertionInvalid));
            // The same JSON with another key order or spacing is other bytes.
            let reserialised = format!(r#"{{"challenge":"{CHALLENGE}","type":"key.create"}}"#);
            let spaced = format!(r#"{{"type": "key.create", "challenge": "{CHALLENGE}"}}"#);
            for sent_cd in [reserialised, spaced] {
                let sent = build(&client, &sent_cd, &cd, &pem, &pem);
                assert_eq!(verify(&sent), Err(Error::AssertionInvalid));
            }
            // A PEM re-wrapped or with a newline added: still the same key, not what was signed.
            let altered = [format!("{pem}\n"), pem.replace('\n', "\r\n")];
            for sent_pem in altered {
                let sent = build(&client, &cd, &cd, &sent_pem, &pem);
                assert_eq!(verify(&sent), Err(Error::AssertionInvalid), "{sent_pem:?}");
            }
        }
    }

    #[test]
    fn checks_type_and_challenge_after_the_signature() {
        let client = Client::of_kind(KeyKind::P256);
        let wrong_type = honest(&client, &browser_client_data("key.get", CHALLENGE));
        assert_eq!(
            verify(&wrong_type),
            Err(Error::bad_request(format!(
                "{FIELD}.clientData.type must be key.create"
            )))
        );
        let wrong_challenge = honest(&client, &browser_client_data(KEY_CREATE, "another"));
        assert_eq!(verify(&wrong_challenge), Err(Error::ChallengeInvalid));
        // Signed, but not the JSON it must be.
        let not_json = honest(&client, "not json");
        assert!(matches!(verify(&not_json), Err(Error::BadRequest(m)) if m.starts_with(FIELD)));
        // A wrong challenge under a bad signature answers the signature.
        let mut both = honest(&client, &browser_client_data(KEY_CREATE, "another"));
        both.client_data = URL_SAFE_NO_PAD.encode(browser_client_data(KEY_CREATE, "x"));
        assert_eq!(verify(&both), Err(Error::AssertionInvalid));
    }

    #[test]
    fn undecodable_fields_are_400_naming_the_field() {
        let client = Client::of_kind(KeyKind::Ed25519);
        let good = honest(&client, &browser_client_data(KEY_CREATE, CHALLENGE));
        let b64 = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let sig_b64 = URL_SAFE_NO_PAD.encode(client.sign(b"x"));
        let cases: Vec<(&str, Sent)> = vec![
            (
                "credId",
                Sent {
                    cred_id: String::new(),
                    ..honest(&client, "{}")
                },
            ),
            (
                "clientData",
                Sent {
                    client_data: "***".into(),
                    ..honest(&client, "{}")
                },
            ),
            (
                "attestationData",
                Sent {
                    attestation_data: "***".into(),
                    ..honest(&client, "{}")
                },
            ),
            (
                "attestationData",
                Sent {
                    attestation_data: b64(serde_json::json!({"publicKey": client.pem()})),
                    ..honest(&client, "{}")
                },
            ),
            (
                "attestationData.signature",
                Sent {
                    attestation_data: b64(
                        serde_json::json!({"publicKey": client.pem(), "signature": sig_b64}),
                    ),
                    ..honest(&client, "{}")
                },
            ),
            (
                "attestationData.publicKey",
                Sent {
                    attestation_data: b64(
                        serde_json::json!({"publicKey": "not a key", "signature": "00"}),
                    ),
                    ..honest(&client, "{}")
                },
            ),
        ];
        for (what, sent) in cases {
            let sent = Sent {
                client_data: if what == "clientData" {
                    sent.client_data
                } else {
                    good.client_data.clone()
                },
                ..sent
            };
            match verify(&sent) {
                Err(Error::BadRequest(m)) => {
                    assert!(m.starts_with(&format!("{FIELD}.{what} ")), "{what}: {m}")
                }
                other => panic!("{what}: {other:?}"),
            }
        }
    }

    #[test]
    fn hex_either_case_and_nothing_else() {
        assert_eq!(decode_hex("00fFa1"), Some(vec![0, 0xff, 0xa1]));
        assert_eq!(decode_hex(""), Some(vec![]));
        for bad in ["0", "zz", "0x00", "+1"] {
            assert_eq!(decode_hex(bad), None, "{bad}");
        }
    }
}
