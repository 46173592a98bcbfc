"""Runs the function and the Python reference under Lambda's CPU share at
each memory size, behind the same runtime API emulation, and writes what it
measured as JSON (benches/lambda_size/run.sh sets up moto and the fixture).

Per implementation and size, each instance is a fresh chain: `cargo lambda
watch --only-lambda-apis` (HTTP front and runtime API), the timing proxy
(runtime_proxy.py) in front of its runtime API, and the function process
started inside the CPU quota. Only the function is in the quota group.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "benches", "load"))
sys.dont_write_bytecode = True

import load  # noqa: E402  (the SDK-style flow and its checks, shared with the load benchmark)
from cpu_quota import CpuQuota, QuotaUnavailable, quota_us  # noqa: E402
import costs  # noqa: E402

PATH_STEP = {"/auth/action/init": "init", "/auth/action": "action", load.LOGIN_PATH: "login"}


def wait_port(port, proc, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"process for port {port} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port} after {seconds} s")


def read_lines(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.endswith("\n")]
    except FileNotFoundError:
        return []


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Chain:
    """Emulator, timing proxy and one function instance, started and stopped together."""

    def __init__(self, args, impl, memory_mb, quota, work, tag, aws_endpoint=None):
        self.args, self.impl, self.memory_mb = args, impl, memory_mb
        self.timing = os.path.join(work, f"{tag}.timing.jsonl")
        self.log = open(os.path.join(work, f"{tag}.log"), "w")
        self.procs = []
        emulator = subprocess.Popen(
            ["cargo", "lambda", "watch", "--only-lambda-apis", "--invoke-address", "127.0.0.1",
             "--invoke-port", str(args.emulator_port)],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs.append(emulator)
        wait_port(args.emulator_port, emulator)
        proxy = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "runtime_proxy.py"), "--listen", str(args.runtime_port),
             "--upstream", f"127.0.0.1:{args.emulator_port}/.rt", "--log", self.timing],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs.append(proxy)
        wait_port(args.runtime_port, proxy)
        env = dict(os.environ, **function_env(args, memory_mb, aws_endpoint))
        env.pop("RUST_LOG", None)  # the template sets none: the function logs its decision lines, as deployed
        if impl == "rust":
            argv, cwd = [args.rust_binary], ROOT
        else:
            argv = [sys.executable, "-m", "awslambdaric", "reference_handler.handler"]
            cwd = os.path.join(ROOT, "benches", "load")
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        preexec = quota.enter_fn() if quota else None
        self.spawned = time.monotonic()
        self.function = subprocess.Popen(argv, cwd=cwd, env=env, preexec_fn=preexec, stdout=self.log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs.append(self.function)

    def wait_ready(self, seconds=120):
        """Milliseconds from the process's start to its first `next` call."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.function.poll() is not None:
                raise SystemExit(f"{self.impl} exited with {self.function.returncode} before its first next call; "
                                 f"see {self.log.name}")
            ready = [e["t"] for e in read_lines(self.timing) if e["kind"] == "next_in"]
            if ready:
                return (ready[0] - self.spawned) * 1000
            time.sleep(0.005)
        raise SystemExit(f"{self.impl} made no next call within {seconds} s; see {self.log.name}")

    def events(self):
        return read_lines(self.timing)

    def close(self):
        for proc in reversed(self.procs):
            stop(proc)
        self.log.close()


def function_env(args, memory_mb, aws_endpoint):
    env = {}
    with open(args.env_file) as f:
        for line in f:
            name, _, value = line.strip().partition("=")
            if name:
                env[name] = value
    if aws_endpoint:
        env["AWS_ENDPOINT_URL"] = aws_endpoint
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{args.runtime_port}",
        "AWS_LAMBDA_FUNCTION_NAME": "_",  # cargo lambda's name for its one function
        "AWS_LAMBDA_FUNCTION_VERSION": "1",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
    })
    return env


def billed(events, since, until):
    """Per step, each invocation's duration as Lambda bills it: from the event
    handed to the function to its next `next` call (the end of the invoke
    phase), less the time the answer's POST spent in the proxy and the
    emulator (Lambda's own runtime API answers it at once); and the part up
    to the answer posted."""
    out = {step: [] for step in load.STEPS}
    answer_in = {e["id"]: e["t"] for e in events if e["kind"] in ("response_in", "error_in")}
    answered_out = {e["id"]: e["t"] for e in events if e["kind"] == "answered_out"}
    nexts = sorted(e["t"] for e in events if e["kind"] == "next_in")
    for e in events:
        if e["kind"] != "event_out" or not since <= e["t"] <= until or e.get("path") not in PATH_STEP:
            continue
        answered, replied = answer_in.get(e["id"]), answered_out.get(e["id"])
        following = next((t for t in nexts if replied is not None and t >= replied), None)
        if following is None:
            continue
        out[PATH_STEP[e["path"]]].append({"to_answer_ms": (answered - e["t"]) * 1000,
                                          "to_next_ms": (answered - e["t"] + following - replied) * 1000})
    return out


def settled_billed(chain, since, until, expected):
    """billed() once the function's last `next` call reached the timing file."""
    deadline = time.monotonic() + 5
    while True:
        out = billed(chain.events(), since, until)
        if all(len(v) >= expected for v in out.values()) or time.monotonic() >= deadline:
            return out
        time.sleep(0.01)


def one_login(flow, client, body):
    times = {}
    began = time.perf_counter()
    challenge, times["init"] = load.timed(flow.init, client, body)
    user_action, times["action"] = load.timed(flow.action, client, challenge)
    token, times["login"] = load.timed(flow.login, client, body, user_action)
    times["total"] = (time.perf_counter() - began) * 1000
    flow.check_token(token)
    return times


def logins(flow, url, count):
    client = load.Client(url, flow.fixture["token"], nonce=False)
    body = flow.login_body()
    samples = {name: [] for name in ("total",) + load.STEPS}
    try:
        for _ in range(count):
            for name, value in one_login(flow, client, body).items():
                samples[name].append(value)
    finally:
        client.close()
    return samples


def summary(values):
    return {"p50": load.percentile(values, 50), "p99": load.percentile(values, 99),
            "mean": sum(values) / len(values), "max": max(values), "count": len(values)}


def run_instance(args, flow, impl, memory_mb, quota, work, index, count):
    """One fresh instance at one size: its cold start (time to ready, then
    the first login), `args.warmup` logins, then `count` measured ones."""
    quota.set(memory_mb)
    chain = Chain(args, impl, memory_mb, quota, work, f"{impl}-{memory_mb}-{index}")
    url = f"http://127.0.0.1:{args.emulator_port}"
    try:
        ready_ms = chain.wait_ready()
        since = time.monotonic()
        first = logins(flow, url, 1)
        first_billed = settled_billed(chain, since, time.monotonic(), 1)
        logins(flow, url, args.warmup)
        cpu_before, throttled_before = load.cpu_seconds(chain.function.pid), quota.throttling()
        since = time.monotonic()
        samples = logins(flow, url, count)
        until = time.monotonic()
        cpu = load.cpu_seconds(chain.function.pid) - cpu_before
        throttled_after = quota.throttling()
        rss_kib = load.peak_rss_kib(chain.function.pid)
        invocations = settled_billed(chain, since, until, count)
    finally:
        chain.close()
    if any(len(v) != count for v in invocations.values()):
        raise SystemExit(f"{impl} {memory_mb} MB: {[len(v) for v in invocations.values()]} invocations timed, "
                         f"expected {count} per step")
    return {
        "cold": {"ready_ms": ready_ms, "first_login_ms": first["total"][0], "first_request_ms": first["init"][0],
                 "first_request_billed_ms": costs.billed_ms(first_billed["init"][0]["to_next_ms"])},
        "samples": samples,
        "billed": {step: [costs.billed_ms(i["to_next_ms"]) for i in v] for step, v in invocations.items()},
        "to_answer_ms": {step: [i["to_answer_ms"] for i in v] for step, v in invocations.items()},
        "cpu_s": cpu,
        "throttled_periods": (throttled_after[0] - throttled_before[0]) if throttled_before and throttled_after else None,
        "rss_kib": rss_kib,
    }


def aggregate(memory_mb, runs, calls, period_us):
    """One row per size from its instances (one per round)."""
    merged = {name: [v for r in runs for v in r["samples"][name]] for name in ("total",) + load.STEPS}
    billed = {step: [v for r in runs for v in r["billed"][step]] for step in load.STEPS}
    answer = {step: [v for r in runs for v in r["to_answer_ms"][step]] for step in load.STEPS}
    n = len(merged["total"])
    billed_ms = {step: {"p50": load.percentile(v, 50), "p99": load.percentile(v, 99), "mean": sum(v) / len(v),
                        "mean_to_answer_ms": sum(answer[step]) / len(answer[step]), "count": len(v)}
                 for step, v in billed.items()}
    billed_per_login = sum(b["mean"] for b in billed_ms.values())
    colds = [r["cold"] for r in runs]
    throttled = [r["throttled_periods"] for r in runs if r["throttled_periods"] is not None]
    return {
        "memory_mb": memory_mb,
        "cpu_quota_us": quota_us(memory_mb, period_us),
        "cpu_period_us": period_us,
        "latency_ms": {name: summary(v) for name, v in merged.items()},
        "latency_p50_per_round_ms": [load.percentile(r["samples"]["total"], 50) for r in runs],
        "billed_ms": billed_ms,
        "billed_ms_per_login": billed_per_login,
        "cpu_ms_per_login": sum(r["cpu_s"] for r in runs) * 1000 / n,
        "throttled_periods_per_login": sum(throttled) / n if throttled else None,
        "peak_rss_mib": max(r["rss_kib"] or 0 for r in runs) / 1024,
        "cold_start": {
            "runs": colds,
            "ready_ms_median": load.percentile([c["ready_ms"] for c in colds], 50),
            "first_request_ms_median": load.percentile([c["first_request_ms"] for c in colds], 50),
            "first_request_billed_ms_median": load.percentile([c["first_request_billed_ms"] for c in colds], 50),
            "first_login_ms_median": load.percentile([c["first_login_ms"] for c in colds], 50),
        },
        "cost_per_million_logins": costs.per_million_logins(memory_mb, billed_per_login, calls),
    }


def count_calls(args, flow, impl, work):
    """AWS calls, sequential stages and DynamoDB units per request, through the
    counting proxy, at full CPU (counts do not depend on the size)."""
    log = os.path.join(work, f"{impl}.calls.jsonl")
    proxy = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "count_proxy.py"), "--listen", str(args.count_port),
         "--upstream", f"127.0.0.1:{args.moto_port}", "--log", log],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    chain = None
    try:
        wait_port(args.count_port, proxy)
        chain = Chain(args, impl, 1769, None, work, f"{impl}-count",
                      aws_endpoint=f"http://127.0.0.1:{args.count_port}")
        chain.wait_ready()
        url = f"http://127.0.0.1:{args.emulator_port}"
        logins(flow, url, 2)  # caches (verified token, described tables) as in steady state
        client = load.Client(url, flow.fixture["token"], nonce=False)
        body = flow.login_body()
        windows = []
        for _ in range(args.count_logins):
            steps = {}
            t0 = time.monotonic()
            challenge = flow.init(client, body)
            t1 = time.monotonic()
            user_action = flow.action(client, challenge)
            t2 = time.monotonic()
            flow.login(client, body, user_action)
            t3 = time.monotonic()
            steps.update(init=(t0, t1), action=(t1, t2), login=(t2, t3))
            windows.append(steps)
        client.close()
        time.sleep(0.2)  # the last lines reach the log
    finally:
        if chain:
            chain.close()
        stop(proxy)
    return per_request_calls(read_lines(log), windows, args.count_logins)


def stages(calls):
    """Sequential stages: groups of calls whose times overlap."""
    count, end = 0, None
    for c in sorted(calls, key=lambda c: c["t0"]):
        if end is None or c["t0"] >= end:
            count += 1
            end = c["t1"]
        else:
            end = max(end, c["t1"])
    return count


def per_request_calls(calls, windows, n):
    out = {}
    for step in load.STEPS:
        per = [[c for c in calls if w[step][0] <= c["t0"] <= w[step][1]] for w in windows]
        ops = {}
        for group in per:
            for c in group:
                key = f"{c['service'].split('_')[0]}.{c['op']}"
                ops[key] = ops.get(key, 0) + 1
        out[step] = {
            "calls": {k: v / n for k, v in sorted(ops.items())},
            # Concurrent calls can look sequential when one ends before the
            # next reaches the proxy; dependent ones never overlap. The
            # fewest stages seen is the closest to the code's.
            "stages": min(stages(g) for g in per),
            "rru": sum(c.get("rru", 0) for g in per for c in g) / n,
            "wru": sum(c.get("wru", 0) for g in per for c in g) / n,
            "signs": sum(1 for g in per for c in g if c["op"] == "Sign") / n,
            "largest_item_bytes": max((c.get("item_bytes", 0) for g in per for c in g), default=0),
            "size_estimated": any(c.get("size_estimated") for g in per for c in g),
        }
    total = {k: sum(out[s][k] for s in load.STEPS) for k in ("rru", "wru", "signs", "stages")}
    return {"per_request": out, "per_login": total}


def source_commit():
    """The commit the function was built from, marked when src/ has uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}+changes" if dirty else head


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixture", required=True)
    p.add_argument("--env-file", required=True)
    p.add_argument("--rust-binary", required=True)
    p.add_argument("--json-out", required=True)
    p.add_argument("--sizes", default="128,256,512,1024,1769")
    p.add_argument("--impls", default="rust,reference")
    p.add_argument("--logins", type=int, default=150, help="measured logins per implementation and size")
    p.add_argument("--warmup", type=int, default=10, help="logins before measuring, per instance")
    p.add_argument("--rounds", type=int, default=3, help="instances per implementation and size, interleaved")
    p.add_argument("--count-logins", type=int, default=5)
    p.add_argument("--period-us", type=int, default=100_000)
    p.add_argument("--p99-slack", type=float, default=costs.DEFAULT_P99_SLACK,
                   help="how far above the run's best full-flow p99 the recommended size may be")
    p.add_argument("--label", default="before")
    p.add_argument("--moto-port", type=int, required=True)
    p.add_argument("--count-port", type=int, required=True)
    p.add_argument("--emulator-port", type=int, required=True)
    p.add_argument("--runtime-port", type=int, required=True)
    p.add_argument("--work", required=True)
    args = p.parse_args()
    if not (1 <= args.rounds <= 20 and args.rounds <= args.logins <= 5000 and 0 <= args.warmup <= 1000):
        raise SystemExit("--rounds 1..20, --logins rounds..5000, --warmup 0..1000")
    sizes = [int(s) for s in args.sizes.split(",")]
    impls = args.impls.split(",")
    try:
        quota = CpuQuota(f"lambda-size-{os.getpid()}", args.period_us)
    except QuotaUnavailable as e:
        raise SystemExit(f"CPU quota unavailable: {e}")
    with open(args.fixture) as f:
        fixture = json.load(f)
    per_round = [args.logins // args.rounds + (1 if i < args.logins % args.rounds else 0) for i in range(args.rounds)]
    results = {"label": args.label, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "commit": source_commit(),
               "load_before": os.getloadavg(), "cpus": os.cpu_count(), "cgroup_version": quota.version,
               "cpu_period_us": args.period_us, "logins_per_size": args.logins, "warmup": args.warmup,
               "rounds": args.rounds, "p99_slack": args.p99_slack, "prices": costs.PRICES,
               "prices_as_of": costs.PRICES_AS_OF, "price_sources": costs.SOURCES, "implementations": {}}
    try:
        flows, calls = {}, {}
        for impl in impls:
            print(f"==> {impl}: counting AWS calls per request", flush=True)
            jwks_chain = Chain(args, impl, 1769, None, args.work, f"{impl}-jwks")
            try:
                jwks_chain.wait_ready()
                flows[impl] = load.Flow(fixture, load.fetch_jwks(f"http://127.0.0.1:{args.emulator_port}"))
            finally:
                jwks_chain.close()
            calls[impl] = count_calls(args, flows[impl], impl, args.work)
            print(f"    per login: {calls[impl]['per_login']}", flush=True)
        # Rounds, each over every size and both implementations side by side,
        # so that the machine's other load and moto's growing tables fall on
        # every cell alike.
        runs = {(impl, size): [] for impl in impls for size in sizes}
        for index, count in enumerate(per_round):
            for memory_mb in sizes:
                for impl in impls:
                    run = run_instance(args, flows[impl], impl, memory_mb, quota, args.work, index, count)
                    runs[(impl, memory_mb)].append(run)
                    print(f"    round {index + 1}/{args.rounds} {impl:<9} {memory_mb:>4} MB: login p50 "
                          f"{load.percentile(run['samples']['total'], 50):7.1f} ms, ready {run['cold']['ready_ms']:6.0f} ms",
                          flush=True)
        for impl in impls:
            rows = [aggregate(size, runs[(impl, size)], calls[impl]["per_login"], args.period_us) for size in sizes]
            results["implementations"][impl] = {"calls": calls[impl], "sizes": rows}
    finally:
        quota.remove()
    results["load_after"] = os.getloadavg()
    # report.py adds the recommendation, from these rows.
    with open(args.json_out, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
