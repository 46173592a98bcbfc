"""dfns-sdk 1.0 for Python: the platform's whole user journey.

A service account registers a user by delegation, the user registers a Key
credential the way @dfns/sdk-browser's BrowserKeySigner.create() builds it,
is logged in by delegation, signs a user action with that credential, adds,
lists and deactivates credentials through the credentials API, is
deactivated, activated and deleted through the users API, and logs out;
every step through the SDK's own client methods. The steps share state and
run in file order.

The SDK's TypedDicts spell request fields in snake_case (all_sessions,
pagination_token, is_s_s_o_required) but it sends bodies and queries as
given, and the API's names are camelCase: these tests send the API's names.
"""
import base64
import hashlib
import json
import os
import secrets
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from dfns_sdk import DfnsClient, DfnsClientConfig
from dfns_sdk.auth import KeySigner
from dfns_sdk.types import DfnsError

with open(os.environ["SDK_FIXTURE"], encoding="utf-8") as f:
    FIXTURE = json.load(f)
BASE_URL = os.environ["BASE_URL"]
BACKEND = FIXTURE["accounts"]["lifecycle"]
LOGIN_ONLY = FIXTURE["accounts"]["loginOnly"]
RUN = f"{int(time.time() * 1000):x}{secrets.token_hex(3)}"


def username(name):
    return f"journey-py-{RUN}-{name}@example.co"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def browser_key_credential(challenge):
    """What BrowserKeySigner.create() sends for a P-256 key: clientData is the
    JSON text {"type":"key.create","challenge":...}; attestationData carries
    the PEM as WebCrypto's SPKI export is wrapped there (64 columns, no final
    newline) and the hex DER ECDSA signature over
    {"clientDataHash":<hex>,"publicKey":<PEM>}."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode().rstrip("\n")
    client_data = json.dumps({"type": "key.create", "challenge": challenge["challenge"]}, separators=(",", ":"))
    fingerprint = json.dumps(
        {"clientDataHash": hashlib.sha256(client_data.encode()).hexdigest(), "publicKey": pem},
        separators=(",", ":"),
    )
    signature = key.sign(fingerprint.encode(), ec.ECDSA(hashes.SHA256())).hex()
    cred_id = b64url(secrets.token_bytes(32))
    return {
        "credId": cred_id,
        "privateKey": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        "credential": {
            "credentialKind": "Key",
            "credentialInfo": {
                "credId": cred_id,
                "clientData": b64url(client_data.encode()),
                "attestationData": b64url(json.dumps({"publicKey": pem, "signature": signature}, separators=(",", ":")).encode()),
            },
        },
    }


def account_client(account):
    signer = KeySigner(credential_id=account["credId"], private_key=account["privateKey"])
    return DfnsClient(DfnsClientConfig(auth_token=account["token"], base_url=BASE_URL, signer=signer))


def token_client(token):
    """A client holding only a token: the temporary one, or a user's."""
    return DfnsClient(DfnsClientConfig(auth_token=token, base_url=BASE_URL))


def key_signer(key):
    return KeySigner(credential_id=key["credId"], private_key=key["privateKey"])


def forbidden(kind, identity, operation):
    return f"{kind} {identity} is not authorized to perform operation ({operation})"


def dfns_error(call, *args, **kwargs):
    with pytest.raises(DfnsError) as raised:
        call(*args, **kwargs)
    return raised.value.status_code, raised.value.message


@pytest.fixture(scope="module")
def jwks():
    return jwt.PyJWKSet.from_dict(httpx.get(f"{BASE_URL}/.well-known/jwks.json").json())


def verify(token, jwks):
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    return jwt.decode(token, key=key.key, algorithms=["ES256"], audience="dfns:auth:user", issuer=FIXTURE["issuer"])


def assert_login_token(token, user, actor, jwks):
    claims = verify(token, jwks)
    assert claims["sub"] == FIXTURE["orgId"]
    assert claims["https://custom/username"] == user["username"]
    assert claims["https://custom/app_metadata"] == {"userId": user["id"], "orgId": FIXTURE["orgId"], "tokenKind": "Token"}
    if actor:
        assert claims["act"] == {"sub": actor["userId"]}
    else:
        assert "act" not in claims


def sign_user_action(token, key):
    """Proves a token is live for its user and that the user's credential
    signs: a challenge, signed with the user's key, traded for a user action."""
    api = token_client(token)
    challenge = api.auth.create_user_action_challenge(
        {
            "userActionPayload": json.dumps({"username": "anyone@example.co"}),
            "userActionHttpMethod": "POST",
            "userActionHttpPath": "/auth/login/delegated",
            "userActionServerKind": "Api",
        }
    )
    assert [c["id"] for c in challenge["allowCredentials"]["key"]] == [key["credId"]]
    signed = api.auth.create_user_action_signature(
        {"challengeIdentifier": challenge["challengeIdentifier"], "firstFactor": key_signer(key).sign(challenge)}
    )
    assert isinstance(signed["userAction"], str) and signed["userAction"]
    return signed["userAction"]


def assert_refused(token, key):
    assert dfns_error(sign_user_action, token, key) == (401, "Not Authorized.")


def login(name, actor=BACKEND):
    return account_client(actor).auth.delegated_login(body={"username": name})["token"]


# The journey's state, filled in by the steps in order.
ALICE = {"username": username("alice")}
BOB = {"username": username("bob")}


def test_create_delegated_registration_challenge(jwks):
    challenge = account_client(BACKEND).auth.create_delegated_registration_challenge(
        {"email": ALICE["username"], "kind": "EndUser"}
    )
    assert challenge["user"]["id"].startswith("us-")
    assert challenge["user"]["name"] == ALICE["username"]
    assert challenge["supportedCredentialKinds"] == {"firstFactor": ["Key"], "secondFactor": []}
    temp = verify(challenge["temporaryAuthenticationToken"], jwks)
    assert temp["https://custom/app_metadata"] == {
        "userId": challenge["user"]["id"],
        "orgId": FIXTURE["orgId"],
        "tokenKind": "Temp",
    }
    assert temp["exp"] - temp["iat"] == 15 * 60
    ALICE["id"] = challenge["user"]["id"]
    ALICE["first"] = challenge


def test_fresh_challenge_replaces_the_first():
    fresh = account_client(BACKEND).auth.create_delegated_registration_challenge(
        {"email": ALICE["username"], "kind": "EndUser"}
    )
    assert fresh["user"]["id"] == ALICE["id"]
    assert fresh["challenge"] != ALICE["first"]["challenge"]
    stale = browser_key_credential(ALICE["first"])
    temp = token_client(ALICE["first"]["temporaryAuthenticationToken"])
    assert dfns_error(temp.auth.register, {"firstFactorCredential": stale["credential"]}) == (401, "Not Authorized.")
    ALICE["challenge"] = fresh


def test_temporary_token_is_no_login_token():
    temp = token_client(ALICE["challenge"]["temporaryAuthenticationToken"])
    assert dfns_error(temp.auth.list_users) == (401, "Not Authorized.")


def test_register_browser_key_credential():
    key = browser_key_credential(ALICE["challenge"])
    temp = token_client(ALICE["challenge"]["temporaryAuthenticationToken"])
    registered = temp.auth.register({"firstFactorCredential": {**key["credential"], "credentialName": "laptop"}})
    assert registered["credential"]["uuid"].startswith("cr-")
    assert registered["credential"]["kind"] == "Key"
    assert registered["credential"]["name"] == "laptop"
    assert registered["user"] == {"id": ALICE["id"], "username": ALICE["username"], "orgId": FIXTURE["orgId"]}
    ALICE["key"] = key
    ALICE["credentialUuid"] = registered["credential"]["uuid"]
    # The temporary token is spent.
    again = browser_key_credential(ALICE["challenge"])
    assert dfns_error(temp.auth.register, {"firstFactorCredential": again["credential"]}) == (401, "Not Authorized.")


def test_registered_user_cannot_register_again():
    api = account_client(BACKEND)
    assert dfns_error(
        api.auth.create_delegated_registration_challenge, {"email": ALICE["username"], "kind": "EndUser"}
    ) == (401, "User already exists.")


def test_register_end_user_without_wallets(jwks):
    challenge = account_client(BACKEND).auth.create_delegated_registration_challenge(
        {"email": BOB["username"], "kind": "EndUser"}
    )
    BOB["id"] = challenge["user"]["id"]
    BOB["key"] = browser_key_credential(challenge)
    # The SDK's docs ask for a recovery credential with every end user: a
    # RecoveryKey, built like the Key credential over the same challenge.
    recovery = browser_key_credential(challenge)
    recovery_credential = {**recovery["credential"], "credentialKind": "RecoveryKey"}
    registered = token_client(challenge["temporaryAuthenticationToken"]).auth.register_end_user(
        {"firstFactorCredential": BOB["key"]["credential"], "recoveryCredential": recovery_credential, "wallets": []}
    )
    assert registered["credential"]["kind"] == "Key"
    assert registered["user"] == {"id": BOB["id"], "username": BOB["username"], "orgId": FIXTURE["orgId"]}
    assert registered["wallets"] == []
    token = registered["authentication"]["token"]
    assert_login_token(token, BOB, None, jwks)
    sign_user_action(token, BOB["key"])  # offers the Key credential only, never the recovery key
    BOB["token"] = token


def test_delegated_login_of_the_new_user(jwks):
    ALICE["token"] = login(ALICE["username"])
    assert_login_token(ALICE["token"], ALICE, BACKEND, jwks)


def test_user_signs_with_its_registered_credential():
    sign_user_action(ALICE["token"], ALICE["key"])


def test_a_key_user_manages_its_own_credentials():
    # Passkey-less: the credentials API serves a Key user through the SDK's
    # own methods, signed with its Key credential.
    api = DfnsClient(DfnsClientConfig(auth_token=ALICE["token"], base_url=BASE_URL, signer=key_signer(ALICE["key"])))
    listed = api.auth.list_credentials()["items"]
    assert [(c["kind"], c["credentialId"], c["relyingPartyId"], c["origin"]) for c in listed] == [
        ("Key", ALICE["key"]["credId"], "", "")
    ]
    challenge = api.auth.create_credential_challenge({"kind": "Key"})
    assert challenge["kind"] == "Key" and challenge["user"]["id"] == ALICE["id"]
    second = browser_key_credential(challenge)
    created = api.auth.create_credential(
        {**second["credential"], "credentialName": "tablet", "challengeIdentifier": challenge["challengeIdentifier"]}
    )
    assert (created["kind"], created["name"], created["isActive"]) == ("Key", "tablet", True)
    assert len(api.auth.list_credentials()["items"]) == 2
    # The new key signs its own deactivation; then the first is the last and stays.
    as_second = DfnsClient(DfnsClientConfig(auth_token=ALICE["token"], base_url=BASE_URL, signer=key_signer(second)))
    assert as_second.auth.deactivate_credential({"credentialUuid": created["credentialUuid"]}) == {"message": "success"}
    assert dfns_error(api.auth.deactivate_credential, {"credentialUuid": ALICE["credentialUuid"]}) == (
        400,
        "cannot deactivate the last active credential",
    )
    assert dfns_error(api.auth.delete_credential, created["credentialUuid"])[0] == 404


def test_sdk_signed_write_as_end_user_is_signed_then_refused():
    # The SDK signs the user action with the user's key (that part must
    # succeed), then the users API refuses an end user.
    api = DfnsClient(DfnsClientConfig(auth_token=ALICE["token"], base_url=BASE_URL, signer=key_signer(ALICE["key"])))
    assert dfns_error(api.auth.deactivate_user, BOB["id"], {}) == (
        403,
        forbidden("EndUser", ALICE["id"], "Auth:Users:Update"),
    )
    assert dfns_error(api.auth.list_users) == (403, forbidden("EndUser", ALICE["id"], "Auth:Users:Read"))


def test_list_users_pages_with_limit():
    api = account_client(BACKEND)
    seen, token, pages = [], None, 0
    while True:
        query = {"limit": 2, "paginationToken": token} if token else {"limit": 2}
        page = api.auth.list_users(query)
        assert len(page["items"]) <= 2
        seen += page["items"]
        pages += 1
        assert pages < 100, "pagination does not end"
        token = page.get("nextPageToken")
        if not token:
            break
    assert pages > 1
    ids = [u["userId"] for u in seen]
    assert len(set(ids)) == len(ids), "a user listed twice"
    assert BACKEND["userId"] not in ids, "service accounts are not users"
    listed = next(u for u in seen if u["userId"] == ALICE["id"])
    assert listed["username"] == ALICE["username"]
    assert listed["credentialUuid"] == ALICE["credentialUuid"]
    assert BOB["id"] in ids


def test_get_user():
    user = account_client(BACKEND).auth.get_user(ALICE["id"])
    assert user["userId"] == ALICE["id"]
    assert user["username"] == ALICE["username"]
    assert user["kind"] == "EndUser"
    assert user["orgId"] == FIXTURE["orgId"]
    assert user["credentialUuid"] == ALICE["credentialUuid"]
    assert (user["isActive"], user["isRegistered"], user["isServiceAccount"], user["isSSORequired"]) == (
        True,
        True,
        False,
        False,
    )


def test_update_user_is_sso_required():
    api = account_client(BACKEND)
    assert api.auth.update_user(ALICE["id"], {"isSSORequired": True})["isSSORequired"] is True
    assert api.auth.get_user(ALICE["id"])["isSSORequired"] is True
    assert api.auth.update_user(ALICE["id"], {"isSSORequired": False})["isSSORequired"] is False


def test_deactivate_user():
    user = account_client(BACKEND).auth.deactivate_user(ALICE["id"], {})
    assert user["isActive"] is False
    assert dfns_error(login, ALICE["username"]) == (400, "User account has been deactivated.")
    assert_refused(ALICE["token"], ALICE["key"])


def test_activate_user(jwks):
    user = account_client(BACKEND).auth.activate_user(ALICE["id"])
    assert user["isActive"] is True
    token = login(ALICE["username"])
    assert_login_token(token, ALICE, BACKEND, jwks)
    sign_user_action(token, ALICE["key"])
    assert_refused(ALICE["token"], ALICE["key"])
    ALICE["token"] = token


def test_logout():
    api = token_client(ALICE["token"])
    assert api.auth.logout({}) == {"message": "success"}
    assert_refused(ALICE["token"], ALICE["key"])
    assert dfns_error(api.auth.logout, {}) == (401, "Not Authorized.")


def test_logout_all_sessions():
    first, second = login(ALICE["username"]), login(ALICE["username"])
    sign_user_action(first, ALICE["key"])
    sign_user_action(second, ALICE["key"])
    assert token_client(first).auth.logout({"allSessions": True}) == {"message": "success"}
    assert_refused(first, ALICE["key"])
    assert_refused(second, ALICE["key"])
    # Another user's session is untouched; a new login works at once.
    sign_user_action(BOB["token"], BOB["key"])
    sign_user_action(login(ALICE["username"]), ALICE["key"])


def test_logout_of_the_register_end_user_token():
    assert token_client(BOB["token"]).auth.logout({}) == {"message": "success"}
    assert_refused(BOB["token"], BOB["key"])


def test_service_account_cannot_log_out():
    assert dfns_error(token_client(BACKEND["token"]).auth.logout, {}) == (
        403,
        "service accounts cannot log out; revoke the token instead",
    )


def test_login_only_service_account(jwks):
    token = login(ALICE["username"], LOGIN_ONLY)
    assert_login_token(token, ALICE, LOGIN_ONLY, jwks)
    sign_user_action(token, ALICE["key"])
    api = account_client(LOGIN_ONLY)
    assert dfns_error(
        api.auth.create_delegated_registration_challenge, {"email": username("carol"), "kind": "EndUser"}
    ) == (403, forbidden("CustomerEmployee", LOGIN_ONLY["userId"], "Auth:Users:Create"))
    assert dfns_error(api.auth.list_users) == (
        403,
        forbidden("CustomerEmployee", LOGIN_ONLY["userId"], "Auth:Users:Read"),
    )


def test_delete_user():
    api = account_client(BACKEND)
    token = login(ALICE["username"])
    assert api.auth.delete_user(ALICE["id"])["isActive"] is False
    assert dfns_error(login, ALICE["username"]) == (401, "User not found")
    assert_refused(token, ALICE["key"])
    # Still readable, never listed, never changed again.
    assert api.auth.get_user(ALICE["id"])["userId"] == ALICE["id"]
    assert ALICE["id"] not in [u["userId"] for u in api.auth.list_users({"limit": 200})["items"]]
    assert dfns_error(api.auth.activate_user, ALICE["id"]) == (404, "User not found")
    assert dfns_error(
        api.auth.create_delegated_registration_challenge, {"email": ALICE["username"], "kind": "EndUser"}
    ) == (401, "User already exists.")
