#!/usr/bin/env bash
# Conformance: the published Dfns SDKs (npm @dfns/sdk 0.8 and 0.6, PyPI
# dfns-sdk 1.0) log users in, and run the platform's whole user journey
# (delegated registration, users API, logout), against the service served by
# `cargo lambda watch` over moto, with identities provisioned through the
# operator CLI.
# One stack for every case: two function instances share moto, one per
# nonce policy (0.6 sends a nonce on every request; current SDKs none).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
here=tests/sdk
work="$(mktemp -d)"
MOTO_PORT="${SDK_MOTO_PORT:-5151}"
REQUIRED_PORT="${SDK_REQUIRED_PORT:-9151}"
OPTIONAL_PORT="${SDK_OPTIONAL_PORT:-9152}"

scripts/venv.sh
export PATH="$root/.venv/bin:$PATH"
source scripts/lib/stack.sh
trap 'stack_cleanup; rm -rf "$work"' EXIT

echo "==> SDK packages"
(cd "$here/node" && npm ci --legacy-peer-deps --no-audit --no-fund --loglevel=error)
(cd "$here/node06" && npm ci --legacy-peer-deps --no-audit --no-fund --loglevel=error)
ensure_venv .venv-sdk "$here/python/requirements.txt"

echo "==> moto, tables, key and identities"
stack_start_moto "$MOTO_PORT" "$work/moto.log"
export DIRECTORY_TABLE=sdk-directory REPLAY_TABLE=sdk-replay TOKEN_ISSUER=https://auth.sdk.test
cargo build --quiet --locked --bin delegated-login-admin
SIGNING_KEY_ID="$(admin init --create-key | json_field keyId)"
export SIGNING_KEY_ID
ALL_OPS=Auth:Users:Read,Auth:Users:Delegate,Auth:Types:Employee,Auth:Types:EndUser
# The user journey's platform backend: registers, logs in and manages users (G1 forms).
LIFECYCLE_OPS=Auth:Users:Create,Auth:Users:Read,Auth:Users:Update,Auth:Users:Delegate,Auth:Types:EndUser,Auth:Types:Employee

org="$(admin org create --name "SDK Org" | json_field orgId)"
other_org="$(admin org create --name "Other Org" | json_field orgId)"
user() { admin user create --org "$1" --username "$2" --kind "$3" | json_field userId; }
end_user_id="$(user "$org" end-user@example.co EndUser)"
employee_id="$(user "$org" employee@example.co CustomerEmployee)"
deactivated_id="$(user "$org" gone@example.co EndUser)"
non_ascii_id="$(user "$org" 'jösé@exämple.co' EndUser)"
user "$other_org" other-org@example.co EndUser > /dev/null
admin user deactivate --user-id "$deactivated_id" > /dev/null
all_ops="$(admin permission create --org "$org" --name all --operations "$ALL_OPS" | json_field permissionId)"
read_only="$(admin permission create --org "$org" --name read --operations Auth:Users:Read | json_field permissionId)"
lifecycle="$(admin permission create --org "$org" --name lifecycle --operations "$LIFECYCLE_OPS" | json_field permissionId)"
login_only="$(admin permission create --org "$org" --name delegated-login --operations Auth:Delegated:Login | json_field permissionId)"

# service_account NAME KIND PERMISSION: writes $work/NAME.json (+ .key.pem).
service_account() {
  local name="$1" kind="$2" permission="$3"
  stack_keypair "$kind" "$work/$name.key.pem" "$work/$name.pub.pem"
  admin service-account create --org "$org" --name "$name" --public-key "$work/$name.pub.pem" \
    --days-valid 1 > "$work/$name.json"
  admin permission assign --permission "$permission" --identity "$(json_field userId < "$work/$name.json")" > /dev/null
}
for kind in P256 Secp256k1 Ed25519 Rsa2048; do service_account "$kind" "$kind" "$all_ops"; done
service_account readOnly P256 "$read_only"
service_account lifecycle P256 "$lifecycle"
service_account loginOnly Secp256k1 "$login_only"
service_account revoked P256 "$all_ops"
admin token revoke --token-id "$(json_field tokenId < "$work/revoked.json")" > /dev/null
# One delegated login per minute, one account per SDK (each logs in twice).
for name in limitedTs08 limitedTs06 limitedPy; do
  service_account "$name" P256 "$all_ops"
  admin service-account limits --service-account "$(json_field userId < "$work/$name.json")" \
    --logins-per-minute 1 > /dev/null
done

.venv/bin/python - "$work" > "$work/fixture.json" <<PY
import json, sys
work = sys.argv[1]
def account(name):
    info = json.load(open(f"{work}/{name}.json"))
    info["privateKey"] = open(f"{work}/{name}.key.pem").read()
    return info
print(json.dumps({
    "issuer": "$TOKEN_ISSUER",
    "orgId": "$org",
    "users": {
        "endUser": {"username": "end-user@example.co", "userId": "$end_user_id"},
        "employee": {"username": "employee@example.co", "userId": "$employee_id"},
        "deactivated": {"username": "gone@example.co", "userId": "$deactivated_id"},
        "nonAscii": {"username": "jösé@exämple.co", "userId": "$non_ascii_id"},
        "otherOrg": {"username": "other-org@example.co"},
    },
    "keyKinds": ["P256", "Secp256k1", "Ed25519", "Rsa2048"],
    "accounts": {n: account(n) for n in ["P256", "Secp256k1", "Ed25519", "Rsa2048", "readOnly", "revoked", "lifecycle", "loginOnly", "limitedTs08", "limitedTs06", "limitedPy"]},
    # Which limited account each SDK suite uses (by its label).
    "limited": {"@dfns/sdk 0.8": "limitedTs08", "@dfns/sdk 0.6": "limitedTs06", "python": "limitedPy"},
}, ensure_ascii=False))
PY

echo "==> function: nonce policy required on :$REQUIRED_PORT, optional on :$OPTIONAL_PORT"
stack_write_env "$work/required.env" NONCE_POLICY=required
stack_write_env "$work/optional.env" NONCE_POLICY=optional
stack_serve "$REQUIRED_PORT" "$work/required.env" "$work/required.log"
stack_serve "$OPTIONAL_PORT" "$work/optional.env" "$work/optional.log"

export SDK_FIXTURE="$work/fixture.json"
status=0
echo "==> @dfns/sdk 0.8 (nonce policy optional)"
(cd "$here/node" && BASE_URL="http://127.0.0.1:$OPTIONAL_PORT" node --test) || status=1
echo "==> @dfns/sdk 0.6 (nonce policy required)"
(cd "$here/node06" && BASE_URL="http://127.0.0.1:$REQUIRED_PORT" node --test) || status=1
echo "==> dfns-sdk 1.0 for Python (nonce policy optional)"
BASE_URL="http://127.0.0.1:$OPTIONAL_PORT" .venv-sdk/bin/python -m pytest -q "$here/python" || status=1
if [ "$status" -ne 0 ]; then
  echo "--- function log (required)"; tail -20 "$work/required.log"
  echo "--- function log (optional)"; tail -20 "$work/optional.log"
fi
exit "$status"
