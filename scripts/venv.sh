#!/usr/bin/env bash
# Creates (or reuses) .venv with moto server and cargo-lambda. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.requirements"
if [ -x "$venv/bin/python" ] && cmp -s "$root/scripts/requirements.txt" "$stamp"; then
  exit 0
fi
echo "venv: installing $(grep -v '^#' "$root/scripts/requirements.txt" | tr '\n' ' ')" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/scripts/requirements.txt"
cp "$root/scripts/requirements.txt" "$stamp"
