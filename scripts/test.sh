#!/usr/bin/env bash
# The test command: prepares the venv, runs every Rust test (integration
# tests start their own moto server on 127.0.0.1, see tests/api/support),
# then the published Dfns SDKs against the locally served function.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/venv.sh
cargo test --all-targets "$@"
tests/sdk/run.sh
