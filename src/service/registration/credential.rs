//! One new credential of a body, verified against the challenge it
//! answers: a Key credential (the Dfns key signer's format) or a passkey
//! (WebAuthn). Shared by registration and `POST /auth/credentials`.

use super::body::CredentialBody;
use crate::domain::attestation::{verify_key_attestation, KeyCredentialInfo};
use crate::domain::ids::CredentialId;
use crate::domain::model::{Credential, CredentialKind, Passkey};
use crate::domain::time::UnixTime;
use crate::domain::webauthn::{
    verify_registration, CreationOptions, PasskeyCredentialInfo, PasskeySettings,
};
use crate::error::Error;

/// Every challenge asks `userVerification: "required"`.
pub const USER_VERIFICATION_REQUIRED: bool = true;

/// True when the org offers passkeys.
pub fn offers_passkeys(settings: Option<&PasskeySettings>) -> bool {
    settings.is_some_and(|s| !s.relying_parties.is_empty())
}

/// Verifies `body` for `challenge`; a passkey needs the org's settings.
pub fn verify_new_credential(
    body: &CredentialBody,
    challenge: &str,
    passkeys: Option<&PasskeySettings>,
    now: UnixTime,
) -> Result<Credential, Error> {
    let (cred_id, public_key_pem, passkey) = match body.kind {
        CredentialKind::Fido2 => {
            let settings = passkeys
                .filter(|s| offers_passkeys(Some(s)))
                .ok_or_else(|| {
                    let at = body.info_path.strip_suffix("credentialInfo").unwrap_or("");
                    Error::bad_request(format!(
                        "{at}credentialKind Fido2 is not offered: the org has no passkey settings"
                    ))
                })?;
            let info = PasskeyCredentialInfo {
                cred_id: &body.cred_id,
                client_data: &body.client_data,
                attestation_data: &body.attestation_data,
            };
            let options = CreationOptions {
                challenge,
                settings,
                user_verification: USER_VERIFICATION_REQUIRED,
            };
            let p = verify_registration(&body.info_path, &info, &options)?;
            let passkey = Passkey {
                rp_id: p.rp_id,
                origin: p.origin,
                aaguid: p.aaguid,
                sign_count: p.sign_count,
            };
            (p.cred_id, p.public_key_pem, Some(passkey))
        }
        CredentialKind::Key | CredentialKind::RecoveryKey => {
            let info = KeyCredentialInfo {
                cred_id: &body.cred_id,
                client_data: &body.client_data,
                attestation_data: &body.attestation_data,
            };
            let key = verify_key_attestation(&body.info_path, &info, challenge)?;
            (key.cred_id, key.public_key_pem, None)
        }
    };
    Ok(Credential {
        credential_id: CredentialId::mint(),
        cred_id,
        public_key_pem,
        active: true,
        kind: body.kind,
        name: body.name.clone(),
        created_at: Some(now),
        passkey,
    })
}
