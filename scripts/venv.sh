#!/usr/bin/env bash
# Creates (or reuses) .venv with moto server and cargo-lambda. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/lib/stack.sh
ensure_venv .venv scripts/requirements.txt
