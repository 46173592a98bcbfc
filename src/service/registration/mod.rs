//! Delegated registration: a service account asks for a registration
//! challenge for a user of its org (creating the user if needed), and the
//! user's client completes it with a credential of its own, authorised by
//! the challenge's temporary token.
//!
//! `challenge`: `POST /auth/registration/delegated` (and `/restart`).
//! `complete`: `POST /auth/registration` and `/auth/registration/enduser`.

pub(crate) mod body;
mod challenge;
mod complete;
pub(crate) mod credential;

pub use body::{parse_challenge_body, parse_register_body};
pub use challenge::{
    authenticator_selection, pub_key_cred_params, ChallengeUser, RegistrationChallenge,
    RelyingPartyView, SupportedCredentialKinds,
};
pub use complete::{
    Authentication, EndUserRegistrationResponse, RegisteredCredential, RegisteredUser,
    RegistrationResponse,
};
