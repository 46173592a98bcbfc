#!/usr/bin/env python3
"""Calls the delegated login service the way the Dfns SDKs do: a bearer
token and a fresh X-DFNS-NONCE on every request, and on every write a user
action signed with the caller's Key credential (init a challenge, sign it,
trade it for a user action token). Standard library plus `cryptography`.

The other examples import it. Run on its own, it sends one request as a
service account and prints the answer, e.g.:

    python examples/dfns_api.py --base-url URL \
        --service-account .local/service-account.json \
        --private-key .local/service-account.key.pem \
        POST /auth/users '{"email": "ops@example.co", "kind": "CustomerEmployee"}'
"""
import argparse
import base64
import datetime
import json
import urllib.error
import urllib.request
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def nonce() -> str:
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    return b64url(json.dumps({"uuid": str(uuid.uuid4()), "date": now}).encode())


def sign(key, message: bytes) -> bytes:
    """A Key credential's signature: the key type decides the algorithm."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(message, ec.ECDSA(hashes.SHA256()))  # DER
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    raise SystemExit("unsupported private key type")


def load_private_key(path: str):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def claims(token: str) -> dict:
    """A JWT's claims, decoded without verifying it (for display)."""
    return json.loads(b64url_decode(token.split(".")[1]))


class ApiError(Exception):
    def __init__(self, method: str, path: str, status: int, message: str):
        super().__init__(f"{method} {path} -> {status} {message}")
        self.status = status
        self.message = message


class Api:
    """One caller: its bearer token and, to sign writes, its Key credential."""

    def __init__(self, base_url: str, token: str, key=None, cred_id: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.key = key
        self.cred_id = cred_id

    @classmethod
    def service_account(cls, base_url: str, account_path: str, key_path: str) -> "Api":
        """From the JSON `service-account create` printed and the account's private key."""
        with open(account_path) as f:
            account = json.load(f)
        return cls(base_url, account["token"], load_private_key(key_path), account["credId"])

    def send(self, method: str, path: str, body: str | None = None, user_action: str | None = None) -> dict:
        """One request; `body` is the exact JSON text sent."""
        headers = {"authorization": f"Bearer {self.token}", "x-dfns-nonce": nonce()}
        if body is not None:
            headers["content-type"] = "application/json"
        if user_action:
            headers["x-dfns-useraction"] = user_action
        data = None if body is None else body.encode()
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as e:
            try:
                message = json.loads(e.read())["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = e.reason
            raise ApiError(method, path, e.code, message) from None

    def get(self, path: str) -> dict:
        return self.send("GET", path)

    def post(self, path: str, body: dict) -> dict:
        """A POST that needs no user action."""
        return self.send("POST", path, json.dumps(body))

    def user_action_challenge(self, method: str, path: str, body: str) -> dict:
        """POST /auth/action/init: the challenge a credential of the caller signs for `method path` with `body`."""
        return self.post("/auth/action/init", {
            "userActionPayload": body,
            "userActionHttpMethod": method,
            "userActionHttpPath": path,
            "userActionServerKind": "Api",
        })

    def user_action_token(self, challenge_identifier: str, first_factor: dict) -> str:
        """POST /auth/action: trades a signed challenge (a Key or Fido2 assertion) for a user action token."""
        action = self.post("/auth/action", {"challengeIdentifier": challenge_identifier, "firstFactor": first_factor})
        return action["userAction"]

    def user_action(self, method: str, path: str, body: str) -> str:
        """init + sign + action: a user action token for `method path` with the JSON text `body`."""
        challenge = self.user_action_challenge(method, path, body)
        client_data = json.dumps({"type": "key.get", "challenge": challenge["challenge"]}).encode()
        return self.user_action_token(challenge["challengeIdentifier"], {"kind": "Key", "credentialAssertion": {
            "credId": self.cred_id,
            "clientData": b64url(client_data),
            "signature": b64url(sign(self.key, client_data)),
        }})

    def signed(self, method: str, path: str, body: dict | None = None) -> dict:
        """A write (POST, PUT, DELETE) with a user action for exactly this request."""
        text = json.dumps(body if body is not None else {})
        return self.send(method, path, text, user_action=self.user_action(method, path, text))


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Sends one request as a service account; a write is signed with a user action.")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--service-account", required=True, help="JSON printed by `service-account create`")
    parser.add_argument("--private-key", required=True, help="PEM private key of the service account")
    parser.add_argument("method", choices=["GET", "POST", "PUT", "DELETE"])
    parser.add_argument("path", help="e.g. /auth/users")
    parser.add_argument("body", nargs="?", help="JSON body of a write (default {})")
    args = parser.parse_args()

    api = Api.service_account(args.base_url, args.service_account, args.private_key)
    try:
        if args.method == "GET":
            answer = api.get(args.path)
        else:
            answer = api.signed(args.method, args.path, json.loads(args.body) if args.body else None)
    except ApiError as e:
        raise SystemExit(str(e))
    print(json.dumps(answer, indent=2))


if __name__ == "__main__":
    main()
