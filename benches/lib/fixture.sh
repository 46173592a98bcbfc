# Shared by the benchmarks: the tables, the signing key and one login's
# worth of identities in a running moto. Source it from the repository root
# after scripts/lib/stack.sh and stack_start_moto.

# bench_fixture WORK: one org, one EndUser and one P-256 service account
# allowed to delegate; exports DIRECTORY_TABLE, REPLAY_TABLE, TOKEN_ISSUER and
# SIGNING_KEY_ID, and writes WORK/fixture.json (what load.py reads) and
# WORK/bench.env (the function's environment).
bench_fixture() {
  local work="$1" org username permission
  export DIRECTORY_TABLE=bench-directory REPLAY_TABLE=bench-replay TOKEN_ISSUER=https://auth.bench.test
  cargo build --quiet --bin delegated-login-admin
  SIGNING_KEY_ID="$(admin init --create-key | json_field keyId)"
  export SIGNING_KEY_ID
  org="$(admin org create --name "Bench Org" | json_field orgId)"
  username=bench-user@example.co
  admin user create --org "$org" --username "$username" --kind EndUser > /dev/null
  permission="$(admin permission create --org "$org" --name all \
    --operations Auth:Users:Read,Auth:Users:Delegate,Auth:Types:Employee,Auth:Types:EndUser | json_field permissionId)"
  stack_keypair P256 "$work/sa.key.pem" "$work/sa.pub.pem"
  admin service-account create --org "$org" --name bench --public-key "$work/sa.pub.pem" --days-valid 1 > "$work/sa.json"
  chmod 600 "$work/sa.json"
  admin permission assign --permission "$permission" --identity "$(json_field userId < "$work/sa.json")" > /dev/null
  (umask 077; .venv/bin/python - "$work" "$username" > "$work/fixture.json" <<'PY'
import json, sys
work, username = sys.argv[1:3]
account = json.load(open(f"{work}/sa.json"))
print(json.dumps({"token": account["token"], "credId": account["credId"], "userId": account["userId"],
                  "privateKey": open(f"{work}/sa.key.pem").read(), "username": username}))
PY
  )
  stack_write_env "$work/bench.env" NONCE_POLICY=optional
}
