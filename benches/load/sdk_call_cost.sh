#!/usr/bin/env bash
# CPU per AWS call, Rust SDK beside boto3: the same sequential DynamoDB
# GetItem loop against one moto, over one kept-alive connection, each
# process's own CPU time divided by the calls. It bounds the CPU ratio the
# load test can show: every login is 12 such calls in both implementations.
#
#   benches/load/sdk_call_cost.sh        (CALLS=2000 by default)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
CALLS="${CALLS:-2000}"
MOTO_PORT=5253
work="$(mktemp -d)"

scripts/venv.sh
export PATH="$root/.venv/bin:$PATH"
source scripts/lib/stack.sh
trap 'stack_cleanup; rm -rf "$work"' EXIT
ensure_venv .venv-bench benches/load/requirements.txt

stack_require_free_ports "$MOTO_PORT"
stack_start_moto "$MOTO_PORT" "$work/moto.log"
export AWS_DEFAULT_REGION="$AWS_REGION"

echo "==> one table, one item the size of a directory identity"
.venv-bench/bin/python - <<'PY'
import boto3
dynamodb = boto3.client("dynamodb")
dynamodb.create_table(TableName="call-cost", BillingMode="PAY_PER_REQUEST",
                      KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                      AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")])
dynamodb.put_item(TableName="call-cost", Item={
    "pk": {"S": "k"}, "sk": {"S": "k"}, "orgId": {"S": "or-30c2f-hp2mk-9v3fa2q1pbgqkmfe"},
    "username": {"S": "jdoe@example.co"}, "kind": {"S": "EndUser"}, "active": {"BOOL": True}})
PY

echo "==> release build of the Rust loop"
cargo build --release --quiet --example sdk_call_cost
rust_us="$(target/release/examples/sdk_call_cost call-cost k "$CALLS")"
python_us="$(.venv-bench/bin/python - "$CALLS" <<'PY'
import sys, time
import boto3
calls = int(sys.argv[1])
dynamodb = boto3.client("dynamodb")
key = {"pk": {"S": "k"}, "sk": {"S": "k"}}
dynamodb.get_item(TableName="call-cost", Key=key)  # connection and credentials, as on the Rust side
before = time.process_time()
for _ in range(calls):
    dynamodb.get_item(TableName="call-cost", Key=key)
print(round((time.process_time() - before) * 1e6 / calls))
PY
)"
echo "CPU per GetItem over $CALLS calls: Rust SDK ${rust_us} us, boto3 ${python_us} us ($(.venv-bench/bin/python -c "print(f'{$python_us/$rust_us:.1f}')")x)"
