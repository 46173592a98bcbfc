//! `POST /auth/action` with a passkey (`firstFactor.kind: "Fido2"`):
//! PASSKEYS.md section 4, after the challenge was consumed and the org's
//! passkey settings read (both in the request's one store stage). The sign
//! count is stored with a write conditioned on the count read, so of two
//! assertions carrying one count only one passes: the one second stage,
//! which cannot come earlier because only a verified assertion may move it.

use crate::domain::credentials::CredentialStore;
use crate::domain::decode_base64url;
use crate::domain::ids::CredentialId;
use crate::domain::ports::{Directory, ReplayStore, Signer};
use crate::domain::webauthn::assert::counter_advances;
use crate::domain::webauthn::{
    verify_assertion, PasskeyAssertion, PasskeySettings, RequestOptions, StoredPasskey,
};
use crate::error::Error;
use crate::service::caller::ActiveCaller;
use crate::service::registration::credential::USER_VERIFICATION_REQUIRED;
use crate::service::{timed, AuthService, Decision};

/// Where the assertion sits in the body, for messages.
const FIELD: &str = "firstFactor.credentialAssertion";

/// A passkey assertion as the body carries it.
pub(crate) struct PasskeyAssertionBody<'a> {
    pub cred_id: &'a str,
    pub assertion: PasskeyAssertion<'a>,
}

impl<D, R, S> AuthService<D, R, S>
where
    D: Directory + CredentialStore,
    R: ReplayStore,
    S: Signer,
{
    /// Verifies the assertion against the caller's passkey and stores its
    /// new sign count; answers the credential that signed.
    pub(crate) async fn verify_passkey_assertion(
        &self,
        active: &ActiveCaller,
        body: &PasskeyAssertionBody<'_>,
        settings: &PasskeySettings,
        challenge: &str,
        decision: &mut Decision,
    ) -> Result<CredentialId, Error> {
        // 1. An active passkey of the caller, by the credential id's bytes.
        let sent = decode_base64url(body.cred_id)
            .ok_or_else(|| Error::bad_request(format!("{FIELD}.credId must be base64url")))?;
        let credential = active
            .record
            .active_passkeys()
            .find(|c| decode_base64url(c.cred_id.as_str()).is_some_and(|id| id == sent))
            .ok_or(Error::NoUsableCredential)?;
        let passkey = credential
            .passkey
            .as_ref()
            .ok_or_else(|| Error::internal("passkey", "Fido2 credential without its binding"))?;
        decision.credential = Some(credential.credential_id.clone());

        // 2 to 6, against the org's relying parties as read in this
        // request's first stage.
        let identity = &active.identity;
        let stored = StoredPasskey {
            public_key_pem: &credential.public_key_pem,
            rp_id: &passkey.rp_id,
            sign_count: passkey.sign_count,
        };
        let options = RequestOptions {
            challenge,
            settings,
            user_verification: USER_VERIFICATION_REQUIRED,
            user_id: identity.user_id.as_str(),
        };
        let count = verify_assertion(FIELD, &body.assertion, &stored, &options)?;

        // 5, stored: only from the count this request read.
        if !(passkey.sign_count == 0 && count == 0) {
            debug_assert!(counter_advances(passkey.sign_count, count));
            let moved = timed(
                &mut decision.timings.write_ms,
                self.directory.advance_sign_count(
                    &identity.user_id,
                    &credential.credential_id,
                    passkey.sign_count,
                    count,
                ),
            )
            .await?;
            if !moved {
                return Err(Error::AssertionInvalid);
            }
        }
        Ok(credential.credential_id.clone())
    }
}
