//! Method and path to use case.

use lambda_http::{Body, Response};

use super::response;
use crate::domain::ports::{DirectoryStore, ReplayStore, Signer};
use crate::domain::registration::RegistrationStore;
use crate::error::Error;
use crate::service::credentials::CredentialChange;
use crate::service::{ApiRequest, AuthService, Decision, UserChange};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    DelegatedLogin,
    ActionInit,
    Action,
    Logout,
    Jwks,
    ListUsers,
    CreateUser,
    GetUser,
    UpdateUser,
    ArchiveUser,
    ActivateUser,
    DeactivateUser,
    RegistrationChallenge,
    RegistrationRestart,
    Registration,
    RegistrationEndUser,
    Introspect,
    CredentialChallenge,
    CreateCredential,
    ListCredentials,
    ActivateCredential,
    DeactivateCredential,
}

impl Route {
    pub fn name(&self) -> &'static str {
        match self {
            Route::DelegatedLogin => "POST /auth/login/delegated",
            Route::ActionInit => "POST /auth/action/init",
            Route::Action => "POST /auth/action",
            Route::Logout => "PUT /auth/logout",
            Route::Jwks => "GET /.well-known/jwks.json",
            Route::ListUsers => "GET /auth/users",
            Route::CreateUser => "POST /auth/users",
            Route::GetUser => "GET /auth/users/{userId}",
            Route::UpdateUser => "PUT /auth/users/{userId}",
            Route::ArchiveUser => "DELETE /auth/users/{userId}",
            Route::ActivateUser => "PUT /auth/users/{userId}/activate",
            Route::DeactivateUser => "PUT /auth/users/{userId}/deactivate",
            Route::RegistrationChallenge => "POST /auth/registration/delegated",
            Route::RegistrationRestart => "POST /auth/registration/delegated/restart",
            Route::Registration => "POST /auth/registration",
            Route::RegistrationEndUser => "POST /auth/registration/enduser",
            Route::Introspect => "POST /auth/token/introspect",
            Route::CredentialChallenge => "POST /auth/credentials/init",
            Route::CreateCredential => "POST /auth/credentials",
            Route::ListCredentials => "GET /auth/credentials",
            Route::ActivateCredential => "PUT /auth/credentials/activate",
            Route::DeactivateCredential => "PUT /auth/credentials/deactivate",
        }
    }

    /// True when a token this route issues is a login token (what the
    /// `LoginsIssued` metric counts); a registration challenge issues a
    /// temporary token instead.
    pub fn issues_login_tokens(&self) -> bool {
        !matches!(
            self,
            Route::RegistrationChallenge | Route::RegistrationRestart
        )
    }
}

/// The routes of one path, by method.
fn routes_of(path: &str) -> Option<&'static [(&'static str, Route)]> {
    let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    Some(match segments.as_slice() {
        ["auth", "login", "delegated"] => &[("POST", Route::DelegatedLogin)],
        ["auth", "action", "init"] => &[("POST", Route::ActionInit)],
        ["auth", "action"] => &[("POST", Route::Action)],
        ["auth", "logout"] => &[("PUT", Route::Logout)],
        ["auth", "registration"] => &[("POST", Route::Registration)],
        ["auth", "registration", "delegated"] => &[("POST", Route::RegistrationChallenge)],
        ["auth", "registration", "delegated", "restart"] => &[("POST", Route::RegistrationRestart)],
        ["auth", "registration", "enduser"] => &[("POST", Route::RegistrationEndUser)],
        [".well-known", "jwks.json"] => &[("GET", Route::Jwks)],
        ["auth", "token", "introspect"] => &[("POST", Route::Introspect)],
        ["auth", "credentials"] => &[
            ("GET", Route::ListCredentials),
            ("POST", Route::CreateCredential),
        ],
        ["auth", "credentials", "init"] => &[("POST", Route::CredentialChallenge)],
        ["auth", "credentials", "activate"] => &[("PUT", Route::ActivateCredential)],
        ["auth", "credentials", "deactivate"] => &[("PUT", Route::DeactivateCredential)],
        ["auth", "users"] => &[("GET", Route::ListUsers), ("POST", Route::CreateUser)],
        // The id is parsed by the use case, after the checks that come first.
        ["auth", "users", id] if !id.is_empty() => &[
            ("GET", Route::GetUser),
            ("PUT", Route::UpdateUser),
            ("DELETE", Route::ArchiveUser),
        ],
        ["auth", "users", id, "activate"] if !id.is_empty() => &[("PUT", Route::ActivateUser)],
        ["auth", "users", id, "deactivate"] if !id.is_empty() => &[("PUT", Route::DeactivateUser)],
        _ => return None,
    })
}

/// 404 for an unknown path, 405 for a known path with another method.
pub fn route(method: &str, path: &str) -> Result<Route, Error> {
    let routes = routes_of(path).ok_or(Error::RouteNotFound)?;
    routes
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, r)| *r)
        .ok_or(Error::MethodNotAllowed)
}

pub async fn dispatch<D, R, S>(
    service: &AuthService<D, R, S>,
    route: Route,
    req: &ApiRequest,
    decision: &mut Decision,
) -> Result<Response<Body>, Error>
where
    D: DirectoryStore,
    R: ReplayStore + RegistrationStore,
    S: Signer,
{
    // The use cases' futures hold several AWS SDK calls at once: boxed,
    // they live on the heap rather than on a worker thread's stack.
    let res = match route {
        Route::DelegatedLogin => json(Box::pin(service.delegated_login(req, decision)).await),
        Route::ActionInit => json(Box::pin(service.action_init(req, decision)).await),
        Route::Action => json(Box::pin(service.action_complete(req, decision)).await),
        Route::Logout => json(Box::pin(service.logout(req, decision)).await),
        Route::RegistrationChallenge | Route::RegistrationRestart => {
            json(Box::pin(service.delegated_registration(req, decision)).await)
        }
        Route::Registration => json(Box::pin(service.register(req, decision)).await),
        Route::RegistrationEndUser => {
            json(Box::pin(service.register_end_user(req, decision)).await)
        }
        Route::Jwks => Ok(response::public_json(&service.jwks())),
        Route::Introspect => json(Box::pin(service.introspect(req, decision)).await),
        Route::ListUsers => json(Box::pin(service.list_users(req, decision)).await),
        Route::CreateUser => json(Box::pin(service.create_user(req, decision)).await),
        Route::GetUser => json(Box::pin(service.get_user(req, decision)).await),
        Route::UpdateUser => user_change(service, req, decision, UserChange::Update).await,
        Route::ArchiveUser => user_change(service, req, decision, UserChange::Archive).await,
        Route::ActivateUser => user_change(service, req, decision, UserChange::Activate).await,
        Route::DeactivateUser => user_change(service, req, decision, UserChange::Deactivate).await,
        Route::CredentialChallenge => {
            json(Box::pin(service.credential_challenge(req, decision)).await)
        }
        Route::CreateCredential => json(Box::pin(service.create_credential(req, decision)).await),
        Route::ListCredentials => json(Box::pin(service.list_credentials(req, decision)).await),
        Route::ActivateCredential => {
            credential_change(service, req, decision, CredentialChange::Activate).await
        }
        Route::DeactivateCredential => {
            credential_change(service, req, decision, CredentialChange::Deactivate).await
        }
    };
    res
}

/// A use case's answer as a 200 JSON body.
fn json<T: serde::Serialize>(out: Result<T, Error>) -> Result<Response<Body>, Error> {
    out.map(|body| response::json(200, &body))
}

async fn user_change<D, R, S>(
    service: &AuthService<D, R, S>,
    req: &ApiRequest,
    decision: &mut Decision,
    change: UserChange,
) -> Result<Response<Body>, Error>
where
    D: DirectoryStore,
    R: ReplayStore,
    S: Signer,
{
    json(Box::pin(service.change_user(req, decision, change)).await)
}

async fn credential_change<D, R, S>(
    service: &AuthService<D, R, S>,
    req: &ApiRequest,
    decision: &mut Decision,
    change: CredentialChange,
) -> Result<Response<Body>, Error>
where
    D: DirectoryStore,
    R: ReplayStore,
    S: Signer,
{
    json(Box::pin(service.change_credential(req, decision, change)).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_methods_and_paths() {
        assert_eq!(
            route("POST", "/auth/login/delegated"),
            Ok(Route::DelegatedLogin)
        );
        assert_eq!(route("GET", "/.well-known/jwks.json"), Ok(Route::Jwks));
        assert_eq!(route("PUT", "/auth/logout"), Ok(Route::Logout));
        assert_eq!(route("POST", "/auth/logout"), Err(Error::MethodNotAllowed));
        assert_eq!(
            route("GET", "/auth/login/delegated"),
            Err(Error::MethodNotAllowed)
        );
        assert_eq!(route("POST", "/auth/login"), Err(Error::RouteNotFound));
        assert_eq!(
            route("GET", "/auth/credentials"),
            Ok(Route::ListCredentials)
        );
        assert_eq!(
            route("POST", "/auth/credentials"),
            Ok(Route::CreateCredential)
        );
        for (path, expected) in [
            ("/auth/credentials/activate", Route::ActivateCredential),
            ("/auth/credentials/deactivate", Route::DeactivateCredential),
        ] {
            assert_eq!(route("PUT", path), Ok(expected));
            assert_eq!(expected.name(), format!("PUT {path}"));
        }
        // Deleting a credential is not offered.
        assert_eq!(
            route(
                "DELETE",
                "/auth/credentials/cr-01jtb-imrht-edl9flkevj8gev5j"
            ),
            Err(Error::RouteNotFound)
        );
        assert_eq!(
            route("POST", "/auth/login/delegated/"),
            Err(Error::RouteNotFound)
        );
        for (path, expected) in [
            ("/auth/registration/delegated", Route::RegistrationChallenge),
            (
                "/auth/registration/delegated/restart",
                Route::RegistrationRestart,
            ),
            ("/auth/registration", Route::Registration),
            ("/auth/registration/enduser", Route::RegistrationEndUser),
            ("/auth/token/introspect", Route::Introspect),
            ("/auth/credentials/init", Route::CredentialChallenge),
        ] {
            assert_eq!(route("POST", path), Ok(expected));
            assert_eq!(expected.name(), format!("POST {path}"));
            assert_eq!(route("GET", path), Err(Error::MethodNotAllowed));
        }
    }
}
