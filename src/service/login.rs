//! `POST /auth/login/delegated`: the contract's eleven checks, in order.

use serde::{Deserialize, Serialize};

use crate::domain::ids::{TokenId, UserId};
use crate::domain::model::{Identity, TokenKind};
use crate::domain::permissions::{self, Capability, USERS_DELEGATE};
use crate::domain::ports::{Directory, ReplayStore, Signer, Spend};
use crate::domain::secret::Redacted;
use crate::domain::time::{UnixMillis, UnixTime};
use crate::domain::token::{assemble, build_claims, signing_input, TokenSubject};
use crate::domain::username::{Username, UsernameError};
use crate::error::Error;
use crate::service::caller::require_spent;
use crate::service::limits::check_limits;
use crate::service::{accept_force, parse_body, timed, ApiRequest, AuthService, Decision};

#[derive(Deserialize)]
struct LoginBody {
    username: String,
}

#[derive(Debug, Serialize)]
pub struct LoginResponse {
    pub token: Redacted<String>,
}

/// A login token's id, minted after the user's cut-off and, when a service
/// account obtains it, after that account's actor cut-off, so that a login
/// right after a logout or a revocation works; `iat` stays the true second.
pub(crate) fn mint_login_token_id(user: &Identity, actor: Option<&Identity>) -> TokenId {
    let minted = user.mint_time(UnixMillis::now());
    TokenId::new_issued_at(actor.map_or(minted, |a| a.actor_mint_time(minted)))
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

        // One stage: every DynamoDB read and conditional write at once,
        // the service account's login counter included (its limit comes
        // back with the caller read of the same stage).
        let work = async {
            let Ok(name) = username.as_ref() else {
                return (Ok(Spend::Invalid), Ok(None), None);
            };
            let target = async {
                match name {
                    Some(name) => self.directory.user_by_username(&org_id, name).await,
                    None => Ok(None),
                }
            };
            // Boxed: one more SDK call's future, kept off the stack.
            let count = Box::pin(self.count_login(&pre));
            tokio::join!(self.spend_user_action(req, &pre), target, count)
        };
        let (active, (spend, target, count)) = self.authenticate(&pre, decision, work).await?; // 2 (active), 3
        username?; // 4
        decision.credential = active.signed_with(&require_spent(spend)?); // 5
        let identity = &active.identity;
        if active.caller.token_kind != TokenKind::ServiceAccount || !identity.is_service_account {
            return Err(permissions::forbidden(identity, USERS_DELEGATE)); // 6
        }
        let granted = &active.record.operations;
        // 7: `Auth:Users:Read` then `Auth:Users:Delegate`, unless a newer
        // form (`Auth:Login:Delegated`, `Auth:Delegated:Login`) grants 7 and 9 at once.
        let grant = Capability::DelegatedLogin.check(identity, granted)?;
        check_limits(&active.record.limits, req, count)?; // 7a source, 7b rate
                                                          // An archived user is gone for good: not found, like any other name.
        let target = target?.filter(|t| !t.archived).ok_or(Error::UserNotFound)?; // 8
        decision.target = Some(target.user_id.clone());
        grant.check_type(identity, granted, target.kind)?; // 9
        if !target.active {
            return Err(Error::UserDeactivated); // 10
        }

        // 11: the one KMS call, with the audit record written alongside.
        let token = self
            .issue_delegated_token(&target, identity, req, pre.now, decision)
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
        let token_id = mint_login_token_id(user, actor);
        let actor = actor.map(|a| &a.user_id);
        self.issue_login_token_with(token_id, user, actor, now, decision, async { Ok(()) })
            .await
    }

    /// The same, for a token id chosen by the caller, running `alongside`
    /// concurrently with the sign (in the same stage): its failure is the
    /// request's, and no token is returned.
    pub(crate) async fn issue_login_token_with(
        &self,
        token_id: TokenId,
        user: &Identity,
        actor: Option<&UserId>,
        now: UnixTime,
        decision: &mut Decision,
        alongside: impl std::future::Future<Output = Result<(), Error>>,
    ) -> Result<Redacted<String>, Error> {
        let subject = TokenSubject {
            org_id: user.org_id.as_str(),
            user_id: user.user_id.as_str(),
            username: user.username.as_str(),
            kind: TokenKind::Token,
            token_id: token_id.as_str(),
            actor: actor.map(UserId::as_str),
        };
        let claims = build_claims(
            &self.settings.issuer,
            &subject,
            now.as_secs(),
            self.settings.delegated_token_ttl_secs,
        );
        let input = signing_input(self.signer.key_id(), &claims);
        let (signature, alongside) = timed(&mut decision.timings.sign_ms, async {
            tokio::join!(self.signer.sign(input.as_bytes()), alongside)
        })
        .await;
        let signature = signature?;
        alongside?;
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
