#!/usr/bin/env bash
# Load test, side by side: the Rust function (release build, served by
# `cargo lambda watch`) and a reference handler written the way a Python
# team would write it (boto3, PyJWT, cryptography), over the same moto, the
# same tables and the same KMS key. Each login is the full flow: init,
# sign, action, login. Loopback only, bounded in logins and seconds.
#
#   benches/load/run.sh
#
# Knobs (environment): BENCH_CLIENTS (4), BENCH_LOGINS (300), BENCH_SECONDS
# (120, a cap per implementation), BENCH_WARMUP (20), BENCH_NONCE (0; 1 sends
# X-DFNS-NONCE on every POST), BENCH_RUST_CONCURRENCY (= clients: function
# instances cargo lambda may run at once, as Lambda would scale out),
# BENCH_OUT (a directory to keep both JSON summaries and server logs in),
# BENCH_ONLY (rust: skip the reference handler, for quick before/after runs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
here=benches/load
CLIENTS="${BENCH_CLIENTS:-4}"
LOGINS="${BENCH_LOGINS:-300}"
SECONDS_CAP="${BENCH_SECONDS:-120}"
WARMUP="${BENCH_WARMUP:-20}"
NONCE="${BENCH_NONCE:-0}"
RUST_CONCURRENCY="${BENCH_RUST_CONCURRENCY:-$CLIENTS}"
MOTO_PORT=5252
RUST_PORT=9252
REF_PORT=9253
work="$(mktemp -d)"
function_pids=()

scripts/venv.sh
export PATH="$root/.venv/bin:$PATH"
source scripts/lib/stack.sh
source benches/lib/fixture.sh

bench_cleanup() {
  # The function instances are cargo lambda's children; stop them by id too
  # in case they outlive their parent.
  for pid in "${function_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  stack_cleanup
  rm -rf "$work"
}
trap bench_cleanup EXIT

stack_require_free_ports "$MOTO_PORT" "$RUST_PORT" "$REF_PORT"

echo "==> .venv-bench"
ensure_venv .venv-bench "$here/requirements.txt"

echo "==> moto on :$MOTO_PORT, tables, key, one org, one EndUser, one P-256 service account"
stack_start_moto "$MOTO_PORT" "$work/moto.log"
moto_pid="${STACK_PIDS[-1]}"
bench_fixture "$work"

# Built up front so that every instance cargo lambda starts finds it fresh
# (each one runs `cargo run --release`); a first release build takes minutes.
echo "==> release build of the function"
cargo build --release --quiet --bin delegated-login

# Like stack_serve, with --release, no reload (src/ may change under us) and
# N instances.
echo "==> Rust function: cargo lambda watch --release on :$RUST_PORT ($RUST_CONCURRENCY instance(s) at most)"
cargo lambda watch --release --ignore-changes --bin delegated-login \
  --invoke-address 127.0.0.1 --invoke-port "$RUST_PORT" --concurrency "$RUST_CONCURRENCY" \
  --env-file "$work/bench.env" > "$work/rust.log" 2>&1 &
watch_pid=$!
STACK_PIDS+=("$watch_pid")
ready=0
for _ in $(seq 1200); do
  if curl -fsS -m 30 "http://127.0.0.1:$RUST_PORT/.well-known/jwks.json" > /dev/null 2>&1; then ready=1; break; fi
  kill -0 "$watch_pid" 2>/dev/null || break
  sleep 0.5
done
if [ "$ready" -ne 1 ]; then tail -50 "$work/rust.log" >&2; exit 1; fi

nonce_flag=()
[ "$NONCE" = 1 ] && nonce_flag=(--nonce)
load() {
  .venv-bench/bin/python "$here/load.py" --fixture "$work/fixture.json" --clients "$CLIENTS" \
    --logins "$LOGINS" --seconds "$SECONDS_CAP" --warmup "$WARMUP" "${nonce_flag[@]}" "$@"
}

echo "==> load: Rust function"
# The instances are cargo lambda's descendants, found once the warm-up has started them all.
load --label rust --base-url "http://127.0.0.1:$RUST_PORT" --children-of "$watch_pid" \
  --match target/release/delegated-login --expect "$RUST_CONCURRENCY" --aux "emulator=$watch_pid" --aux "moto=$moto_pid" \
  --json-out "$work/rust.json" --pids-out "$work/function.pids" || status=$?
[ -f "$work/function.pids" ] && mapfile -t function_pids < "$work/function.pids"
[ "${status:-0}" -eq 0 ] || { echo "Rust run failed" >&2; tail -20 "$work/rust.log" >&2; exit 1; }

if [ "${BENCH_ONLY:-}" = rust ]; then
  [ -n "${BENCH_OUT:-}" ] && mkdir -p "$BENCH_OUT" && cp "$work/rust.json" "$work/rust.log" "$BENCH_OUT/"
  exit 0
fi

echo "==> reference handler: serve_reference.py on :$REF_PORT"
(set -a; . "$work/bench.env"; set +a; exec .venv-bench/bin/python "$here/serve_reference.py" --port "$REF_PORT") \
  > "$work/reference.log" 2>&1 &
ref_pid=$!
STACK_PIDS+=("$ref_pid")
for _ in $(seq 100); do grep -qs REFERENCE_READY "$work/reference.log" && break; sleep 0.1; done
grep -qs REFERENCE_READY "$work/reference.log" || { cat "$work/reference.log" >&2; exit 1; }

echo "==> load: reference handler (after interop and parity checks against the Rust function)"
load --label reference --base-url "http://127.0.0.1:$REF_PORT" --cross-url "http://127.0.0.1:$RUST_PORT" \
  --pid "$ref_pid" --aux "moto=$moto_pid" --json-out "$work/reference.json" \
  || { echo "reference run failed" >&2; tail -20 "$work/reference.log" >&2; exit 1; }

if [ -n "${BENCH_OUT:-}" ]; then
  # Summaries and the servers' decision logs (ids, routes, outcomes; no secrets).
  mkdir -p "$BENCH_OUT" && cp "$work/rust.json" "$work/reference.json" "$work/rust.log" "$work/reference.log" "$BENCH_OUT/"
fi

echo "==> side by side"
.venv-bench/bin/python - "$work/rust.json" "$work/reference.json" <<'PY'
import json, sys
rust, ref = (json.load(open(p)) for p in sys.argv[1:3])
def row(name, get, digits=1):
    values = [get(s) for s in (rust, ref)]
    text = ["-" if v is None else f"{v:.{digits}f}" for v in values]
    print(f"{name:<36}{text[0]:>12}{text[1]:>12}")
print(f"{'':<36}{'Rust':>12}{'reference':>12}")
for step in ("total", "init", "action", "login"):
    for p in ("p50", "p95", "p99"):
        label = "login (3 requests)" if step == "total" else step
        row(f"{label} {p} ms", lambda s: s["latency_ms"][step][p])
row("logins/s", lambda s: s["logins_per_s"], 2)
row("serving CPU s per 1,000 logins", lambda s: s["processes"]["serving"]["cpu_s_per_1000_logins"], 2)
row("serving peak RSS MiB (max process)", lambda s: s["processes"]["serving"]["peak_rss_kib_max"] / 1024)
row("serving peak RSS MiB (all processes)", lambda s: s["processes"]["serving"]["peak_rss_kib_sum"] / 1024)
row("moto CPU s per 1,000 logins", lambda s: s["processes"]["moto"]["cpu_s_per_1000_logins"], 2)
emu = rust["processes"]["emulator"]["cpu_s_per_1000_logins"]
print(f"{'cargo lambda (HTTP + runtime API)':<36}{emu:>12.2f}{'(in-process)':>12}  CPU s per 1,000 logins")
r, p = (s["processes"]["serving"]["cpu_s_per_1000_logins"] for s in (rust, ref))
if r:
    print(f"CPU ratio reference/Rust: {p / r:.1f}x (function only), {p / (r + emu):.1f}x (function + cargo lambda)")
PY
