//! Any method, signed or not, the way the SDKs send it: TS signs `{}` for
//! an empty write and sends `{}`, Python signs `""` and sends no body; TS's
//! `DfnsApiClient` and Python sign the path without its query.

use serde_json::json;

use super::{nonce, Client, Reply};

impl Client<'_> {
    /// A request with the caller's bearer (and a nonce), no user action.
    pub async fn call(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        self.call_with(method, path, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let bearer = self.bearer();
        let nonce = nonce();
        let mut headers = vec![("Authorization", bearer.as_str())];
        if self.send_nonce {
            headers.push(("X-DFNS-NONCE", nonce.as_str()));
        }
        headers.extend_from_slice(extra);
        self.stack.send(method, path, &headers, body).await
    }

    /// A user action for (`method`, `signed_path`, `payload`).
    pub async fn user_action_for(&self, method: &str, signed_path: &str, payload: &str) -> String {
        let body = json!({
            "userActionPayload": payload,
            "userActionHttpMethod": method,
            "userActionHttpPath": signed_path,
            "userActionServerKind": "Api",
        });
        let challenge = self.post("/auth/action/init", &body.to_string(), &[]).await;
        assert_eq!(challenge.status, 200, "init: {challenge:?}");
        let action = self
            .post(
                "/auth/action",
                &self.assertion(&challenge.body).to_string(),
                &[],
            )
            .await;
        assert_eq!(action.status, 200, "action: {action:?}");
        action.body["userAction"]
            .as_str()
            .expect("userAction")
            .to_string()
    }

    /// A signed write whose payload and body are the same text (TS style;
    /// `{}` for an empty write). The path is signed without its query.
    pub async fn signed(&self, method: &str, path: &str, body: &str) -> Reply {
        let signed_path = path.split_once('?').map_or(path, |(p, _)| p);
        let ua = self.user_action_for(method, signed_path, body).await;
        self.call_with(method, path, Some(body), &[("X-DFNS-USERACTION", &ua)])
            .await
    }

    /// A signed write the Python SDK's way: an empty write signs `""` and
    /// sends no body.
    pub async fn signed_python(&self, method: &str, path: &str) -> Reply {
        let signed_path = path.split_once('?').map_or(path, |(p, _)| p);
        let ua = self.user_action_for(method, signed_path, "").await;
        self.call_with(method, path, None, &[("X-DFNS-USERACTION", &ua)])
            .await
    }
}
