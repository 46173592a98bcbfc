//! Delegated registration: a service account asks for a registration
//! challenge for a user of its org (creating the user if needed), and the
//! user's client completes it with a credential of its own, authorised by
//! the challenge's temporary token.
//!
//! `challenge`: `POST /auth/registration/delegated` (and `/restart`).
//! `complete`: `POST /auth/registration` and `/auth/registration/enduser`.

mod body;
mod challenge;
mod complete;

pub use body::{parse_challenge_body, parse_register_body};
pub use challenge::{ChallengeUser, RegistrationChallenge, SupportedCredentialKinds};
pub use complete::{
    Authentication, EndUserRegistrationResponse, RegisteredCredential, RegisteredUser,
    RegistrationResponse,
};
