use super::testing::*;
use super::*;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1_SIGNING,
    ECDSA_P256_SHA256_FIXED,
};
use proptest::prelude::*;

#[test]
fn der_to_fixed_matches_aws_lc_over_many_signatures() {
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let verifier =
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key.public_key().as_ref().to_vec());
    let rng = SystemRandom::new();
    let mut padded = false;
    // Enough signatures that some r or s has its top bit set (a 33-byte
    // INTEGER with a 0x00 sign octet; each does with probability 1/2).
    for i in 0..64u32 {
        let msg = i.to_be_bytes();
        let der = key.sign(&rng, &msg).unwrap();
        let fixed = p256_signature_to_fixed(der.as_ref()).unwrap();
        assert!(verifier.verify(&msg, &fixed).is_ok());
        let mut fields = Reader::new(whole(der.as_ref(), SEQUENCE).unwrap());
        for _ in 0..2 {
            let int = fields.read(INTEGER).unwrap();
            padded |= int.len() == 33;
        }
    }
    assert!(padded);
}

#[test]
fn der_to_fixed_left_pads_short_integers() {
    let mut r = [0u8; 32];
    r[31] = 1;
    let mut s = [0u8; 32];
    s[2..].fill(0x7f);
    let fixed = p256_signature_to_fixed(&ecdsa_signature(&r, &s)).unwrap();
    assert_eq!(&fixed[..32], &r);
    assert_eq!(&fixed[32..], &s);
    // A 33-byte INTEGER: a 0x00 sign octet before a high bit.
    let high = [0x80u8; 32];
    let der = ecdsa_signature(&high, &high);
    assert_eq!(der[3], 33);
    assert_eq!(p256_signature_to_fixed(&der).unwrap(), [0x80u8; 64]);
    // n - 1 is the largest value.
    let mut n1 = P256_ORDER;
    n1[31] -= 1;
    assert!(p256_signature_to_fixed(&ecdsa_signature(&n1, &n1)).is_some());
}

#[test]
fn der_to_fixed_refuses_what_is_not_strict_der_in_range() {
    let one = [1u8];
    let good = ecdsa_signature(&one, &one);
    assert_eq!(good, [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]);
    assert!(p256_signature_to_fixed(&good).is_some());
    let too_long = [0x01u8; 33];
    let bad: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x30],
        vec![0x30, 0x00],
        // r = 0, s = 0.
        ecdsa_signature(&[0], &one),
        ecdsa_signature(&one, &[0]),
        // r = n, r = n + ..., r of 33 significant bytes.
        ecdsa_signature(&P256_ORDER, &one),
        ecdsa_signature(&[0xff; 32], &one),
        ecdsa_signature(&too_long, &one),
        // Non-minimal INTEGER (0x00 before a clear top bit), negative
        // INTEGER, empty INTEGER.
        vec![0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01],
        vec![0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01],
        vec![0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01],
        // Trailing bytes inside and after the SEQUENCE.
        vec![0x30, 0x08, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00],
        [&good[..], &[0x00]].concat(),
        // A third INTEGER, one INTEGER, wrong tags.
        vec![
            0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01,
        ],
        vec![0x30, 0x03, 0x02, 0x01, 0x01],
        vec![0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
        vec![0x30, 0x06, 0x03, 0x01, 0x01, 0x02, 0x01, 0x01],
        // Long-form length where the short form fits; indefinite length;
        // a length past the end.
        vec![0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
        vec![0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00],
        vec![0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
        vec![0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x05, 0x01],
        // 64 bytes that merely start like a SEQUENCE.
        [0x30u8; 64].to_vec(),
    ];
    for der in bad {
        assert_eq!(p256_signature_to_fixed(&der), None, "{der:02x?}");
    }
}

#[test]
fn lengths_use_the_shortest_form() {
    let contents = vec![0u8; 0x100];
    let two = tlv(OID, &contents);
    assert_eq!(&two[..4], &[OID, 0x82, 0x01, 0x00]);
    assert_eq!(whole(&two, OID), Some(&contents[..]));
    let one = tlv(OID, &contents[..0x80]);
    assert_eq!(&one[..3], &[OID, 0x81, 0x80]);
    assert_eq!(whole(&one, OID), Some(&contents[..0x80]));
    // The same TLVs with needlessly long lengths.
    let mut long_two = vec![OID, 0x82, 0x00, 0x80];
    long_two.extend_from_slice(&contents[..0x80]);
    assert_eq!(whole(&long_two, OID), None);
    let mut three = vec![OID, 0x83, 0x00, 0x01, 0x00];
    three.extend_from_slice(&contents);
    assert_eq!(whole(&three, OID), None);
}

#[test]
fn spki_names_the_algorithm_and_curve() {
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let der = key.public_key().as_der().unwrap();
    let parsed = parse_spki(der.as_ref()).unwrap();
    assert_eq!(parsed.algorithm, SpkiAlgorithm::P256);
    assert_eq!(parsed.key, key.public_key().as_ref());
    let point = [4u8; 65];
    assert_eq!(
        parse_spki(&ec_spki(true, &point)).unwrap().algorithm,
        SpkiAlgorithm::Secp256k1
    );
    assert_eq!(
        parse_spki(&ed25519_spki(&[0; 32])).unwrap(),
        Spki {
            algorithm: SpkiAlgorithm::Ed25519,
            key: &[0; 32]
        }
    );
    assert_eq!(
        parse_spki(&rsa_spki(&[0xc5; 256], &[1, 0, 1]))
            .unwrap()
            .algorithm,
        SpkiAlgorithm::Rsa
    );
    // Other curves and algorithms, parameters where none belong (or
    // none where some do), unused bits, trailing bytes.
    let p384 = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
    let x25519 = [0x2b, 0x65, 0x6e];
    for der in [
        spki(OID_EC_PUBLIC_KEY, &p384, &point),
        spki(OID_EC_PUBLIC_KEY, &[], &point),
        spki(OID_EC_PUBLIC_KEY, PARAMS_NULL, &point),
        spki(&x25519, &[], &[0; 32]),
        spki(OID_ED25519, PARAMS_NULL, &[0; 32]),
        spki(OID_RSA_ENCRYPTION, &[], &[0x30, 0x00]),
        spki(OID_RSA_ENCRYPTION, PARAMS_P256, &[0x30, 0x00]),
        tlv(
            SEQUENCE,
            &[
                tlv(SEQUENCE, &tlv(OID, OID_ED25519)),
                tlv(BIT_STRING, &[&[1u8][..], &[0; 32]].concat()),
            ]
            .concat(),
        ),
        [&ed25519_spki(&[0; 32])[..], &[0]].concat(),
    ] {
        assert_eq!(parse_spki(&der), None, "{der:02x?}");
    }
}

#[test]
fn rsa_modulus_bits_are_exact() {
    let key = |n: &[u8]| rsa_spki(n, &[1, 0, 1]);
    let bits = |der: &[u8]| rsa_modulus_bits(parse_spki(der).unwrap().key);
    assert_eq!(bits(&key(&[0xff; 256])), Some(2048));
    assert_eq!(
        bits(&key(&[&[0x7f][..], &[0xff; 255]].concat())),
        Some(2047)
    );
    assert_eq!(
        bits(&key(&[&[0x01][..], &[0xff; 256]].concat())),
        Some(2049)
    );
    assert_eq!(bits(&key(&[0x00])), None);
}

proptest! {
    #[test]
    fn readers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = p256_signature_to_fixed(&bytes);
        if let Some(spki) = parse_spki(&bytes) {
            let _ = rsa_modulus_bits(spki.key);
        }
        let _ = rsa_modulus_bits(&bytes);
    }
}
