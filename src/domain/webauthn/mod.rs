//! Passkeys (WebAuthn): the org's relying parties, and the pure checks of
//! a registration and an assertion. CBOR and COSE are read by `ciborium`
//! and `coset`; every signature is verified by aws-lc, as for Key
//! credentials.

pub mod assert;
pub mod attestation;
pub mod auth_data;
pub mod client_data;
pub mod cose;
pub mod register;
pub mod settings;

pub use assert::{verify_assertion, PasskeyAssertion, RequestOptions, StoredPasskey};
pub use cose::CoseAlg;
pub use register::{verify_registration, CreationOptions, NewPasskey, PasskeyCredentialInfo};
pub use settings::{Origins, PasskeySettings, RelyingParty};

#[cfg(test)]
mod tests;
