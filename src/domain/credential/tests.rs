use super::*;
use crate::domain::der::testing::{
    ec_spki, ecdsa_signature, ecdsa_signature_parts, ed25519_spki, rsa_spki,
};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair, UnparsedPublicKey,
    ECDSA_P256K1_SHA256_ASN1_SIGNING, ECDSA_P256_SHA256_ASN1_SIGNING, RSA_PKCS1_SHA256,
};
use proptest::prelude::*;

const MSG: &[u8] = br#"{"type":"key.get","challenge":"abc"}"#;
/// Group orders, big-endian (SEC 2 §2.4.1, §2.4.2).
const P256_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
const SECP256K1_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// A `PUBLIC KEY` PEM with lines of `width` base64 characters.
fn pem(der: &[u8], width: usize, newline: &str) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("{PEM_BEGIN}{newline}");
    for line in body.as_bytes().chunks(width) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push_str(newline);
    }
    out.push_str(PEM_END);
    out.push_str(newline);
    out
}

fn pem64(der: &[u8]) -> String {
    pem(der, 64, "\n")
}

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
    assert!(!key.verify(MSG, &good[..good.len() - 1]));
    assert!(!key.verify(MSG, &[good, &[0][..]].concat()));
}

/// `n - s`: the other valid S of an ECDSA signature.
fn negate(n: &[u8; 32], s: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(n[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + (borrow << 8)) as u8;
    }
    assert_eq!(borrow, 0);
    out
}

fn ecdsa(alg: &'static EcdsaSigningAlgorithm) -> (EcdsaKeyPair, String) {
    let key = EcdsaKeyPair::generate(alg).unwrap();
    let pem = pem64(key.public_key().as_der().unwrap().as_ref());
    (key, pem)
}

fn sign(key: &EcdsaKeyPair, msg: &[u8]) -> Vec<u8> {
    key.sign(&SystemRandom::new(), msg)
        .unwrap()
        .as_ref()
        .to_vec()
}

/// DER ECDSA on either curve: valid, tampered, and with S = n - S (as
/// OpenSSL may produce) accepted too.
fn check_ecdsa(alg: &'static EcdsaSigningAlgorithm, kind: KeyType, n: &[u8; 32]) {
    let (sk, pem) = ecdsa(alg);
    let sig = sign(&sk, MSG);
    check(&pem, kind, &sig, &sign(&sk, b"x"));
    let key = PublicKey::from_pem(&pem).unwrap();
    let (r, s) = ecdsa_signature_parts(&sig);
    let flipped = ecdsa_signature(&r, &negate(n, &s));
    assert_ne!(flipped, sig);
    // Whichever of S and n - S is the high one, both are accepted.
    assert!(key.verify(MSG, &flipped));
    // S + n and S = 0 are not S.
    assert!(!key.verify(MSG, &ecdsa_signature(&r, &[0])));
    assert!(!key.verify(MSG, &ecdsa_signature(&r, n)));
    // The fixed 64-byte form (JOSE) is not DER and is refused.
    assert!(!key.verify(MSG, &[r, s].concat()));
    // A non-minimal INTEGER is not DER either: r with an extra 0x00.
    let mut padded = vec![0x30, sig[1] + 1, 0x02, sig[3] + 1, 0x00];
    padded.extend_from_slice(&sig[4..]);
    assert!(!key.verify(MSG, &padded));
}

#[test]
fn p256_der() {
    check_ecdsa(&ECDSA_P256_SHA256_ASN1_SIGNING, KeyType::P256, &P256_N);
}

#[test]
fn secp256k1_der_with_high_s() {
    check_ecdsa(
        &ECDSA_P256K1_SHA256_ASN1_SIGNING,
        KeyType::Secp256k1,
        &SECP256K1_N,
    );
}

#[test]
fn ed25519_raw() {
    let sk = Ed25519KeyPair::generate().unwrap();
    let pem = pem64(sk.public_key().as_der().unwrap().as_ref());
    let sig = sk.sign(MSG);
    check(&pem, KeyType::Ed25519, sig.as_ref(), sk.sign(b"x").as_ref());
    // S + L, the malleated twin of S, is refused.
    let l: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut malleated = sig.as_ref().to_vec();
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(malleated[32 + i]) + u16::from(l[i]) + carry;
        malleated[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    assert!(!PublicKey::from_pem(&pem).unwrap().verify(MSG, &malleated));
}

#[test]
fn ed25519_small_order_keys_verify_nothing() {
    // R = the identity, S = 0: for a key A of order dividing the
    // message's challenge k, [S]B - [k]A is the identity again.
    let forged = [small_y(1), [0; 32]].concat();
    for point in ED25519_SMALL_ORDER {
        for sign_bit in [0, 0x80] {
            let mut a = point;
            a[31] |= sign_bit;
            let key = PublicKey::from_pem(&pem64(&ed25519_spki(&a))).unwrap();
            assert_eq!(key.key_type(), KeyType::Ed25519);
            for i in 0..64u8 {
                assert!(!key.verify(&[i], &forged), "{a:02x?}");
            }
        }
    }
    // Without the check, aws-lc accepts the forgery for every one of the
    // canonical encodings (order 8 or less: for one message in eight).
    for point in &ED25519_SMALL_ORDER[..5] {
        let raw = UnparsedPublicKey::new(&ED25519, point);
        assert!(
            (0..64u8).any(|i| raw.verify(&[i], &forged).is_ok()),
            "{point:02x?}"
        );
    }
    // An R of small order is refused whatever the key.
    let sk = Ed25519KeyPair::generate().unwrap();
    let key = PublicKey::from_pem(&pem64(sk.public_key().as_der().unwrap().as_ref())).unwrap();
    for point in ED25519_SMALL_ORDER {
        assert!(!key.verify(MSG, &[point, [0; 32]].concat()));
    }
}

#[test]
fn rsa_pkcs1v15_sha256() {
    let sk = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let pem = pem64(sk.public_key().as_der().unwrap().as_ref());
    let sign = |msg: &[u8]| {
        let mut sig = vec![0u8; sk.public_modulus_len()];
        sk.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut sig)
            .unwrap();
        sig
    };
    check(&pem, KeyType::Rsa, &sign(MSG), &sign(b"x"));
}

#[test]
fn rejects_garbage_and_small_rsa() {
    for garbage in [
        String::new(),
        "not a key".into(),
        PEM_BEGIN.into(),
        format!("{PEM_BEGIN}\n{PEM_END}"),
        format!("{PEM_BEGIN}\n!!!!\n{PEM_END}"),
        format!("{PEM_BEGIN}\nMAA=\n{PEM_END}"),
        format!("{PEM_END}\nMAA=\n{PEM_BEGIN}"),
    ] {
        assert!(PublicKey::from_pem(&garbage).is_err(), "{garbage}");
    }
    let small_message = |bits: usize| {
        // An odd modulus of exactly `bits` bits, exponent 65537.
        let mut n = vec![0xc5u8; bits.div_ceil(8)];
        n[0] = 0xff >> ((8 - bits % 8) % 8);
        let pem = pem64(&rsa_spki(&n, &[1, 0, 1]));
        PublicKey::from_pem(&pem).err().map(|e| e.to_string())
    };
    for bits in [512, 1024, 2047] {
        let message = small_message(bits).unwrap();
        assert!(message.contains("at least 2048 bits"), "{bits}: {message}");
    }
    assert!(small_message(8193).unwrap().contains("at most 8192 bits"));
    // The boundaries themselves parse.
    assert_eq!(small_message(2048), None);
    assert_eq!(small_message(8192), None);
}

#[test]
fn identifies_each_type_however_the_pem_is_wrapped() {
    let p256 = ecdsa(&ECDSA_P256_SHA256_ASN1_SIGNING).0;
    let k1 = ecdsa(&ECDSA_P256K1_SHA256_ASN1_SIGNING).0;
    let ed = Ed25519KeyPair::generate().unwrap();
    let rsa = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let keys = [
        (KeyType::P256, p256.public_key().as_der().unwrap()),
        (KeyType::Secp256k1, k1.public_key().as_der().unwrap()),
        (KeyType::Ed25519, ed.public_key().as_der().unwrap()),
        (KeyType::Rsa, rsa.public_key().as_der().unwrap()),
    ];
    for (kind, der) in &keys {
        let der = der.as_ref();
        for pem in [
            pem(der, 64, "\n"),
            pem(der, 64, "\r\n"),
            pem(der, 76, "\n"),
            pem(der, 10_000, "\n"),
            format!("  {}\n\n", pem(der, 4, " \n\t")),
        ] {
            assert_eq!(
                PublicKey::from_pem(&pem).unwrap().key_type(),
                *kind,
                "{pem}"
            );
        }
        // Another label, base64url, a truncated body: refused.
        let other_label = pem64(der).replace("PUBLIC KEY", "RSA PUBLIC KEY");
        let url_safe = pem64(der).replace('+', "-").replace('/', "_");
        let truncated = pem(&der[..der.len() - 1], 64, "\n");
        assert!(PublicKey::from_pem(&other_label).is_err());
        assert!(url_safe == pem64(der) || PublicKey::from_pem(&url_safe).is_err());
        assert!(PublicKey::from_pem(&truncated).is_err());
    }
}

#[test]
fn curves_are_not_interchangeable() {
    let (p256, p256_pem) = ecdsa(&ECDSA_P256_SHA256_ASN1_SIGNING);
    let (k1, k1_pem) = ecdsa(&ECDSA_P256K1_SHA256_ASN1_SIGNING);
    assert_eq!(
        PublicKey::from_pem(&k1_pem).unwrap().key_type(),
        KeyType::Secp256k1
    );
    assert_eq!(
        PublicKey::from_pem(&p256_pem).unwrap().key_type(),
        KeyType::P256
    );
    // Each curve's point under the other's OID is not on that curve.
    let k1_point = k1.public_key().as_ref();
    let p256_point = p256.public_key().as_ref();
    assert!(PublicKey::from_pem(&pem64(&ec_spki(false, k1_point))).is_err());
    assert!(PublicKey::from_pem(&pem64(&ec_spki(true, p256_point))).is_err());
    // Nor does aws-lc take one curve's key for the other's algorithm.
    let k1_der = k1.public_key().as_der().unwrap();
    let p256_der = p256.public_key().as_der().unwrap();
    assert!(ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, k1_der.as_ref()).is_err());
    assert!(ParsedPublicKey::new(&ECDSA_P256K1_SHA256_ASN1, p256_der.as_ref()).is_err());
    // And neither key verifies the other's signatures.
    let k1_key = PublicKey::from_pem(&k1_pem).unwrap();
    let p256_key = PublicKey::from_pem(&p256_pem).unwrap();
    assert!(!k1_key.verify(MSG, &sign(&p256, MSG)));
    assert!(!p256_key.verify(MSG, &sign(&k1, MSG)));
}

proptest! {
    #[test]
    fn never_panics(text in ".{0,300}", bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let wrapped = format!("{PEM_BEGIN}\n{}\n{PEM_END}", STANDARD.encode(&bytes));
        for pem in [text.as_str(), &wrapped] {
            if let Ok(key) = PublicKey::from_pem(pem) {
                let _ = key.verify(text.as_bytes(), &bytes);
            }
        }
        let (p256, _) = ecdsa(&ECDSA_P256_SHA256_ASN1_SIGNING);
        let key = PublicKey::from_pem(&pem64(p256.public_key().as_der().unwrap().as_ref())).unwrap();
        prop_assert!(!key.verify(text.as_bytes(), &bytes));
    }
}
