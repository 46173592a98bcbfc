#!/usr/bin/env bash
# Runs the service locally: moto (DynamoDB + KMS) on 127.0.0.1, tables and
# a signing key, a demo org, `cargo lambda watch`, and a real example call.
# Ctrl-C stops everything it started. Safe to re-run: moto starts empty.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
MOTO_PORT="${MOTO_PORT:-5050}"
LAMBDA_PORT="${LAMBDA_PORT:-9000}"
state="$root/.local"
mkdir -p "$state"

scripts/venv.sh
export PATH="$root/.venv/bin:$PATH"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "==> moto on 127.0.0.1:$MOTO_PORT"
.venv/bin/python scripts/run_moto.py --port "$MOTO_PORT" > "$state/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q MOTO_READY "$state/moto.log" && break; sleep 0.1; done
grep -q MOTO_READY "$state/moto.log" || { cat "$state/moto.log"; exit 1; }

export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
export DIRECTORY_TABLE=delegated-login-directory REPLAY_TABLE=delegated-login-replay
export TOKEN_ISSUER="http://127.0.0.1:$LAMBDA_PORT"

echo "==> tables, signing key and demo org"
cargo build --quiet --bin delegated-login-admin
admin() { "$root/target/debug/delegated-login-admin" "$@"; }
json() { .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
export SIGNING_KEY_ID="$(admin init --create-key --key-alias alias/delegated-login-local | json keyId)"
org="$(admin org create --name "Demo Org" | json orgId)"
end_user="$(admin user create --org "$org" --username jdoe@example.co --kind EndUser | json userId)"
admin user create --org "$org" --username ops@example.co --kind CustomerEmployee > /dev/null
.venv/bin/python - "$state" <<'PY'
import sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256R1())
open(f"{sys.argv[1]}/service-account.key.pem", "wb").write(key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
open(f"{sys.argv[1]}/service-account.pub.pem", "wb").write(key.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
PY
chmod 600 "$state/service-account.key.pem"
admin service-account create --org "$org" --name "Demo Platform Backend" \
  --public-key "$state/service-account.pub.pem" --days-valid 30 > "$state/service-account.json"
sa="$(json userId < "$state/service-account.json")"
pm="$(admin permission create --org "$org" --name "Delegated login" \
  --operations Auth:Users:Read,Auth:Users:Delegate,Auth:Types:Employee,Auth:Types:EndUser | json permissionId)"
admin permission assign --permission "$pm" --identity "$sa" > /dev/null
echo "    org $org, end user $end_user (jdoe@example.co), service account $sa"

cat > "$state/dev.env" <<ENV
AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL
AWS_REGION=$AWS_REGION
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
DIRECTORY_TABLE=$DIRECTORY_TABLE
REPLAY_TABLE=$REPLAY_TABLE
SIGNING_KEY_ID=$SIGNING_KEY_ID
TOKEN_ISSUER=$TOKEN_ISSUER
NONCE_POLICY=${NONCE_POLICY:-required}
ENV

base="http://127.0.0.1:$LAMBDA_PORT/lambda-url/delegated-login"
echo "==> cargo lambda watch on 127.0.0.1:$LAMBDA_PORT"
cargo lambda watch --bin delegated-login --invoke-address 127.0.0.1 --invoke-port "$LAMBDA_PORT" \
  --env-file "$state/dev.env" > "$state/lambda.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do
  curl -fsS "$base/.well-known/jwks.json" > /dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "$base/.well-known/jwks.json" > /dev/null || { tail -50 "$state/lambda.log"; exit 1; }

example=(.venv/bin/python examples/delegated_login.py --base-url "$base"
  --service-account .local/service-account.json --private-key .local/service-account.key.pem
  --username jdoe@example.co)
echo "==> example call: ${example[*]}"
"${example[@]}"
cat <<TXT

Serving $base (logs: .local/lambda.log, .local/moto.log).
Log the demo user in again with:

  ${example[*]}

Public keys: curl $base/.well-known/jwks.json
Ctrl-C stops moto and the function.
TXT
wait
