#!/usr/bin/env python3
"""Logs a user in through the delegated login service, the way the Dfns
SDKs do it: init a user action, sign its challenge with the service
account's private key, trade it for a user action token, then call
POST /auth/login/delegated. Standard library plus `cryptography`.

    python examples/delegated_login.py --base-url URL \
        --service-account .local/service-account.json \
        --private-key .local/service-account.key.pem --username jdoe@example.co

With --render-event FILE it stops before the login call and prints FILE
(one of events/delegated-login.*.json) with its {{PLACEHOLDERS}} filled:
the service account token, a fresh nonce, a fresh user action and the
username, ready for `cargo lambda invoke --data-file`.
"""
import argparse
import base64
import datetime
import json
import sys
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
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(message, ec.ECDSA(hashes.SHA256()))  # DER
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    raise SystemExit("unsupported private key type")


class Api:
    def __init__(self, base_url: str, token: str):
        self.base_url = base_url.rstrip("/")
        self.token = token

    def post(self, path: str, body: str, user_action: str | None = None) -> dict:
        headers = {
            "content-type": "application/json",
            "authorization": f"Bearer {self.token}",
            "x-dfns-nonce": nonce(),
        }
        if user_action:
            headers["x-dfns-useraction"] = user_action
        request = urllib.request.Request(self.base_url + path, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")
            raise SystemExit(f"POST {path} -> {e.code} {detail}")


def user_action(api: Api, key, cred_id: str, body: str) -> str:
    """init + sign + action: a user action token for POST /auth/login/delegated with `body`."""
    challenge = api.post("/auth/action/init", json.dumps({
        "userActionPayload": body,
        "userActionHttpMethod": "POST",
        "userActionHttpPath": "/auth/login/delegated",
        "userActionServerKind": "Api",
    }))
    client_data = json.dumps({"type": "key.get", "challenge": challenge["challenge"]}).encode()
    action = api.post("/auth/action", json.dumps({
        "challengeIdentifier": challenge["challengeIdentifier"],
        "firstFactor": {"kind": "Key", "credentialAssertion": {
            "credId": cred_id,
            "clientData": b64url(client_data),
            "signature": b64url(sign(key, client_data)),
        }},
    }))
    return action["userAction"]


def delegated_login(api: Api, key, cred_id: str, username: str) -> str:
    body = json.dumps({"username": username})
    return api.post("/auth/login/delegated", body, user_action=user_action(api, key, cred_id, body))["token"]


def render_event(path: str, values: dict) -> dict:
    """Fills {{NAME}} placeholders in an event's headers and body (base64 bodies too)."""
    with open(path) as f:
        event = json.load(f)

    def fill(text: str) -> str:
        for name, value in values.items():
            text = text.replace("{{" + name + "}}", value)
        return text

    for key in ("headers", "multiValueHeaders"):
        for name, value in (event.get(key) or {}).items():
            event[key][name] = [fill(v) for v in value] if isinstance(value, list) else fill(value)
    if event.get("body"):
        if event.get("isBase64Encoded"):
            event["body"] = base64.b64encode(fill(base64.b64decode(event["body"]).decode()).encode()).decode()
        else:
            event["body"] = fill(event["body"])
    return event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--service-account", required=True, help="JSON printed by `service-account create`")
    parser.add_argument("--private-key", required=True, help="PEM private key of the service account")
    parser.add_argument("--username", required=True)
    parser.add_argument("--render-event", metavar="FILE", help="print FILE rendered instead of logging in")
    args = parser.parse_args()

    with open(args.service_account) as f:
        account = json.load(f)
    with open(args.private_key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    api = Api(args.base_url, account["token"])
    if args.render_event:
        body = json.dumps({"username": args.username}, separators=(",", ":"))
        values = {
            "SERVICE_ACCOUNT_TOKEN": account["token"],
            "NONCE": nonce(),
            "USER_ACTION": user_action(api, key, account["credId"], body),
            "USERNAME": args.username,
        }
        json.dump(render_event(args.render_event, values), sys.stdout, indent=2)
        print()
        return
    token = delegated_login(api, key, account["credId"], args.username)
    claims = json.loads(b64url_decode(token.split(".")[1]))
    json.dump({"token": token, "claims": claims}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
