"""What the two benchmark proxies share: a threaded keep-alive HTTP server on
127.0.0.1 whose handlers forward to one upstream and copy its answer back."""
import argparse
import http.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class ForwardingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the body would
    # wait for the client's delayed ACK.
    disable_nagle_algorithm = True
    upstream = ("127.0.0.1", 0)
    timeout_s = None

    def setup(self):
        super().setup()
        self.conn = None

    def exchange(self, path, body):
        """Sends this request upstream on this connection's own keep-alive
        connection (reopened once if the upstream closed it)."""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        if body or self.command == "POST":
            headers["content-length"] = str(len(body))
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(*self.upstream, timeout=self.timeout_s)
            try:
                self.conn.request(self.command, path, body=body or None, headers=headers)
                reply = self.conn.getresponse()
                return reply, reply.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def reply(self, reply, data, extra=()):
        self.send_response(reply.status)
        for name, value in list(reply.getheaders()) + list(extra):
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def log_message(self, format, *args):  # noqa: A002 - each proxy writes its own log
        pass


def serve(handler, port, ready_line):
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    print(ready_line, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def command_line(description, upstream_help):
    """--listen PORT, --upstream host:port[/prefix], --log FILE: (args, (host, port), "/prefix" or "")."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", required=True, help=upstream_help)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    hostport, _, prefix = args.upstream.partition("/")
    host, _, port = hostport.rpartition(":")
    return args, (host, int(port)), f"/{prefix}" if prefix else ""
