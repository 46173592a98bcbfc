//! `Signer` with an ES256 key held in memory: it signs what KMS would sign,
//! in the JOSE form KMS's answer is turned into, so that the tokens it
//! signs verify with a `KeyRing` built from its public key.

use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

use super::Faults;
use crate::domain::bearer::{KeyRing, VerificationKey};
use crate::domain::ports::Signer;
use crate::error::Error;

/// A P-256 signing key and the `kid` it is published under. Clones share
/// the key.
#[derive(Clone)]
pub struct MemorySigner {
    key_id: String,
    key: Arc<EcdsaKeyPair>,
    rng: SystemRandom,
    faults: Arc<Faults<()>>,
}

impl std::fmt::Debug for MemorySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemorySigner")
            .field("key_id", &self.key_id)
            .finish()
    }
}

impl MemorySigner {
    /// A fresh random key named `key_id`.
    pub fn generate(key_id: impl Into<String>) -> Result<Self, Error> {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|e| Error::internal("memory signer", e))?;
        Ok(Self {
            key_id: key_id.into(),
            key: Arc::new(key),
            rng: SystemRandom::new(),
            faults: Arc::default(),
        })
    }

    /// The public key as a SubjectPublicKeyInfo DER, as KMS returns it.
    pub fn public_key_spki(&self) -> Result<Vec<u8>, Error> {
        let der = self
            .key
            .public_key()
            .as_der()
            .map_err(|e| Error::internal("memory signer", e))?;
        Ok(der.as_ref().to_vec())
    }

    /// The public key as the service verifies bearer tokens with it.
    pub fn verification_key(&self) -> Result<VerificationKey, Error> {
        VerificationKey::from_p256_spki(&self.key_id, &self.public_key_spki()?)
            .map_err(|e| Error::internal("memory signer", e))
    }

    /// A key ring of `issuer` holding this key alone.
    pub fn key_ring(&self, issuer: &str) -> Result<KeyRing, Error> {
        Ok(KeyRing::new(issuer, vec![self.verification_key()?]))
    }

    /// Makes the next `sign` fail with `Error::Internal`.
    pub fn fail_next(&self) {
        self.faults.arm(());
    }
}

impl Signer for MemorySigner {
    fn key_id(&self) -> &str {
        &self.key_id
    }

    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.faults.check(())?;
        let signature = self
            .key
            .sign(&self.rng, message)
            .map_err(|e| Error::internal("memory sign", e))?;
        Ok(signature.as_ref().to_vec())
    }
}
