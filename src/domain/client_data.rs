//! The `clientData` of a Key credential assertion: parsed only after its
//! signature has been checked over the raw bytes.

use serde::Deserialize;

use crate::error::Error;

#[derive(Deserialize)]
struct ClientDataJson {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
}

/// Checks that the signed client data is a `key.get` for `challenge`.
pub fn check_client_data(bytes: &[u8], challenge: &str) -> Result<(), Error> {
    check_client_data_of(bytes, "key.get", challenge)
}

/// Checks that the signed client data is of `kind` (`key.get`,
/// `key.create`) and names `challenge`.
pub fn check_client_data_of(bytes: &[u8], kind: &str, challenge: &str) -> Result<(), Error> {
    let data: ClientDataJson = serde_json::from_slice(bytes).map_err(|_| {
        Error::bad_request("clientData must be base64url of a JSON object with type and challenge")
    })?;
    if data.kind != kind {
        return Err(Error::bad_request(format!(
            "clientData.type must be {kind}"
        )));
    }
    if data.challenge != challenge {
        return Err(Error::ChallengeInvalid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_each_sdk_shape() {
        for cd in [
            r#"{"type":"key.get","challenge":"c1"}"#,
            r#"{"type":"key.get","challenge":"c1","origin":"https://app.dfns.io","crossOrigin":false}"#,
            r#"{"challenge":"c1","crossOrigin":false,"origin":"https://app.dfns.io","type":"key.get"}"#,
        ] {
            assert_eq!(check_client_data(cd.as_bytes(), "c1"), Ok(()), "{cd}");
        }
    }

    #[test]
    fn rejects_wrong_type_challenge_or_shape() {
        assert!(matches!(
            check_client_data(br#"{"type":"webauthn.get","challenge":"c1"}"#, "c1"),
            Err(Error::BadRequest(_))
        ));
        assert_eq!(
            check_client_data(br#"{"type":"key.get","challenge":"c2"}"#, "c1"),
            Err(Error::ChallengeInvalid)
        );
        for bad in [
            &b"not json"[..],
            b"[]",
            br#"{"type":"key.get"}"#,
            br#"{"type":1,"challenge":"c1"}"#,
        ] {
            assert!(matches!(
                check_client_data(bad, "c1"),
                Err(Error::BadRequest(_))
            ));
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_accepts_only_its_challenge(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
            challenge in "[A-Za-z0-9_-]{1,43}",
            extra in "\\PC{0,16}",
        ) {
            let _ = check_client_data(&bytes, &challenge);
            let good = serde_json::json!({"type": "key.get", "challenge": challenge, "x": extra}).to_string();
            proptest::prop_assert_eq!(check_client_data(good.as_bytes(), &challenge), Ok(()));
            let other = format!("{challenge}x");
            proptest::prop_assert_eq!(check_client_data(good.as_bytes(), &other), Err(Error::ChallengeInvalid));
        }
    }
}
