#!/usr/bin/env python3
"""A platform's backend and the delegated login service: the three moments
of an end user's life, one function each.

- sign-up: delegated registration of a new username, then the user's own
  Key credential, registered with the temporary token that registration
  returned. A platform hands the challenge and that token to the user's
  browser, whose key signer (`BrowserKeySigner.create()` of
  `@dfns/sdk-browser`) creates the key pair and signs the challenge;
  `new_key_credential` does here what it does, so the flow runs in one
  process.
- login: delegated login, a token for the user without the user's
  credentials.
- offboard: deactivate the user (every token it holds is refused from then
  on), then archive it (it can never be logged in again; its username
  stays taken).

    python examples/platform_backend.py --base-url URL \
        --service-account .local/service-account.json \
        --private-key .local/service-account.key.pem \
        --username new-user@example.co [signup] [login] [offboard]

With no moment named it runs all three, in order. The service account needs
Auth:Users:Create, Auth:Users:Read, Auth:Users:Update, Auth:Users:Delegate
and Auth:Types:EndUser. Its user actions are signed by dfns_api.py.
Standard library plus `cryptography`.
"""
import argparse
import hashlib
import json
import os
import urllib.parse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from dfns_api import Api, ApiError, b64url, claims, sign

MOMENTS = ("signup", "login", "offboard")


def compact(value) -> str:
    """JSON as a browser's JSON.stringify writes it: no spaces."""
    return json.dumps(value, separators=(",", ":"))


def new_key_credential(challenge: str):
    """What a browser's key signer does with a registration challenge: a new
    P-256 key pair, and the challenge signed with it. Returns the private
    key, which stays with the user, and the credentialInfo to register."""
    key = ec.generate_private_key(ec.SECP256R1())
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode().strip()
    client_data = compact({"type": "key.create", "challenge": challenge}).encode()
    signed = compact({"clientDataHash": hashlib.sha256(client_data).hexdigest(), "publicKey": public_pem})
    attestation = {"publicKey": public_pem, "signature": sign(key, signed.encode()).hex()}  # hex DER
    return key, {
        "credId": b64url(os.urandom(16)),
        "clientData": b64url(client_data),
        "attestationData": b64url(compact(attestation).encode()),
    }


def sign_up(api: Api, username: str):
    """Registers a new end user. Returns its id, its credential's credId and private key."""
    registration = api.signed("POST", "/auth/registration/delegated", {"email": username, "kind": "EndUser"})
    user_id = registration["user"]["id"]
    print(f"sign-up: delegated registration created {username} ({user_id}): a challenge and a temporary token")

    # The user's browser, given the challenge and the temporary token:
    key, credential_info = new_key_credential(registration["challenge"])
    as_new_user = Api(api.base_url, registration["temporaryAuthenticationToken"])
    registered = as_new_user.post("/auth/registration", {"firstFactorCredential": {
        "credentialKind": "Key", "credentialInfo": credential_info, "credentialName": "browser key"}})
    print(f"sign-up: registered the user's P-256 Key credential {registered['credential']['uuid']}"
          f" (credId {credential_info['credId']}): the user signs its own user actions with it")
    return user_id, credential_info["credId"], key


def log_in(api: Api, username: str) -> str:
    token = api.signed("POST", "/auth/login/delegated", {"username": username})["token"]
    print(f"login: delegated login returned a token for {username}, with these claims:")
    print(json.dumps(claims(token), indent=2))
    return token


def offboard(api: Api, user_id: str, username: str, token: str | None = None) -> None:
    api.signed("PUT", f"/auth/users/{user_id}/deactivate")
    print(f"offboard: deactivated {user_id}: every token it holds is refused from now on")
    if token:
        try:
            Api(api.base_url, token).send("PUT", "/auth/logout")
        except ApiError as e:
            print(f"offboard: its login token now answers {e.status} {e.message}")
        else:
            raise SystemExit("offboard: the deactivated user's token still works")
    api.signed("DELETE", f"/auth/users/{user_id}")
    try:
        api.signed("POST", "/auth/login/delegated", {"username": username})
    except ApiError as e:
        print(f"offboard: archived {user_id}: logging it in now answers {e.status} {e.message}")
    else:
        raise SystemExit("offboard: the archived user can still be logged in")


def find_user_id(api: Api, username: str) -> str:
    """The users API lists the org's users, a page at a time."""
    page = api.get("/auth/users?limit=200")
    while True:
        for user in page["items"]:
            if user["username"] == username:
                return user["userId"]
        if "nextPageToken" not in page:
            raise SystemExit(f"no user {username} in the org")
        page = api.get("/auth/users?limit=200&paginationToken=" + urllib.parse.quote(page["nextPageToken"]))


def save_credential(prefix: str, user_id: str, username: str, cred_id: str, key) -> None:
    """The user's side of the credential, to try it out (a browser keeps it instead)."""
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(prefix + ".key.pem", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    with open(prefix + ".json", "w") as f:
        json.dump({"userId": user_id, "username": username, "credId": cred_id}, f, indent=2)


def main() -> None:
    parser = argparse.ArgumentParser(description="A platform backend's sign-up, login and offboarding of a user.")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--service-account", required=True, help="JSON printed by `service-account create`")
    parser.add_argument("--private-key", required=True, help="PEM private key of the service account")
    parser.add_argument("--username", required=True)
    parser.add_argument("--user-credential", metavar="PREFIX",
                        help="sign-up also writes the user's private key to PREFIX.key.pem and its ids to PREFIX.json")
    parser.add_argument("moments", nargs="*", metavar="MOMENT", help="signup, login, offboard (default: all three)")
    args = parser.parse_args()
    moments = args.moments or MOMENTS
    if not set(moments) <= set(MOMENTS):
        parser.error(f"a moment is one of {', '.join(MOMENTS)}")

    api = Api.service_account(args.base_url, args.service_account, args.private_key)
    user_id = token = None
    try:
        if "signup" in moments:
            user_id, cred_id, key = sign_up(api, args.username)
            if args.user_credential:
                save_credential(args.user_credential, user_id, args.username, cred_id, key)
        if "login" in moments:
            token = log_in(api, args.username)
            user_id = claims(token)["https://custom/app_metadata"]["userId"]
        if "offboard" in moments:
            offboard(api, user_id or find_user_id(api, args.username), args.username, token)
    except ApiError as e:
        raise SystemExit(str(e))


if __name__ == "__main__":
    main()
