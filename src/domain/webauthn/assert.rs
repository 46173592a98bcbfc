//! Signing with a passkey (W3C WebAuthn L2 §7.2, PASSKEYS.md section 4,
//! steps 2 to 6; the caller found the credential, step 1).

use aws_lc_rs::digest::{digest, SHA256};

use super::auth_data::{AuthenticatorData, UP, UV};
use super::client_data::{self, GET};
use super::settings::PasskeySettings;
use crate::domain::credential::PublicKey;
use crate::domain::decode_base64url;
use crate::error::Error;

/// A `credentialAssertion` of kind `Fido2` as sent, not yet checked.
#[derive(Debug, Clone, Copy)]
pub struct PasskeyAssertion<'a> {
    pub client_data: &'a str,
    pub authenticator_data: &'a str,
    pub signature: &'a str,
    pub user_handle: Option<&'a str>,
}

/// The stored passkey the assertion names.
#[derive(Debug, Clone, Copy)]
pub struct StoredPasskey<'a> {
    pub public_key_pem: &'a str,
    pub rp_id: &'a str,
    pub sign_count: u32,
}

/// What the challenge asked, and whose it is.
#[derive(Debug, Clone, Copy)]
pub struct RequestOptions<'a> {
    pub challenge: &'a str,
    pub settings: &'a PasskeySettings,
    pub user_verification: bool,
    /// The caller's user id: the user handle it registered with.
    pub user_id: &'a str,
}

/// True when the authenticator's new count shows it is no clone: when
/// either count is non-zero the new one must be greater (never "+1":
/// authenticators may skip values).
pub fn counter_advances(stored: u32, new: u32) -> bool {
    (stored == 0 && new == 0) || new > stored
}

/// Verifies an assertion; answers the new sign count to store. `field`
/// names the assertion in a 400.
pub fn verify_assertion(
    field: &str,
    assertion: &PasskeyAssertion<'_>,
    stored: &StoredPasskey<'_>,
    options: &RequestOptions<'_>,
) -> Result<u32, Error> {
    let bad = |what: &str| Error::bad_request(format!("{field}.{what}"));
    let client_data = decode_base64url(assertion.client_data)
        .ok_or_else(|| bad("clientData must be base64url"))?;
    let auth_bytes = decode_base64url(assertion.authenticator_data)
        .ok_or_else(|| bad("authenticatorData must be base64url"))?;
    let signature =
        decode_base64url(assertion.signature).ok_or_else(|| bad("signature must be base64url"))?;
    let user_handle = match assertion.user_handle.filter(|h| !h.is_empty()) {
        Some(h) => Some(decode_base64url(h).ok_or_else(|| bad("userHandle must be base64url"))?),
        None => None,
    };

    // 2. clientDataJSON: type, challenge, an origin of the credential's party.
    let checked = client_data::check(
        &client_data,
        &format!("{field}.clientData"),
        GET,
        options.challenge,
    )?;
    let rp = options
        .settings
        .relying_party(stored.rp_id)
        .ok_or(Error::AssertionInvalid)?;
    if !rp.allows(&checked.origin) {
        return Err(Error::AssertionInvalid);
    }

    // 3. Authenticator data.
    let auth_data = AuthenticatorData::parse(&auth_bytes)
        .ok_or_else(|| bad("authenticatorData is not valid authenticator data"))?;
    if digest(&SHA256, stored.rp_id.as_bytes()).as_ref() != auth_data.rp_id_hash
        || !auth_data.has(UP)
        || (options.user_verification && !auth_data.has(UV))
    {
        return Err(Error::AssertionInvalid);
    }

    // 4. The signature over authenticatorData || SHA-256(clientDataJSON).
    let key = PublicKey::from_pem(stored.public_key_pem)
        .map_err(|_| Error::internal("passkey", "stored public key does not parse"))?;
    let signed = [
        auth_bytes.as_slice(),
        digest(&SHA256, &client_data).as_ref(),
    ]
    .concat();
    if !key.verify(&signed, &signature) {
        return Err(Error::AssertionInvalid);
    }

    // 5. The sign count; 6. the user handle.
    if !counter_advances(stored.sign_count, auth_data.sign_count) {
        return Err(Error::AssertionInvalid);
    }
    if user_handle.is_some_and(|h| h != options.user_id.as_bytes()) {
        return Err(Error::AssertionInvalid);
    }
    Ok(auth_data.sign_count)
}
