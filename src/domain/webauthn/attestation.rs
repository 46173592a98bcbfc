//! The attestation object of a registration (W3C WebAuthn L2 §6.5) and
//! its statement: `none` accepted, `packed` verified (§8.2, with `x5c` or
//! self attestation), any other format accepted without trust-chain
//! validation (no metadata service here; see SECURITY.md).

use ciborium::Value;

use super::cose::CoseAlg;
use crate::domain::credential::{KeyType, PublicKey};
use crate::domain::der;

/// `fmt`, `authData` and `attStmt`, as CBOR decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct AttestationObject {
    pub fmt: String,
    pub auth_data: Vec<u8>,
    pub statement: Vec<(Value, Value)>,
}

impl AttestationObject {
    /// `None` unless the bytes are exactly one CBOR map with the three
    /// members of the right types.
    pub fn parse(mut bytes: &[u8]) -> Option<Self> {
        let value: Value = ciborium::from_reader(&mut bytes).ok()?;
        if !bytes.is_empty() {
            return None;
        }
        let map = value.into_map().ok()?;
        let mut fmt = None;
        let mut auth_data = None;
        let mut statement = None;
        for (k, v) in map {
            match k.as_text() {
                Some("fmt") => fmt = v.into_text().ok(),
                Some("authData") => auth_data = v.into_bytes().ok(),
                Some("attStmt") => statement = v.into_map().ok(),
                _ => {}
            }
        }
        Some(Self {
            fmt: fmt?,
            auth_data: auth_data?,
            statement: statement?,
        })
    }

    fn member(&self, name: &str) -> Option<&Value> {
        self.statement
            .iter()
            .find(|(k, _)| k.as_text() == Some(name))
            .map(|(_, v)| v)
    }
}

/// How the statement came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statement {
    Verified,
    /// A format this service does not verify (`fido-u2f`, `tpm`, ...).
    Unchecked,
    /// A `packed` statement that is malformed or does not verify.
    Invalid,
}

/// Checks the statement over `authData || clientDataHash`; `credential`
/// is the attested key (self attestation) and its algorithm.
pub fn check_statement(
    object: &AttestationObject,
    client_data_hash: &[u8],
    credential: (CoseAlg, &PublicKey),
) -> Statement {
    match object.fmt.as_str() {
        "none" => Statement::Verified,
        "packed" => {
            if packed(object, client_data_hash, credential).is_some() {
                Statement::Verified
            } else {
                Statement::Invalid
            }
        }
        _ => Statement::Unchecked,
    }
}

/// `Some` when the packed statement verifies.
fn packed(
    object: &AttestationObject,
    client_data_hash: &[u8],
    (credential_alg, credential_key): (CoseAlg, &PublicKey),
) -> Option<()> {
    let alg = i64::try_from(i128::from(object.member("alg")?.as_integer()?)).ok()?;
    let alg = CoseAlg::from_id(alg)?;
    let sig = object.member("sig")?.as_bytes()?;
    let signed = [object.auth_data.as_slice(), client_data_hash].concat();
    let verified = match object.member("x5c") {
        Some(chain) => {
            // The attestation certificate's key signs; its chain is not
            // validated (no trust anchors here).
            let leaf = chain.as_array()?.first()?.as_bytes()?;
            let key = PublicKey::from_der(der::certificate_spki(leaf)?).ok()?;
            let expected = match alg {
                CoseAlg::Es256 => KeyType::P256,
                CoseAlg::Rs256 => KeyType::Rsa,
            };
            key.key_type() == expected && key.verify(&signed, sig)
        }
        None => alg == credential_alg && credential_key.verify(&signed, sig),
    };
    verified.then_some(())
}
