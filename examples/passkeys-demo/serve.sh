#!/usr/bin/env bash
# One command for the passkeys demo: installs the page's npm packages (from
# package-lock.json), bundles the page with esbuild, then serves page and
# backend. Its arguments are backend.py's, e.g.
#
#   examples/passkeys-demo/serve.sh --base-url http://127.0.0.1:9000 \
#     --service-account .local/service-account.json \
#     --private-key .local/service-account.key.pem --port 3000
#
# PYTHON picks the interpreter (it needs `cryptography`; default: the
# repository's .venv when there is one).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-}"
if [ -z "$python" ]; then
  if [ -x "$root/.venv/bin/python" ]; then python="$root/.venv/bin/python"; else python=python3; fi
fi
# npm ci only when the lock file changed since the last install.
if ! cmp -s "$here/package-lock.json" "$here/node_modules/.package-lock.json.installed" 2>/dev/null; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$here/package-lock.json" "$here/node_modules/.package-lock.json.installed"
fi
(cd "$here" && npm run --silent build -- --log-level=warning)
exec "$python" "$here/backend.py" "$@"
