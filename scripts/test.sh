#!/usr/bin/env bash
# The test command: prepares the venv, then runs every test. Integration
# tests start their own moto server on 127.0.0.1 (see tests/support).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/venv.sh
cargo test --all-targets "$@"
