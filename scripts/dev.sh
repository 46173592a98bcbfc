#!/usr/bin/env bash
# Runs the service locally: moto (DynamoDB + KMS) on 127.0.0.1, tables and
# a signing key, a demo org and its service account (operator CLI), then
# `cargo lambda watch`, demo users created through the API, real example
# calls, and the passkeys demo page (examples/passkeys-demo, when npm is
# there). Ctrl-C stops everything it started. Safe to re-run: moto starts empty.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
MOTO_PORT="${MOTO_PORT:-5050}"
LAMBDA_PORT="${LAMBDA_PORT:-9000}"
DEMO_PORT="${DEMO_PORT:-3000}"
# Private keys and tokens: only their owner may read the state directory.
state=".local"
(umask 077 && mkdir -p "$state")
chmod 700 "$state"

scripts/venv.sh
export PATH="$root/.venv/bin:$PATH"
source scripts/lib/stack.sh
stack_require_free_ports "$MOTO_PORT" "$LAMBDA_PORT" "$DEMO_PORT"
trap stack_cleanup EXIT
trap 'exit 130' INT TERM

echo "==> moto on 127.0.0.1:$MOTO_PORT"
stack_start_moto "$MOTO_PORT" "$state/moto.log"
export DIRECTORY_TABLE=delegated-login-directory REPLAY_TABLE=delegated-login-replay
export TOKEN_ISSUER="http://127.0.0.1:$LAMBDA_PORT"

# Only an operator can create these: the CLI writes them to the tables.
echo "==> operator CLI: tables, signing key, demo org and its service account"
cargo build --quiet --bin delegated-login-admin
export SIGNING_KEY_ID="$(admin init --create-key --key-alias alias/delegated-login-local | json_field keyId)"
org="$(admin org create --name "Demo Org" | json_field orgId)"
demo="http://localhost:$DEMO_PORT"
stack_org_passkeys "$org" "$demo"
stack_keypair P256 "$state/service-account.key.pem" "$state/service-account.pub.pem"
(umask 077 && admin service-account create --org "$org" --name "Demo Platform Backend" \
  --public-key "$state/service-account.pub.pem" --days-valid 30 > "$state/service-account.json")
sa="$(json_field userId < "$state/service-account.json")"
operations=Auth:Users:Create,Auth:Users:Read,Auth:Users:Update,Auth:Users:Delegate,Auth:Types:EndUser,Auth:Types:Employee
pm="$(admin permission create --org "$org" --name "Platform backend" --operations "$operations" | json_field permissionId)"
admin permission assign --permission "$pm" --identity "$sa" > /dev/null
echo "    org $org (passkeys for $demo), service account $sa with $operations"

echo "==> cargo lambda watch on 127.0.0.1:$LAMBDA_PORT"
stack_write_env "$state/dev.env" "NONCE_POLICY=${NONCE_POLICY:-required}"
stack_serve "$LAMBDA_PORT" "$state/dev.env" "$state/lambda.log"

# Everything else goes through the API, as the service account.
base="http://127.0.0.1:$LAMBDA_PORT"
as_sa=(--base-url "$base" --service-account "$state/service-account.json"
  --private-key "$state/service-account.key.pem")
py=.venv/bin/python
echo "==> demo users, through the API"
"$py" examples/platform_backend.py "${as_sa[@]}" --username jdoe@example.co \
  --user-credential "$state/jdoe" signup
ops="$("$py" examples/dfns_api.py "${as_sa[@]}" POST /auth/users \
  '{"email": "ops@example.co", "kind": "CustomerEmployee"}' | json_field userId)"
echo "    POST /auth/users created the CustomerEmployee ops@example.co ($ops)"

platform=("$py" examples/platform_backend.py "${as_sa[@]}")
echo "==> platform backend example: ${platform[*]} --username new-user-1@example.co"
"${platform[@]}" --username new-user-1@example.co

example=("$py" examples/delegated_login.py "${as_sa[@]}" --username jdoe@example.co)
echo "==> example login: ${example[*]}"
"${example[@]}"
if command -v npm > /dev/null; then
  echo "==> passkeys demo (examples/passkeys-demo) on $demo"
  stack_serve_demo "$DEMO_PORT" "$base" "$state/service-account" "$state/demo.log"
  demo_line="Passkeys demo: open $demo (sign up with a passkey, add a second one; log: $state/demo.log)"
else
  demo_line="Passkeys demo: needs Node.js and npm; then examples/passkeys-demo/serve.sh ${as_sa[*]} --port $DEMO_PORT"
fi
cat <<TXT

Serving $base (logs: $state/lambda.log, $state/moto.log).
$demo_line
Log the demo user in again with:

  ${example[*]}

Sign up, log in and offboard another new user, as a platform backend would:

  ${platform[*]} --username "new-user-\$(date +%s)@example.co"

Call the users API (or any endpoint; writes are signed):

  $py examples/dfns_api.py ${as_sa[*]} GET /auth/users

jdoe's own Key credential: $state/jdoe.key.pem, its credId in $state/jdoe.json.
Public keys: curl $base/.well-known/jwks.json

Invoke with an API Gateway or Function URL event (a login event needs fresh
values, so render it first; the others run as they are):

  ${example[*]} \\
    --render-event events/delegated-login.rest-api-v1.json > $state/event.json
  cargo lambda invoke delegated-login --invoke-address 127.0.0.1 --invoke-port $LAMBDA_PORT --data-file $state/event.json
  cargo lambda invoke delegated-login --invoke-address 127.0.0.1 --invoke-port $LAMBDA_PORT --data-file events/jwks.http-api-v2.json

Ctrl-C stops moto, the function and the passkeys demo.
TXT
wait
