//! Passkey inputs from a browser: authenticator data, attestation objects,
//! clientDataJSON and the operator's settings. Any bytes, never a panic.
#![no_main]

use delegated_login::domain::webauthn::attestation::AttestationObject;
use delegated_login::domain::webauthn::auth_data::AuthenticatorData;
use delegated_login::domain::webauthn::client_data;
use delegated_login::domain::webauthn::cose::spki_of;
use delegated_login::domain::webauthn::settings::parse_relying_parties;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(auth) = AuthenticatorData::parse(data) {
        if let Some(attested) = &auth.attested {
            let _ = spki_of(&attested.key);
        }
    }
    if let Some(object) = AttestationObject::parse(data) {
        let _ = AuthenticatorData::parse(&object.auth_data);
    }
    let _ = client_data::check(data, "clientData", client_data::GET, "challenge");
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_relying_parties(text);
    }
});
