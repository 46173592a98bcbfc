//! Client-side credential keys of every kind the contract lists, made and
//! used with aws-lc. Shared by the unit tests and (through a `#[path]`
//! module) the integration tests, so there is one definition.
#![allow(dead_code)]

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256K1_SHA256_ASN1_SIGNING,
    ECDSA_P256_SHA256_ASN1_SIGNING, RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

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
    /// P-256 or secp256k1, signing DER.
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(aws_lc_rs::rsa::KeyPair),
}

impl TestKey {
    pub fn generate(kind: KeyKind) -> Self {
        match kind {
            KeyKind::P256 => TestKey::Ecdsa(
                EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).expect("p256 key"),
            ),
            KeyKind::Secp256k1 => TestKey::Ecdsa(
                EcdsaKeyPair::generate(&ECDSA_P256K1_SHA256_ASN1_SIGNING).expect("secp256k1 key"),
            ),
            KeyKind::Ed25519 => TestKey::Ed25519(Ed25519KeyPair::generate().expect("ed25519 key")),
            KeyKind::Rsa2048 => TestKey::Rsa(
                aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                    .expect("rsa key"),
            ),
        }
    }

    /// The SubjectPublicKeyInfo PEM, base64 in lines of 64.
    pub fn public_pem(&self) -> String {
        let der = match self {
            TestKey::Ecdsa(k) => k.public_key().as_der(),
            TestKey::Ed25519(k) => k.public_key().as_der(),
            TestKey::Rsa(k) => k.public_key().as_der(),
        }
        .expect("spki");
        let body = STANDARD.encode(der.as_ref());
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).expect("base64 is ascii"));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }

    /// The signature as the SDK key signers send it, base64url.
    pub fn sign_b64(&self, message: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.sign(message))
    }

    /// The signature as the SDK key signers make it: DER for ECDSA, raw
    /// for Ed25519, PKCS#1 v1.5 for RSA.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            TestKey::Ecdsa(k) => k.sign(&rng, message).expect("sign").as_ref().to_vec(),
            TestKey::Ed25519(k) => k.sign(message).as_ref().to_vec(),
            TestKey::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .expect("sign");
                sig
            }
        }
    }
}
