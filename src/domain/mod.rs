//! Pure rules of the service: no AWS, no HTTP. The ports say what the
//! rules need from the outside world.

pub mod attestation;
pub mod audit;
pub mod bearer;
pub mod client_data;
pub mod credential;
pub mod credentials;
pub mod der;
pub mod ids;
pub mod limits;
pub mod model;
pub mod nonce;
pub mod payload;
pub mod permissions;
pub mod ports;
pub mod registration;
pub mod secret;
pub mod time;
pub mod token;
pub mod username;
pub mod verified_tokens;
pub mod webauthn;

/// Decodes base64url, padded or not.
pub fn decode_base64url(value: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')).ok()
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
