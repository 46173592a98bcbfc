"""A timing proxy between a function and the Lambda runtime API (`cargo
lambda watch --only-lambda-apis`): forwards every exchange (adding the
`content-type` of an event where the emulator leaves it out) and writes one
JSON line per exchange with the moment it passed, so that an invocation's
billed duration can be read off the function's own socket.

    python runtime_proxy.py --listen 9354 --upstream 127.0.0.1:9353/.rt --log timing.jsonl

Lines: {"kind": "next_in", "t": ...} when the function asks for an event,
{"kind": "event_out", "t", "id", "path"} once the event was written to it,
{"kind": "response_in" | "error_in", "t", "id"} when its answer arrived,
{"kind": "answered_out", "t", "id"} once the emulator's reply to it was written back.
Times are CLOCK_MONOTONIC seconds, comparable across processes. Prints
`RUNTIME_PROXY_READY` once it listens.
"""
import json
import re
import threading
import time

from proxy_http import ForwardingHandler, command_line, serve

NEXT = "/2018-06-01/runtime/invocation/next"
ANSWER = re.compile(r"/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")


class Timing:
    def __init__(self, path):
        self.file = open(path, "a", buffering=1)  # line-buffered: a reader sees whole lines
        self.lock = threading.Lock()

    def write(self, **fields):
        with self.lock:
            self.file.write(json.dumps(fields) + "\n")


def read_body(rfile, headers):
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int(rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(rfile.read(size))
            rfile.readline()
    length = int(headers.get("content-length") or 0)
    return rfile.read(length) if length else b""


def event_path(body):
    try:
        return json.loads(body).get("rawPath")
    except (ValueError, AttributeError):
        return None


class Handler(ForwardingHandler):
    prefix = ""
    timing = None

    def forward(self):
        arrived = time.monotonic()
        body = read_body(self.rfile, self.headers)
        answer = ANSWER.search(self.path)
        if self.path.endswith(NEXT):
            self.timing.write(kind="next_in", t=arrived)
        elif answer:
            self.timing.write(kind=f"{answer.group(2)}_in", t=arrived, id=answer.group(1))
        reply, data = self.exchange(self.prefix + self.path, body)  # the next call waits for an event: no timeout
        extra = []
        if reply.status == 200 and self.path.endswith(NEXT) and not reply.getheader("content-type"):
            # Lambda's runtime API sends one; cargo lambda's does not, and
            # awslambdaric's client crashes without it.
            extra.append(("content-type", "application/json"))
        self.reply(reply, data, extra)
        if answer:
            self.timing.write(kind="answered_out", t=time.monotonic(), id=answer.group(1))
        if self.path.endswith(NEXT) and reply.status == 200:
            self.timing.write(kind="event_out", t=time.monotonic(),
                              id=reply.getheader("lambda-runtime-aws-request-id"), path=event_path(data))

    do_GET = do_POST = do_PUT = forward


def main():
    args, Handler.upstream, Handler.prefix = command_line(__doc__.splitlines()[0], "host:port/prefix of the runtime API")
    Handler.timing = Timing(args.log)
    serve(Handler, args.listen, "RUNTIME_PROXY_READY")


if __name__ == "__main__":
    main()
