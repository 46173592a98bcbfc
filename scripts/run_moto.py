"""Runs a moto server (DynamoDB + KMS) on 127.0.0.1.

Prints `MOTO_READY http://127.0.0.1:<port>` once it serves. With
--until-stdin-closes it stops when its parent closes our stdin (the test
harness relies on that so no server outlives a test run); otherwise it
serves until SIGINT/SIGTERM.

The server is waitress, not werkzeug's development server: werkzeug closes
the connection after every response, so each AWS call would open a new TCP
connection, which real AWS endpoints do not make clients do. Waitress keeps
HTTP/1.1 connections alive, so the SDKs' connection pools work as they do
against AWS (and the load test measures request work, not reconnects).

Connections are served on threads, but requests are handled one at a
time: moto evaluates a conditional write and applies it without a lock, so
two concurrent writes could both pass their condition. DynamoDB guarantees
that a single-item conditional write is atomic; serialising the handling
gives moto the same guarantee, which the replay tests depend on.
"""
import argparse
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from waitress import create_server


def serialized(app):
    lock = threading.Lock()

    def handle(environ, start_response):
        with lock:
            # Materialise the body inside the lock: moto answers with lists.
            return list(app(environ, start_response))

    return handle


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--until-stdin-closes", action="store_true")
    args = parser.parse_args()

    app = serialized(DomainDispatcherApplication(create_backend_app))
    # Tests burst 64 requests at once; waitress's default cap of 100 open
    # connections would leave later ones waiting in the listen backlog.
    server = create_server(app, host="127.0.0.1", port=args.port, threads=8, connection_limit=1000, backlog=1024)
    threading.Thread(target=server.run, daemon=True).start()
    print(f"MOTO_READY http://{server.effective_host}:{server.effective_port}", flush=True)

    stop = threading.Event()
    if args.until_stdin_closes:
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.close()


if __name__ == "__main__":
    main()
