"""Runs a moto server (DynamoDB + KMS) on 127.0.0.1.

Prints `MOTO_READY http://127.0.0.1:<port>` once it serves. With
--until-stdin-closes it stops when its parent closes our stdin (the test
harness relies on that so no server outlives a test run); otherwise it
serves until SIGINT/SIGTERM.
"""
import argparse
import signal
import sys
import threading

from moto.server import ThreadedMotoServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--until-stdin-closes", action="store_true")
    args = parser.parse_args()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"MOTO_READY http://{host}:{port}", flush=True)

    stop = threading.Event()
    if args.until_stdin_closes:
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
