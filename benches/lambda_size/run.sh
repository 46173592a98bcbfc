#!/usr/bin/env bash
# Lambda memory sizes, measured: the function (release build) and the
# Python reference, each under the CPU share Lambda gives at 128, 256, 512,
# 1,024 and 1,769 MB (a cgroup CPU quota; needs root), behind the same
# runtime API emulation (`cargo lambda watch --only-lambda-apis`; the
# reference through awslambdaric), over one local moto. Writes the results
# as JSON, the markdown table into docs/performance.md, the chart as a PNG,
# and prints the recommended MemorySize.
#
#   benches/lambda_size/run.sh
#
# Knobs (environment): BENCH_LABEL (before; `after` for the run after the
# DynamoDB stage change: each label has its own JSON, chart and section),
# BENCH_SIZES (128,256,512,1024,1769), BENCH_LOGINS (150 per size),
# BENCH_WARMUP (10 per instance), BENCH_ROUNDS (3: instances per size, each a
# cold start, interleaved over sizes and implementations), BENCH_PERIOD_US
# (100000, the CFS period), BENCH_P99_SLACK (0.25: the recommended size's
# full-flow p99 may be this much above the run's best),
# BENCH_IMPLS (rust,reference), BENCH_OUT (a directory to keep every log
# and timing file in), BENCH_DOCS (1; 0 leaves docs/ alone).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
here=benches/lambda_size
LABEL="${BENCH_LABEL:-before}"
case "$LABEL" in before|after) ;; *) echo "BENCH_LABEL is before or after" >&2; exit 2 ;; esac
MOTO_PORT=5353
COUNT_PORT=5354
EMULATOR_PORT=9353
RUNTIME_PORT=9354
work="$(mktemp -d)"

scripts/venv.sh
export PATH="$root/.venv/bin:$PATH"
source scripts/lib/stack.sh
source benches/lib/fixture.sh

cleanup() {
  stack_cleanup
  if [ -n "${BENCH_OUT:-}" ]; then mkdir -p "$BENCH_OUT" && cp -r "$work"/. "$BENCH_OUT"/ && rm -f "$BENCH_OUT"/sa.*; fi
  rm -rf "$work"
}
trap cleanup EXIT

stack_require_free_ports "$MOTO_PORT" "$COUNT_PORT" "$EMULATOR_PORT" "$RUNTIME_PORT"
.venv/bin/python -c "
import sys; sys.path.insert(0, '$here')
from cpu_quota import CpuQuota, QuotaUnavailable
try:
    q = CpuQuota('lambda-size-probe', 100000); q.remove()
except QuotaUnavailable as e:
    sys.exit(f'CPU quota unavailable: {e}')
"

echo "==> .venv-lambda-size"
ensure_venv .venv-lambda-size "$here/requirements.txt"

echo "==> release build of the function"
cargo build --release --quiet --bin delegated-login
binary="${CARGO_TARGET_DIR:-target}/release/delegated-login"

echo "==> moto on :$MOTO_PORT, tables, key, one org, one EndUser, one P-256 service account"
stack_start_moto "$MOTO_PORT" "$work/moto.log"
bench_fixture "$work"

echo "==> load at start: $(uptime)"
.venv-lambda-size/bin/python "$here/bench.py" --fixture "$work/fixture.json" --env-file "$work/bench.env" \
  --rust-binary "$binary" --json-out "$work/results.json" --work "$work" --label "$LABEL" \
  --sizes "${BENCH_SIZES:-128,256,512,1024,1769}" --impls "${BENCH_IMPLS:-rust,reference}" \
  --logins "${BENCH_LOGINS:-150}" --warmup "${BENCH_WARMUP:-10}" --rounds "${BENCH_ROUNDS:-3}" \
  --period-us "${BENCH_PERIOD_US:-100000}" --p99-slack "${BENCH_P99_SLACK:-0.25}" \
  --moto-port "$MOTO_PORT" --count-port "$COUNT_PORT" --emulator-port "$EMULATOR_PORT" --runtime-port "$RUNTIME_PORT"
echo "==> load at end: $(uptime)"

docs=()
[ "${BENCH_DOCS:-1}" = 1 ] && docs=(--docs docs)
.venv-lambda-size/bin/python "$here/report.py" "$work/results.json" --chart "$work/lambda-size-$LABEL.png" "${docs[@]}"
