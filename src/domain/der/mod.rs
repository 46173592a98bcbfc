//! The little DER this service reads: SubjectPublicKeyInfo (RFC 5280
//! §4.1.2.7) of credential and issuer keys, RSAPublicKey (RFC 8017 §A.1.1)
//! for the modulus size, and ECDSA-Sig-Value (RFC 3279 §2.2.3) as KMS
//! returns it.
//!
//! Strict DER only: definite, minimally encoded lengths, minimal positive
//! INTEGERs, nothing left over. Anything else is `None`, never a panic.
//! This only identifies and slices; aws-lc still validates every key it
//! is handed (point on the curve, RSA exponent, ...).

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
/// A certificate's `[0] EXPLICIT` version.
const EXPLICIT_0: u8 = 0xa0;

/// id-ecPublicKey, 1.2.840.10045.2.1 (RFC 5480).
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// The namedCurve parameter secp256r1 / prime256v1, 1.2.840.10045.3.1.7,
/// as a whole TLV.
const PARAMS_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// The namedCurve parameter secp256k1, 1.3.132.0.10, as a whole TLV.
const PARAMS_SECP256K1: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a];
/// id-Ed25519, 1.3.101.112 (RFC 8410: parameters absent).
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// rsaEncryption, 1.2.840.113549.1.1.1 (RFC 3279: parameters NULL).
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const PARAMS_NULL: &[u8] = &[0x05, 0x00];

/// The order n of the P-256 group, big-endian (SEC 2 §2.4.2).
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// The public key algorithms (and curves) a SubjectPublicKeyInfo may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpkiAlgorithm {
    P256,
    Secp256k1,
    Ed25519,
    Rsa,
}

/// A SubjectPublicKeyInfo: the algorithm and the subjectPublicKey bits
/// (a SEC 1 point, 32 raw Ed25519 bytes, or an RSAPublicKey).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spki<'a> {
    pub algorithm: SpkiAlgorithm,
    pub key: &'a [u8],
}

/// Parses a SubjectPublicKeyInfo of one of the supported algorithms.
pub(crate) fn parse_spki(der: &[u8]) -> Option<Spki<'_>> {
    let mut outer = Reader::new(whole(der, SEQUENCE)?);
    let mut algorithm_id = Reader::new(outer.read(SEQUENCE)?);
    let bits = outer.read(BIT_STRING)?;
    outer.finish()?;
    let oid = algorithm_id.read(OID)?;
    let params = algorithm_id.rest;
    let algorithm = match (oid, params) {
        (OID_EC_PUBLIC_KEY, PARAMS_P256) => SpkiAlgorithm::P256,
        (OID_EC_PUBLIC_KEY, PARAMS_SECP256K1) => SpkiAlgorithm::Secp256k1,
        (OID_ED25519, []) => SpkiAlgorithm::Ed25519,
        (OID_RSA_ENCRYPTION, PARAMS_NULL) => SpkiAlgorithm::Rsa,
        _ => return None,
    };
    // A key is a whole number of bytes: no unused bits.
    let (&0, key) = bits.split_first()? else {
        return None;
    };
    Some(Spki { algorithm, key })
}

/// The exact bit length of an RSAPublicKey's modulus.
pub(crate) fn rsa_modulus_bits(rsa_public_key: &[u8]) -> Option<usize> {
    let mut fields = Reader::new(whole(rsa_public_key, SEQUENCE)?);
    let modulus = positive_integer(fields.read(INTEGER)?)?;
    positive_integer(fields.read(INTEGER)?)?;
    fields.finish()?;
    let (&first, _) = modulus.split_first()?;
    Some(modulus.len() * 8 - first.leading_zeros() as usize)
}

/// The fixed-width `r || s` (RFC 7518 §3.4, what ES256 carries) of a DER
/// ECDSA-Sig-Value over P-256; `r` and `s` must lie in `[1, n)`.
pub fn p256_signature_to_fixed(der: &[u8]) -> Option<[u8; 64]> {
    let mut fields = Reader::new(whole(der, SEQUENCE)?);
    let r = positive_integer(fields.read(INTEGER)?)?;
    let s = positive_integer(fields.read(INTEGER)?)?;
    fields.finish()?;
    let mut out = [0u8; 64];
    let (r_half, s_half) = out.split_at_mut(32);
    for (value, half) in [(r, r_half), (s, s_half)] {
        if value.is_empty() || value.len() > 32 {
            return None;
        }
        half[32 - value.len()..].copy_from_slice(value);
        // Equal-length big-endian byte strings compare as the numbers do.
        if *half >= P256_ORDER[..] {
            return None;
        }
    }
    Some(out)
}

/// The contents of `input` when it is exactly one `tag` TLV.
fn whole(input: &[u8], tag: u8) -> Option<&[u8]> {
    let mut reader = Reader::new(input);
    let contents = reader.read(tag)?;
    reader.finish()?;
    Some(contents)
}

/// The magnitude of a DER INTEGER's contents, without the sign octet;
/// empty for zero. Negative and non-minimal encodings are refused.
fn positive_integer(contents: &[u8]) -> Option<&[u8]> {
    match contents {
        [] => None,
        [first, ..] if first & 0x80 != 0 => None,
        [0] => Some(&[]),
        [0, second, ..] if second & 0x80 == 0 => None,
        [0, rest @ ..] => Some(rest),
        _ => Some(contents),
    }
}

/// Reads TLVs off the front of a byte string.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    /// The contents of the next TLV, which must have tag `tag`.
    fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&actual, rest) = self.rest.split_first()?;
        if actual != tag {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = match first {
            0..=0x7f => usize::from(first),
            // Long form of one or two octets, each the shortest possible;
            // nothing this service reads comes near 64 KiB.
            0x81 => {
                let (&len, after) = rest.split_first()?;
                rest = after;
                if len < 0x80 {
                    return None;
                }
                usize::from(len)
            }
            0x82 => {
                let (len, after) = rest.split_first_chunk::<2>()?;
                rest = after;
                let len = usize::from(u16::from_be_bytes(*len));
                if len < 0x100 {
                    return None;
                }
                len
            }
            // Indefinite length (0x80) is BER, and longer forms are too big.
            _ => return None,
        };
        if rest.len() < len {
            return None;
        }
        let (contents, rest) = rest.split_at(len);
        self.rest = rest;
        Some(contents)
    }

    /// `Some` when nothing is left.
    fn finish(&self) -> Option<()> {
        self.rest.is_empty().then_some(())
    }
}

/// The SubjectPublicKeyInfo, as a whole TLV, of an X.509 certificate
/// (RFC 5280 §4.1): only sliced out, the certificate is not validated.
pub(crate) fn certificate_spki(cert: &[u8]) -> Option<&[u8]> {
    let mut outer = Reader::new(whole(cert, SEQUENCE)?);
    let mut tbs = Reader::new(outer.read(SEQUENCE)?);
    if tbs.rest.first() == Some(&EXPLICIT_0) {
        tbs.read(EXPLICIT_0)?; // version
    }
    tbs.read(INTEGER)?; // serialNumber
    for _ in 0..4 {
        tbs.read(SEQUENCE)?; // signature, issuer, validity, subject
    }
    let before = tbs.rest;
    tbs.read(SEQUENCE)?;
    Some(&before[..before.len() - tbs.rest.len()])
}

/// DER builders, the inverse of the readers above: a credential's COSE key
/// becomes the SubjectPublicKeyInfo every key here is stored as.
pub(crate) mod build {
    /// One TLV with a minimally encoded length (contents under 64 KiB).
    pub fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match u8::try_from(contents.len()) {
            Ok(len) if len < 0x80 => out.push(len),
            Ok(len) => out.extend([0x81, len]),
            Err(_) => {
                out.push(0x82);
                out.extend(
                    u16::try_from(contents.len())
                        .unwrap_or(u16::MAX)
                        .to_be_bytes(),
                );
            }
        }
        out.extend_from_slice(contents);
        out
    }

    /// A minimal positive INTEGER of big-endian `magnitude`.
    pub fn integer(magnitude: &[u8]) -> Vec<u8> {
        let start = magnitude
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(magnitude.len());
        let mut contents = magnitude[start..].to_vec();
        if contents.first().is_none_or(|&b| b & 0x80 != 0) {
            contents.insert(0, 0);
        }
        tlv(super::INTEGER, &contents)
    }

    /// A SubjectPublicKeyInfo from the algorithm OID's contents, the
    /// parameters as whole TLVs (or nothing), and the key bytes.
    pub fn spki(oid: &[u8], params: &[u8], key: &[u8]) -> Vec<u8> {
        let algorithm = tlv(super::SEQUENCE, &[&tlv(super::OID, oid), params].concat());
        let bits = tlv(super::BIT_STRING, &[&[0u8][..], key].concat());
        tlv(super::SEQUENCE, &[algorithm, bits].concat())
    }

    /// An RSA SubjectPublicKeyInfo of modulus `n` and exponent `e`.
    pub fn rsa_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
        let key = tlv(super::SEQUENCE, &[integer(n), integer(e)].concat());
        spki(super::OID_RSA_ENCRYPTION, super::PARAMS_NULL, &key)
    }

    /// An EC SubjectPublicKeyInfo on P-256 (`k1 = false`) or secp256k1.
    pub fn ec_spki(k1: bool, point: &[u8]) -> Vec<u8> {
        let params = if k1 {
            super::PARAMS_SECP256K1
        } else {
            super::PARAMS_P256
        };
        spki(super::OID_EC_PUBLIC_KEY, params, point)
    }
}

/// DER for tests: the builders, and a curve-agnostic split of ECDSA
/// signatures.
#[cfg(test)]
pub(crate) mod testing {
    pub use super::build::{ec_spki, integer, rsa_spki, spki, tlv};

    /// A DER ECDSA-Sig-Value.
    pub fn ecdsa_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
        tlv(super::SEQUENCE, &[integer(r), integer(s)].concat())
    }

    /// `r` and `s` of a DER ECDSA-Sig-Value on any curve, big-endian and
    /// left-padded to 32 bytes.
    pub fn ecdsa_signature_parts(der: &[u8]) -> ([u8; 32], [u8; 32]) {
        let mut fields = super::Reader::new(super::whole(der, super::SEQUENCE).unwrap());
        let mut part = || {
            let value = super::positive_integer(fields.read(super::INTEGER).unwrap()).unwrap();
            let mut out = [0u8; 32];
            out[32 - value.len()..].copy_from_slice(value);
            out
        };
        let r = part();
        let s = part();
        fields.finish().unwrap();
        (r, s)
    }

    /// An Ed25519 SubjectPublicKeyInfo.
    pub fn ed25519_spki(key: &[u8]) -> Vec<u8> {
        spki(super::OID_ED25519, &[], key)
    }
}

#[cfg(test)]
mod tests;
