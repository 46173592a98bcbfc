#!/usr/bin/env bash
# The passkeys demo (examples/passkeys-demo) in a real browser: headless
# Chromium (the Debian package) driven by puppeteer-core, with CDP virtual
# authenticators standing in for the visitor's devices, against the
# function served by `cargo lambda watch` over moto. Installs Chromium when
# it is missing, and the npm packages from their lock files.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
here=tests/browser
work="$(mktemp -d)"
MOTO_PORT="${BROWSER_MOTO_PORT:-5161}"
LAMBDA_PORT="${BROWSER_LAMBDA_PORT:-9161}"
DEMO_PORT="${BROWSER_DEMO_PORT:-9162}"
# The same demo on an origin the org does not list.
UNLISTED_PORT="${BROWSER_UNLISTED_PORT:-9163}"

scripts/venv.sh
export PATH="$root/.venv/bin:$PATH"
source scripts/lib/stack.sh
stack_require_free_ports "$MOTO_PORT" "$LAMBDA_PORT" "$DEMO_PORT" "$UNLISTED_PORT"
trap 'stack_cleanup; rm -rf "$work"' EXIT

CHROMIUM="${CHROMIUM:-$(command -v chromium || true)}"
if [ -z "$CHROMIUM" ]; then
  echo "==> chromium (Debian package)"
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  { "${sudo[@]}" apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q chromium; } > "$work/apt.log" 2>&1 ||
    { tail -30 "$work/apt.log" >&2; exit 1; }
  CHROMIUM="$(command -v chromium)"
fi
echo "==> puppeteer-core"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

echo "==> moto, tables, key, an org with passkeys for http://localhost:$DEMO_PORT, its service account"
stack_start_moto "$MOTO_PORT" "$work/moto.log"
export DIRECTORY_TABLE=browser-directory REPLAY_TABLE=browser-replay TOKEN_ISSUER=https://auth.browser.test
cargo build --quiet --locked --bin delegated-login-admin
SIGNING_KEY_ID="$(admin init --create-key | json_field keyId)"
export SIGNING_KEY_ID
org="$(admin org create --name "Browser Org" | json_field orgId)"
stack_org_passkeys "$org" "http://localhost:$DEMO_PORT"
stack_keypair P256 "$work/service-account.key.pem" "$work/service-account.pub.pem"
admin service-account create --org "$org" --name "Demo Platform Backend" \
  --public-key "$work/service-account.pub.pem" --days-valid 1 > "$work/service-account.json"
operations=Auth:Users:Create,Auth:Users:Read,Auth:Users:Delegate,Auth:Types:EndUser
pm="$(admin permission create --org "$org" --name "Platform backend" --operations "$operations" | json_field permissionId)"
admin permission assign --permission "$pm" --identity "$(json_field userId < "$work/service-account.json")" > /dev/null

echo "==> function on :$LAMBDA_PORT, demo on http://localhost:$DEMO_PORT (and on the unlisted :$UNLISTED_PORT)"
stack_write_env "$work/function.env" NONCE_POLICY=required
stack_serve "$LAMBDA_PORT" "$work/function.env" "$work/function.log"
stack_serve_demo "$DEMO_PORT" "http://127.0.0.1:$LAMBDA_PORT" "$work/service-account" "$work/demo.log"
stack_serve_demo "$UNLISTED_PORT" "http://127.0.0.1:$LAMBDA_PORT" "$work/service-account" "$work/unlisted.log"

mkdir -p target
status=0
(cd "$here" && DEMO_URL="http://localhost:$DEMO_PORT" UNLISTED_URL="http://localhost:$UNLISTED_PORT" CHROMIUM="$CHROMIUM" \
  SCREENSHOT="$root/target/passkeys-demo.png" node --test) || status=1
if [ "$status" -ne 0 ]; then
  echo "--- demo backend log"; tail -30 "$work/demo.log"
  echo "--- function log"; tail -30 "$work/function.log"
fi
exit "$status"
