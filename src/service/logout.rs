//! `PUT /auth/logout`: a user ends its own session (this token), or every
//! session it has (`allSessions`). No user action, no permission.

use serde::Serialize;

use crate::domain::model::TokenKind;
use crate::domain::ports::{Directory, DirectoryWriter, Refusal, ReplayStore, Signer, WriteError};
use crate::domain::time::UnixMillis;
use crate::error::Error;
use crate::service::lifecycle::cut_off_at;
use crate::service::{parse_body, timed, ApiRequest, AuthService, Decision};

#[derive(Debug, Serialize)]
pub struct LogoutResponse {
    pub message: &'static str,
}

/// Whether the body asks to end every session. No body (what the TS SDK
/// sends), `{}` (Python) and `{"allSessions": false}` all mean this token
/// only; a `null` is an absent field. Other fields are ignored, as the
/// other endpoints ignore them.
pub fn parse_logout_body(body: &[u8]) -> Result<bool, Error> {
    if body.trim_ascii().is_empty() {
        return Ok(false);
    }
    let body: serde_json::Map<String, serde_json::Value> = parse_body(body)?;
    match body.get("allSessions") {
        None | Some(serde_json::Value::Null) => Ok(false),
        Some(serde_json::Value::Bool(all)) => Ok(*all),
        // Named, never echoed.
        Some(_) => Err(Error::bad_request("allSessions must be a boolean")),
    }
}

impl<D, R, S> AuthService<D, R, S>
where
    D: Directory + DirectoryWriter,
    R: ReplayStore,
    S: Signer,
{
    /// The checks: nonce syntax, bearer token, then (one stage) caller
    /// still active and nonce fresh, then the body, then the caller's
    /// kind; then one transaction writes the revocation and the cut-off.
    pub async fn logout(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<LogoutResponse, Error> {
        let pre = self.preflight(req, decision)?;
        let all_sessions = parse_logout_body(req.body());
        let (active, ()) = self.authenticate(&pre, decision, async {}).await?;
        let all_sessions = all_sessions?;
        if active.caller.token_kind != TokenKind::Token {
            return Err(Error::ServiceAccountLogout);
        }
        let identity = &active.identity;
        decision.target = Some(identity.user_id.clone());
        // Written only after every check passed: a refused request (a
        // replayed nonce above all) ends no session.
        let cut_off = all_sessions.then(|| cut_off_at(identity, UnixMillis::now()));
        let write = self
            .directory
            .end_sessions(identity, &active.caller.token_id, cut_off);
        timed(&mut decision.timings.write_ms, write)
            .await
            .map_err(|e| match e {
                // Deleted between the read and the write: its token is void.
                WriteError::Refused(Refusal::IdentityMissing) => Error::NotAuthorized,
                WriteError::Refused(refusal) => {
                    Error::internal("logout write", format!("{refusal:?}"))
                }
                WriteError::Store(e) => e,
            })?;
        Ok(LogoutResponse { message: "success" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_body_means_this_token_only() {
        for body in [&b""[..], b"  \n", b"{}", br#"{"allSessions": false}"#] {
            assert_eq!(parse_logout_body(body), Ok(false), "{body:?}");
        }
        assert_eq!(parse_logout_body(br#"{"allSessions": null}"#), Ok(false));
        assert_eq!(parse_logout_body(br#"{"force": true}"#), Ok(false));
        assert_eq!(parse_logout_body(br#"{"allSessions": true}"#), Ok(true));
    }

    #[test]
    fn malformed_bodies_name_the_field_without_echoing_it() {
        for body in [
            &br#"{"allSessions": "secret-value"}"#[..],
            br#"{"allSessions": 1}"#,
            br#"{"allSessions": ["secret-value"]}"#,
        ] {
            let err = parse_logout_body(body).unwrap_err();
            assert_eq!(err, Error::bad_request("allSessions must be a boolean"));
        }
        for body in [&b"null"[..], b"[true]", b"\"secret-value\"", b"{", b"\xff"] {
            let err = parse_logout_body(body).unwrap_err();
            assert!(
                matches!(&err, Error::BadRequest(m) if !m.contains("secret")),
                "{err:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_body(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
            let _ = parse_logout_body(&bytes);
        }
    }
}
