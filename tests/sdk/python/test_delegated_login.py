"""dfns-sdk 1.0 for Python against the delegated login service.

The Python SDK signs an ASCII-escaped compact JSON payload but sends the
body as UTF-8, and its key signer adds origin and crossOrigin to clientData.
"""
import json
import os

import httpx
import jwt
import pytest
from dfns_sdk import DfnsClient, DfnsClientConfig, DfnsDelegatedClient, DfnsDelegatedClientConfig
from dfns_sdk.auth import KeySigner
from dfns_sdk.base_auth_api import BaseAuthApi
from dfns_sdk.types import DfnsError

with open(os.environ["SDK_FIXTURE"], encoding="utf-8") as f:
    FIXTURE = json.load(f)
BASE_URL = os.environ["BASE_URL"]
LOGIN = "/auth/login/delegated"


def signer(account):
    return KeySigner(credential_id=account["credId"], private_key=account["privateKey"])


def client(account):
    return DfnsClient(DfnsClientConfig(auth_token=account["token"], base_url=BASE_URL, signer=signer(account)))


def delegated(account):
    return DfnsDelegatedClient(DfnsDelegatedClientConfig(auth_token=account["token"], base_url=BASE_URL))


@pytest.fixture(scope="module")
def jwks():
    return jwt.PyJWKSet.from_dict(httpx.get(f"{BASE_URL}/.well-known/jwks.json").json())


def assert_token(token, user, account, jwks):
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    claims = jwt.decode(token, key=key.key, algorithms=["ES256"], audience="dfns:auth:user", issuer=FIXTURE["issuer"])
    assert claims["sub"] == FIXTURE["orgId"]
    assert claims["https://custom/username"] == user["username"]
    assert claims["https://custom/app_metadata"] == {"userId": user["userId"], "orgId": FIXTURE["orgId"], "tokenKind": "Token"}
    assert claims["act"] == {"sub": account["userId"]}
    assert claims["exp"] - claims["iat"] == 6 * 3600


@pytest.mark.parametrize("kind", FIXTURE["keyKinds"])
def test_delegated_login(kind, jwks):
    account = FIXTURE["accounts"][kind]
    user = FIXTURE["users"]["endUser"]
    token = client(account).auth.delegated_login(body={"username": user["username"]})["token"]
    assert_token(token, user, account, jwks)


@pytest.mark.parametrize("kind", FIXTURE["keyKinds"])
def test_delegated_client_init_complete(kind, jwks):
    account = FIXTURE["accounts"][kind]
    user = FIXTURE["users"]["employee"]
    api = delegated(account)
    body = {"username": user["username"]}
    challenge = api.auth.delegated_login_init(body)
    signed = {"challengeIdentifier": challenge["challengeIdentifier"], "firstFactor": signer(account).sign(challenge)}
    token = api.auth.delegated_login_complete(body, signed)["token"]
    assert_token(token, user, account, jwks)


def test_non_ascii_username(jwks):
    account = FIXTURE["accounts"]["P256"]
    user = FIXTURE["users"]["nonAscii"]
    token = client(account).auth.delegated_login(body={"username": user["username"]})["token"]
    assert_token(token, user, account, jwks)


def login_error(account, username):
    with pytest.raises(DfnsError) as raised:
        client(account).auth.delegated_login(body={"username": username})
    return raised.value.status_code, raised.value.message


def test_errors_surface_as_dfns_errors():
    account = FIXTURE["accounts"]["P256"]
    users = FIXTURE["users"]
    assert login_error(account, "nobody@example.co") == (401, "User not found")
    assert login_error(account, users["otherOrg"]["username"]) == (401, "User not found")
    assert login_error(account, users["deactivated"]["username"]) == (400, "User account has been deactivated.")
    read_only = FIXTURE["accounts"]["readOnly"]
    assert login_error(read_only, users["endUser"]["username"]) == (
        403,
        f"CustomerEmployee {read_only['userId']} is not authorized to perform operation (Auth:Users:Delegate)",
    )
    assert login_error(FIXTURE["accounts"]["revoked"], users["endUser"]["username"]) == (401, "Not Authorized.")


def test_over_the_logins_per_minute_limit(jwks):
    limited = FIXTURE["accounts"][FIXTURE["limited"]["python"]]
    user = FIXTURE["users"]["endUser"]
    token = client(limited).auth.delegated_login(body={"username": user["username"]})["token"]
    assert_token(token, user, limited, jwks)
    expected = (429, "too many delegated logins for this service account")
    try:
        # Two logins straddling a minute's edge fall in two windows: then a third is over.
        client(limited).auth.delegated_login(body={"username": user["username"]})
    except DfnsError as e:
        assert (e.status_code, e.message) == expected
        return
    assert login_error(limited, user["username"]) == expected


def test_reused_user_action():
    account = FIXTURE["accounts"]["P256"]
    api = delegated(account)
    body = {"username": FIXTURE["users"]["endUser"]["username"]}
    challenge = api.auth.delegated_login_init(body)
    signed = {"challengeIdentifier": challenge["challengeIdentifier"], "firstFactor": signer(account).sign(challenge)}
    http = api._http  # the SDK's own transport, to send one user action twice
    user_action = BaseAuthApi.sign_user_action_challenge(http, signed)["userAction"]
    send = lambda: http.request_with_user_action(
        method="POST", path=LOGIN, path_params={}, query_params=None, body=body, user_action=user_action
    )
    assert "token" in send()
    with pytest.raises(DfnsError) as raised:
        send()
    assert (raised.value.status_code, raised.value.message) == (400, "user action has already been used")
