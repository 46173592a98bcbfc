//! Cut-offs per actor (TRUST.md "Cut-offs"): deactivating or archiving a
//! service account, or revoking any of its tokens, ends every delegated
//! token it obtained, here and at introspection; tokens obtained
//! afterwards work. And nonces are each caller's own.

use delegated_login::admin::ServiceAccount;
use serde_json::json;

use crate::introspect::{inactive, introspect, with_introspection};
use crate::registration::{challenge_for, complete, email, register_body, REGISTER};
use crate::support::*;

const LOGIN: &str = "/auth/login/delegated";

/// A user of `org` logged in by `sa`, holding a Key credential (so that
/// `/auth/action/init` answers it a challenge while the token is valid).
async fn session(stack: &Stack, sa: &Account, username: &str, user_id: &str) -> Account {
    let reply = Client::new(stack, sa).delegated_login(username).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let key = TestKey::generate(KeyKind::P256);
    let (credential_id, cred_id) = stack
        .admin
        .add_credential(user_id, &key.public_pem())
        .await
        .unwrap();
    let info = ServiceAccount {
        user_id: user_id.to_string(),
        credential_id,
        cred_id,
        token_id: String::new(),
        token: reply.body["token"].as_str().unwrap().to_string(),
    };
    Account { info, key }
}

/// The account's credential key, for another token of the same account
/// (the bearer alone is left behind).
fn take_key(account: &mut Account) -> TestKey {
    std::mem::replace(&mut account.key, TestKey::generate(KeyKind::P256))
}

/// Whether this service still accepts the account's token.
async fn accepted(stack: &Stack, account: &Account) -> bool {
    let reply = Client::new(stack, account).init(LOGIN, "{}").await;
    if reply.status == 200 {
        return true;
    }
    reply.assert_error(401, "Not Authorized.");
    false
}

/// An org whose service account may delegate and introspect, and a second
/// service account of the same org that introspects.
async fn setup(stack: &Stack) -> (Org, Account) {
    let org = stack.org(KeyKind::P256, &with_introspection()).await;
    let introspector = stack
        .service_account(&org.org_id, KeyKind::P256, &with_introspection())
        .await;
    (org, introspector)
}

/// Both ends of a delegated token: accepted here, active at introspection.
async fn valid(stack: &Stack, introspector: &Account, user: &Account) -> bool {
    let here = accepted(stack, user).await;
    let answer = introspect(stack, introspector, &user.info.token).await;
    assert_eq!(answer["active"] == true, here, "{answer}");
    if !here {
        assert_eq!(answer, inactive());
    }
    here
}

#[tokio::test]
async fn deactivating_a_service_account_ends_its_delegated_tokens() {
    // On the heap: the whole flow is too large a future for a test thread.
    Box::pin(async {
        let stack = Stack::start().await;
        let (mut org, introspector) = setup(&stack).await;
        let user = session(&stack, &org.sa, &org.employee, &org.employee_id).await;
        assert!(valid(&stack, &introspector, &user).await);

        stack
            .admin
            .deactivate_user(&org.sa.info.user_id)
            .await
            .unwrap();
        assert!(!valid(&stack, &introspector, &user).await);

        // Active again, with a new token: what it obtains now works; the
        // token obtained before stays refused.
        stack
            .admin
            .activate_user(&org.sa.info.user_id)
            .await
            .unwrap();
        let issued = stack
            .admin
            .create_service_account_token(&org.sa.info.user_id, 30, &stack.key_id, ISSUER)
            .await
            .unwrap();
        let sa = Account {
            info: ServiceAccount {
                token_id: issued.token_id,
                token: issued.token,
                ..org.sa.info.clone()
            },
            key: take_key(&mut org.sa),
        };
        let fresh = session(&stack, &sa, &org.employee, &org.employee_id).await;
        assert!(valid(&stack, &introspector, &fresh).await);
        assert!(!valid(&stack, &introspector, &user).await);
    })
    .await;
}

#[tokio::test]
async fn archiving_a_service_account_ends_its_delegated_tokens() {
    // On the heap: the whole flow is too large a future for a test thread.
    Box::pin(async {
        let stack = Stack::start().await;
        let (org, introspector) = setup(&stack).await;
        let user = session(&stack, &org.sa, &org.end_user, &org.end_user_id).await;
        let by_other = session(&stack, &introspector, &org.employee, &org.employee_id).await;
        assert!(valid(&stack, &introspector, &user).await);

        stack
            .admin
            .archive_user(&org.sa.info.user_id)
            .await
            .unwrap();
        assert!(!valid(&stack, &introspector, &user).await);
        // Only that account's: another service account's delegated token lives.
        assert!(valid(&stack, &introspector, &by_other).await);
        // The same user, obtained by another account now, works.
        let again = session(&stack, &introspector, &org.end_user, &org.end_user_id).await;
        assert!(valid(&stack, &introspector, &again).await);
    })
    .await;
}

#[tokio::test]
async fn revoking_any_token_of_a_service_account_ends_all_its_delegated_tokens() {
    // On the heap: the whole flow is too large a future for a test thread.
    Box::pin(async {
        let stack = Stack::start().await;
        let (mut org, introspector) = setup(&stack).await;
        let first_user = session(&stack, &org.sa, &org.employee, &org.employee_id).await;
        // Two tokens of the same account, each used for a delegated login.
        let issued = stack
            .admin
            .create_service_account_token(&org.sa.info.user_id, 30, &stack.key_id, ISSUER)
            .await
            .unwrap();
        let second = Account {
            info: ServiceAccount {
                token_id: issued.token_id,
                token: issued.token,
                ..org.sa.info.clone()
            },
            key: take_key(&mut org.sa),
        };
        let second_user = session(&stack, &second, &org.end_user, &org.end_user_id).await;
        assert!(valid(&stack, &introspector, &first_user).await);
        assert!(valid(&stack, &introspector, &second_user).await);

        // Revoking the first token cuts off what either token obtained.
        stack
            .admin
            .revoke_token(&org.sa.info.token_id)
            .await
            .unwrap();
        assert!(!accepted(&stack, &org.sa).await);
        assert_eq!(
            introspect(&stack, &introspector, &org.sa.info.token).await,
            inactive()
        );
        assert!(!valid(&stack, &introspector, &first_user).await);
        assert!(!valid(&stack, &introspector, &second_user).await);

        // The second token still works, and what it obtains now (within the
        // same second, too) is valid.
        let fresh = Client::new(&stack, &second)
            .delegated_login(&org.end_user)
            .await;
        assert_eq!(fresh.status, 200, "{fresh:?}");
        let token = fresh.body["token"].as_str().unwrap();
        assert_eq!(
            introspect(&stack, &introspector, token).await["active"],
            true
        );
        let fresh = session(&stack, &second, &org.employee, &org.employee_id).await;
        assert!(valid(&stack, &introspector, &fresh).await);

        // An unknown service account token is still refused as missing.
        assert!(stack
            .admin
            .revoke_token("to-01jtb-imrht-0000000000000000")
            .await
            .is_err());
    })
    .await;
}

#[tokio::test]
async fn a_temporary_token_is_cut_off_with_its_service_account() {
    // On the heap: the whole flow is too large a future for a test thread.
    Box::pin(async {
        let stack = Stack::start().await;
        let org = stack.org(KeyKind::P256, &with_introspection()).await;
        let client = Client::new(&stack, &org.sa);
        let c = challenge_for(&client, &email("cascade"), "EndUser").await;
        stack
            .admin
            .revoke_token(&org.sa.info.token_id)
            .await
            .unwrap();
        let key = TestKey::generate(KeyKind::P256);
        let cred_id = crate::registration::cred_id();
        complete(
            &stack,
            &c.token,
            REGISTER,
            &register_body(&key, &cred_id, &c.challenge),
        )
        .await
        .assert_error(401, "Not Authorized.");
    })
    .await;
}

#[tokio::test]
async fn a_nonce_is_its_callers_own() {
    // On the heap: the whole flow is too large a future for a test thread.
    Box::pin(async {
        let stack = Stack::start().await;
        let (org, other) = setup(&stack).await;
        let n = nonce();
        let body = json!({
            "userActionPayload": "{}",
            "userActionHttpMethod": "POST",
            "userActionHttpPath": LOGIN,
            "userActionServerKind": "Api",
        })
        .to_string();
        let send = |account: &Account| {
            let bearer = format!("Bearer {}", account.info.token);
            let (n, body, stack) = (n.clone(), body.clone(), &stack);
            async move {
                let headers = [
                    ("Authorization", bearer.as_str()),
                    ("X-DFNS-NONCE", n.as_str()),
                ];
                stack
                    .send("POST", "/auth/action/init", &headers, Some(&body))
                    .await
            }
        };
        // The same value, sent by two callers: neither burns the other's.
        assert_eq!(send(&other).await.status, 200);
        assert_eq!(send(&org.sa).await.status, 200);
        // Each caller still cannot reuse its own.
        for account in [&org.sa, &other] {
            send(account)
                .await
                .assert_error(400, "request nonce has already been used");
        }
    })
    .await;
}
