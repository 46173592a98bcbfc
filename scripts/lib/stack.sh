# Shared by the project's scripts: venvs, moto, provisioning through the
# operator CLI, serving the function with `cargo lambda watch`.
# Source it from the repository root (after `scripts/venv.sh` for moto).

STACK_PIDS=()

# ensure_venv DIR REQUIREMENTS: a venv at DIR with REQUIREMENTS installed;
# reinstalled only when the requirements file changed.
ensure_venv() {
  local dir="$1" requirements="$2"
  if [ -x "$dir/bin/python" ] && cmp -s "$requirements" "$dir/.requirements"; then
    return 0
  fi
  echo "venv: installing $requirements into $dir" >&2
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$dir/.requirements"
}

stack_cleanup() {
  # A second Ctrl-C (or a signal forwarded by a wrapper) must not cut the
  # cleanup short and leave servers running.
  trap '' INT TERM
  for pid in "${STACK_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

# stack_require_free_ports PORT...: exits if something already listens on
# one of them (a stale server there would look ready).
stack_require_free_ports() {
  local port
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port on 127.0.0.1 is already in use; stop what listens there first" >&2
      exit 1
    fi
  done
}

# stack_start_moto PORT LOGFILE: moto on 127.0.0.1:PORT; exports the AWS SDK's variables.
stack_start_moto() {
  local port="$1" log="$2"
  .venv/bin/python scripts/run_moto.py --port "$port" > "$log" 2>&1 &
  STACK_PIDS+=($!)
  for _ in $(seq 100); do grep -q MOTO_READY "$log" && break; sleep 0.1; done
  grep -q MOTO_READY "$log" || { cat "$log" >&2; return 1; }
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
}

# The operator CLI, built once.
# The operator CLI, from wherever cargo puts its build output.
admin() { "${CARGO_TARGET_DIR:-target}/debug/delegated-login-admin" "$@"; }

# json_field FIELD < json: one top-level field of a JSON document.
json_field() { .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# stack_write_env FILE [NAME=VALUE...]: the function's environment for `cargo lambda watch`.
stack_write_env() {
  local file="$1"; shift
  {
    for v in AWS_ENDPOINT_URL AWS_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY \
             DIRECTORY_TABLE REPLAY_TABLE SIGNING_KEY_ID TOKEN_ISSUER; do
      echo "$v=${!v}"
    done
    for kv in "$@"; do echo "$kv"; done
  } > "$file"
}

# stack_serve PORT ENVFILE LOGFILE: `cargo lambda watch` on 127.0.0.1:PORT,
# serving the API at the root path; waits until it answers.
stack_serve() {
  local port="$1" env_file="$2" log="$3"
  cargo lambda watch --bin delegated-login --invoke-address 127.0.0.1 --invoke-port "$port" \
    --env-file "$env_file" > "$log" 2>&1 &
  STACK_PIDS+=($!)
  for _ in $(seq 600); do
    curl -fsS "http://127.0.0.1:$port/.well-known/jwks.json" > /dev/null 2>&1 && return 0
    sleep 0.5
  done
  tail -50 "$log" >&2
  return 1
}

# stack_org_passkeys ORG ORIGIN: the org's passkey settings for local use: the
# rpId `localhost` and exactly ORIGIN (e.g. http://localhost:3000).
stack_org_passkeys() {
  admin org passkeys --org "$1" --rp-id localhost --origins "$2" > /dev/null
}

# stack_serve_demo PORT BASE_URL ACCOUNT LOGFILE: the passkeys demo
# (examples/passkeys-demo) on http://localhost:PORT, as the service account
# in ACCOUNT.json + ACCOUNT.key.pem; waits until it answers.
stack_serve_demo() {
  local port="$1" base_url="$2" account="$3" log="$4"
  examples/passkeys-demo/serve.sh --base-url "$base_url" --port "$port" \
    --service-account "$account.json" --private-key "$account.key.pem" > "$log" 2>&1 &
  STACK_PIDS+=($!)
  for _ in $(seq 600); do
    curl -fsS "http://127.0.0.1:$port/api/config" > /dev/null 2>&1 && return 0
    kill -0 "${STACK_PIDS[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  tail -50 "$log" >&2
  return 1
}

# stack_keypair KIND PRIVATE_PEM PUBLIC_PEM: KIND is P256, Secp256k1, Ed25519 or Rsa2048.
stack_keypair() {
  .venv/bin/python - "$@" <<'PY'
import sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
kind, private_path, public_path = sys.argv[1:4]
key = {
    "P256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "Secp256k1": lambda: ec.generate_private_key(ec.SECP256K1()),
    "Ed25519": ed25519.Ed25519PrivateKey.generate,
    "Rsa2048": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
}[kind]()
with open(private_path, "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))
with open(public_path, "wb") as f:
    f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo))
PY
  chmod 600 "$2"
}
