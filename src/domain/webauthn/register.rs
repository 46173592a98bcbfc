//! Registering a passkey (W3C WebAuthn L2 §7.1, PASSKEYS.md section 3).

use aws_lc_rs::digest::{digest, SHA256};

use super::attestation::{check_statement, AttestationObject, Statement};
use super::auth_data::{aaguid_string, AuthenticatorData, AT, UP, UV};
use super::client_data::{self, CREATE};
use super::cose::{spki_of, CoseAlg};
use super::settings::PasskeySettings;
use crate::domain::credential::{der_to_pem, PublicKey};
use crate::domain::decode_base64url;
use crate::domain::ids::CredId;
use crate::error::Error;

/// A `credentialInfo` of kind `Fido2` as sent, not yet checked.
#[derive(Debug, Clone, Copy)]
pub struct PasskeyCredentialInfo<'a> {
    pub cred_id: &'a str,
    pub client_data: &'a str,
    pub attestation_data: &'a str,
}

/// What the challenge asked of the new passkey.
#[derive(Debug, Clone, Copy)]
pub struct CreationOptions<'a> {
    pub challenge: &'a str,
    pub settings: &'a PasskeySettings,
    /// `authenticatorSelection.userVerification == "required"`.
    pub user_verification: bool,
}

/// A verified passkey, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasskey {
    /// Verbatim, as sent.
    pub cred_id: CredId,
    pub public_key_pem: String,
    pub rp_id: String,
    pub origin: String,
    pub aaguid: String,
    pub sign_count: u32,
}

/// Verifies a passkey registration in the contract's order. `field` names
/// the `credentialInfo` in a 400 (`firstFactorCredential.credentialInfo`).
pub fn verify_registration(
    field: &str,
    info: &PasskeyCredentialInfo<'_>,
    options: &CreationOptions<'_>,
) -> Result<NewPasskey, Error> {
    let bad = |what: &str| Error::bad_request(format!("{field}.{what}"));
    let cred_id = CredId::parse(info.cred_id)
        .ok_or_else(|| bad("credId must be 1 to 1024 characters without control characters"))?;
    let raw_id = decode_base64url(info.cred_id).ok_or_else(|| bad("credId must be base64url"))?;
    let client_data =
        decode_base64url(info.client_data).ok_or_else(|| bad("clientData must be base64url"))?;
    let attestation = decode_base64url(info.attestation_data)
        .ok_or_else(|| bad("attestationData must be base64url"))?;

    // 1. clientDataJSON.
    let checked = client_data::check(
        &client_data,
        &format!("{field}.clientData"),
        CREATE,
        options.challenge,
    )?;
    let mut parties = options.settings.allowing(&checked.origin).peekable();
    if parties.peek().is_none() {
        return Err(Error::AssertionInvalid);
    }

    // 2. The attestation object and its authenticator data.
    let object = AttestationObject::parse(&attestation)
        .ok_or_else(|| bad("attestationData must be base64url of a CBOR attestation object"))?;
    let auth_data = AuthenticatorData::parse(&object.auth_data)
        .ok_or_else(|| bad("attestationData.authData is not valid authenticator data"))?;
    let rp = parties
        .find(|rp| digest(&SHA256, rp.rp_id.as_bytes()).as_ref() == auth_data.rp_id_hash)
        .ok_or(Error::AssertionInvalid)?;
    if !auth_data.has(UP | AT) || (options.user_verification && !auth_data.has(UV)) {
        return Err(Error::AssertionInvalid);
    }
    let attested = auth_data.attested.as_ref().ok_or(Error::AssertionInvalid)?;
    if attested.credential_id != raw_id {
        return Err(Error::AssertionInvalid);
    }
    let (alg, spki) = spki_of(&attested.key).ok_or_else(|| {
        bad("attestationData: the credential key must be ES256 (-7) or RS256 (-257)")
    })?;
    let key = PublicKey::from_der(&spki).map_err(|_| {
        bad("attestationData: the credential key must be ES256 (-7) or RS256 (-257)")
    })?;
    debug_assert!(CoseAlg::OFFERED.contains(&alg));

    // 3. The attestation statement.
    let client_data_hash = digest(&SHA256, &client_data);
    if check_statement(&object, client_data_hash.as_ref(), (alg, &key)) == Statement::Invalid {
        return Err(Error::AssertionInvalid);
    }
    Ok(NewPasskey {
        cred_id,
        public_key_pem: der_to_pem(&spki),
        rp_id: rp.rp_id.clone(),
        origin: checked.origin.clone(),
        aaguid: aaguid_string(&attested.aaguid),
        sign_count: auth_data.sign_count,
    })
}
