//! The user action token `/auth/action` hands out: the challenge
//! identifier it was signed for, a dot, and a fresh secret disclosed only
//! when the signature verified. Opaque to the SDKs, which send it back
//! as they got it. The replay table knows both halves by digest only: the
//! challenge's item is found by the first, and the second proves that the
//! request which signed it succeeded.

use crate::domain::secret::{new_opaque_token, SecretDigest};

/// A user action token's two halves, as the replay table knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserActionKey {
    /// Digest of the challenge identifier: the item's key.
    pub challenge: SecretDigest,
    /// Digest of the secret disclosed on success.
    pub secret: SecretDigest,
}

/// A fresh secret for the challenge named `identifier`: the token to hand
/// out, and the digest to record in the same write that marks it signed.
pub fn new_user_action(identifier: &str) -> (String, SecretDigest) {
    let secret = new_opaque_token();
    let digest = SecretDigest::of(secret.as_bytes());
    (format!("{identifier}.{secret}"), digest)
}

/// The halves of a token, or `None` for anything this service never
/// issued the shape of (it is then simply invalid).
pub fn parse_user_action(token: &str) -> Option<UserActionKey> {
    let (identifier, secret) = token.split_once('.')?;
    if identifier.is_empty() || secret.is_empty() {
        return None;
    }
    Some(UserActionKey {
        challenge: SecretDigest::of(identifier.as_bytes()),
        secret: SecretDigest::of(secret.as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_challenge_and_its_secret() {
        let (token, secret) = new_user_action("the-identifier");
        let key = parse_user_action(&token).unwrap();
        assert_eq!(key.challenge, SecretDigest::of(b"the-identifier"));
        assert_eq!(key.secret, secret);
        // A second token for the same challenge has another secret.
        let (again, other) = new_user_action("the-identifier");
        assert_ne!(token, again);
        assert_ne!(secret, other);
    }

    #[test]
    fn other_shapes_are_no_token() {
        for token in ["", "made-up", ".secret", "identifier.", "."] {
            assert_eq!(parse_user_action(token), None, "{token:?}");
        }
    }
}
