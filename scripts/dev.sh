#!/usr/bin/env bash
# Runs the service locally: moto (DynamoDB + KMS) on 127.0.0.1, tables and
# a signing key, a demo org, `cargo lambda watch`, and a real example call.
# Ctrl-C stops everything it started. Safe to re-run: moto starts empty.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
MOTO_PORT="${MOTO_PORT:-5050}"
LAMBDA_PORT="${LAMBDA_PORT:-9000}"
state=".local"
mkdir -p "$state"

scripts/venv.sh
export PATH="$root/.venv/bin:$PATH"
source scripts/lib/stack.sh
trap stack_cleanup EXIT
trap 'exit 130' INT TERM

echo "==> moto on 127.0.0.1:$MOTO_PORT"
stack_start_moto "$MOTO_PORT" "$state/moto.log"
export DIRECTORY_TABLE=delegated-login-directory REPLAY_TABLE=delegated-login-replay
export TOKEN_ISSUER="http://127.0.0.1:$LAMBDA_PORT"

echo "==> tables, signing key and demo org"
cargo build --quiet --bin delegated-login-admin
export SIGNING_KEY_ID="$(admin init --create-key --key-alias alias/delegated-login-local | json_field keyId)"
org="$(admin org create --name "Demo Org" | json_field orgId)"
end_user="$(admin user create --org "$org" --username jdoe@example.co --kind EndUser | json_field userId)"
admin user create --org "$org" --username ops@example.co --kind CustomerEmployee > /dev/null
stack_keypair P256 "$state/service-account.key.pem" "$state/service-account.pub.pem"
admin service-account create --org "$org" --name "Demo Platform Backend" \
  --public-key "$state/service-account.pub.pem" --days-valid 30 > "$state/service-account.json"
sa="$(json_field userId < "$state/service-account.json")"
pm="$(admin permission create --org "$org" --name "Delegated login" \
  --operations Auth:Users:Read,Auth:Users:Delegate,Auth:Types:Employee,Auth:Types:EndUser | json_field permissionId)"
admin permission assign --permission "$pm" --identity "$sa" > /dev/null
echo "    org $org, end user $end_user (jdoe@example.co), service account $sa"

echo "==> cargo lambda watch on 127.0.0.1:$LAMBDA_PORT"
stack_write_env "$state/dev.env" "NONCE_POLICY=${NONCE_POLICY:-required}"
stack_serve "$LAMBDA_PORT" "$state/dev.env" "$state/lambda.log"

base="http://127.0.0.1:$LAMBDA_PORT"
example=(.venv/bin/python examples/delegated_login.py --base-url "$base"
  --service-account "$state/service-account.json" --private-key "$state/service-account.key.pem"
  --username jdoe@example.co)
echo "==> example call: ${example[*]}"
"${example[@]}"
cat <<TXT

Serving $base (logs: $state/lambda.log, $state/moto.log).
Log the demo user in again with:

  ${example[*]}

Public keys: curl $base/.well-known/jwks.json

Invoke with an API Gateway or Function URL event (a login event needs fresh
values, so render it first; the others run as they are):

  ${example[*]} \\
    --render-event events/delegated-login.rest-api-v1.json > $state/event.json
  cargo lambda invoke delegated-login --invoke-address 127.0.0.1 --invoke-port $LAMBDA_PORT --data-file $state/event.json
  cargo lambda invoke delegated-login --invoke-address 127.0.0.1 --invoke-port $LAMBDA_PORT --data-file events/jwks.http-api-v2.json

Ctrl-C stops moto and the function.
TXT
wait
