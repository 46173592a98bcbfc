//! Key credential signatures: the key type decides the algorithm, whatever
//! the client's optional `algorithm` field says.
//!
//! ECDSA (P-256, secp256k1): SHA-256, DER. Ed25519: raw 64 bytes.
//! RSA: PKCS#1 v1.5 with SHA-256. All four are verified by aws-lc.

use aws_lc_rs::signature::{
    ParsedPublicKey, VerificationAlgorithm, ECDSA_P256K1_SHA256_ASN1, ECDSA_P256_SHA256_ASN1,
    ED25519, RSA_PKCS1_2048_8192_SHA256,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::domain::der::{self, SpkiAlgorithm};
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
/// Largest RSA modulus accepted: the most `RSA_PKCS1_2048_8192_SHA256`
/// verifies.
const MAX_RSA_BITS: usize = 8192;

const PEM_BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
const PEM_END: &str = "-----END PUBLIC KEY-----";

/// Encodings of the edwards25519 points of small order (1, 2, 4, 8) with
/// the sign bit cleared, and the non-canonical encodings of y = 0 and
/// y = 1 (as p and p + 1). A public key or an `R` among them (whatever its
/// sign bit) verifies nothing, as in ed25519-dalek's `verify_strict`: with
/// such a key, signatures can be made without the private key.
const ED25519_SMALL_ORDER: [[u8; 32]; 7] = [
    // y = 0 (order 4) and y = 1 (the identity).
    [0; 32],
    small_y(1),
    // The two y of the points of order 8.
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    // y = p - 1 (order 2), then y = p and y = p + 1.
    near_p(0xec),
    near_p(0xed),
    near_p(0xee),
];

/// `y` little-endian, for small `y`.
const fn small_y(y: u8) -> [u8; 32] {
    let mut out = [0; 32];
    out[0] = y;
    out
}

/// 2^255 - 19 + (low - 0xed), little-endian.
const fn near_p(low: u8) -> [u8; 32] {
    let mut out = [0xff; 32];
    out[0] = low;
    out[31] = 0x7f;
    out
}

/// True when `encoding` is one of `ED25519_SMALL_ORDER`, ignoring the sign bit.
fn ed25519_small_order(encoding: &[u8]) -> bool {
    let Some((&last, rest)) = encoding.split_last() else {
        return false;
    };
    ED25519_SMALL_ORDER
        .iter()
        .any(|point| point[..31] == *rest && point[31] == last & 0x7f)
}

/// A parsed credential public key.
pub struct PublicKey {
    key_type: KeyType,
    /// Parsed once, for every verification; `None` for an Ed25519 key of
    /// small order, which verifies nothing.
    key: Option<ParsedPublicKey>,
}

fn unsupported() -> Error {
    Error::bad_request(
        "public key must be a PEM SubjectPublicKeyInfo of a P-256, secp256k1, Ed25519 or RSA key",
    )
}

/// The `PUBLIC KEY` PEM of a DER SubjectPublicKeyInfo, base64 in lines
/// of 64 (RFC 7468).
pub fn der_to_pem(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = String::from(PEM_BEGIN);
    pem.push('\n');
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(PEM_END);
    pem.push('\n');
    pem
}

/// The DER inside a `PUBLIC KEY` PEM, however its base64 is wrapped.
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body = pem.trim().strip_prefix(PEM_BEGIN)?.strip_suffix(PEM_END)?;
    let base64: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    STANDARD.decode(base64).ok()
}

impl PublicKey {
    /// Parses a PEM SubjectPublicKeyInfo of any supported type.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let der = pem_der(pem).ok_or_else(unsupported)?;
        Self::from_der(&der)
    }

    /// Parses a DER SubjectPublicKeyInfo of any supported type.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let spki = der::parse_spki(der).ok_or_else(unsupported)?;
        let (key_type, algorithm): (KeyType, &'static dyn VerificationAlgorithm) =
            match spki.algorithm {
                SpkiAlgorithm::P256 => (KeyType::P256, &ECDSA_P256_SHA256_ASN1),
                SpkiAlgorithm::Secp256k1 => (KeyType::Secp256k1, &ECDSA_P256K1_SHA256_ASN1),
                SpkiAlgorithm::Ed25519 => (KeyType::Ed25519, &ED25519),
                SpkiAlgorithm::Rsa => {
                    let bits = der::rsa_modulus_bits(spki.key).ok_or_else(unsupported)?;
                    if bits < MIN_RSA_BITS {
                        return Err(Error::bad_request(
                            "RSA public keys must have at least 2048 bits",
                        ));
                    }
                    if bits > MAX_RSA_BITS {
                        return Err(Error::bad_request(
                            "RSA public keys must have at most 8192 bits",
                        ));
                    }
                    (KeyType::Rsa, &RSA_PKCS1_2048_8192_SHA256)
                }
            };
        // aws-lc checks the rest: the point is on the named curve, the
        // Ed25519 key is 32 bytes, the RSA key's exponent is sound.
        let key = ParsedPublicKey::new(algorithm, der).map_err(|_| unsupported())?;
        let usable = key_type != KeyType::Ed25519 || !ed25519_small_order(spki.key);
        Ok(Self {
            key_type,
            key: usable.then_some(key),
        })
    }

    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// True when `signature` is this key's signature over `message`.
    ///
    /// ECDSA accepts both high and low S (OpenSSL-based signers do not
    /// normalise S) but only DER, not the fixed 64-byte form. Ed25519 is
    /// strict: S below the group order (aws-lc), no small-order R or key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Some(key) = &self.key else {
            return false;
        };
        if self.key_type == KeyType::Ed25519
            && (signature.len() != 64 || ed25519_small_order(&signature[..32]))
        {
            return false;
        }
        key.verify_sig(message, signature).is_ok()
    }
}

#[cfg(test)]
mod tests;
