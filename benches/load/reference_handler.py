"""Reference implementation of the service in plain Python, for the load test.

The same four endpoints as the Rust function, written the way a Python team
would write a Lambda: boto3 clients created at import, PyJWT for bearer
tokens, `cryptography` for credential signatures. It reads and writes the
same DynamoDB items with the same conditional writes, answers the same
checks in the same order with the same statuses and messages, and signs the
same claims with the same KMS key, so a challenge, a user action or a token
made by either implementation is good for the other.

Where it knowingly differs:
- Calls run one after another and stop at the first failed check (the Rust
  function runs the DynamoDB reads and writes of a request concurrently, so
  it marks a challenge signed or spends a user action even on a request
  that then fails check 2, and deletes the nonce it recorded again). The
  successful path makes exactly the same calls.
- Bodies are read by the function's rules (not JSON, not an object, a
  field's path and the type it must have); JSON that Python's json module
  and serde_json read differently beyond the cases handled here may still
  be answered differently.
- Key credentials only: a Fido2 (passkey) assertion, which the function
  verifies, is refused here with a 400 of its own.
- The canonical payload equals serde_json's for ordinary JSON (objects,
  strings, integers, booleans, null); exotic numbers (exponents, integers
  beyond 64 bits) are written differently by the two serializers.

Configuration: the same environment variables as the function.
"""
import base64
import binascii
import hashlib
import json
import logging
import math
import os
import re
import secrets
import sys
import time
import unicodedata
from datetime import datetime

import boto3
import jwt
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

# Fixed by the contract (README, Configuration).
CHALLENGE_TTL_SECS = 15 * 60
USER_ACTION_TTL_SECS = 5 * 60
LEEWAY_SECS = 60
AUDIENCE = "dfns:auth:user"
MAX_BODY_BYTES = 64 * 1024
MAX_TOKEN_LEN = 8 * 1024
MAX_NONCE_LEN = 1024
MIN_UUID_LEN = 13
MAX_USERNAME_LEN = 256
MIN_RSA_BITS = 2048
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
OTHER_FACTOR_KINDS = ("PasswordProtectedKey", "Password", "Totp", "RecoveryKey")

USERS_READ = "Auth:Users:Read"
USERS_DELEGATE = "Auth:Users:Delegate"
TYPE_OPERATION = {"CustomerEmployee": "Auth:Types:Employee", "EndUser": "Auth:Types:EndUser"}
ID_ALPHABET = "0123456789abcdefghijklmnopqrstuv"


# --- configuration -------------------------------------------------------

class ConfigError(Exception):
    pass


def _required(name):
    value = os.environ.get(name, "")
    if not value.strip():
        raise ConfigError(f"configuration: {name} is required")
    return value


def _seconds(name, default, maximum):
    raw = os.environ.get(name, "")
    if not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise ConfigError(f"configuration: {name} must be a whole number of seconds from 1 to {maximum}, got {raw!r}")
    return value


def _nonce_policy():
    raw = os.environ.get("NONCE_POLICY", "").strip()
    if raw in ("", "required"):
        return "required"
    if raw == "optional":
        return "optional"
    raise ConfigError(f"configuration: NONCE_POLICY must be required or optional, got {raw!r}")


DIRECTORY_TABLE = _required("DIRECTORY_TABLE")
REPLAY_TABLE = _required("REPLAY_TABLE")
SIGNING_KEY_ID = _required("SIGNING_KEY_ID")
PREVIOUS_SIGNING_KEY_IDS = [k.strip() for k in os.environ.get("PREVIOUS_SIGNING_KEY_IDS", "").split(",") if k.strip()]
ISSUER = _required("TOKEN_ISSUER")
NONCE_POLICY = _nonce_policy()
REPLAY_WINDOW_SECS = _seconds("REPLAY_WINDOW_SECONDS", 300, 3600)
DELEGATED_TOKEN_TTL_SECS = _seconds("DELEGATED_TOKEN_TTL_SECONDS", 6 * 3600, 24 * 3600)

# The same bounds as the function's AWS calls: 1 s to connect, 1.5 s per
# attempt, 3 attempts with standard backoff. boto3 reads AWS_ENDPOINT_URL.
_AWS_CONFIG = Config(connect_timeout=1, read_timeout=1.5, retries={"max_attempts": 3, "mode": "standard"},
                     max_pool_connections=32)
_REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
dynamodb = boto3.client("dynamodb", region_name=_REGION, config=_AWS_CONFIG)
kms = boto3.client("kms", region_name=_REGION, config=_AWS_CONFIG)

log = logging.getLogger("delegated_login")
if not log.handlers:
    _handler = logging.StreamHandler(sys.stdout)
    _handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _load_public_key(key_id):
    """(kid, public key, JWK) of a P-256 KMS key; kid is the bare key id."""
    out = kms.get_public_key(KeyId=key_id)
    spec = out.get("KeySpec") or out.get("CustomerMasterKeySpec")
    if spec != "ECC_NIST_P256" or out.get("KeyUsage") != "SIGN_VERIFY":
        raise ConfigError(f"KMS key {key_id} must be an ECC_NIST_P256 SIGN_VERIFY key (ES256)")
    kid = out["KeyId"].rsplit(":key/", 1)[-1]
    public_key = serialization.load_der_public_key(out["PublicKey"])
    numbers = public_key.public_numbers()
    jwk = {"alg": "ES256", "crv": "P-256", "kid": kid, "kty": "EC", "use": "sig",
           "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}
    return kid, public_key, jwk


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def b64url_decode(text):
    """base64url, padded or not; None when it is not."""
    text = text.rstrip("=")
    if not _B64URL.match(text) or len(text) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


_keys = [_load_public_key(k) for k in [SIGNING_KEY_ID] + PREVIOUS_SIGNING_KEY_IDS]
SIGNING_KID = _keys[0][0]
VERIFY_KEYS = {kid: key for kid, key, _ in _keys}
JWKS = {"keys": [jwk for _, _, jwk in _keys]}


# --- errors ----------------------------------------------------------------

class ApiError(Exception):
    def __init__(self, status, message, reason):
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason


def bad_request(message):
    return ApiError(400, message, "bad_request")


NONCE_INVALID = (400, "request nonce is missing or invalid", "nonce_invalid")
NONCE_REUSED = (400, "request nonce has already been used", "nonce_reused")
USER_ACTION_REUSED = (400, "user action has already been used", "user_action_reused")
USER_ACTION_INVALID = (403, "user action signature is missing or invalid", "user_action_invalid")
NOT_AUTHORIZED = (401, "Not Authorized.", "not_authorized")
USER_NOT_FOUND = (401, "User not found", "user_not_found")
USER_DEACTIVATED = (400, "User account has been deactivated.", "user_deactivated")
CHALLENGE_INVALID = (400, "Challenge token is not valid.", "challenge_invalid")
NO_USABLE_CREDENTIAL = (401, "User does not have a credential that can be used for the application.",
                        "no_usable_credential")
ASSERTION_INVALID = (401, "Credential assertion is not valid.", "assertion_invalid")
PAYLOAD_TOO_LARGE = (413, "request body is too large", "payload_too_large")
ROUTE_NOT_FOUND = (404, "Not Found", "route_not_found")
METHOD_NOT_ALLOWED = (405, "Method Not Allowed", "method_not_allowed")


class InternalError(Exception):
    """A backend or programming failure: 500, detail to the log only."""


def fail(error):
    raise ApiError(*error)


def forbidden(identity, operation):
    return ApiError(403, f"{identity['kind']} {identity['userId']} is not authorized to perform operation ({operation})",
                    "forbidden")


# --- small pure rules ----------------------------------------------------------

def digest_hex(value):
    return hashlib.sha256(value if isinstance(value, bytes) else value.encode()).hexdigest()


def new_opaque_token():
    return b64url(secrets.token_bytes(32))


def new_id(prefix):
    body = "".join(ID_ALPHABET[b & 31] for b in secrets.token_bytes(26))
    return f"{prefix}-{body[:5]}-{body[5:10]}-{body[10:]}"


def _reject_constant(name):
    raise ValueError(name)  # serde_json has no NaN or Infinity


def canonical_payload(payload):
    """serde_json's compact form with sorted keys; "{}" for an empty payload."""
    trimmed = payload.strip(b" \t\n\r\x0c")
    if not trimmed:
        return "{}"
    try:
        value = json.loads(trimmed.decode("utf-8"), parse_constant=_reject_constant)
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (ValueError, UnicodeError, RecursionError):
        return trimmed.decode("utf-8", errors="replace")


def ascii_upper(text):
    return "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in text)


def binding(caller_id, method, path, payload):
    path = path.split("?", 1)[0]
    text = f"{caller_id}\n{ascii_upper(method)}\n{path}\n{canonical_payload(payload)}"
    return digest_hex(text.encode("utf-8", errors="surrogatepass"))


def check_nonce(header, now):
    """(digest key, expiresAt), or None when absent and optional."""
    if header is None:
        if NONCE_POLICY == "required":
            fail(NONCE_INVALID)
        return None
    raw = header.strip()
    if not raw or len(raw) > MAX_NONCE_LEN:
        fail(NONCE_INVALID)
    decoded = b64url_decode(raw)
    try:
        data = json.loads(decoded)
        uuid, date = data["uuid"], data["date"]
        if not isinstance(uuid, str) or not isinstance(date, str) or len(uuid) < MIN_UUID_LEN:
            fail(NONCE_INVALID)
        parsed = datetime.fromisoformat(date.replace("Z", "+00:00").replace("z", "+00:00"))
        if parsed.tzinfo is None:
            fail(NONCE_INVALID)
        stamp = math.floor(parsed.timestamp())
    except (TypeError, ValueError, KeyError):
        fail(NONCE_INVALID)
    if abs(stamp - now) > REPLAY_WINDOW_SECS:
        fail(NONCE_INVALID)
    return digest_hex(uuid), max(stamp, now) + REPLAY_WINDOW_SECS


def verify_authorization(header, now):
    """The caller named by a bearer token of this issuer; 401 otherwise."""
    if not header or " " not in header.strip():
        fail(NOT_AUTHORIZED)
    scheme, token = header.strip().split(" ", 1)
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LEN:
        fail(NOT_AUTHORIZED)
    try:
        key = VERIFY_KEYS.get(jwt.get_unverified_header(token).get("kid"))
        if key is None:
            fail(NOT_AUTHORIZED)
        claims = jwt.decode(token, key, algorithms=["ES256"], audience=AUDIENCE, issuer=ISSUER, leeway=LEEWAY_SECS,
                            options={"require": ["exp", "iss", "aud", "sub", "iat", "jti"]})
    except jwt.PyJWTError:
        fail(NOT_AUTHORIZED)
    meta = claims.get("https://custom/app_metadata")
    if not isinstance(meta, dict) or not isinstance(claims.get("aud"), str) or claims["iat"] > now + LEEWAY_SECS:
        fail(NOT_AUTHORIZED)
    fields = (meta.get("userId"), meta.get("orgId"), meta.get("tokenKind"), claims.get("jti"),
              claims.get("https://custom/username"))
    if not all(isinstance(f, str) for f in fields) or meta["tokenKind"] not in ("Token", "ServiceAccount"):
        fail(NOT_AUTHORIZED)
    if claims["sub"] != meta["orgId"]:
        fail(NOT_AUTHORIZED)
    return {"userId": meta["userId"], "orgId": meta["orgId"], "tokenId": claims["jti"], "tokenKind": meta["tokenKind"]}


# --- request input, with the function's messages -------------------------------
#
# A 400 names the field's path and the type it must have, never a value sent.

class _Object(dict):
    """A JSON object that remembers its members in order, duplicates included."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.pairs = pairs


MAX_JSON_DEPTH = 127  # serde_json's recursion limit


def _finite_float(text):
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


def _bounded_int(text):
    value = int(text)
    if not -2 ** 63 <= value < 2 ** 64:
        float(value)  # serde_json reads it as an f64: beyond f64's range it is not JSON
    return value


def _serde_json_would_read(value, depth=1):
    """Whether serde_json accepts what Python's json did: no lone surrogate, not too deep."""
    if depth > MAX_JSON_DEPTH and isinstance(value, (dict, list)):
        return False
    if isinstance(value, str):
        return not any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return all(_serde_json_would_read(k, depth) and _serde_json_would_read(v, depth + 1)
                   for k, v in getattr(value, "pairs", value.items()))
    if isinstance(value, list):
        return all(_serde_json_would_read(v, depth + 1) for v in value)
    return True


def _at(path, name):
    return f"{path}.{name}" if path else name


def _expect(value, kind, path):
    """`value` read as `kind` ("str" or a (name, fields) struct), as the function's serde types read it."""
    if kind == "str":
        if not isinstance(value, str):
            raise bad_request(f"{path} must be a string")
        return value
    if isinstance(value, _Object):
        return _struct_from_map(value, kind[1], path)
    if isinstance(value, list):  # serde's derived structs also take their fields in order
        return _struct_from_seq(value, kind[1], path)
    raise bad_request(f"{path} must be an object")


def _struct_from_map(obj, fields, path):
    spec = {name: (kind, how) for name, kind, how in fields}
    out = {}
    for name, value in obj.pairs:
        if name not in spec:
            continue  # unknown fields are ignored
        if name in out:
            raise bad_request(f"{_at(path, name)} must be given once")
        kind, how = spec[name]
        out[name] = None if how != "required" and value is None else _expect(value, kind, _at(path, name))
    for name, _, how in fields:  # missing fields, in declaration order
        if name not in out:
            if how == "required":
                raise bad_request(f"{_at(path, name)} is required")
            out[name] = None
    return out


def _struct_from_seq(items, fields, path):
    out = {}
    for index, (name, kind, how) in enumerate(fields):
        if index >= len(items):
            if how != "default":  # too few elements, where no default fills in
                raise bad_request(f"{path} is invalid")
            out[name] = None
            continue
        value = items[index]
        out[name] = None if how != "required" and value is None else _expect(value, kind, f"{path}[{index}]")
    if len(items) > len(fields):
        raise bad_request(f"{path} is invalid")
    return out


def parse_body(body, fields):
    """A JSON object body read into `fields`; an empty body is the empty object."""
    if not body.strip(b" \t\n\x0c\r"):
        body = b"{}"
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float,
                           parse_int=_bounded_int, object_pairs_hook=_Object)
        readable = _serde_json_would_read(value)
    except (ValueError, UnicodeError, RecursionError, OverflowError):
        readable = False
    if not readable:
        raise bad_request("invalid request body: not JSON")
    if not isinstance(value, _Object):
        raise bad_request("invalid request body: expected a JSON object")
    return _struct_from_map(value, fields, "")


def _query_part(part):
    """A query string part percent-decoded (`+` is a space); None when it does not decode to UTF-8."""
    out, i = bytearray(), 0
    raw = part.encode("utf-8", errors="surrogatepass")
    while i < len(raw):
        if raw[i:i + 1] == b"+":
            out += b" "
        elif raw[i:i + 1] == b"%":
            digits = raw[i + 1:i + 3]
            if len(digits) != 2 or not all(chr(d) in "0123456789abcdefABCDEF" for d in digits):
                return None
            out.append(int(digits, 16))
            i += 2
        else:
            out.append(raw[i])
        i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def accept_force(query):
    """`force` may be given once as true/True/false/False, and is then ignored (nothing awaits approval)."""
    found = False
    for pair in (query or "").split("&"):
        if not pair:
            continue
        key, eq, value = pair.partition("=")
        if _query_part(key) != "force":
            continue
        if found:
            raise bad_request("force must be given once")
        found = True
        if not eq or _query_part(value) not in ("true", "True", "false", "False"):
            raise bad_request("force must be true or false")


def read_body(request, fields):
    """Check 4: the `force` parameter, then the body."""
    accept_force(request["query"])
    return parse_body(request["body"], fields)


# (field, kind, how): "required"; "option" (absent or null is None); "default" (the same,
# and it may also be left off the end of a body given as an array).
INIT_BODY = [("userActionPayload", "str", "required"), ("userActionHttpMethod", "str", "required"),
             ("userActionHttpPath", "str", "required"), ("userActionServerKind", "str", "default")]
CREDENTIAL_ASSERTION = ("CredentialAssertion", [
    ("credId", "str", "required"), ("clientData", "str", "required"), ("signature", "str", "required"),
    ("authenticatorData", "str", "default"), ("userHandle", "str", "default")])
FIRST_FACTOR = ("FirstFactor", [("kind", "str", "required"), ("credentialAssertion", CREDENTIAL_ASSERTION, "option")])
ACTION_BODY = [("challengeIdentifier", "str", "required"), ("firstFactor", FIRST_FACTOR, "required")]
LOGIN_BODY = [("username", "str", "required")]


# --- DynamoDB ------------------------------------------------------------------

def _s(item, key):
    value = item.get(key, {})
    return value.get("S") if isinstance(value, dict) else None


def identity_from(item):
    fields = {k: _s(item, k) for k in ("userId", "orgId", "username", "kind")}
    if any(v is None for v in fields.values()) or fields["kind"] not in TYPE_OPERATION:
        return None
    fields["isServiceAccount"] = item.get("isServiceAccount", {}).get("BOOL", False)
    fields["active"] = _s(item, "status") == "Active"
    return fields


def is_condition_failure(error):
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def load_caller(caller):
    """Profile, active credentials, granted operations and token state, as one record."""
    items, start = [], None
    while True:
        args = {"TableName": DIRECTORY_TABLE, "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": f"IDENTITY#{caller['userId']}"}}, "ConsistentRead": True}
        if start:
            args["ExclusiveStartKey"] = start
        out = dynamodb.query(**args)
        items.extend(out.get("Items", []))
        start = out.get("LastEvaluatedKey")
        if not start:
            break
    token = dynamodb.get_item(TableName=DIRECTORY_TABLE, ConsistentRead=True,
                              Key={"pk": {"S": f"TOKEN#{caller['tokenId']}"}, "sk": {"S": "TOKEN"}}).get("Item")
    record = {"identity": None, "credentials": [], "operations": set(),
              "token": "unrecorded" if token is None else ("active" if _s(token, "status") == "Active" else "revoked")}
    for item in items:
        sk = _s(item, "sk") or ""
        if sk == "PROFILE":
            record["identity"] = identity_from(item)
        elif sk.startswith("CREDENTIAL#"):
            cred = {k: _s(item, k) for k in ("credentialId", "credId", "publicKey")}
            if all(v is not None for v in cred.values()) and _s(item, "status") == "Active":
                record["credentials"].append(cred)
        elif sk.startswith("ASSIGNMENT#") and _s(item, "status") == "Active":
            record["operations"].update(item.get("operations", {}).get("SS", []))
    return record


def check_active(caller, record):
    identity = record["identity"]
    if not identity or not identity["active"] or identity["orgId"] != caller["orgId"]:
        fail(NOT_AUTHORIZED)
    token = record["token"]
    if token == "revoked":
        fail(NOT_AUTHORIZED)
    if caller["tokenKind"] == "ServiceAccount":
        ok = token == "active" and identity["isServiceAccount"]
    else:
        ok = not identity["isServiceAccount"]
    if not ok:
        fail(NOT_AUTHORIZED)
    return identity


def record_nonce(caller_id, key, expires_at, now):
    """False when the nonce is recorded and unexpired (TTL deletes lazily)."""
    try:
        # A nonce is its caller's own: one caller cannot burn another's.
        dynamodb.put_item(TableName=REPLAY_TABLE, Item={"pk": {"S": f"NONCE#{caller_id}#{key}"},
                                                        "expiresAt": {"N": str(expires_at)}},
                          ConditionExpression="attribute_not_exists(pk) OR expiresAt < :now",
                          ExpressionAttributeValues={":now": {"N": str(now)}})
        return True
    except ClientError as e:
        if is_condition_failure(e):
            return False
        raise


def authenticate(request):
    """Checks 1 to 3 of every POST: nonce syntax, bearer token, caller active, nonce fresh."""
    now = int(time.time())
    nonce = check_nonce(request["nonce"], now)
    caller = verify_authorization(request["authorization"], now)
    record = load_caller(caller)
    identity = check_active(caller, record)
    if nonce and not record_nonce(caller["userId"], nonce[0], nonce[1], now):
        fail(NONCE_REUSED)
    return now, caller, identity, record


# --- use cases ---------------------------------------------------------------

def action_init(request):
    now, _, identity, record = authenticate(request)
    body = read_body(request, INIT_BODY)
    method = ascii_upper(body["userActionHttpMethod"])
    if method not in METHODS:
        raise bad_request("userActionHttpMethod must be one of GET, POST, PUT, PATCH, DELETE")
    if not body["userActionHttpPath"].startswith("/"):
        raise bad_request("userActionHttpPath must be an absolute path")
    if not record["credentials"]:
        fail(NO_USABLE_CREDENTIAL)
    challenge, identifier = new_opaque_token(), new_opaque_token()
    dynamodb.put_item(TableName=REPLAY_TABLE, ConditionExpression="attribute_not_exists(pk)", Item={
        "pk": {"S": f"CHALLENGE#{digest_hex(identifier)}"},
        "callerId": {"S": identity["userId"]},
        "challenge": {"S": challenge},
        "binding": {"S": binding(identity["userId"], method, body["userActionHttpPath"],
                                 body["userActionPayload"].encode("utf-8", errors="surrogatepass"))},
        "expiresAt": {"N": str(now + CHALLENGE_TTL_SECS)},
    })
    return {
        "challenge": challenge,
        "challengeIdentifier": identifier,
        "supportedCredentialKinds": [{"factor": "first", "kind": "Key", "requiresSecondFactor": False}],
        "userVerification": "required",
        "attestation": "none",
        "externalAuthenticationUrl": "",
        "allowCredentials": {"key": [{"id": c["credId"], "type": "public-key"} for c in record["credentials"]],
                             "webauthn": []},
    }


def verify_credential(public_key_pem, message, signature):
    """The key type decides the algorithm: ECDSA SHA-256 DER, Ed25519, RSA PKCS#1 v1.5 SHA-256."""
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
    except ValueError:
        raise InternalError("credential: stored public key does not parse")
    try:
        if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in ("secp256r1", "secp256k1"):
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        elif isinstance(key, rsa.RSAPublicKey) and key.key_size >= MIN_RSA_BITS:
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise InternalError("credential: stored public key does not parse")
        return True
    except (InvalidSignature, ValueError):
        return False


def action_complete(request):
    now, _, identity, record = authenticate(request)
    body = read_body(request, ACTION_BODY)
    factor = body["firstFactor"]
    if factor["kind"] == "Fido2":
        raise bad_request("firstFactor.kind Fido2 is not supported by this reference: only Key credentials are")
    if factor["kind"] != "Key":
        # Only a kind the contract names is named back, never the caller's own text.
        known = factor["kind"] if factor["kind"] in OTHER_FACTOR_KINDS else None
        raise bad_request(f"firstFactor.kind {known + ' ' if known else ''}is not supported: "
                          "only Key and Fido2 credentials are")
    assertion = factor.get("credentialAssertion")
    if assertion is None:
        raise bad_request("firstFactor.credentialAssertion is required")
    # One conditional update marks the challenge signed and records the user
    # action on the same item: the digest of a fresh secret, the signing
    # credId and the user action's own expiry. The secret is handed out only
    # once every check below passed, so a refused request leaves a signed
    # challenge nobody can spend.
    identifier = body["challengeIdentifier"]
    secret = new_opaque_token()
    try:
        taken = dynamodb.update_item(
            TableName=REPLAY_TABLE, Key={"pk": {"S": f"CHALLENGE#{digest_hex(identifier)}"}},
            UpdateExpression="SET signedAt = :now, secretDigest = :s, credId = :cred, expiresAt = :until",
            ConditionExpression="attribute_exists(pk) AND callerId = :caller AND expiresAt > :now"
                                " AND attribute_not_exists(signedAt)",
            ExpressionAttributeValues={":caller": {"S": identity["userId"]}, ":now": {"N": str(now)},
                                       ":s": {"S": digest_hex(secret)}, ":cred": {"S": assertion["credId"]},
                                       ":until": {"N": str(now + USER_ACTION_TTL_SECS)}},
            ReturnValues="ALL_OLD").get("Attributes")
    except ClientError as e:
        if not is_condition_failure(e):
            raise
        taken = None
    if not taken or _s(taken, "challenge") is None or _s(taken, "binding") is None:
        fail(CHALLENGE_INVALID)
    credential = next((c for c in record["credentials"] if c["credId"] == assertion["credId"]), None)
    if credential is None:
        fail(NO_USABLE_CREDENTIAL)
    client_data = b64url_decode(assertion["clientData"])
    if client_data is None:
        raise bad_request("clientData must be base64url")
    signature = b64url_decode(assertion["signature"])
    if signature is None:
        raise bad_request("signature must be base64url")
    if not verify_credential(credential["publicKey"], client_data, signature):
        fail(ASSERTION_INVALID)
    try:
        data = json.loads(client_data)
        kind, challenge = data["type"], data["challenge"]
        if not isinstance(kind, str) or not isinstance(challenge, str):
            raise TypeError
    except (ValueError, TypeError, KeyError):
        raise bad_request("clientData must be base64url of a JSON object with type and challenge")
    if kind != "key.get":
        raise bad_request("clientData.type must be key.get")
    if challenge != _s(taken, "challenge"):
        fail(CHALLENGE_INVALID)
    # Opaque to the SDKs: the item's name, then the proof this request succeeded.
    return {"userAction": f"{identifier}.{secret}"}


def parse_user_action(token):
    """(challenge digest, secret digest) of `identifier.secret`; None for any other shape."""
    identifier, dot, secret = token.partition(".")
    if not dot or not identifier or not secret:
        return None
    return digest_hex(identifier), digest_hex(secret)


def spend_user_action(token, caller_id, expected_binding, now):
    """'spent', 'already_spent' or 'invalid'; the conditional update lets one use win."""
    parsed = parse_user_action(token)
    if parsed is None:
        return "invalid"
    challenge, secret = parsed
    try:
        old = dynamodb.update_item(
            TableName=REPLAY_TABLE, Key={"pk": {"S": f"CHALLENGE#{challenge}"}}, UpdateExpression="SET spentAt = :now",
            ConditionExpression="attribute_exists(signedAt) AND secretDigest = :s AND binding = :b"
                                " AND callerId = :caller AND attribute_not_exists(spentAt) AND expiresAt > :now",
            ExpressionAttributeValues={":s": {"S": secret}, ":b": {"S": expected_binding},
                                       ":caller": {"S": caller_id}, ":now": {"N": str(now)}},
            ReturnValues="ALL_OLD", ReturnValuesOnConditionCheckFailure="ALL_OLD").get("Attributes") or {}
        if _s(old, "credId") is None:
            raise InternalError("replay user action spend: spent item names no credId")
        return "spent"
    except ClientError as e:
        if not is_condition_failure(e):
            raise
        item = e.response.get("Item") or {}
    # The refusal brings the item back: "used already" only for this very user action.
    valid_here = ("signedAt" in item and _s(item, "secretDigest") == secret and _s(item, "binding") == expected_binding
                  and _s(item, "callerId") == caller_id and int(item.get("expiresAt", {}).get("N", "0")) > now)
    return "already_spent" if valid_here and "spentAt" in item else "invalid"


def sign_token(claims):
    """ES256 JWT signed by KMS over the raw signing input; DER turned into r || s."""
    header = {"alg": "ES256", "kid": SIGNING_KID, "typ": "JWT"}  # serde_json's key order
    signing_input = ".".join(b64url(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode())
                             for part in (header, claims))
    der = kms.sign(KeyId=SIGNING_KID, Message=signing_input.encode(), MessageType="RAW",
                   SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def delegated_login(request):
    now, caller, identity, record = authenticate(request)  # 1, 2, 3
    body = read_body(request, LOGIN_BODY)  # 4
    username = body["username"]
    if not username:
        raise bad_request("username must be a non-empty string")
    if len(username.encode("utf-8", errors="surrogatepass")) > MAX_USERNAME_LEN or any(
            unicodedata.category(c) == "Cc" for c in username):
        username = ""  # no such user can exist: answered like any unknown name, after the other checks
    spend = "invalid"
    if request["user_action"] is not None:
        spend = spend_user_action(request["user_action"], caller["userId"],
                                  binding(caller["userId"], request["method"], request["path"], request["body"]), now)
    if spend == "already_spent":  # 5
        fail(USER_ACTION_REUSED)
    if spend != "spent":
        fail(USER_ACTION_INVALID)
    if caller["tokenKind"] != "ServiceAccount" or not identity["isServiceAccount"]:  # 6
        raise forbidden(identity, USERS_DELEGATE)
    for operation in (USERS_READ, USERS_DELEGATE):  # 7
        if operation not in record["operations"]:
            raise forbidden(identity, operation)
    target = None
    if username:
        item = dynamodb.get_item(TableName=DIRECTORY_TABLE, ConsistentRead=True, Key={
            "pk": {"S": f"ORG#{caller['orgId']}"}, "sk": {"S": f"USERNAME#{username}"}}).get("Item")
        target = item and identity_from(item)
        if target and (target["orgId"] != caller["orgId"] or target["isServiceAccount"]):
            target = None
    if not target:  # 8
        fail(USER_NOT_FOUND)
    if TYPE_OPERATION[target["kind"]] not in record["operations"]:  # 9
        raise forbidden(identity, TYPE_OPERATION[target["kind"]])
    if not target["active"]:  # 10
        fail(USER_DEACTIVATED)
    claims = {  # the Rust Claims struct's field order
        "iss": ISSUER, "aud": AUDIENCE, "sub": target["orgId"], "jti": new_id("uj"),
        "iat": now, "exp": now + DELEGATED_TOKEN_TTL_SECS,
        "https://custom/username": target["username"],
        "https://custom/app_metadata": {"userId": target["userId"], "orgId": target["orgId"], "tokenKind": "Token"},
        "act": {"sub": identity["userId"]},
    }
    return {"token": sign_token(claims)}, identity["userId"], target["userId"]  # 11


# --- the Lambda entry --------------------------------------------------------

ROUTES = {
    "/auth/login/delegated": ("POST", "POST /auth/login/delegated"),
    "/auth/action/init": ("POST", "POST /auth/action/init"),
    "/auth/action": ("POST", "POST /auth/action"),
    "/.well-known/jwks.json": ("GET", "GET /.well-known/jwks.json"),
}


def _response(status, body):
    # `cookies` is optional in API Gateway's payload 2.0, but cargo lambda's
    # emulator (which serves this handler through awslambdaric in
    # benches/lambda_size) refuses an answer without it.
    return {"statusCode": status, "headers": {"content-type": "application/json", "cache-control": "no-store"},
            "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False), "isBase64Encoded": False,
            "cookies": []}


def _request(event):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    body = event.get("body") or ""
    body = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8", errors="surrogatepass")
    if len(body) > MAX_BODY_BYTES:
        fail(PAYLOAD_TOO_LARGE)
    return {"method": event["requestContext"]["http"]["method"], "path": event.get("rawPath") or "/",
            "query": event.get("rawQueryString") or "",
            "authorization": headers.get("authorization"), "nonce": headers.get("x-dfns-nonce"),
            "user_action": headers.get("x-dfns-useraction"), "body": body}


def _emf(route, outcome, reason, latency_ms, token_issued):
    metrics = [{"Name": "Requests", "Unit": "Count"}, {"Name": "Latency", "Unit": "Milliseconds"}]
    doc = {"Route": route, "Outcome": outcome, "Reason": reason, "Requests": 1, "Latency": latency_ms}
    if token_issued:
        metrics.append({"Name": "LoginsIssued", "Unit": "Count"})
        doc["LoginsIssued"] = 1
    if outcome != "ok":
        metrics.append({"Name": "Rejections", "Unit": "Count"})
        doc["Rejections"] = 1
    doc["_aws"] = {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
        {"Namespace": "DelegatedLogin", "Dimensions": [["Route", "Outcome"], ["Reason"]], "Metrics": metrics}]}
    return json.dumps(doc)


def handler(event, context):
    """API Gateway HTTP API (payload 2.0) event in, response out; never raises."""
    started = time.perf_counter()
    method = event.get("requestContext", {}).get("http", {}).get("method", "")
    path = event.get("rawPath") or "/"
    route_name, caller_id, target_id, status, reason, detail = "unrouted", None, None, 200, None, None
    try:
        if path not in ROUTES:
            fail(ROUTE_NOT_FOUND)
        allowed, route_name = ROUTES[path]
        if method != allowed:
            fail(METHOD_NOT_ALLOWED)
        request = _request(event)
        if path == "/.well-known/jwks.json":
            response = _response(200, JWKS)
        elif path == "/auth/action/init":
            response = _response(200, action_init(request))
        elif path == "/auth/action":
            response = _response(200, action_complete(request))
        else:
            body, caller_id, target_id = delegated_login(request)
            response = _response(200, body)
    except ApiError as e:
        status, reason = e.status, e.reason
        response = _response(e.status, {"error": {"message": e.message}})
    except Exception as e:  # noqa: BLE001 - a backend or programming failure is a 500, never a crash
        status, reason, detail = 500, "internal", f"{type(e).__name__}: {e}"
        response = _response(500, {"error": {"message": "Internal Server Error"}})
    latency_ms = (time.perf_counter() - started) * 1000
    outcome = "ok" if status == 200 else ("error" if status == 500 else "rejected")
    # One decision line and one EMF line per request, as the function writes; no secret in either.
    log.info(json.dumps({"message": "decision", "request_id": getattr(context, "aws_request_id", ""),
                         "route": route_name, "outcome": outcome, "status": status, "reason": reason,
                         "caller": caller_id, "target": target_id, "latency_ms": latency_ms, "detail": detail}))
    log.info(_emf(route_name, outcome, reason or "none", latency_ms, caller_id is not None and status == 200))
    return response
