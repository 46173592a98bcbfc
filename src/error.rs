//! The one error enum of the service and its mapping onto the wire contract.
//!
//! Display is the exact message a client sees; `status` is its HTTP status.
//! Internal details are carried for the log and never shown to a client.

/// Every way a request can fail, in the contract's terms.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("request nonce is missing or invalid")]
    NonceInvalid,
    #[error("request nonce has already been used")]
    NonceReused,
    #[error("user action has already been used")]
    UserActionReused,
    #[error("user action signature is missing or invalid")]
    UserActionInvalid,
    #[error("Not Authorized.")]
    NotAuthorized,
    #[error("{caller_kind} {caller_id} is not authorized to perform operation ({operation})")]
    Forbidden {
        caller_kind: String,
        caller_id: String,
        operation: String,
    },
    #[error("User not found")]
    UserNotFound,
    /// The users API's answer for an id it may not show (unknown, another
    /// org's, a service account's, archived): 404 where delegated login
    /// answers 401 with the same words.
    #[error("User not found")]
    UnknownUser,
    #[error("User account has been deactivated.")]
    UserDeactivated,
    #[error("Challenge token is not valid.")]
    ChallengeInvalid,
    #[error("User does not have a credential that can be used for the application.")]
    NoUsableCredential,
    #[error("Credential assertion is not valid.")]
    AssertionInvalid,
    /// Logout with a service account token: its tokens are revoked by id.
    #[error("service accounts cannot log out; revoke the token instead")]
    ServiceAccountLogout,
    /// Registration of a user that registered already or was archived
    /// (Dfns's message and status).
    #[error("User already exists.")]
    UserAlreadyRegistered,
    /// A credId already registered in the org.
    #[error("credential already registered")]
    CredentialAlreadyRegistered,
    /// A credentialUuid that is not one of the caller's.
    #[error("Credential not found")]
    CredentialNotFound,
    /// Deactivating the caller's last active credential.
    #[error("cannot deactivate the last active credential")]
    LastActiveCredential,
    /// A service account calling the credentials API.
    #[error("service account credentials are managed by the operator")]
    ServiceAccountCredentials,
    /// A delegated login from outside the service account's source CIDRs.
    #[error("source address not allowed for this service account")]
    SourceNotAllowed,
    /// Over the service account's delegated logins per minute.
    #[error("too many delegated logins for this service account")]
    TooManyLogins,
    /// Malformed request body or parameters; the message names the field.
    #[error("{0}")]
    BadRequest(String),
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("Not Found")]
    RouteNotFound,
    #[error("Method Not Allowed")]
    MethodNotAllowed,
    /// Store, KMS or programming failure; the detail goes to the log only.
    #[error("Internal Server Error")]
    Internal(String),
}

impl Error {
    /// HTTP status code of this error on the wire.
    pub fn status(&self) -> u16 {
        match self {
            Error::NonceInvalid
            | Error::NonceReused
            | Error::UserActionReused
            | Error::UserDeactivated
            | Error::ChallengeInvalid
            | Error::CredentialAlreadyRegistered
            | Error::LastActiveCredential
            | Error::BadRequest(_) => 400,
            Error::NotAuthorized
            | Error::UserNotFound
            | Error::NoUsableCredential
            | Error::AssertionInvalid
            | Error::UserAlreadyRegistered => 401,
            Error::UserActionInvalid
            | Error::Forbidden { .. }
            | Error::ServiceAccountLogout
            | Error::ServiceAccountCredentials
            | Error::SourceNotAllowed => 403,
            Error::RouteNotFound | Error::UnknownUser | Error::CredentialNotFound => 404,
            Error::MethodNotAllowed => 405,
            Error::PayloadTooLarge => 413,
            Error::TooManyLogins => 429,
            Error::Internal(_) => 500,
        }
    }

    /// A short, stable, secret-free label for logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::NonceInvalid => "nonce_invalid",
            Error::NonceReused => "nonce_reused",
            Error::UserActionReused => "user_action_reused",
            Error::UserActionInvalid => "user_action_invalid",
            Error::NotAuthorized => "not_authorized",
            Error::Forbidden { .. } => "forbidden",
            Error::UserNotFound | Error::UnknownUser => "user_not_found",
            Error::UserDeactivated => "user_deactivated",
            Error::ChallengeInvalid => "challenge_invalid",
            Error::NoUsableCredential => "no_usable_credential",
            Error::AssertionInvalid => "assertion_invalid",
            Error::ServiceAccountLogout => "service_account_logout",
            Error::UserAlreadyRegistered => "user_already_registered",
            Error::CredentialAlreadyRegistered => "credential_already_registered",
            Error::CredentialNotFound => "credential_not_found",
            Error::LastActiveCredential => "last_active_credential",
            Error::ServiceAccountCredentials => "service_account_credentials",
            Error::SourceNotAllowed => "source_not_allowed",
            Error::TooManyLogins => "rate_limited",
            Error::BadRequest(_) => "bad_request",
            Error::PayloadTooLarge => "payload_too_large",
            Error::RouteNotFound => "route_not_found",
            Error::MethodNotAllowed => "method_not_allowed",
            Error::Internal(_) => "internal",
        }
    }

    pub fn internal(context: &str, detail: impl std::fmt::Display) -> Self {
        Error::Internal(format!("{context}: {detail}"))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::BadRequest(message.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_message_matches_contract() {
        let e = Error::Forbidden {
            caller_kind: "CustomerEmployee".into(),
            caller_id: "us-24vwa-92s33-8tvqi1dg0a95megt".into(),
            operation: "Auth:Users:Delegate".into(),
        };
        assert_eq!(
            e.to_string(),
            "CustomerEmployee us-24vwa-92s33-8tvqi1dg0a95megt is not authorized to perform operation (Auth:Users:Delegate)"
        );
        assert_eq!(e.status(), 403);
    }

    #[test]
    fn internal_detail_never_reaches_the_message() {
        let e = Error::internal("dynamodb", "table xyz throttled");
        assert_eq!(e.to_string(), "Internal Server Error");
        assert_eq!(e.status(), 500);
    }
}
