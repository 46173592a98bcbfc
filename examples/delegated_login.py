#!/usr/bin/env python3
"""Logs a user in through the delegated login service, the way the Dfns
SDKs do it: init a user action, sign its challenge with the service
account's private key, trade it for a user action token, then call
POST /auth/login/delegated (the signing is in dfns_api.py). Standard
library plus `cryptography`.

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
import json
import sys

from dfns_api import Api, ApiError, claims, nonce


def delegated_login(api: Api, username: str) -> str:
    return api.signed("POST", "/auth/login/delegated", {"username": username})["token"]


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
    parser = argparse.ArgumentParser(description="Logs a user in by delegated login, as the Dfns SDKs do.")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--service-account", required=True, help="JSON printed by `service-account create`")
    parser.add_argument("--private-key", required=True, help="PEM private key of the service account")
    parser.add_argument("--username", required=True)
    parser.add_argument("--render-event", metavar="FILE", help="print FILE rendered instead of logging in")
    args = parser.parse_args()

    api = Api.service_account(args.base_url, args.service_account, args.private_key)
    try:
        if args.render_event:
            body = json.dumps({"username": args.username}, separators=(",", ":"))
            values = {
                "SERVICE_ACCOUNT_TOKEN": api.token,
                "NONCE": nonce(),
                "USER_ACTION": api.user_action("POST", "/auth/login/delegated", body),
                "USERNAME": args.username,
            }
            json.dump(render_event(args.render_event, values), sys.stdout, indent=2)
            print()
            return
        token = delegated_login(api, args.username)
    except ApiError as e:
        raise SystemExit(str(e))
    json.dump({"token": token, "claims": claims(token)}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
