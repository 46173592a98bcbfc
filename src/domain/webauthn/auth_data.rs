//! Authenticator data (W3C WebAuthn L2 §6.1): the fixed header is sliced
//! here, the attested credential's COSE key is CBOR read by `ciborium`
//! and `coset`.

use coset::{AsCborValue, CoseKey};

/// User present.
pub const UP: u8 = 0x01;
/// User verified.
pub const UV: u8 = 0x04;
/// Attested credential data included.
pub const AT: u8 = 0x40;
/// Extension data included.
pub const ED: u8 = 0x80;

/// rpIdHash (32), flags (1), signCount (4).
const HEADER_LEN: usize = 37;

/// Parsed authenticator data.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticatorData {
    pub rp_id_hash: [u8; 32],
    pub flags: u8,
    pub sign_count: u32,
    pub attested: Option<AttestedCredential>,
}

/// The credential a registration's authenticator data carries.
#[derive(Debug, Clone, PartialEq)]
pub struct AttestedCredential {
    pub aaguid: [u8; 16],
    pub credential_id: Vec<u8>,
    pub key: CoseKey,
}

impl AuthenticatorData {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag == flag
    }

    /// `None` for anything malformed: too short, a credential id longer
    /// than the data, a COSE key or extensions that are not one CBOR map,
    /// or bytes left over.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let (header, mut rest) = bytes.split_first_chunk::<HEADER_LEN>()?;
        let (rp_id_hash, tail) = header.split_first_chunk::<32>()?;
        let (&flags, count) = tail.split_first()?;
        let sign_count = u32::from_be_bytes(*count.first_chunk::<4>()?);
        let attested = if flags & AT != 0 {
            let (aaguid, after) = rest.split_first_chunk::<16>()?;
            let (len, after) = after.split_first_chunk::<2>()?;
            let len = usize::from(u16::from_be_bytes(*len));
            if after.len() < len {
                return None;
            }
            let (credential_id, after) = after.split_at(len);
            rest = after;
            let value: ciborium::Value = ciborium::from_reader(&mut rest).ok()?;
            let key = CoseKey::from_cbor_value(value).ok()?;
            Some(AttestedCredential {
                aaguid: *aaguid,
                credential_id: credential_id.to_vec(),
                key,
            })
        } else {
            None
        };
        if flags & ED != 0 {
            let extensions: ciborium::Value = ciborium::from_reader(&mut rest).ok()?;
            extensions.as_map()?;
        }
        rest.is_empty().then_some(Self {
            rp_id_hash: *rp_id_hash,
            flags,
            sign_count,
            attested,
        })
    }
}

/// An AAGUID as a UUID string (lowercase, hyphenated).
pub fn aaguid_string(aaguid: &[u8; 16]) -> String {
    let hex: String = aaguid.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_data_is_none_never_a_panic() {
        assert_eq!(AuthenticatorData::parse(&[0; 36]), None);
        let plain = AuthenticatorData::parse(&[0; 37]).unwrap();
        assert_eq!(
            (plain.flags, plain.sign_count, plain.attested),
            (0, 0, None)
        );
        // AT set without the attested data, or with a short credential id.
        let mut at = vec![0; 37];
        at[32] = AT;
        assert_eq!(AuthenticatorData::parse(&at), None);
        at.extend([0; 16]);
        at.extend([0, 5, 1, 2]);
        assert_eq!(AuthenticatorData::parse(&at), None);
        // Left-over bytes.
        assert_eq!(AuthenticatorData::parse(&[0; 38]), None);
    }

    #[test]
    fn aaguids_read_as_uuids() {
        let mut a = [0u8; 16];
        a[0] = 0xad;
        a[15] = 0x01;
        assert_eq!(aaguid_string(&a), "ad000000-0000-0000-0000-000000000001");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = AuthenticatorData::parse(&bytes);
        }
    }
}
