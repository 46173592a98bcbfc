//! KMS: the issuer's signing key (`Signer`) and its public half.

use aws_sdk_kms::error::DisplayErrorContext;
use aws_sdk_kms::primitives::Blob;
#[allow(deprecated)]
use aws_sdk_kms::types::CustomerMasterKeySpec;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec};
use aws_sdk_kms::Client;

use crate::domain::bearer::VerificationKey;
use crate::domain::der::p256_signature_to_fixed;
use crate::domain::ports::Signer;
use crate::error::Error;

/// Signs with `ECDSA_SHA_256` over the raw message: KMS hashes it, and a
/// JWT signing input is far below KMS's 4096-byte limit for raw messages.
#[derive(Clone)]
pub struct KmsSigner {
    client: Client,
    key_id: String,
}

impl KmsSigner {
    /// `key_id` must be the bare key id (as `load_public_key` returns it).
    pub fn new(client: Client, key_id: impl Into<String>) -> Self {
        Self {
            client,
            key_id: key_id.into(),
        }
    }
}

impl Signer for KmsSigner {
    fn key_id(&self) -> &str {
        &self.key_id
    }

    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let out = self
            .client
            .sign()
            .key_id(&self.key_id)
            .message(Blob::new(message))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .map_err(|e| Error::internal("kms sign", DisplayErrorContext(e)))?;
        let der = out
            .signature
            .ok_or_else(|| Error::internal("kms sign", "no signature returned"))?;
        // KMS returns an ECDSA-Sig-Value; ES256 carries r || s.
        let signature = p256_signature_to_fixed(der.as_ref())
            .ok_or_else(|| Error::internal("kms sign", "signature is not DER ECDSA on P-256"))?;
        Ok(signature.to_vec())
    }
}

/// `arn:aws:kms:region:account:key/<id>` -> `<id>`; a bare id stays.
pub fn bare_key_id(key_id_or_arn: &str) -> &str {
    key_id_or_arn
        .rsplit_once(":key/")
        .map_or(key_id_or_arn, |(_, id)| id)
}

/// Fetches a key's public half. `key` may be an id, ARN or alias; the
/// result is named by the bare key id, which is what `kid` carries.
pub async fn load_public_key(client: &Client, key: &str) -> Result<VerificationKey, String> {
    let out = client
        .get_public_key()
        .key_id(key)
        .send()
        .await
        .map_err(|e| format!("GetPublicKey {key}: {}", DisplayErrorContext(e)))?;
    // Older KMS-compatible servers send only the deprecated CustomerMasterKeySpec.
    #[allow(deprecated)]
    let p256 = out.key_spec == Some(KeySpec::EccNistP256)
        || (out.key_spec.is_none()
            && out.customer_master_key_spec == Some(CustomerMasterKeySpec::EccNistP256));
    if !p256 || out.key_usage != Some(KeyUsageType::SignVerify) {
        return Err(format!(
            "KMS key {key} must be an ECC_NIST_P256 SIGN_VERIFY key (ES256), found {:?} {:?}",
            out.key_spec, out.key_usage
        ));
    }
    let kid = bare_key_id(out.key_id.as_deref().unwrap_or(key));
    let der = out
        .public_key
        .ok_or_else(|| format!("GetPublicKey {key}: no public key returned"))?;
    VerificationKey::from_p256_spki(kid, der.as_ref())
}

/// The KMS keys the operator manages: their public halves, a signer for
/// one of them, and new keys for local use.
#[derive(Clone)]
pub struct KmsKeys {
    client: Client,
}

impl KmsKeys {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    pub fn from_sdk(sdk: &aws_config::SdkConfig) -> Self {
        Self::new(Client::new(sdk))
    }

    pub async fn public_key(&self, key: &str) -> Result<VerificationKey, String> {
        load_public_key(&self.client, key).await
    }

    /// A signer for the bare key id `kid`.
    pub fn signer(&self, kid: &str) -> KmsSigner {
        KmsSigner::new(self.client.clone(), kid)
    }

    /// Creates an ECC_NIST_P256 signing key (and an alias when given);
    /// returns its key id.
    pub async fn create_signing_key(&self, alias: Option<&str>) -> Result<String, String> {
        let out = self
            .client
            .create_key()
            .key_spec(KeySpec::EccNistP256)
            .key_usage(KeyUsageType::SignVerify)
            .description("delegated login token signing key (ES256)")
            .send()
            .await
            .map_err(|e| format!("create key: {}", DisplayErrorContext(e)))?;
        let key_id = out
            .key_metadata
            .map(|m| m.key_id)
            .ok_or_else(|| "create key: no key metadata".to_string())?;
        if let Some(alias) = alias {
            self.client
                .create_alias()
                .alias_name(alias)
                .target_key_id(&key_id)
                .send()
                .await
                .map_err(|e| format!("create alias: {}", DisplayErrorContext(e)))?;
        }
        Ok(key_id)
    }
}

#[cfg(test)]
mod tests {
    use super::bare_key_id;

    #[test]
    fn kid_is_never_the_arn() {
        assert_eq!(
            bare_key_id(
                "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            ),
            "1234abcd-12ab-34cd-56ef-1234567890ab"
        );
        assert_eq!(bare_key_id("1234abcd"), "1234abcd");
    }
}
