//! Client-side credential keys of every kind the contract lists.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::pkcs8::{EncodePublicKey, LineEnding};
use rand_core::OsRng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    P256,
    Secp256k1,
    Ed25519,
    Rsa2048,
}

pub const ALL_KINDS: [KeyKind; 4] = [
    KeyKind::P256,
    KeyKind::Secp256k1,
    KeyKind::Ed25519,
    KeyKind::Rsa2048,
];

pub enum TestKey {
    P256(p256::ecdsa::SigningKey),
    Secp256k1(k256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(
        Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>,
        rsa::RsaPublicKey,
    ),
}

impl TestKey {
    pub fn generate(kind: KeyKind) -> Self {
        match kind {
            KeyKind::P256 => TestKey::P256(p256::ecdsa::SigningKey::random(&mut OsRng)),
            KeyKind::Secp256k1 => TestKey::Secp256k1(k256::ecdsa::SigningKey::random(&mut OsRng)),
            KeyKind::Ed25519 => {
                let mut seed = [0u8; 32];
                rand_core::RngCore::fill_bytes(&mut OsRng, &mut seed);
                TestKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
            KeyKind::Rsa2048 => {
                let sk = rsa::RsaPrivateKey::new(&mut OsRng, 2048).expect("rsa key");
                let pk = sk.to_public_key();
                TestKey::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(sk)), pk)
            }
        }
    }

    pub fn public_pem(&self) -> String {
        match self {
            TestKey::P256(k) => k.verifying_key().to_public_key_pem(LineEnding::LF),
            TestKey::Secp256k1(k) => k.verifying_key().to_public_key_pem(LineEnding::LF),
            TestKey::Ed25519(k) => ed25519_dalek::pkcs8::EncodePublicKey::to_public_key_pem(
                &k.verifying_key(),
                LineEnding::LF,
            ),
            TestKey::Rsa(_, pk) => pk.to_public_key_pem(LineEnding::LF),
        }
        .expect("pem")
    }

    /// The signature as the SDK key signers send it: DER for ECDSA, raw
    /// for Ed25519, PKCS#1 v1.5 for RSA; base64url.
    pub fn sign_b64(&self, message: &[u8]) -> String {
        use p256::ecdsa::signature::{SignatureEncoding, Signer};
        let bytes: Vec<u8> = match self {
            TestKey::P256(k) => Signer::<p256::ecdsa::Signature>::sign(k, message)
                .to_der()
                .as_bytes()
                .to_vec(),
            TestKey::Secp256k1(k) => Signer::<k256::ecdsa::Signature>::sign(k, message)
                .to_der()
                .as_bytes()
                .to_vec(),
            TestKey::Ed25519(k) => Signer::<ed25519_dalek::Signature>::sign(k, message)
                .to_bytes()
                .to_vec(),
            TestKey::Rsa(k, _) => {
                Signer::<rsa::pkcs1v15::Signature>::sign(k.as_ref(), message).to_vec()
            }
        };
        URL_SAFE_NO_PAD.encode(bytes)
    }
}
