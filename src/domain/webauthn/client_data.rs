//! `clientDataJSON` of a WebAuthn ceremony (W3C WebAuthn L2 §5.8.1),
//! checked on the raw bytes as received.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

use crate::error::Error;

/// `clientDataJSON.type` of a registration.
pub const CREATE: &str = "webauthn.create";
/// `clientDataJSON.type` of an assertion.
pub const GET: &str = "webauthn.get";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientDataJson {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(default)]
    cross_origin: Option<bool>,
}

/// What the rest of the ceremony needs from checked client data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedClientData {
    pub origin: String,
}

/// True when the clientData's `challenge` stands for the issued challenge
/// `issued`: either base64url(utf8(issued)) (the Dfns browser signer
/// passes the challenge string's bytes) or `issued` itself (mobile signers
/// decode it as base64url first, and WebAuthn encodes those bytes back).
pub fn names_challenge(in_client_data: &str, issued: &str) -> bool {
    in_client_data == issued || in_client_data == URL_SAFE_NO_PAD.encode(issued.as_bytes())
}

/// Checks type, challenge and `crossOrigin`; `field` names the clientData
/// in a 400. The origin is the caller's to check against the org's parties.
pub fn check(
    bytes: &[u8],
    field: &str,
    kind: &str,
    issued: &str,
) -> Result<CheckedClientData, Error> {
    let data: ClientDataJson = serde_json::from_slice(bytes).map_err(|_| {
        Error::bad_request(format!(
            "{field} must be base64url of a JSON object with type, challenge and origin"
        ))
    })?;
    if data.kind != kind {
        return Err(Error::bad_request(format!("{field}.type must be {kind}")));
    }
    if !names_challenge(&data.challenge, issued) {
        return Err(Error::ChallengeInvalid);
    }
    if data.cross_origin == Some(true) {
        return Err(Error::AssertionInvalid);
    }
    Ok(CheckedClientData {
        origin: data.origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: &str = "Y2hhbGxlbmdlLWJ5dGVzLTE2Kw";

    fn json(kind: &str, challenge: &str, extra: &str) -> Vec<u8> {
        format!(r#"{{"type":"{kind}","challenge":"{challenge}","origin":"https://app.example.com"{extra}}}"#)
            .into_bytes()
    }

    #[test]
    fn both_challenge_encodings_are_accepted() {
        let utf8 = URL_SAFE_NO_PAD.encode(C);
        for challenge in [C, utf8.as_str()] {
            let checked = check(&json(GET, challenge, ""), "clientData", GET, C).unwrap();
            assert_eq!(checked.origin, "https://app.example.com");
        }
        assert!(check(&json(GET, C, r#","crossOrigin":false"#), "f", GET, C).is_ok());
    }

    #[test]
    fn type_challenge_and_cross_origin_are_refused() {
        assert_eq!(
            check(&json(CREATE, C, ""), "clientData", GET, C),
            Err(Error::bad_request("clientData.type must be webauthn.get"))
        );
        assert_eq!(
            check(&json(GET, "other", ""), "f", GET, C),
            Err(Error::ChallengeInvalid)
        );
        // The raw bytes of C, base64url'd: neither reading.
        let raw = URL_SAFE_NO_PAD.encode(URL_SAFE_NO_PAD.decode(C).unwrap());
        assert_eq!(raw, C);
        assert_eq!(
            check(&json(GET, &format!("{C}A"), ""), "f", GET, C),
            Err(Error::ChallengeInvalid)
        );
        assert_eq!(
            check(&json(GET, C, r#","crossOrigin":true"#), "f", GET, C),
            Err(Error::AssertionInvalid)
        );
        for bad in [
            &b"{}"[..],
            b"not json",
            br#"{"type":"webauthn.get","challenge":"x"}"#,
        ] {
            assert!(matches!(check(bad, "f", GET, C), Err(Error::BadRequest(_))));
        }
    }
}
