//! The ports' implementations over AWS: DynamoDB for the directory and the
//! replay store, KMS for the signer and the issuer's public keys; and the
//! same ports over process memory, for tests and benchmarks.

pub mod dynamodb;
pub mod kms;
pub mod memory;
