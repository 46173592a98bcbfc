//! The users API: who may call it, what each endpoint needs, and the
//! pieces its reads (`read`) and writes (`write`) share.

mod read;
mod view;
mod write;

pub use view::{UserListView, UserView};
pub use write::UserChange;

use serde_json::{Map, Value};

use crate::domain::ids::UserId;
use crate::domain::model::{Identity, TokenKind, UserKind};
use crate::domain::permissions::{forbidden, Capability, Grant};
use crate::domain::ports::UserRecord;
use crate::error::Error;
use crate::service::caller::ActiveCaller;

/// The caller may use the users API at all (a service account, or an
/// employee with a login token; an end user is refused naming the first
/// operation), and holds `capability`'s target-independent part.
pub(crate) fn allowed(active: &ActiveCaller, capability: Capability) -> Result<Grant, Error> {
    let identity = &active.identity;
    let may_call = match active.caller.token_kind {
        TokenKind::ServiceAccount => identity.is_service_account,
        TokenKind::Token => {
            !identity.is_service_account && identity.kind == UserKind::CustomerEmployee
        }
        // Refused before here (registration only), and never a users caller.
        TokenKind::Temp => false,
    };
    if !may_call {
        let first = capability
            .g1_operations()
            .first()
            .copied()
            .unwrap_or_default();
        return Err(forbidden(identity, first));
    }
    capability.check(identity, &active.record.operations)
}

/// The target's type operation, when the grant still needs it.
pub(crate) fn allowed_on(
    active: &ActiveCaller,
    grant: Grant,
    target: &Identity,
) -> Result<(), Error> {
    grant.check_type(&active.identity, &active.record.operations, target.kind)
}

/// The user a caller may see: of its org, not a service account, and (but
/// for reads of one user) not archived. Anything else is `User not found`,
/// whatever exists, so that ids of other orgs reveal nothing.
pub(crate) fn visible(
    record: Option<UserRecord>,
    active: &ActiveCaller,
    archived_too: bool,
) -> Result<UserRecord, Error> {
    record
        .filter(|r| {
            let i = &r.identity;
            i.org_id == active.caller.org_id
                && !i.is_service_account
                && (archived_too || !i.archived)
        })
        .ok_or(Error::UnknownUser)
}

/// The `{userId}` of `/auth/users/{userId}[/...]`; a malformed one names
/// no user.
pub(crate) fn path_user_id(path: &str) -> Option<UserId> {
    let rest = path.strip_prefix("/auth/users/")?;
    UserId::parse(rest.split('/').next()?)
}

/// A JSON object body; no body or an empty one is `{}`.
pub(crate) fn body_object(body: &[u8]) -> Result<Map<String, Value>, Error> {
    if body.trim_ascii().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Error::bad_request(
            "invalid request body: expected a JSON object",
        )),
    }
}

/// An optional string field; the message names the field, never the value.
pub(crate) fn opt_string(map: &Map<String, Value>, name: &str) -> Result<Option<String>, Error> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::bad_request(format!("{name} must be a string"))),
    }
}

pub(crate) fn opt_bool(map: &Map<String, Value>, name: &str) -> Result<Option<bool>, Error> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Error::bad_request(format!("{name} must be a boolean"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_come_from_the_path() {
        let id = "us-01jtb-imrht-edl9flkevj8gev5j";
        for path in [
            format!("/auth/users/{id}"),
            format!("/auth/users/{id}/activate"),
        ] {
            assert_eq!(path_user_id(&path).unwrap().as_str(), id);
        }
        assert!(path_user_id("/auth/users/or-01jtb-imrht-edl9flkevj8gev5j").is_none());
        assert!(path_user_id("/auth/users/").is_none());
    }

    #[test]
    fn body_fields_are_named_never_echoed() {
        let map = body_object(br#"{"email": 12345678, "isSSORequired": "yes-secret"}"#).unwrap();
        let e = opt_string(&map, "email").unwrap_err().to_string();
        assert_eq!(e, "email must be a string");
        let e = opt_bool(&map, "isSSORequired").unwrap_err().to_string();
        assert!(!e.contains("yes-secret"));
        assert!(body_object(b"").unwrap().is_empty());
        assert!(body_object(b"[1]").is_err());
    }
}
