//! `X-DFNS-NONCE`: base64url (padded or not) of `{"uuid": ..., "date": ...}`.

use serde::Deserialize;

use crate::domain::decode_base64url;
use crate::domain::secret::SecretDigest;
use crate::domain::time::UnixTime;
use crate::error::Error;

/// Headers longer than this are rejected before decoding.
const MAX_HEADER_LEN: usize = 1024;
const MIN_UUID_LEN: usize = 13;

/// Whether a request must carry a nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoncePolicy {
    /// The seed's rule: every POST carries a fresh nonce.
    Required,
    /// Current SDKs send none; validate and record one when present.
    Optional,
}

/// A syntactically valid nonce whose date is inside the replay window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nonce {
    /// Storage key: digest of the uuid, so the value itself is never stored.
    pub key: SecretDigest,
    /// Until when the nonce must stay recorded.
    pub expires_at: UnixTime,
}

#[derive(Deserialize)]
struct NonceJson {
    uuid: String,
    date: String,
}

/// Checks the header against the policy and the window around `now`.
/// `Ok(None)` only when the header is absent and the policy allows it.
pub fn check_nonce(
    header: Option<&str>,
    policy: NoncePolicy,
    window_secs: i64,
    now: UnixTime,
) -> Result<Option<Nonce>, Error> {
    let Some(raw) = header else {
        return match policy {
            NoncePolicy::Required => Err(Error::NonceInvalid),
            NoncePolicy::Optional => Ok(None),
        };
    };
    parse_nonce(raw, window_secs, now.as_secs())
        .map(Some)
        .ok_or(Error::NonceInvalid)
}

fn parse_nonce(raw: &str, window_secs: i64, now: i64) -> Option<Nonce> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_HEADER_LEN {
        return None;
    }
    let bytes = decode_base64url(raw)?;
    let json: NonceJson = serde_json::from_slice(&bytes).ok()?;
    if json.uuid.chars().count() < MIN_UUID_LEN {
        return None;
    }
    let date = chrono::DateTime::parse_from_rfc3339(&json.date)
        .ok()?
        .timestamp();
    if (date - now).abs() > window_secs {
        return None;
    }
    // Stays recorded while its date is inside the window, whichever way
    // the clocks are skewed.
    let expires_at = date.max(now) + window_secs;
    Some(Nonce {
        key: SecretDigest::of(json.uuid.as_bytes()),
        expires_at: UnixTime::from_secs(expires_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::secret::digest_hex;
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    use chrono::{TimeZone, Utc};

    const NOW: i64 = 1_800_000_000;

    fn encode(json: &str, padded: bool) -> String {
        if padded {
            URL_SAFE.encode(json)
        } else {
            URL_SAFE_NO_PAD.encode(json)
        }
    }

    fn iso(ts: i64) -> String {
        Utc.timestamp_opt(ts, 0)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    fn nonce_at(ts: i64) -> String {
        encode(
            &format!(
                r#"{{"uuid":"0f6a3b7c-8d9e-4f00-a1b2-c3d4e5f60718","date":"{}"}}"#,
                iso(ts)
            ),
            false,
        )
    }

    #[test]
    fn accepts_padded_and_unpadded() {
        let json = r#"{"uuid":"0f6a3b7c-8d9e-4f00","date":"2027-01-15T08:00:00.000Z"}"#;
        let ts = chrono::DateTime::parse_from_rfc3339("2027-01-15T08:00:00Z")
            .unwrap()
            .timestamp();
        for padded in [true, false] {
            let n = check_nonce(
                Some(&encode(json, padded)),
                NoncePolicy::Required,
                300,
                UnixTime::from_secs(ts),
            )
            .unwrap()
            .unwrap();
            assert_eq!(n.expires_at.as_secs(), ts + 300);
            assert_eq!(n.key.as_str(), digest_hex(b"0f6a3b7c-8d9e-4f00"));
        }
    }

    #[test]
    fn absence_follows_policy() {
        assert_eq!(
            check_nonce(None, NoncePolicy::Required, 300, UnixTime::from_secs(NOW)),
            Err(Error::NonceInvalid)
        );
        assert_eq!(
            check_nonce(None, NoncePolicy::Optional, 300, UnixTime::from_secs(NOW)),
            Ok(None)
        );
    }

    #[test]
    fn window_edges_in_both_directions() {
        for ts in [NOW - 300, NOW + 300, NOW] {
            assert!(
                check_nonce(
                    Some(&nonce_at(ts)),
                    NoncePolicy::Required,
                    300,
                    UnixTime::from_secs(NOW)
                )
                .is_ok(),
                "{ts}"
            );
        }
        for ts in [NOW - 301, NOW + 301] {
            assert_eq!(
                check_nonce(
                    Some(&nonce_at(ts)),
                    NoncePolicy::Optional,
                    300,
                    UnixTime::from_secs(NOW)
                ),
                Err(Error::NonceInvalid),
                "{ts}"
            );
        }
    }

    #[test]
    fn future_nonce_stays_recorded_past_its_date() {
        let n = check_nonce(
            Some(&nonce_at(NOW + 100)),
            NoncePolicy::Required,
            300,
            UnixTime::from_secs(NOW),
        )
        .unwrap()
        .unwrap();
        assert_eq!(n.expires_at.as_secs(), NOW + 400);
    }

    #[test]
    fn rejects_malformed_values() {
        let cases = [
            String::new(),
            "not base64 !!".to_string(),
            encode("not json", false),
            encode(r#"{"uuid":"short","date":"2027-01-15T08:00:00Z"}"#, false),
            encode(r#"{"uuid":"long-enough-uuid","date":"yesterday"}"#, false),
            encode(
                r#"{"uuid":"long-enough-uuid","date":"2027-02-30T08:00:00Z"}"#,
                false,
            ),
            encode(
                r#"{"uuid":12345678901234,"date":"2027-01-15T08:00:00Z"}"#,
                false,
            ),
            encode(r#"{"date":"2027-01-15T08:00:00Z"}"#, false),
            "A".repeat(5000),
        ];
        for raw in cases {
            assert_eq!(
                check_nonce(
                    Some(&raw),
                    NoncePolicy::Optional,
                    i64::MAX / 4,
                    UnixTime::from_secs(NOW)
                ),
                Err(Error::NonceInvalid),
                "{raw}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_header(raw in ".{0,2000}") {
            let _ = check_nonce(Some(&raw), NoncePolicy::Required, 300, UnixTime::from_secs(NOW));
        }

        #[test]
        fn never_panics_on_any_decoded_json(json in "\\PC{0,300}") {
            let _ = check_nonce(Some(&encode(&json, false)), NoncePolicy::Required, 300, UnixTime::from_secs(NOW));
        }

        #[test]
        fn any_long_uuid_dated_inside_the_window_is_accepted(
            uuid in "[a-zA-Z0-9-]{13,64}",
            offset in -300i64..=300,
            padded: bool,
        ) {
            let json = serde_json::json!({"uuid": uuid, "date": iso(NOW + offset)}).to_string();
            let n = check_nonce(Some(&encode(&json, padded)), NoncePolicy::Required, 300, UnixTime::from_secs(NOW))
                .unwrap()
                .unwrap();
            proptest::prop_assert_eq!(n.key.as_str(), digest_hex(uuid.as_bytes()));
            proptest::prop_assert!(n.expires_at.as_secs() >= NOW + 300);
        }

        #[test]
        fn any_date_outside_the_window_is_refused(uuid in "[a-z0-9]{13,40}", offset in 301i64..100_000, sign: bool) {
            let date = if sign { NOW + offset } else { NOW - offset };
            let json = serde_json::json!({"uuid": uuid, "date": iso(date)}).to_string();
            proptest::prop_assert_eq!(
                check_nonce(Some(&encode(&json, false)), NoncePolicy::Optional, 300, UnixTime::from_secs(NOW)),
                Err(Error::NonceInvalid)
            );
        }
    }
}
