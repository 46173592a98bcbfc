//! The ports' implementations over AWS: DynamoDB for the directory and the
//! replay store, KMS for the signer and the issuer's public keys.

pub mod dynamodb;
pub mod kms;
