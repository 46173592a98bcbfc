//! Key credential signatures: the key type decides the algorithm, whatever
//! the client's optional `algorithm` field says.
//!
//! ECDSA (P-256, secp256k1): SHA-256, DER. Ed25519: raw 64 bytes.
//! RSA: PKCS#1 v1.5 with SHA-256.

use crate::error::Error;

/// Kinds of public key a Key credential may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    P256,
    Secp256k1,
    Ed25519,
    Rsa,
}

/// Smallest RSA modulus accepted at registration.
const MIN_RSA_BITS: usize = 2048;

/// A parsed credential public key.
pub enum PublicKey {
    P256(p256::ecdsa::VerifyingKey),
    Secp256k1(k256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(Box<rsa::RsaPublicKey>),
}

impl PublicKey {
    /// Parses a PEM SubjectPublicKeyInfo of any supported type.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        use p256::pkcs8::DecodePublicKey;
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(PublicKey::P256(k));
        }
        if let Ok(k) = k256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(PublicKey::Secp256k1(k));
        }
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
            return Ok(PublicKey::Ed25519(k));
        }
        if let Ok(k) = rsa::RsaPublicKey::from_public_key_pem(pem) {
            use rsa::traits::PublicKeyParts;
            if k.size() * 8 < MIN_RSA_BITS {
                return Err(Error::bad_request(
                    "RSA public keys must have at least 2048 bits",
                ));
            }
            return Ok(PublicKey::Rsa(Box::new(k)));
        }
        Err(Error::bad_request(
            "public key must be a PEM SubjectPublicKeyInfo of a P-256, secp256k1, Ed25519 or RSA key",
        ))
    }

    pub fn key_type(&self) -> KeyType {
        match self {
            PublicKey::P256(_) => KeyType::P256,
            PublicKey::Secp256k1(_) => KeyType::Secp256k1,
            PublicKey::Ed25519(_) => KeyType::Ed25519,
            PublicKey::Rsa(_) => KeyType::Rsa,
        }
    }

    /// True when `signature` is this key's signature over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier;
        match self {
            // aws-lc's assembly verifies about 4x faster than p256's field
            // arithmetic (the most common credential, on every user action);
            // like the other arms it accepts both high and low S.
            PublicKey::P256(k) => {
                use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};
                let point = k.to_encoded_point(false);
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point.as_bytes())
                    .verify(message, signature)
                    .is_ok()
            }
            // OpenSSL-based signers do not normalise S; k256 insists on low S.
            PublicKey::Secp256k1(k) => k256::ecdsa::Signature::from_der(signature)
                .map(|s| s.normalize_s().unwrap_or(s))
                .is_ok_and(|s| k.verify(message, &s).is_ok()),
            PublicKey::Ed25519(k) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|s| k.verify_strict(message, &s).is_ok()),
            PublicKey::Rsa(k) => {
                let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new((**k).clone());
                rsa::pkcs1v15::Signature::try_from(signature)
                    .is_ok_and(|s| key.verify(message, &s).is_ok())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer;
    use p256::pkcs8::EncodePublicKey;
    use rand_core::OsRng;

    const LF: p256::pkcs8::LineEnding = p256::pkcs8::LineEnding::LF;
    const MSG: &[u8] = br#"{"type":"key.get","challenge":"abc"}"#;

    fn check(pem: &str, kind: KeyType, good: &[u8], other_msg_sig: &[u8]) {
        let key = PublicKey::from_pem(pem).unwrap();
        assert_eq!(key.key_type(), kind);
        assert!(key.verify(MSG, good));
        assert!(!key.verify(b"something else", good));
        assert!(!key.verify(MSG, other_msg_sig));
        let mut flipped = good.to_vec();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(!key.verify(MSG, &flipped));
        assert!(!key.verify(MSG, &[]));
    }

    #[test]
    fn p256_der() {
        let sk = p256::ecdsa::SigningKey::random(&mut OsRng);
        let pem = sk.verifying_key().to_public_key_pem(LF).unwrap();
        let sig: p256::ecdsa::Signature = sk.sign(MSG);
        let other: p256::ecdsa::Signature = sk.sign(b"x");
        check(
            &pem,
            KeyType::P256,
            sig.to_der().as_bytes(),
            other.to_der().as_bytes(),
        );
        // JOSE's fixed 64-byte form is not DER and is refused.
        assert!(!PublicKey::from_pem(&pem)
            .unwrap()
            .verify(MSG, &sig.to_bytes()));
        // High S (n - S), as OpenSSL-based signers may send, is accepted.
        let (r, s) = sig.split_scalars();
        let high = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
        assert_ne!(high, sig);
        assert!(PublicKey::from_pem(&pem)
            .unwrap()
            .verify(MSG, high.to_der().as_bytes()));
    }

    #[test]
    fn secp256k1_der_with_high_s() {
        let sk = k256::ecdsa::SigningKey::random(&mut OsRng);
        let pem = sk.verifying_key().to_public_key_pem(LF).unwrap();
        let sig: k256::ecdsa::Signature = sk.sign(MSG);
        let other: k256::ecdsa::Signature = sk.sign(b"x");
        check(
            &pem,
            KeyType::Secp256k1,
            sig.to_der().as_bytes(),
            other.to_der().as_bytes(),
        );
        // The same signature with S = n - S, as OpenSSL may produce.
        let (r, s) = sig.split_scalars();
        let high = k256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
        assert!(PublicKey::from_pem(&pem)
            .unwrap()
            .verify(MSG, high.to_der().as_bytes()));
    }

    #[test]
    fn ed25519_raw() {
        use ed25519_dalek::pkcs8::EncodePublicKey as _;
        use ed25519_dalek::Signer as _;
        let sk =
            ed25519_dalek::SigningKey::from_bytes(&crate::domain::secret::random_bytes::<32>());
        let pem = sk.verifying_key().to_public_key_pem(LF).unwrap();
        check(
            &pem,
            KeyType::Ed25519,
            &sk.sign(MSG).to_bytes(),
            &sk.sign(b"x").to_bytes(),
        );
    }

    #[test]
    fn rsa_pkcs1v15_sha256() {
        use rsa::signature::{SignatureEncoding, Signer as _};
        let sk = rsa::RsaPrivateKey::new(&mut OsRng, 2048).unwrap();
        let pem = sk.to_public_key().to_public_key_pem(LF).unwrap();
        let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(sk);
        check(
            &pem,
            KeyType::Rsa,
            &signer.sign(MSG).to_vec(),
            &signer.sign(b"x").to_vec(),
        );
    }

    #[test]
    fn rejects_garbage_and_small_rsa() {
        assert!(PublicKey::from_pem("not a key").is_err());
        let small = rsa::RsaPrivateKey::new(&mut OsRng, 1024).unwrap();
        let pem = small.to_public_key().to_public_key_pem(LF).unwrap();
        assert!(PublicKey::from_pem(&pem).is_err());
    }
}
