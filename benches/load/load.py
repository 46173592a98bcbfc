#!/usr/bin/env python3
"""Load driver: the full delegated login flow (init, sign, action, login:
three HTTP requests per login) from N concurrent clients against one base
URL on this machine. Standard library plus `cryptography`.

    python load.py --base-url http://127.0.0.1:9252 --fixture fixture.json \
        --clients 4 --logins 300 --seconds 120 --pid 12345 [--json-out rust.json]

The fixture is JSON: token (service account), credId, userId, privateKey
(PEM), username. Every response must be a 200 and every token must verify
against the served JWKS. After a short warm-up, it measures the latency of
each login and of each request, throughput, and (with --pid or --match)
the CPU seconds and peak RSS of the serving processes from /proc.

--cross-url URL first runs every mix of the two implementations across the
three steps, then compares both servers' answers to a set of bad requests.
"""
import argparse
import base64
import datetime
import http.client
import ipaddress
import itertools
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

LOGIN_PATH = "/auth/login/delegated"
STEPS = ("init", "action", "login")
MAX_FAILURES = 10  # stop early rather than hammer a broken server


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def loopback_url(url):
    """(host, port) of an http:// URL on the loopback interface; exits otherwise."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme != "http" or not loopback or parts.path not in ("", "/"):
        raise SystemExit(f"refusing {url!r}: only http://127.0.0.0/8, [::1] or localhost root URLs are load-tested")
    return host, parts.port or 80


class HttpError(Exception):
    def __init__(self, step, status, message):
        super().__init__(f"{step}: {status} {message}")
        self.step, self.status, self.message = step, status, message


class Client:
    """One keep-alive connection; reconnects once when the server closed it."""

    def __init__(self, url, token, nonce):
        self.host, self.port = loopback_url(url)
        self.token, self.nonce = token, nonce
        self.conn = None

    def request(self, method, path, body=None, headers=None, step=""):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body.encode() if body is not None else None, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (ConnectionError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def post(self, path, body, user_action=None, step=""):
        headers = {"content-type": "application/json", "authorization": f"Bearer {self.token}"}
        if self.nonce:
            date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
            headers["x-dfns-nonce"] = b64url(json.dumps({"uuid": str(uuid.uuid4()), "date": date}).encode())
        if user_action:
            headers["x-dfns-useraction"] = user_action
        status, data = self.request("POST", path, body, headers, step)
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = {}
        if status != 200:
            message = parsed.get("error", {}).get("message", "") if isinstance(parsed, dict) else ""
            raise HttpError(step, status, message[:200])
        return parsed

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def sign(key, message):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(message, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    raise SystemExit("unsupported private key type")


class Flow:
    """What every client shares: the fixture, the signing key and the issuer's keys."""

    def __init__(self, fixture, jwks):
        self.fixture = fixture
        self.key = serialization.load_pem_private_key(fixture["privateKey"].encode(), password=None)
        self.keys = {}
        for jwk in jwks["keys"]:
            numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(b64url_decode(jwk["x"]), "big"),
                                                    int.from_bytes(b64url_decode(jwk["y"]), "big"), ec.SECP256R1())
            self.keys[jwk["kid"]] = numbers.public_key()

    def login_body(self, username=None):
        return json.dumps({"username": username or self.fixture["username"]}, separators=(",", ":"))

    def init(self, client, body, path=LOGIN_PATH):
        return client.post("/auth/action/init", json.dumps({
            "userActionPayload": body, "userActionHttpMethod": "POST",
            "userActionHttpPath": path, "userActionServerKind": "Api"}), step="init")

    def action(self, client, challenge, signature=None):
        client_data = json.dumps({"type": "key.get", "challenge": challenge["challenge"]}).encode()
        return client.post("/auth/action", json.dumps({
            "challengeIdentifier": challenge["challengeIdentifier"],
            "firstFactor": {"kind": "Key", "credentialAssertion": {
                "credId": self.fixture["credId"], "clientData": b64url(client_data),
                "signature": b64url(signature if signature is not None else sign(self.key, client_data))}},
        }), step="action")["userAction"]

    def login(self, client, body, user_action):
        return client.post(LOGIN_PATH, body, user_action=user_action, step="login")["token"]

    def check_token(self, token):
        """The token is ES256 by an issuer key, for this user, obtained by this service account."""
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        key = self.keys.get(header.get("kid"))
        signature = b64url_decode(signature_b64)
        if header.get("alg") != "ES256" or key is None or len(signature) != 64:
            raise HttpError("token", 200, "token header or signature shape is wrong")
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        try:
            key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise HttpError("token", 200, "token signature does not verify against the JWKS")
        claims = json.loads(b64url_decode(claims_b64))
        if (claims.get("https://custom/username") != self.fixture["username"]
                or claims.get("act", {}).get("sub") != self.fixture["userId"]
                or claims.get("exp", 0) <= time.time()):
            raise HttpError("token", 200, "token claims are not the expected ones")


def timed(fn, *args):
    started = time.perf_counter()
    out = fn(*args)
    return out, (time.perf_counter() - started) * 1000


def run_phase(flow, url, clients, logins, deadline, nonce):
    """Runs logins on `clients` threads until `logins` are done or `deadline` passes."""
    lock = threading.Lock()
    state = {"started": 0, "failures": 0}
    samples = {name: [] for name in ("total",) + STEPS}
    errors = {}

    def claim():
        with lock:
            if state["started"] >= logins or state["failures"] >= MAX_FAILURES or time.monotonic() >= deadline:
                return False
            state["started"] += 1
            return True

    def worker():
        client = Client(url, flow.fixture["token"], nonce)
        body = flow.login_body()
        try:
            while claim():
                began = time.perf_counter()
                try:
                    challenge, t_init = timed(flow.init, client, body)
                    user_action, t_action = timed(flow.action, client, challenge)
                    token, t_login = timed(flow.login, client, body, user_action)
                    total = (time.perf_counter() - began) * 1000
                    flow.check_token(token)
                except (HttpError, OSError, http.client.HTTPException) as e:
                    client.close()  # a timed-out or refused connection is not reused
                    label = f"{e.step} {e.status} {e.message}" if isinstance(e, HttpError) else type(e).__name__
                    with lock:
                        state["failures"] += 1
                        errors[label] = errors.get(label, 0) + 1
                    continue
                with lock:
                    for name, value in zip(("total",) + STEPS, (total, t_init, t_action, t_login)):
                        samples[name].append(value)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples, errors, time.perf_counter() - started


def percentile(values, p):
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


# --- the serving processes, from /proc ---------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15)


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def find_pids(suffix, ancestor=None):
    """Processes whose executable path (argv[0]) ends with `suffix`, below `ancestor` if given."""
    parents, names = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                parents[int(name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{name}/cmdline", "rb") as f:
                names[int(name)] = f.read().split(b"\0", 1)[0].decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue

    def below(pid):
        for _ in range(64):  # process trees are shallow; a bound keeps a cycle harmless
            pid = parents.get(pid, 0)
            if pid == ancestor:
                return True
            if pid <= 1:
                return False
        return False

    return sorted(pid for pid, argv0 in names.items()
                  if argv0.endswith(suffix) and (ancestor is None or below(pid)))


def snapshot(pids):
    out = {}
    for pid in pids:
        try:
            out[pid] = cpu_seconds(pid)
        except OSError:
            pass
    return out


def usage(before, pids, logins):
    after = snapshot(pids)
    cpu = sum(after[p] - before.get(p, after[p]) for p in after)
    rss = [r for r in (peak_rss_kib(p) if p in after else None for p in pids) if r is not None]
    return {
        "pids": sorted(after),
        "cpu_seconds": round(cpu, 3),
        "cpu_s_per_1000_logins": round(cpu * 1000 / logins, 3) if logins else None,
        "peak_rss_kib_max": max(rss) if rss else None,
        "peak_rss_kib_sum": sum(rss) if rss else None,
    }


# --- interoperability and parity ------------------------------------------------

def cross_check(flow, urls, nonce):
    """Every assignment of the three steps to the two servers must log in."""
    clients = {url: Client(url, flow.fixture["token"], nonce) for url in urls}
    failures = []
    body = flow.login_body()
    for combo in itertools.product(urls, repeat=3):
        try:
            challenge = flow.init(clients[combo[0]], body)
            user_action = flow.action(clients[combo[1]], challenge)
            flow.check_token(flow.login(clients[combo[2]], body, user_action))
        except HttpError as e:
            failures.append({"steps": [urls.index(u) for u in combo], "error": str(e)})
    for c in clients.values():
        c.close()
    return {"combinations": 2 ** 3, "failures": failures}


def parity_probes(flow, urls):
    """The same bad requests to both servers: status and message must agree."""
    results = {}
    for url in urls:
        c = Client(url, flow.fixture["token"], nonce=False)
        answers = {}

        def probe(name, fn):
            try:
                fn()
                answers[name] = [200, ""]
            except HttpError as e:
                answers[name] = [e.status, e.message]

        body = flow.login_body()

        def used_twice():
            ua = flow.action(c, flow.init(c, body))
            flow.login(c, body, ua)
            flow.login(c, body, ua)

        def raw(method, path, payload=None, headers=None):
            status, data = c.request(method, path, payload, headers)
            if status != 200:
                raise HttpError("raw", status, json.loads(data)["error"]["message"])

        probe("no bearer", lambda: raw("POST", "/auth/action/init", "{}", {"content-type": "application/json"}))
        probe("garbage bearer", lambda: raw("POST", "/auth/action/init", "{}", {"authorization": "Bearer a.b.c"}))
        probe("unknown path", lambda: raw("GET", "/nope"))
        probe("wrong method", lambda: raw("GET", LOGIN_PATH))
        probe("bad nonce", lambda: raw("POST", "/auth/action/init", "{}", {
            "authorization": f"Bearer {flow.fixture['token']}", "x-dfns-nonce": "not-a-nonce"}))
        probe("bad nonce, no bearer", lambda: raw("POST", "/auth/action/init", "{}", {"x-dfns-nonce": "x"}))
        probe("init missing field", lambda: c.post("/auth/action/init", json.dumps({"userActionPayload": "{}"})))
        probe("init wrong type", lambda: c.post("/auth/action/init", json.dumps({
            "userActionPayload": 1, "userActionHttpMethod": "POST", "userActionHttpPath": "/x"})))
        probe("init bad method", lambda: c.post("/auth/action/init", json.dumps({
            "userActionPayload": "{}", "userActionHttpMethod": "TRACE", "userActionHttpPath": "/x"})))
        probe("init relative path", lambda: c.post("/auth/action/init", json.dumps({
            "userActionPayload": "{}", "userActionHttpMethod": "POST", "userActionHttpPath": "x"})))
        probe("bad signature", lambda: flow.action(c, flow.init(c, body), signature=b"\x30\x06\x02\x01\x01\x02\x01\x01"))
        probe("unknown challenge", lambda: flow.action(c, {"challenge": "x", "challengeIdentifier": "nope"}))
        probe("login without user action", lambda: c.post(LOGIN_PATH, body))
        probe("login not json", lambda: c.post(LOGIN_PATH, "nope"))
        probe("login truncated", lambda: c.post(LOGIN_PATH, '{"username":'))
        probe("login trailing data", lambda: c.post(LOGIN_PATH, '{"username":"a"} x'))
        probe("login username a number", lambda: c.post(LOGIN_PATH, '{"username":5}'))
        probe("login duplicate username", lambda: c.post(LOGIN_PATH, '{"username":"a","username":"b"}'))
        probe("login empty username", lambda: c.post(LOGIN_PATH, '{"username":""}'))
        probe("user action used twice", used_twice)
        probe("user action for another body", lambda: flow.login(
            c, flow.login_body("other@example.co"), flow.action(c, flow.init(c, body))))
        other = flow.login_body("nobody@example.co")
        probe("unknown user", lambda: flow.login(c, other, flow.action(c, flow.init(c, other))))
        spaced = json.dumps({"username": flow.fixture["username"]})  # signed spaced, sent compact
        probe("payload compared as JSON", lambda: flow.check_token(flow.login(c, body, flow.action(c, flow.init(c, spaced)))))
        user_token = flow.login(c, body, flow.action(c, flow.init(c, body)))
        as_user = Client(url, user_token, nonce=False)  # a delegated token: an EndUser without credentials
        probe("init as the logged-in user", lambda: flow.init(as_user, body))
        probe("login as the logged-in user", lambda: as_user.post(LOGIN_PATH, body))
        as_user.close()
        c.close()
        results[url] = answers
    first, second = (results[u] for u in urls)
    mismatches = {k: {urls[0]: first[k], urls[1]: second[k]} for k in first if first[k] != second[k]}
    return {"probes": len(first), "mismatches": mismatches, "answers": first}


# --- report --------------------------------------------------------------------

def latency_table(samples):
    return {name: {"p50": percentile(v, 50), "p95": percentile(v, 95), "p99": percentile(v, 99),
                   "mean": sum(v) / len(v) if v else None, "max": max(v) if v else None, "count": len(v)}
            for name, v in samples.items()}


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def human(summary):
    lines = [f"== {summary['label']}: {summary['logins']} logins by {summary['clients']} clients in "
             f"{summary['elapsed_s']:.1f} s = {fmt(summary['logins_per_s'], 2)} logins/s, "
             f"{summary['failures']} failed",
             f"{'latency ms':<16}{'p50':>9}{'p95':>9}{'p99':>9}{'mean':>9}{'max':>9}"]
    for name in ("total",) + STEPS:
        row = summary["latency_ms"][name]
        label = "login (3 req)" if name == "total" else f"  {name}"
        lines.append(f"{label:<16}" + "".join(f"{fmt(row[k]):>9}" for k in ("p50", "p95", "p99", "mean", "max")))
    for name, u in summary["processes"].items():
        lines.append(f"{name:<16}cpu {fmt(u['cpu_seconds'], 2)} s = {fmt(u['cpu_s_per_1000_logins'], 2)} s/1000 logins,"
                     f" peak RSS {fmt((u['peak_rss_kib_max'] or 0) / 1024)} MiB max"
                     f" / {fmt((u['peak_rss_kib_sum'] or 0) / 1024)} MiB sum over {len(u['pids'])} process(es)")
    for label, count in summary["errors"].items():
        lines.append(f"  error x{count}: {label}")
    return "\n".join(lines)


def fetch_jwks(url):
    client = Client(url, "", False)
    status, data = client.request("GET", "/.well-known/jwks.json")
    client.close()
    if status != 200:
        raise SystemExit(f"{url}: JWKS answered {status}")
    return json.loads(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--label", default="server")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--logins", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--warmup", type=int, default=20, help="logins before measuring (not counted)")
    parser.add_argument("--nonce", action="store_true", help="send X-DFNS-NONCE on every POST")
    parser.add_argument("--pid", type=int, action="append", default=[], help="serving process (repeatable)")
    parser.add_argument("--match", help="also measure processes whose argv[0] ends with this, found after warm-up")
    parser.add_argument("--children-of", type=int, help="with --match: only descendants of this process")
    parser.add_argument("--expect", type=int, default=1, help="with --match: keep warming up until this many run")
    parser.add_argument("--pids-out", help="write the measured process ids here, one a line")
    parser.add_argument("--aux", action="append", default=[], metavar="NAME=PID",
                        help="another process to report (e.g. the backend), not part of the ratio")
    parser.add_argument("--cross-url", help="second implementation: check interop and parity first")
    parser.add_argument("--json-out", help="write the JSON summary here instead of printing it")
    args = parser.parse_args()

    # Bounded by construction: both limits are required to be finite and modest.
    if not (1 <= args.clients <= 64 and 1 <= args.logins <= 100_000 and 0 < args.seconds <= 3600
            and 0 <= args.warmup <= 1000):
        raise SystemExit("--clients 1..64, --logins 1..100000, --seconds up to 3600, --warmup 0..1000")
    loopback_url(args.base_url)
    with open(args.fixture) as f:
        fixture = json.load(f)
    jwks = fetch_jwks(args.base_url)
    flow = Flow(fixture, jwks)

    summary = {"label": args.label, "base_url": args.base_url, "clients": args.clients, "nonce": args.nonce}
    if args.cross_url:
        loopback_url(args.cross_url)
        urls = [args.cross_url, args.base_url]  # the cross URL (the Rust function) first
        summary["interop"] = cross_check(flow, urls, args.nonce)
        summary["interop"]["same_jwks"] = fetch_jwks(args.cross_url) == jwks
        summary["parity"] = parity_probes(flow, urls)

    # Warm up; with --expect, until that many serving processes run (an emulator
    # may start instances only under concurrent load), within a bound.
    warm_deadline = time.monotonic() + 180
    while True:
        if args.warmup:
            _, errors, _ = run_phase(flow, args.base_url, args.clients, args.warmup,
                                     time.monotonic() + min(args.seconds, 60), args.nonce)
            if errors:
                raise SystemExit(f"warm-up failed: {errors}")
        found = find_pids(args.match, args.children_of) if args.match else []
        if not args.match or len(found) >= args.expect or not args.warmup or time.monotonic() >= warm_deadline:
            break
        time.sleep(1)
    if args.match and len(found) < args.expect:
        print(f"warning: {len(found)} of {args.expect} expected serving processes after warm-up", file=sys.stderr)

    pids = list(args.pid) + found
    if args.pids_out:
        with open(args.pids_out, "w") as f:
            f.write("".join(f"{pid}\n" for pid in pids))
    if not pids and (args.pid or args.match):
        raise SystemExit("no serving process found to measure")
    aux = {name: int(pid) for name, pid in (a.split("=", 1) for a in args.aux)}
    before = snapshot(pids)
    before_aux = {name: snapshot([pid]) for name, pid in aux.items()}
    samples, errors, elapsed = run_phase(flow, args.base_url, args.clients, args.logins,
                                         time.monotonic() + args.seconds, args.nonce)
    done = len(samples["total"])
    summary.update({
        "logins": done,
        "failures": sum(errors.values()),
        "errors": errors,
        "elapsed_s": elapsed,
        "logins_per_s": done / elapsed if elapsed else None,
        "latency_ms": latency_table(samples),
        "processes": {},
    })
    if pids:
        summary["processes"]["serving"] = usage(before, pids, done)
        late = sorted(set(find_pids(args.match, args.children_of)) - set(pids)) if args.match else []
        if late:  # started during the run: their CPU is not counted
            summary["processes"]["serving"]["late_pids"] = late
            print(f"warning: serving processes {late} started during the run and are not measured", file=sys.stderr)
    for name, pid in aux.items():
        summary["processes"][name] = usage(before_aux[name], [pid], done)

    print(human(summary))
    if args.cross_url:
        interop, parity = summary["interop"], summary["parity"]
        print(f"interop: {interop['combinations'] - len(interop['failures'])}/{interop['combinations']} mixes logged in,"
              f" same JWKS: {interop['same_jwks']}; parity: {parity['probes'] - len(parity['mismatches'])}/"
              f"{parity['probes']} bad requests answered alike")
        for failure in interop["failures"]:
            print(f"  interop failure: {failure}")
        for name, m in parity["mismatches"].items():
            print(f"  parity mismatch: {name}: {m}")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(summary, f, indent=2)
    else:
        print(json.dumps(summary))
    ok = summary["failures"] == 0 and done > 0
    if args.cross_url:
        ok = ok and not summary["interop"]["failures"] and summary["interop"]["same_jwks"] \
            and not summary["parity"]["mismatches"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
