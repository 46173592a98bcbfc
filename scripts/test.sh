#!/usr/bin/env bash
# The test command: prepares the venv, runs every Rust test (integration
# tests start their own moto server on 127.0.0.1, see tests/api/support),
# then the published Dfns SDKs against the locally served function, then the
# passkeys demo in headless Chromium (installed when missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/venv.sh
# Four test threads: every integration test shares one moto server, which
# answers one request at a time (per-item atomicity, see scripts/run_moto.py);
# more at once only lengthens its queue, and the 64-way races in it.
RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}" cargo test --all-targets "$@"
tests/sdk/run.sh
tests/browser/run.sh
