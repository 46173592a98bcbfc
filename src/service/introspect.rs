//! `POST /auth/token/introspect` (RFC 7662): whether a token of the
//! caller's org is currently valid here, checked exactly as this service
//! checks a bearer token (signature and times through the key ring; the
//! identity, token and actor records through `check_active`).

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::domain::model::{Caller, CallerRecord, Identity, TokenKind};
use crate::domain::permissions::{self, TOKENS_INTROSPECT};
use crate::domain::ports::{Directory, ReplayStore, Signer};
use crate::domain::token::Claims;
use crate::error::Error;
use crate::service::caller::check_active;
use crate::service::input::query_value;
use crate::service::{parse_body, ApiRequest, AuthService, Decision};

#[derive(Deserialize)]
struct JsonBody {
    token: Option<String>,
}

/// The token a body presents: `token=<JWT>` form-encoded (RFC 7662 2.1),
/// or `{"token": "<JWT>"}`. A body whose first non-blank byte is `{` is
/// JSON; anything else is a form. The token itself is not judged here: a
/// value that is no token is answered `{"active": false}`.
pub fn parse_introspection_body(body: &[u8]) -> Result<String, Error> {
    let missing = || Error::bad_request("token is required");
    if body.trim_ascii_start().first() == Some(&b'{') {
        let body: JsonBody = parse_body(body)?;
        return body.token.ok_or_else(missing);
    }
    let form = std::str::from_utf8(body)
        .map_err(|_| Error::bad_request("invalid request body: not a form"))?;
    query_value(Some(form.trim_ascii()), "token").ok_or_else(missing)
}

/// RFC 7662's answer: `{"active": false}` and nothing else, or the
/// token's claims with `active` and `token_type`.
pub fn introspection_answer(valid: Option<(&Claims, TokenKind)>) -> Value {
    let mut out = Map::new();
    let Some((claims, kind)) = valid else {
        out.insert("active".into(), Value::Bool(false));
        return Value::Object(out);
    };
    if let Ok(Value::Object(claims)) = serde_json::to_value(claims) {
        out = claims;
    }
    out.insert("active".into(), Value::Bool(true));
    out.insert("token_type".into(), Value::String(kind.as_str().into()));
    Value::Object(out)
}

/// Whether the introspected token, verified as `subject`, is valid for a
/// caller of the org `caller`: the same rule as every bearer's, a login or
/// service account token only (never a temporary one), of the caller's org.
fn still_valid(
    caller: &Caller,
    subject: &Caller,
    records: Result<(CallerRecord, Option<Identity>), Error>,
) -> Result<bool, Error> {
    if subject.org_id != caller.org_id || subject.token_kind == TokenKind::Temp {
        return Ok(false);
    }
    let (record, actor) = records?;
    Ok(check_active(subject, record, actor.as_ref()).is_ok())
}

impl<D: Directory, R: ReplayStore, S: Signer> AuthService<D, R, S> {
    /// The checks: nonce syntax, bearer token, then (one stage, together
    /// with the introspected token's records) caller still active and
    /// nonce fresh, then the body, then the caller's kind and operation.
    pub async fn introspect(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<Value, Error> {
        let pre = self.preflight(req, decision)?;
        let token = parse_introspection_body(req.body());
        let subject = token
            .as_ref()
            .ok()
            .and_then(|t| self.keys.verify_token(t, pre.now.as_secs()));
        // Only a token that verified offline (and could be valid for this
        // caller) costs reads, in the caller's stage.
        let worth_reading = subject
            .as_ref()
            .filter(|(s, _)| s.org_id == pre.caller.org_id && s.token_kind != TokenKind::Temp);
        let work = async {
            match worth_reading {
                Some((s, _)) => Some(self.read_token_records(s).await),
                None => None,
            }
        };
        let (active, records) = self.authenticate(&pre, decision, work).await?;
        token?;
        let identity = &active.identity;
        if active.caller.token_kind != TokenKind::ServiceAccount || !identity.is_service_account {
            return Err(permissions::forbidden(identity, TOKENS_INTROSPECT));
        }
        permissions::require(identity, &active.record.operations, &[TOKENS_INTROSPECT])?;
        let valid = match (&subject, records) {
            (Some((s, claims)), Some(records)) => {
                still_valid(&pre.caller, s, records)?.then_some((claims, s.token_kind))
            }
            _ => None,
        };
        if let Some((s, _)) = subject.as_ref().filter(|_| valid.is_some()) {
            decision.target = Some(s.user_id.clone());
        }
        Ok(introspection_answer(valid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::token::{build_claims, TokenSubject};

    #[test]
    fn the_token_comes_from_a_form_or_from_json() {
        assert_eq!(parse_introspection_body(b"token=a.b.c"), Ok("a.b.c".into()));
        // Percent-decoded, other parameters ignored (token_type_hint).
        assert_eq!(
            parse_introspection_body(b"token_type_hint=access_token&token=a%2Eb.c%2B+"),
            Ok("a.b.c+ ".into())
        );
        assert_eq!(
            parse_introspection_body(br#" {"token":"a.b.c","x":1}"#),
            Ok("a.b.c".into())
        );
        for missing in [&b""[..], b"tok=a", b"token", b"{}", br#"{"token":null}"#] {
            assert!(
                matches!(parse_introspection_body(missing), Err(Error::BadRequest(_))),
                "{missing:?}"
            );
        }
        for bad in [&br#"{"token":1}"#[..], b"{", b"token=\xff", b"token=%zz"] {
            assert!(
                matches!(parse_introspection_body(bad), Err(Error::BadRequest(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_inactive_token_is_answered_with_active_false_only() {
        assert_eq!(
            introspection_answer(None),
            serde_json::json!({ "active": false })
        );
    }

    #[test]
    fn an_active_token_is_answered_with_its_claims() {
        let subject = TokenSubject {
            org_id: "or-1",
            user_id: "us-1",
            username: "jdoe@example.co",
            kind: TokenKind::Token,
            token_id: "uj-1",
            actor: Some("us-sa"),
        };
        let claims = build_claims("https://issuer.example", &subject, 1000, 60);
        let v = introspection_answer(Some((&claims, TokenKind::Token)));
        assert_eq!(v["active"], true);
        assert_eq!(v["token_type"], "Token");
        assert_eq!(v["sub"], "or-1");
        assert_eq!(v["iss"], "https://issuer.example");
        assert_eq!(v["aud"], "dfns:auth:user");
        assert_eq!(v["iat"], 1000);
        assert_eq!(v["exp"], 1060);
        assert_eq!(v["jti"], "uj-1");
        assert_eq!(v["https://custom/username"], "jdoe@example.co");
        assert_eq!(v["https://custom/app_metadata"]["userId"], "us-1");
        assert_eq!(v["act"]["sub"], "us-sa");
        let sa = TokenSubject {
            kind: TokenKind::ServiceAccount,
            actor: None,
            ..subject
        };
        let v = introspection_answer(Some((
            &build_claims("i", &sa, 0, 1),
            TokenKind::ServiceAccount,
        )));
        assert_eq!(v["token_type"], "ServiceAccount");
        assert!(v.get("act").is_none());
    }
}
