"""Serves reference_handler.handler over HTTP on 127.0.0.1, the role
`cargo lambda watch` plays for the Rust function: each request becomes an
API Gateway HTTP API (payload 2.0) event, the handler's answer goes back.

    python serve_reference.py --port 9253

Prints `REFERENCE_READY http://127.0.0.1:PORT` once it serves; stops on
SIGINT or SIGTERM. Configuration: the function's environment variables.
"""
import argparse
import base64
import os
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True  # leave no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_handler  # noqa: E402  (configuration errors stop the server here, like a Lambda init)

MAX_READ = 1024 * 1024  # well above the handler's 64 KiB limit; anything larger is refused unread


class LambdaContext:
    function_name = "delegated-login-reference"

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis():
        return 10_000


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the Rust side's server offers
    # Headers and body go out in two writes: with Nagle on, the body would wait
    # for the client's delayed ACK (~40 ms a response).
    disable_nagle_algorithm = True
    server_version = "reference"

    def _serve(self):
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_READ:
            self.send_error(413)
            return
        raw = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        headers = {}
        for name, value in self.headers.items():  # repeated headers are joined, as API Gateway does
            name = name.lower()
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        try:
            body, is_base64 = raw.decode("utf-8"), False
        except UnicodeDecodeError:
            body, is_base64 = base64.b64encode(raw).decode(), True
        now = time.time()
        event = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": {
                "http": {"method": self.command, "path": path, "protocol": self.request_version,
                         "sourceIp": self.client_address[0], "userAgent": headers.get("user-agent", "")},
                "requestId": str(uuid.uuid4()),
                "routeKey": "$default",
                "stage": "$default",
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "timeEpoch": int(now * 1000),
            },
            "body": body if raw else None,
            "isBase64Encoded": is_base64,
        }
        result = reference_handler.handler(event, LambdaContext())
        out = result.get("body") or ""
        out = base64.b64decode(out) if result.get("isBase64Encoded") else out.encode()
        self.send_response(result.get("statusCode", 200))
        for name, value in (result.get("headers") or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args):  # noqa: A002 - the handler writes its own decision line
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"REFERENCE_READY http://127.0.0.1:{args.port}", flush=True)
    stop.wait()
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
