#!/usr/bin/env bash
# Checks template.yaml: cfn-lint, `sam validate --lint`, and a real
# `sam build` (cargo-lambda release build of the function). SAM lives in
# its own venv because it pins its own boto3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/venv.sh
source scripts/lib/stack.sh
ensure_venv .venv-sam scripts/requirements-sam.txt
export SAM_CLI_TELEMETRY=0
# cargo-lambda and zig for `sam build`.
export PATH="$root/.venv/bin:$PATH"
echo "==> key policy: kms:Sign for the function's and the operator's role only"
.venv-sam/bin/python scripts/check_key_policy.py template.yaml
echo "==> MemorySize: the size the Lambda size benchmark's newest run recommends"
.venv/bin/python benches/lambda_size/check_memory_size.py
echo "==> cfn-lint"
.venv-sam/bin/cfn-lint template.yaml
echo "==> sam validate --lint"
.venv-sam/bin/sam validate --lint
echo "==> sam build"
.venv-sam/bin/sam build
ls -l .aws-sam/build/DelegatedLoginFunction/bootstrap
