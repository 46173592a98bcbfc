//! The users API's writes: create, update, activate, deactivate, archive.
//! Each is a signed write: body, then user action, then permissions, then
//! the target and its state, in the contract's order. The reads and the
//! user action's spend share one stage; the write is a second.

use serde_json::{Map, Value};

use super::{
    allowed, allowed_on, body_object, opt_bool, opt_string, path_user_id, visible, UserView,
};
use crate::domain::model::UserKind;
use crate::domain::permissions::Capability;
use crate::domain::ports::{
    Directory, DirectoryWriter, Refusal, ReplayStore, Signer, Spend, UserDirectory, UserRecord,
    WriteError,
};
use crate::domain::time::UnixMillis;
use crate::domain::username::Username;
use crate::error::Error;
use crate::service::caller::require_spent;
use crate::service::lifecycle::{self, NewUser};
use crate::service::{ApiRequest, AuthService, Decision};

/// Which change to an existing user a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    Update,
    Activate,
    Deactivate,
    Archive,
}

/// What the change does, once its body parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Update { is_sso_required: bool },
    Activate,
    Deactivate,
    Archive,
}

impl Change {
    fn capability(self) -> Capability {
        match self {
            Change::Update { .. } => Capability::UpdateUser,
            Change::Activate => Capability::ActivateUser,
            Change::Deactivate => Capability::DeactivateUser,
            Change::Archive => Capability::ArchiveUser,
        }
    }
}

/// Fields a body may carry besides the ones a change reads: `force` is
/// accepted and ignored (no policy engine: never a 202).
fn only(map: &Map<String, Value>, known: &[&str]) -> Result<(), Error> {
    match map
        .keys()
        .find(|k| !known.contains(&k.as_str()) && k.as_str() != "force")
    {
        // The name of an unknown field is the caller's own input: not echoed.
        Some(_) => Err(Error::bad_request(format!(
            "unexpected field in request body; expected only {}",
            if known.is_empty() {
                "force".to_string()
            } else {
                known.join(", ")
            }
        ))),
        None => Ok(()),
    }
}

fn parse_update(body: &[u8]) -> Result<Change, Error> {
    let map = body_object(body)?;
    only(&map, &["isSSORequired"])?;
    let is_sso_required = opt_bool(&map, "isSSORequired")?
        .ok_or_else(|| Error::bad_request("isSSORequired must be a boolean"))?;
    Ok(Change::Update { is_sso_required })
}

fn parse_empty(body: &[u8], change: Change) -> Result<Change, Error> {
    let map = body_object(body)?;
    only(&map, &[])?;
    Ok(change)
}

/// `POST /auth/users`'s body; the org is the caller's.
fn parse_create(body: &[u8]) -> Result<(Username, UserKind, Option<String>, bool), Error> {
    let map = body_object(body)?;
    if map.contains_key("publicKey") {
        return Err(Error::bad_request("publicKey is not supported"));
    }
    only(
        &map,
        &[
            "email",
            "kind",
            "externalId",
            "isSSORequired",
            "registration",
        ],
    )?;
    let email = opt_string(&map, "email")?
        .ok_or_else(|| Error::bad_request("email must be a non-empty string"))?;
    let username = Username::parse(&email).map_err(|_| {
        Error::bad_request("email must be 1 to 256 bytes without control characters")
    })?;
    let kind = opt_string(&map, "kind")?
        .and_then(|k| UserKind::parse(&k))
        .ok_or_else(|| Error::bad_request("kind must be one of CustomerEmployee, EndUser"))?;
    match opt_string(&map, "registration")?.as_deref() {
        None | Some("Delegated") => {}
        Some("Direct") => return Err(Error::bad_request("direct registration is not supported")),
        Some(_) => return Err(Error::bad_request("registration must be Delegated")),
    }
    let external_id = opt_string(&map, "externalId")?;
    let sso = opt_bool(&map, "isSSORequired")?.unwrap_or(false);
    Ok((username, kind, external_id, sso))
}

fn store_failure(e: WriteError, context: &str) -> Error {
    match e {
        WriteError::Store(e) => e,
        // The target was read in this request's first stage: it vanished
        // or changed since.
        WriteError::Refused(r) => Error::internal(context, format!("refused: {r:?}")),
    }
}

impl<D, R, S> AuthService<D, R, S>
where
    D: Directory + DirectoryWriter + UserDirectory,
    R: ReplayStore,
    S: Signer,
{
    /// `POST /auth/users`: a user that registers through delegated registration.
    pub async fn create_user(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<UserView, Error> {
        let pre = self.preflight(req, decision)?;
        let parsed = parse_create(req.body());
        let spend = async {
            match &parsed {
                Ok(_) => self.spend_user_action(req, &pre).await,
                Err(_) => Ok(Spend::Invalid),
            }
        };
        let (active, spend) = self.authenticate(&pre, decision, spend).await?;
        let (username, kind, external_id, is_sso_required) = parsed?;
        decision.credential = active.signed_with(&require_spent(spend)?);
        let _ = allowed(&active, Capability::CreateUser)?;
        let new = NewUser {
            org_id: active.caller.org_id.clone(),
            username,
            kind,
            external_id,
            is_sso_required,
        };
        let identity = match lifecycle::create_user(&self.directory, new).await {
            Ok(identity) => identity,
            Err(WriteError::Refused(Refusal::UsernameTaken)) => {
                return Err(Error::bad_request("User already exists."))
            }
            Err(e) => return Err(store_failure(e, "user create")),
        };
        decision.target = Some(identity.user_id.clone());
        Ok(UserView::from(&UserRecord {
            identity,
            assignments: Vec::new(),
        }))
    }

    /// `PUT /auth/users/{id}`, `.../activate`, `.../deactivate`, `DELETE /auth/users/{id}`.
    pub async fn change_user(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
        change: UserChange,
    ) -> Result<UserView, Error> {
        let pre = self.preflight(req, decision)?;
        let parsed = match change {
            UserChange::Update => parse_update(req.body()),
            UserChange::Activate => parse_empty(req.body(), Change::Activate),
            UserChange::Deactivate => parse_empty(req.body(), Change::Deactivate),
            UserChange::Archive => parse_empty(req.body(), Change::Archive),
        };
        let target = path_user_id(&req.path);
        let work = async {
            let lookup = async {
                match &target {
                    Some(id) => self.directory.user(id).await,
                    None => Ok(None),
                }
            };
            let spend = async {
                match &parsed {
                    Ok(_) => self.spend_user_action(req, &pre).await,
                    Err(_) => Ok(Spend::Invalid),
                }
            };
            tokio::join!(spend, lookup)
        };
        let (active, (spend, record)) = self.authenticate(&pre, decision, work).await?;
        let change = parsed?;
        decision.credential = active.signed_with(&require_spent(spend)?);
        let grant = allowed(&active, change.capability())?;
        let record = visible(record?, &active, false)?;
        decision.target = Some(record.identity.user_id.clone());
        allowed_on(&active, grant, &record.identity)?;
        let identity = record.identity;
        if identity.user_id == active.identity.user_id && !matches!(change, Change::Update { .. }) {
            return Err(Error::bad_request(
                "an identity cannot change its own state",
            ));
        }
        let now = UnixMillis::now();
        let changed = match change {
            Change::Update { is_sso_required } => {
                let mut i = identity;
                i.is_sso_required = is_sso_required;
                self.directory.save_identity(&i).await.map(|()| i)
            }
            Change::Activate => {
                lifecycle::set_user_active(&self.directory, identity, true, now).await
            }
            Change::Deactivate => {
                lifecycle::set_user_active(&self.directory, identity, false, now).await
            }
            Change::Archive => {
                let i = lifecycle::archived(identity, now);
                self.directory.save_identity(&i).await.map(|()| i)
            }
        }
        .map_err(|e| store_failure(e, "user change"))?;
        Ok(UserView::from(&UserRecord {
            identity: changed,
            assignments: record.assignments,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_bodies() {
        let (name, kind, ext, sso) =
            parse_create(br#"{"email":"a@b.co","kind":"EndUser","externalId":"x1"}"#).unwrap();
        assert_eq!(
            (name.as_str(), kind, ext.as_deref(), sso),
            ("a@b.co", UserKind::EndUser, Some("x1"), false)
        );
        for (body, message) in [
            (
                &br#"{"kind":"EndUser"}"#[..],
                "email must be a non-empty string",
            ),
            (
                br#"{"email":"a@b.co","kind":"Robot"}"#,
                "kind must be one of CustomerEmployee, EndUser",
            ),
            (
                br#"{"email":"a@b.co","kind":"EndUser","registration":"Direct"}"#,
                "direct registration is not supported",
            ),
            (
                br#"{"email":"a@b.co","kind":"EndUser","publicKey":"k"}"#,
                "publicKey is not supported",
            ),
            (
                br#"{"email":"","kind":"EndUser"}"#,
                "email must be 1 to 256 bytes without control characters",
            ),
        ] {
            assert_eq!(parse_create(body).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn empty_bodies_in_every_sdk_shape() {
        for body in [&b""[..], b"{}", br#"{"force":true}"#] {
            assert_eq!(
                parse_empty(body, Change::Deactivate),
                Ok(Change::Deactivate)
            );
        }
        assert!(parse_empty(br#"{"secret-field":1}"#, Change::Activate)
            .unwrap_err()
            .to_string()
            .find("secret-field")
            .is_none());
        assert_eq!(
            parse_update(br#"{"isSSORequired":true}"#),
            Ok(Change::Update {
                is_sso_required: true
            })
        );
    }
}
