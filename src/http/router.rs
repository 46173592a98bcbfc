//! Method and path to use case.

use lambda_http::{Body, Response};

use super::response;
use crate::domain::ports::{Directory, DirectoryWriter, ReplayStore, Signer};
use crate::error::Error;
use crate::service::{ApiRequest, AuthService, Decision};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    DelegatedLogin,
    ActionInit,
    Action,
    Logout,
    Jwks,
}

impl Route {
    pub fn name(&self) -> &'static str {
        match self {
            Route::DelegatedLogin => "POST /auth/login/delegated",
            Route::ActionInit => "POST /auth/action/init",
            Route::Action => "POST /auth/action",
            Route::Logout => "PUT /auth/logout",
            Route::Jwks => "GET /.well-known/jwks.json",
        }
    }
}

/// 404 for an unknown path, 405 for a known path with another method.
pub fn route(method: &str, path: &str) -> Result<Route, Error> {
    let (route, allowed) = match path {
        "/auth/login/delegated" => (Route::DelegatedLogin, "POST"),
        "/auth/action/init" => (Route::ActionInit, "POST"),
        "/auth/action" => (Route::Action, "POST"),
        "/auth/logout" => (Route::Logout, "PUT"),
        "/.well-known/jwks.json" => (Route::Jwks, "GET"),
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
    R: ReplayStore,
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
        Route::Logout => {
            let out = Box::pin(service.logout(req, decision)).await?;
            Ok(response::json(200, &out))
        }
        Route::Jwks => Ok(response::public_json(&service.jwks())),
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
        assert_eq!(route("PUT", "/auth/logout"), Ok(Route::Logout));
        assert_eq!(route("POST", "/auth/logout"), Err(Error::MethodNotAllowed));
        assert_eq!(
            route("GET", "/auth/login/delegated"),
            Err(Error::MethodNotAllowed)
        );
        assert_eq!(route("POST", "/auth/login"), Err(Error::RouteNotFound));
        assert_eq!(
            route("POST", "/auth/login/delegated/"),
            Err(Error::RouteNotFound)
        );
    }
}
