//! A passkey's COSE public key (RFC 9052 §7, RFC 9053) as the
//! SubjectPublicKeyInfo every credential key is stored as. Only the
//! algorithms this service offers and verifies with aws-lc: ES256 (-7) and
//! RS256 (-257).

use coset::iana::{self, EnumI64};
use coset::{CoseKey, KeyType, Label, RegisteredLabelWithPrivate};

use crate::domain::der::build;

/// COSE algorithm identifiers offered in `pubKeyCredParams`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoseAlg {
    Es256,
    Rs256,
}

impl CoseAlg {
    pub const OFFERED: [CoseAlg; 2] = [CoseAlg::Es256, CoseAlg::Rs256];

    pub fn id(self) -> i64 {
        match self {
            CoseAlg::Es256 => iana::Algorithm::ES256.to_i64(),
            CoseAlg::Rs256 => iana::Algorithm::RS256.to_i64(),
        }
    }

    pub fn from_id(id: i64) -> Option<Self> {
        Self::OFFERED.into_iter().find(|a| a.id() == id)
    }
}

/// The key's algorithm and its DER SubjectPublicKeyInfo; `None` when the
/// key is of another type or algorithm, or its parameters are malformed.
pub fn spki_of(key: &CoseKey) -> Option<(CoseAlg, Vec<u8>)> {
    let alg = match &key.alg {
        Some(RegisteredLabelWithPrivate::Assigned(a)) => CoseAlg::from_id(a.to_i64())?,
        _ => return None,
    };
    let param = |label: i64| {
        key.params
            .iter()
            .find(|(l, _)| *l == Label::Int(label))
            .map(|(_, v)| v)
    };
    let bytes = |label: i64| param(label).and_then(|v| v.as_bytes());
    match (alg, &key.kty) {
        (CoseAlg::Es256, KeyType::Assigned(iana::KeyType::EC2)) => {
            let crv = param(iana::Ec2KeyParameter::Crv.to_i64())?.as_integer()?;
            if i128::from(crv) != i128::from(iana::EllipticCurve::P_256.to_i64()) {
                return None;
            }
            let x = bytes(iana::Ec2KeyParameter::X.to_i64())?;
            let y = bytes(iana::Ec2KeyParameter::Y.to_i64())?;
            if x.len() != 32 || y.len() != 32 {
                return None;
            }
            let point = [&[0x04][..], x, y].concat();
            Some((alg, build::ec_spki(false, &point)))
        }
        (CoseAlg::Rs256, KeyType::Assigned(iana::KeyType::RSA)) => {
            let n = bytes(iana::RsaKeyParameter::N.to_i64())?;
            let e = bytes(iana::RsaKeyParameter::E.to_i64())?;
            Some((alg, build::rsa_spki(n, e)))
        }
        _ => None,
    }
}
