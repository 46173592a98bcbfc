//! `POST /auth/login/delegated`: the contract's eleven checks, in order.

use serde::{Deserialize, Serialize};

use crate::domain::ids::TokenId;
use crate::domain::model::{Identity, TokenKind};
use crate::domain::permissions::{self, Capability, USERS_DELEGATE};
use crate::domain::ports::{Directory, ReplayStore, Signer, Spend};
use crate::domain::secret::Redacted;
use crate::domain::time::UnixTime;
use crate::domain::token::{assemble, build_claims, signing_input, TokenSubject};
use crate::domain::username::{Username, UsernameError};
use crate::error::Error;
use crate::service::caller::require_spent;
use crate::service::{accept_force, parse_body, timed, ApiRequest, AuthService, Decision};

#[derive(Deserialize)]
struct LoginBody {
    username: String,
}

#[derive(Debug, Serialize)]
pub struct LoginResponse {
    pub token: Redacted<String>,
}

/// The login body's username. A name no user can have is `None`: it is
/// answered `User not found` after the earlier checks, like any unknown name.
pub fn parse_login_body(body: &[u8]) -> Result<Option<Username>, Error> {
    let body: LoginBody = parse_body(body)?;
    match Username::parse(&body.username) {
        Ok(name) => Ok(Some(name)),
        Err(UsernameError::Empty) => Err(Error::bad_request(UsernameError::Empty.to_string())),
        Err(UsernameError::Malformed) => Ok(None),
    }
}

impl<D: Directory, R: ReplayStore, S: Signer> AuthService<D, R, S> {
    pub async fn delegated_login(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<LoginResponse, Error> {
        let pre = self.preflight(req, decision)?; // 1, 2 (signature, claims)
        let username =
            accept_force(req.query.as_deref()).and_then(|()| parse_login_body(req.body()));
        let org_id = pre.caller.org_id.clone();

        // One stage: every DynamoDB read and conditional write at once.
        let work = async {
            let Ok(name) = username.as_ref() else {
                return (Ok(Spend::Invalid), Ok(None));
            };
            let target = async {
                match name {
                    Some(name) => self.directory.user_by_username(&org_id, name).await,
                    None => Ok(None),
                }
            };
            tokio::join!(self.spend_user_action(req, &pre), target)
        };
        let (active, (spend, target)) = self.authenticate(&pre, decision, work).await?; // 2 (active), 3
        username?; // 4
        require_spent(spend)?; // 5
        let identity = &active.identity;
        if active.caller.token_kind != TokenKind::ServiceAccount || !identity.is_service_account {
            return Err(permissions::forbidden(identity, USERS_DELEGATE)); // 6
        }
        let granted = &active.record.operations;
        // 7: `Auth:Users:Read` then `Auth:Users:Delegate`, unless a newer
        // form (`Auth:Login:Delegated`, `Auth:Delegated:Login`) grants 7 and 9 at once.
        let grant = Capability::DelegatedLogin.check(identity, granted)?;
        // An archived user is gone for good: not found, like any other name.
        let target = target?.filter(|t| !t.archived).ok_or(Error::UserNotFound)?; // 8
        decision.target = Some(target.user_id.clone());
        grant.check_type(identity, granted, target.kind)?; // 9
        if !target.active {
            return Err(Error::UserDeactivated); // 10
        }

        // 11: the one KMS call.
        let token = self
            .issue_login_token(&target, Some(identity), pre.now, decision)
            .await?;
        Ok(LoginResponse { token })
    }

    /// A login token for `user`, signed through the issuer's key (the one
    /// KMS call of a request); `actor` is the service account that obtained
    /// it, named in `act.sub`.
    pub(crate) async fn issue_login_token(
        &self,
        user: &Identity,
        actor: Option<&Identity>,
        now: UnixTime,
        decision: &mut Decision,
    ) -> Result<Redacted<String>, Error> {
        let token_id = TokenId::new_issued();
        let subject = TokenSubject {
            org_id: user.org_id.as_str(),
            user_id: user.user_id.as_str(),
            username: user.username.as_str(),
            kind: TokenKind::Token,
            token_id: token_id.as_str(),
            actor: actor.map(|a| a.user_id.as_str()),
        };
        // After the user's cut-off and, when obtained by a service
        // account, after that account's actor cut-off.
        let issued_at = match actor {
            Some(a) => a.actor_issue_time(user.issue_time(now)),
            None => user.issue_time(now),
        };
        let claims = build_claims(
            &self.settings.issuer,
            &subject,
            issued_at.as_secs(),
            self.settings.delegated_token_ttl_secs,
        );
        let input = signing_input(self.signer.key_id(), &claims);
        let signature = timed(
            &mut decision.timings.sign_ms,
            self.signer.sign(input.as_bytes()),
        )
        .await?;
        decision.issued_token = Some(token_id);
        Ok(Redacted::new(assemble(&input, &signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::username::MAX_USERNAME_LEN;

    #[test]
    fn body_rules() {
        assert_eq!(
            parse_login_body(br#"{"username":"a@b.co"}"#),
            Ok(Some(Username::parse("a@b.co").unwrap()))
        );
        assert!(matches!(
            parse_login_body(br#"{"username":""}"#),
            Err(Error::BadRequest(_))
        ));
        assert!(matches!(
            parse_login_body(br#"{"username":1}"#),
            Err(Error::BadRequest(_))
        ));
        assert!(matches!(
            parse_login_body(b"\xff\xfe"),
            Err(Error::BadRequest(_))
        ));
        // An array of the fields in order is not an object.
        for array in [&br#"["a@b.co"]"#[..], b" \n[\"a@b.co\"]"] {
            assert!(matches!(parse_login_body(array), Err(Error::BadRequest(_))));
        }
        // Names no user can have pass the body check and are simply not found.
        assert_eq!(parse_login_body(br#"{"username":"a\u0000b"}"#), Ok(None));
        let long = format!(r#"{{"username":"{}"}}"#, "a".repeat(MAX_USERNAME_LEN + 1));
        assert_eq!(parse_login_body(long.as_bytes()), Ok(None));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_body(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_login_body(&bytes);
        }

        #[test]
        fn any_reasonable_username_round_trips(name in "[^\\p{Cc}]{1,64}") {
            let body = serde_json::json!({ "username": name }).to_string();
            proptest::prop_assert_eq!(parse_login_body(body.as_bytes()), Ok(Username::parse(&name).ok()));
        }
    }
}
