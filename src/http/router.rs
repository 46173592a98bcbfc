//! Method and path to use case.

use lambda_http::{Body, Response};

use super::response;
use crate::domain::ports::{Directory, DirectoryWriter, ReplayStore, Signer};
use crate::domain::registration::RegistrationStore;
use crate::error::Error;
use crate::service::{ApiRequest, AuthService, Decision};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    DelegatedLogin,
    ActionInit,
    Action,
    Jwks,
    RegistrationChallenge,
    RegistrationRestart,
    Registration,
    RegistrationEndUser,
}

impl Route {
    pub fn name(&self) -> &'static str {
        match self {
            Route::DelegatedLogin => "POST /auth/login/delegated",
            Route::ActionInit => "POST /auth/action/init",
            Route::Action => "POST /auth/action",
            Route::Jwks => "GET /.well-known/jwks.json",
            Route::RegistrationChallenge => "POST /auth/registration/delegated",
            Route::RegistrationRestart => "POST /auth/registration/delegated/restart",
            Route::Registration => "POST /auth/registration",
            Route::RegistrationEndUser => "POST /auth/registration/enduser",
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

/// 404 for an unknown path, 405 for a known path with another method.
pub fn route(method: &str, path: &str) -> Result<Route, Error> {
    let (route, allowed) = match path {
        "/auth/login/delegated" => (Route::DelegatedLogin, "POST"),
        "/auth/action/init" => (Route::ActionInit, "POST"),
        "/auth/action" => (Route::Action, "POST"),
        "/.well-known/jwks.json" => (Route::Jwks, "GET"),
        "/auth/registration/delegated" => (Route::RegistrationChallenge, "POST"),
        "/auth/registration/delegated/restart" => (Route::RegistrationRestart, "POST"),
        "/auth/registration" => (Route::Registration, "POST"),
        "/auth/registration/enduser" => (Route::RegistrationEndUser, "POST"),
        _ => return Err(Error::RouteNotFound),
    };
    if method == allowed {
        Ok(route)
    } else {
        Err(Error::MethodNotAllowed)
    }
}

pub async fn dispatch<D, R, S>(
    service: &AuthService<D, R, S>,
    route: Route,
    req: &ApiRequest,
    decision: &mut Decision,
) -> Result<Response<Body>, Error>
where
    D: Directory + DirectoryWriter,
    R: ReplayStore + RegistrationStore,
    S: Signer,
{
    // The use cases' futures hold several AWS SDK calls at once: boxed,
    // they live on the heap rather than on a worker thread's stack.
    match route {
        Route::DelegatedLogin => {
            let out = Box::pin(service.delegated_login(req, decision)).await?;
            Ok(response::json(200, &out))
        }
        Route::ActionInit => {
            let out = Box::pin(service.action_init(req, decision)).await?;
            Ok(response::json(200, &out))
        }
        Route::Action => {
            let out = Box::pin(service.action_complete(req, decision)).await?;
            Ok(response::json(200, &out))
        }
        Route::Jwks => Ok(response::public_json(&service.jwks())),
        Route::RegistrationChallenge | Route::RegistrationRestart => {
            let out = Box::pin(service.delegated_registration(req, decision)).await?;
            Ok(response::json(200, &out))
        }
        Route::Registration => {
            let out = Box::pin(service.register(req, decision)).await?;
            Ok(response::json(200, &out))
        }
        Route::RegistrationEndUser => {
            let out = Box::pin(service.register_end_user(req, decision)).await?;
            Ok(response::json(200, &out))
        }
    }
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
        assert_eq!(
            route("GET", "/auth/login/delegated"),
            Err(Error::MethodNotAllowed)
        );
        assert_eq!(route("POST", "/auth/login"), Err(Error::RouteNotFound));
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
        ] {
            assert_eq!(route("POST", path), Ok(expected));
            assert_eq!(expected.name(), format!("POST {path}"));
            assert_eq!(route("GET", path), Err(Error::MethodNotAllowed));
        }
    }
}
