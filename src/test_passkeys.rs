//! A software WebAuthn authenticator over FIXED keys: it builds the
//! clientDataJSON, authenticator data, attestation objects (`none`,
//! `packed` self and `packed` with an `x5c` certificate) and assertions a
//! browser would send. Shared by the unit tests and (through a `#[path]`
//! module) the integration tests, so it uses no crate-internal path.
#![allow(dead_code)]

use aws_lc_rs::digest::{digest, SHA256};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING, RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ciborium::Value;
use coset::iana;
use coset::{CborSerializable, CoseKeyBuilder, Label};

/// The DER private key (RFC 5915) of the fixed P-256 credential key.
pub const P256_PKCS8: &str = "MHcCAQEEIDLnIbKGhy138A4dQFu2MzYC181YFX/maH+zxExdtRHKoAoGCCqGSM49AwEHoUQDQgAEvZiZ54r5bWmdeD0wR4HpLH1UYh+xIPsSmSFdqUdHNuGGNRpY3GlFSApKkq2Ps30yd1PWz7mm2QleiZSGN2vejQ==";
/// The DER private key (RFC 5915) of the fixed P-256 attestation (`x5c`) key.
pub const P256_ATTESTATION_PKCS8: &str = "MHcCAQEEIP6Jz5prsMJFLm9yQXub35KlPIeCGT+Zundxwc9SYo/koAoGCCqGSM49AwEHoUQDQgAEn2h3T43hBqD7rT3a70sk2ZpmtRhOvQyxl3QMcBMwwRHzFGWdlzXYmG+p5ibzClnvhHk8Y/5kzvM+exLMjcBvbA==";
/// RSAPrivateKey (PKCS#1 DER) of the fixed RSA-2048 credential key.
pub const RSA_PKCS1: [&str; 17] = [
    "MIIEogIBAAKCAQEAqLdv05FX+qMzLFgw8+Gu0Axc0n3mNouOv120q+A+4/uUXzYg+ipLE9y+v5sVo9qHwbH2KHFBFG35tlOd",
    "koMd+O//XcAeoT76YHfyTI4z5dj/1Q3Mkpy9jSgdSzuHgneNB+/W4QS74bxWMBl84BsWsCvvKugOqsxi2tzPXddhwzKrjyA+",
    "deL/mfBQFfWgGo84OvS7aHyarqcUZ5lXUEfrQp0ERnAk4MhUaURojeplwy4FE+DZKYbMl4EPPTmW83QzT0cWmBe23rOPMcdl",
    "ky9kQAB6sHusn9wQ3T6SnMapsNfeY8oSlCjTjOi4S2G3GR1NFXlc2ZeGGt4sB0pdsrlo1wIDAQABAoIBAEnZ2dJDKb6lV04O",
    "4IawgAPDlZHx2CaCGh78FoyxoPXMdtriZ7b5clmkY76dVPCfRJNtobF8OZ+GsCq2GSA70o/YBfD0mrO8TH6TonUOPftbbEjH",
    "PIfkojg6mfAHg76BNDOIMYfXuaIK/bMaRQYX9WtyH8OpRlpPEup4gzCxibKWMmQrOeXHvaAE5eAc/1U7tnLDbdpDT8srcGuN",
    "wmQwgTquTl/XmO4vYn9zhpTta79VRWGtSB+cfXz8SCLs+9OrQMTnXJg2JXnFXxVdM+GxeWBcwuwxnH9qdN51Zwf4V7oh+Ru1",
    "tuFO8HKAlNr+WL7D/W/aca7FqQvQr7eLUsxWsgECgYEA1wdPbgXv/ShGaocy2wwHEKv655HI9ZwyO60w2RAgokItYrLr3fYo",
    "QyM+tZ9Sgb010FAWHMSEkkD+3TExbZn9r4HUPhKwDgE6feZFJoAi2M17TNlywv2U3hyqIfMBkruZatBo2EqI01XcDs/cD11u",
    "ZbzYcl5ob4d22nA/qJHZNdcCgYEAyN0dHzViiXAiDJBeRhFMQE8k8TpTpBYPQrMWxwjO705PaA0q5/ofjqNSSuJZhkMW1eLn",
    "VrwC4yo9OLhgzgsOjCdmf+SJOaf8AmBlpunzhX8emu0ZTwARmUedKc3WQxCJMihLZ0pnKqvIZBgSgy4JVjNIeawVeCL2/SHT",
    "dONlBQECgYASfepyx8fvuXr0xlO1Sr+Ay4l0SLFDjf8z6pz8zcpAqfhFOKXYHMcxnuJRtDXgOmlaVMjSCIRuH3DLjON3TXrn",
    "kP6zp9/EFI73LMpdmT9l7aXg4gJginY287gd20wTVlbHPM0HbMF/iy61h2KhX6OS1D649y18CeZKusR+tqw7WQKBgF6bZuAQ",
    "MP0zB5aLWRv/gb64iFnmcwbSLRXpbE0K5QzqAZSsvwzMTpjMbDJBMpF+f/72BKhhnaqJdpSEo3Po2U1CMZEDf27cpGIqLTbU",
    "8pJqMWwfSNBg4+kiRfAut0CXRUeOmxVngfgjORuMCwwmXtdvCC/m0aXoMhVAHWzsveQBAoGASHWO3GHgmEKfjAzCkSTooZpZ",
    "JjdIsPdqGK5KB6cqD3s0fGy04nuoAEUjEe/hTOiF9NecTz40hejhONSv7UzAx4agqg0Y3X31s0LnyRcQqF3WYb7+X0s/MaX6",
    "UfwIu1Ok8X0z50DPrno2FKqG8TFiAPGx/b8SCS3fsIQV5Ewh2CY=",
];

pub const UP: u8 = 0x01;
pub const UV: u8 = 0x04;
pub const AT: u8 = 0x40;

/// The AAGUID the authenticator reports.
pub const AAGUID: [u8; 16] = [
    0xad, 0xce, 0x00, 0x02, 0x35, 0xbc, 0xc6, 0x0a, 0x64, 0x8b, 0x0b, 0x25, 0xf1, 0xf0, 0x55, 0x03,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Es256,
    Rs256,
}

/// The attestation statement a registration carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    None,
    PackedSelf,
    PackedX5c,
    /// A format the service does not verify, with a meaningless statement.
    Unverified,
}

enum Key {
    Ec(EcdsaKeyPair),
    Rsa(aws_lc_rs::rsa::KeyPair),
}

fn b64(s: &str) -> Vec<u8> {
    STANDARD.decode(s).expect("fixed key base64")
}

impl Key {
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Key::Ec(k) => k.sign(&rng, message).expect("ecdsa sign").as_ref().to_vec(),
            Key::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .expect("rsa sign");
                sig
            }
        }
    }
}

fn p256(pkcs8: &str) -> EcdsaKeyPair {
    EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_ASN1_SIGNING, &b64(pkcs8))
        .expect("p256 key")
}

/// One DER TLV (short or two-byte long form).
fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.push(0x82);
        out.extend((len as u16).to_be_bytes());
    }
    out.extend_from_slice(contents);
    out
}

/// A minimal X.509 certificate around `spki`: the service only slices the
/// key out (no chain is validated), so names and validity stay empty.
pub fn certificate(spki: &[u8]) -> Vec<u8> {
    let version = tlv(0xa0, &tlv(0x02, &[2]));
    let serial = tlv(0x02, &[1]);
    let ecdsa_sha256 = tlv(
        0x30,
        &tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
    );
    let empty = tlv(0x30, &[]);
    let tbs = tlv(
        0x30,
        &[
            version,
            serial,
            ecdsa_sha256.clone(),
            empty.clone(),
            empty.clone(),
            empty,
            spki.to_vec(),
        ]
        .concat(),
    );
    tlv(0x30, &[tbs, ecdsa_sha256, tlv(0x03, &[0, 0])].concat())
}

/// What a browser sends for `navigator.credentials.create()`, base64url.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub cred_id: String,
    pub client_data: String,
    pub attestation_data: String,
}

/// What a browser sends for `navigator.credentials.get()`, base64url.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    pub cred_id: String,
    pub client_data: String,
    pub authenticator_data: String,
    pub signature: String,
    pub user_handle: String,
}

/// Everything a registration may get wrong, for the rejection tests.
#[derive(Debug, Clone)]
pub struct Ceremony {
    pub kind: String,
    pub origin: String,
    pub rp_id: String,
    pub flags: u8,
    pub cross_origin: Option<bool>,
    pub format: Format,
    /// Registration sets AT unless a test clears this.
    pub attested_flag: bool,
    /// The challenge as the browser signer encodes it: base64url(utf8(C)).
    pub utf8_challenge: bool,
}

impl Ceremony {
    pub fn new(kind: &str, origin: &str, rp_id: &str) -> Self {
        Self {
            kind: kind.to_string(),
            origin: origin.to_string(),
            rp_id: rp_id.to_string(),
            flags: UP | UV,
            cross_origin: None,
            format: Format::None,
            attested_flag: true,
            utf8_challenge: true,
        }
    }
}

/// A software authenticator holding one credential.
pub struct Authenticator {
    key: Key,
    pub alg: Alg,
    pub cred_id: Vec<u8>,
    pub sign_count: u32,
}

impl Authenticator {
    /// The fixed P-256 key; `seed` makes the credential id differ.
    pub fn es256(seed: u8) -> Self {
        Self {
            key: Key::Ec(p256(P256_PKCS8)),
            alg: Alg::Es256,
            cred_id: (0..32).map(|i| i ^ seed).collect(),
            sign_count: 0,
        }
    }

    pub fn rs256(seed: u8) -> Self {
        let key = aws_lc_rs::rsa::KeyPair::from_der(&b64(&RSA_PKCS1.concat())).expect("rsa key");
        Self {
            key: Key::Rsa(key),
            alg: Alg::Rs256,
            cred_id: (0..20).map(|i| i ^ seed ^ 0x5a).collect(),
            sign_count: 0,
        }
    }

    /// Starts counting at `count` (a count of 0 means "does not count").
    pub fn counting_from(mut self, count: u32) -> Self {
        self.sign_count = count;
        self
    }

    pub fn cred_id_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.cred_id)
    }

    /// The credential's COSE_Key, CBOR.
    pub fn cose_key(&self) -> Vec<u8> {
        let key = match &self.key {
            Key::Ec(k) => {
                let point = k.public_key().as_ref();
                CoseKeyBuilder::new_ec2_pub_key(
                    iana::EllipticCurve::P_256,
                    point[1..33].to_vec(),
                    point[33..].to_vec(),
                )
                .algorithm(iana::Algorithm::ES256)
                .build()
            }
            Key::Rsa(k) => {
                let public = k.public_key();
                let n = rsa_part(public.as_ref(), 0);
                let e = rsa_part(public.as_ref(), 1);
                let mut key = CoseKeyBuilder::new()
                    .key_type(iana::KeyType::RSA)
                    .algorithm(iana::Algorithm::RS256)
                    .build();
                key.params = vec![
                    (Label::Int(iana::RsaKeyParameter::N as i64), Value::Bytes(n)),
                    (Label::Int(iana::RsaKeyParameter::E as i64), Value::Bytes(e)),
                ];
                key
            }
        };
        key.to_vec().expect("cose key cbor")
    }

    pub fn client_data(c: &Ceremony, challenge: &str) -> Vec<u8> {
        let challenge = if c.utf8_challenge {
            URL_SAFE_NO_PAD.encode(challenge.as_bytes())
        } else {
            challenge.to_string()
        };
        let mut json =
            serde_json::json!({"type": c.kind, "challenge": challenge, "origin": c.origin});
        if let Some(x) = c.cross_origin {
            json["crossOrigin"] = x.into();
        }
        json.to_string().into_bytes()
    }

    /// Authenticator data with exactly `flags`; with the attested
    /// credential when `attested`.
    fn auth_data(&self, rp_id: &str, flags: u8, count: u32, attested: bool) -> Vec<u8> {
        let mut out = digest(&SHA256, rp_id.as_bytes()).as_ref().to_vec();
        out.push(flags);
        out.extend(count.to_be_bytes());
        if attested {
            out.extend(AAGUID);
            out.extend((self.cred_id.len() as u16).to_be_bytes());
            out.extend(&self.cred_id);
            out.extend(self.cose_key());
        }
        out
    }

    /// A registration for `challenge`.
    pub fn register(&self, c: &Ceremony, challenge: &str) -> Registration {
        let client_data = Self::client_data(c, challenge);
        let flags = c.flags | if c.attested_flag { AT } else { 0 };
        let auth_data = self.auth_data(&c.rp_id, flags, self.sign_count, true);
        let signed = [auth_data.as_slice(), digest(&SHA256, &client_data).as_ref()].concat();
        let alg = |a: Alg| Value::from(if a == Alg::Es256 { -7 } else { -257 });
        let (fmt, statement) = match c.format {
            Format::None => ("none", vec![]),
            Format::PackedSelf => (
                "packed",
                vec![
                    (Value::from("alg"), alg(self.alg)),
                    (Value::from("sig"), Value::Bytes(self.key.sign(&signed))),
                ],
            ),
            Format::PackedX5c => {
                let attestation = p256(P256_ATTESTATION_PKCS8);
                let spki = aws_lc_rs::encoding::AsDer::as_der(attestation.public_key())
                    .expect("spki")
                    .as_ref()
                    .to_vec();
                let sig = Key::Ec(attestation).sign(&signed);
                (
                    "packed",
                    vec![
                        (Value::from("alg"), alg(Alg::Es256)),
                        (Value::from("sig"), Value::Bytes(sig)),
                        (
                            Value::from("x5c"),
                            Value::Array(vec![Value::Bytes(certificate(&spki))]),
                        ),
                    ],
                )
            }
            Format::Unverified => (
                "fido-u2f",
                vec![(Value::from("sig"), Value::Bytes(vec![1]))],
            ),
        };
        let object = Value::Map(vec![
            (Value::from("fmt"), Value::from(fmt)),
            (Value::from("attStmt"), Value::Map(statement)),
            (Value::from("authData"), Value::Bytes(auth_data)),
        ]);
        let mut attestation = Vec::new();
        ciborium::into_writer(&object, &mut attestation).expect("cbor");
        Registration {
            cred_id: self.cred_id_b64(),
            client_data: URL_SAFE_NO_PAD.encode(client_data),
            attestation_data: URL_SAFE_NO_PAD.encode(attestation),
        }
    }

    /// An assertion for `challenge` by `user_id`; counts one use first
    /// (when counting).
    pub fn assert(&mut self, c: &Ceremony, challenge: &str, user_id: &str) -> Assertion {
        if self.sign_count > 0 {
            self.sign_count += 1;
        }
        self.assert_with_count(c, challenge, user_id, self.sign_count)
    }

    /// An assertion carrying exactly `count` (a clone replays an old one).
    pub fn assert_with_count(
        &self,
        c: &Ceremony,
        challenge: &str,
        user_id: &str,
        count: u32,
    ) -> Assertion {
        let client_data = Self::client_data(c, challenge);
        let auth_data = self.auth_data(&c.rp_id, c.flags, count, false);
        let signed = [auth_data.as_slice(), digest(&SHA256, &client_data).as_ref()].concat();
        Assertion {
            cred_id: self.cred_id_b64(),
            client_data: URL_SAFE_NO_PAD.encode(client_data),
            authenticator_data: URL_SAFE_NO_PAD.encode(&auth_data),
            signature: URL_SAFE_NO_PAD.encode(self.key.sign(&signed)),
            user_handle: URL_SAFE_NO_PAD.encode(user_id.as_bytes()),
        }
    }
}

/// The `index`th INTEGER of an RSAPublicKey (DER), without a sign octet.
fn rsa_part(der: &[u8], index: usize) -> Vec<u8> {
    fn read(input: &[u8]) -> (&[u8], &[u8]) {
        let (len, start) = match input[1] {
            l if l < 0x80 => (l as usize, 2),
            0x81 => (input[2] as usize, 3),
            _ => (u16::from_be_bytes([input[2], input[3]]) as usize, 4),
        };
        (&input[start..start + len], &input[start + len..])
    }
    let (mut rest, _) = read(der);
    for _ in 0..index {
        rest = read(rest).1;
    }
    let value = read(rest).0;
    value.strip_prefix(&[0]).unwrap_or(value).to_vec()
}
