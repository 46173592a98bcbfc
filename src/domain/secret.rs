//! Random secrets and their storage keys.
//!
//! Opaque bearer-like values (challenge identifiers, user action tokens) are
//! stored only as SHA-256 digests, so a copy of the replay table cannot be
//! replayed.

use std::fmt::Write;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// `N` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS RNG failing is unrecoverable for an authentication service.
    getrandom::fill(&mut buf).expect("operating system random source unavailable");
    buf
}

/// A fresh 256-bit opaque token, base64url without padding.
pub fn new_opaque_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// SHA-256 of `value`: what a secret is known by once it is checked.
pub fn digest(value: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, value).as_ref());
    out
}

/// Lowercase hex SHA-256 of `value`: the storage key of a secret value.
pub fn digest_hex(value: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    for b in digest(value) {
        // Writing into a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The SHA-256 (lowercase hex) a secret value is stored and looked up
/// by: challenge identifiers, user action tokens, nonces, bindings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretDigest(String);

impl SecretDigest {
    /// The digest of `value`.
    pub fn of(value: &[u8]) -> Self {
        Self(digest_hex(value))
    }

    /// A stored digest: 64 lowercase hex digits.
    pub fn parse(value: &str) -> Option<Self> {
        (value.len() == 64
            && value
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A secret value (bearer token, user action, nonce, challenge, issued
/// token) whose `Debug` never shows it, so `debug!(?request)` leaks
/// nothing. Serialises as the bare value: answers still carry it.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Redacted<T>(T);

impl<T> Redacted<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself: every use is a visible call.
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> From<T> for Redacted<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            digest_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn opaque_tokens_are_unique_and_urlsafe() {
        let a = new_opaque_token();
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(a, new_opaque_token());
    }

    #[test]
    fn redacted_values_never_print() {
        let secret = Redacted::new("top-secret-value".to_string());
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(
            serde_json::to_string(&secret).unwrap(),
            r#""top-secret-value""#
        );
    }

    #[test]
    fn digests_parse_only_their_shape() {
        let d = SecretDigest::of(b"abc");
        assert_eq!(SecretDigest::parse(d.as_str()), Some(d));
        assert!(SecretDigest::parse("ABC").is_none());
    }
}
