#!/usr/bin/env python3
"""A platform's backend for a sign-up page with passkeys, and the page itself.

The visitor's browser holds the passkeys and nothing else: it creates them
and signs with them (`WebAuthnSigner` of `@dfns/sdk-browser`), while this
backend talks to the delegated login service:

- sign-up: delegated registration of the visitor's username, as the
  platform's service account; the browser creates a passkey for the
  registration challenge; the backend registers it (`credentialKind`
  Fido2) with the temporary token, then logs the new user in (delegated
  login). The user's token stays here, in the visitor's session: the page
  never sees it.
- the user's own credentials: list them, add a passkey (a credential
  challenge the browser answers with a new passkey, then a user action
  the browser signs with a passkey the user already has), activate and
  deactivate them (user actions too).

Every signed write takes two round trips, as the Dfns delegated clients'
`...Init` / `...Complete` pairs do: `POST /api/actions` names the request
and answers the user action challenge; `POST /api/actions/complete` carries
the browser's signature, trades it for a user action token and sends the
request.

    python examples/passkeys-demo/backend.py --base-url URL \\
        --service-account .local/service-account.json \\
        --private-key .local/service-account.key.pem --port 3000

Then open http://localhost:3000 (the org's passkey settings must allow that
origin for the rpId `localhost`). `serve.sh` beside this file bundles the
page first. Standard library plus `cryptography` (through dfns_api.py).
"""
import argparse
import http.server
import json
import mimetypes
import pathlib
import secrets
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from dfns_api import Api, ApiError  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
# What the page may fetch, and from where.
STATIC = {"/": HERE / "page/index.html", "/app.js": HERE / "dist/app.js", "/style.css": HERE / "page/style.css"}
SESSION_COOKIE = "demo_session"


def compact(value) -> str:
    """JSON as the request body is sent: the user action signs these exact bytes."""
    return json.dumps(value, separators=(",", ":"))


class Refused(Exception):
    """An answer of this backend's own (not the service's)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# The signed writes a page may ask for: name -> (method, path, the body built from the page's fields).
ACTIONS = {
    "createCredential": ("POST", "/auth/credentials", lambda f: {
        "credentialKind": "Fido2",
        "credentialInfo": f["attestation"]["credentialInfo"],
        "credentialName": f.get("credentialName") or "passkey",
        "challengeIdentifier": f["challengeIdentifier"],
    }),
    "activateCredential": ("PUT", "/auth/credentials/activate", lambda f: {"credentialUuid": f["credentialUuid"]}),
    "deactivateCredential": ("PUT", "/auth/credentials/deactivate", lambda f: {"credentialUuid": f["credentialUuid"]}),
}


class Platform:
    """The backend's state: its service account and the visitors' sessions (in memory)."""

    def __init__(self, service_account: Api, rp_id: str, rp_name: str, port: int):
        self.service_account = service_account
        self.rp = {"id": rp_id, "name": rp_name}
        self.host = f"{rp_id}:{port}"
        self.sessions: dict[str, dict] = {}
        self.lock = threading.Lock()

    def new_session(self) -> tuple[str, dict]:
        sid = secrets.token_urlsafe(32)
        with self.lock:
            self.sessions[sid] = {}
        return sid, self.sessions[sid]

    def session(self, sid: str | None) -> dict | None:
        with self.lock:
            return self.sessions.get(sid) if sid else None

    def end_session(self, sid: str) -> None:
        with self.lock:
            self.sessions.pop(sid, None)

    # --- sign-up and login

    def sign_up_init(self, session: dict, fields: dict) -> dict:
        username = str(fields.get("username") or "").strip()
        if not username:
            raise Refused(400, "a username is required")
        challenge = self.service_account.signed(
            "POST", "/auth/registration/delegated", {"email": username, "kind": "EndUser"})
        # The temporary token registers the user's first credential; it stays here.
        session["signup"] = {"username": username, "token": challenge.pop("temporaryAuthenticationToken")}
        return challenge

    def sign_up_complete(self, session: dict, fields: dict) -> dict:
        pending = session.get("signup")
        if pending is None:
            raise Refused(400, "no sign-up in progress")
        credential = dict(fields["attestation"], credentialName=fields.get("credentialName") or "first passkey")
        as_new_user = Api(self.service_account.base_url, pending["token"])
        registered = as_new_user.post("/auth/registration", {"firstFactorCredential": credential})
        # The platform has just authenticated its user (here: by the sign-up itself), so it logs
        # the user in without the user's credentials.
        login = self.service_account.signed("POST", "/auth/login/delegated", {"username": pending["username"]})
        session.pop("signup")
        session["user"] = {"username": pending["username"], "userId": registered["user"]["id"], "token": login["token"]}
        return self.me(session)

    def me(self, session: dict) -> dict:
        user = self.signed_in(session)
        return {"username": user["username"], "userId": user["userId"]}

    def log_out(self, session: dict) -> dict:
        user = self.signed_in(session)
        Api(self.service_account.base_url, user["token"]).send("PUT", "/auth/logout", "{}")
        session.clear()
        return {"message": "logged out"}

    # --- the user's own credentials, with the user's token

    def signed_in(self, session: dict) -> dict:
        if "user" not in session:
            raise Refused(401, "not signed in")
        return session["user"]

    def as_user(self, session: dict) -> Api:
        return Api(self.service_account.base_url, self.signed_in(session)["token"])

    def credentials(self, session: dict) -> dict:
        return self.as_user(session).get("/auth/credentials")

    def credential_challenge(self, session: dict, _fields: dict) -> dict:
        return self.as_user(session).post("/auth/credentials/init", {"kind": "Fido2"})

    def action_init(self, session: dict, fields: dict) -> dict:
        name = fields.get("action")
        if name not in ACTIONS:
            raise Refused(400, f"action is one of {', '.join(ACTIONS)}")
        method, path, build = ACTIONS[name]
        try:
            body = compact(build(fields))
        except (KeyError, TypeError):
            raise Refused(400, f"missing fields for {name}") from None
        challenge = self.as_user(session).user_action_challenge(method, path, body)
        session["action"] = {"method": method, "path": path, "body": body,
                             "challengeIdentifier": challenge["challengeIdentifier"]}
        return challenge

    def action_complete(self, session: dict, fields: dict) -> dict:
        api = self.as_user(session)
        pending = session.pop("action", None)
        if pending is None:
            raise Refused(400, "no action in progress")
        token = api.user_action_token(pending["challengeIdentifier"], fields["firstFactor"])
        return api.send(pending["method"], pending["path"], pending["body"], user_action=token)


def handler_for(platform: Platform):
    posts = {
        "/api/signup": platform.sign_up_init,
        "/api/signup/complete": platform.sign_up_complete,
        "/api/logout": lambda session, _fields: platform.log_out(session),
        "/api/credentials/init": platform.credential_challenge,
        "/api/actions": platform.action_init,
        "/api/actions/complete": platform.action_complete,
    }
    gets = {
        "/api/config": lambda _session: {"rp": platform.rp},
        "/api/me": platform.me,
        "/api/credentials": platform.credentials,
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "passkeys-demo"

        def log_message(self, format, *args):  # one line per request, no bodies or cookies
            sys.stderr.write(f"{self.command} {self.path.split('?')[0]} {args[1] if len(args) > 1 else ''}\n")

        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/" and platform.rp["id"] == "localhost" and self.headers.get("host") != platform.host:
                # Passkeys for the rpId `localhost` only work on a page at localhost, not 127.0.0.1.
                return self.redirect(f"http://{platform.host}/")
            if path in STATIC:
                return self.static(STATIC[path])
            if path in gets:
                return self.api(lambda session: gets[path](session))
            self.reply(404, {"error": {"message": "not found"}})

        def do_POST(self):
            path = self.path.split("?")[0]
            if path not in posts:
                return self.reply(404, {"error": {"message": "not found"}})
            try:
                length = int(self.headers.get("content-length") or 0)
                fields = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(fields, dict):
                    raise ValueError
            except ValueError:
                return self.reply(400, {"error": {"message": "the body must be a JSON object"}})
            self.api(lambda session: posts[path](session, fields))

        def api(self, call):
            sid = self.cookie()
            session = platform.session(sid)
            new_cookie = None
            if session is None:
                sid, session = platform.new_session()
                new_cookie = sid
            try:
                status, answer = 200, call(session)
            except (ApiError, Refused) as e:
                status, answer = e.status, {"error": {"message": e.message}}
            except (KeyError, TypeError, AttributeError):
                status, answer = 400, {"error": {"message": "a field of the request is missing or malformed"}}
            self.reply(status, answer, new_cookie)

        def cookie(self) -> str | None:
            for part in (self.headers.get("cookie") or "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == SESSION_COOKIE:
                    return value
            return None

        def static(self, file: pathlib.Path):
            if not file.is_file():
                return self.reply(500, {"error": {"message": f"{file.name} is missing: run serve.sh, which builds it"}})
            data = file.read_bytes()
            self.send_response(200)
            self.send_header("content-type", mimetypes.guess_type(file.name)[0] or "application/octet-stream")
            self.send_header("content-length", str(len(data)))
            self.send_header("cache-control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def redirect(self, location: str):
            self.send_response(302)
            self.send_header("location", location)
            self.send_header("content-length", "0")
            self.end_headers()

        def reply(self, status: int, answer: dict, new_cookie: str | None = None):
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("cache-control", "no-store")
            if new_cookie:
                self.send_header("set-cookie", f"{SESSION_COOKIE}={new_cookie}; HttpOnly; SameSite=Strict; Path=/")
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="A platform backend and sign-up page with passkeys.")
    parser.add_argument("--base-url", required=True, help="the delegated login service")
    parser.add_argument("--service-account", required=True, help="JSON printed by `service-account create`")
    parser.add_argument("--private-key", required=True, help="PEM private key of the service account")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--rp-id", default="localhost", help="the relying party id passkeys are bound to")
    parser.add_argument("--rp-name", default="Passkeys demo")
    args = parser.parse_args()

    platform = Platform(Api.service_account(args.base_url, args.service_account, args.private_key),
                        args.rp_id, args.rp_name, args.port)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(platform))
    print(f"passkeys demo on http://{args.rp_id}:{args.port} (backend of {args.base_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
