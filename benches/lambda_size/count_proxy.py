"""A counting proxy in front of moto: forwards every AWS call unchanged and
writes one JSON line per call (operation, when it started and ended, and
for DynamoDB the request units it would consume on-demand), so that the
calls, the sequential stages and the DynamoDB bill of each request can be
counted rather than claimed.

    python count_proxy.py --listen 5354 --upstream 127.0.0.1:5353 --log calls.jsonl

Prints `COUNT_PROXY_READY` once it listens.
"""
import base64
import json
import math
import threading
import time

from proxy_http import ForwardingHandler, command_line, serve


def value_size(value):
    """DynamoDB's item size rules (approximate for numbers): bytes a value adds to an item."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(base64.b64decode(inner))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: v}) for v in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in inner.items())
    return 0


def item_size(item):
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def read_units(size, consistent, transactional=False):
    units = max(1, math.ceil(size / 4096))
    return units * 2 if transactional else units if consistent else units / 2


def write_units(size, transactional=False):
    units = max(1, math.ceil(size / 1024))
    return units * 2 if transactional else units


def update_size(request):
    """An update's item is not in its request or answer: its key plus the values it sets, a lower bound."""
    return item_size(request.get("Key")) + sum(value_size(v) for v in (request.get("ExpressionAttributeValues") or {}).values())


def dynamodb_cost(op, request, answer):
    """(read units, write units, largest item size seen, estimated?) of one DynamoDB call."""
    consistent = bool(request.get("ConsistentRead"))
    if op == "GetItem":
        size = item_size(answer.get("Item"))
        return read_units(size, consistent), 0, size, False
    if op in ("Query", "Scan"):
        sizes = [item_size(i) for i in answer.get("Items", [])]
        return read_units(sum(sizes), consistent), 0, max(sizes, default=0), False
    if op == "PutItem":
        size = max(item_size(request.get("Item")), item_size(answer.get("Attributes")))
        return 0, write_units(size), size, False
    if op == "UpdateItem":
        size = max(update_size(request), item_size(answer.get("Attributes")))
        return 0, write_units(size), size, True
    if op == "DeleteItem":
        size = item_size(answer.get("Attributes"))
        return 0, write_units(size), size, not answer.get("Attributes")
    if op == "BatchGetItem":
        rru, largest = 0, 0
        for table, items in (answer.get("Responses") or {}).items():
            table_consistent = bool(request.get("RequestItems", {}).get(table, {}).get("ConsistentRead"))
            for item in items:
                largest = max(largest, item_size(item))
                rru += read_units(item_size(item), table_consistent)
        return rru, 0, largest, False
    if op == "TransactGetItems":
        sizes = [item_size(r.get("Item")) for r in answer.get("Responses", [])]
        return sum(read_units(s, True, True) for s in sizes), 0, max(sizes, default=0), False
    if op in ("TransactWriteItems", "BatchWriteItem"):
        actions = request.get("TransactItems") or [w for ws in (request.get("RequestItems") or {}).values() for w in ws]
        wru, largest, estimated = 0, 0, False
        for action in actions:
            kind, body = next(iter(action.items()))
            size = item_size(body.get("Item")) if "Item" in body else update_size(body)
            estimated = estimated or "Item" not in body
            largest = max(largest, size)
            wru += write_units(size, transactional=op == "TransactWriteItems")
        return 0, wru, largest, estimated
    return 0, 0, 0, False


class Handler(ForwardingHandler):
    timeout_s = 30
    log = None
    lock = threading.Lock()

    def forward(self):
        started = time.monotonic()
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        reply, data = self.exchange(self.path, body)
        ended = time.monotonic()
        self.reply(reply, data)
        self.record(started, ended, body, reply.status, data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

    def record(self, started, ended, body, status, data):
        target = self.headers.get("x-amz-target", "")
        service, _, op = target.rpartition(".")
        line = {"t0": started, "t1": ended, "service": service or "?", "op": op or self.path, "status": status}
        if service.startswith("DynamoDB"):
            try:
                request, answer = json.loads(body or b"{}"), json.loads(data or b"{}")
            except ValueError:
                request, answer = {}, {}
            rru, wru, size, estimated = dynamodb_cost(op, request, answer if status == 200 else {})
            line.update(rru=rru, wru=wru, item_bytes=size, size_estimated=estimated)
        with self.lock:
            self.log.write(json.dumps(line) + "\n")
            self.log.flush()


def main():
    args, Handler.upstream, _ = command_line(__doc__.splitlines()[0], "host:port of moto")
    Handler.log = open(args.log, "a")
    serve(Handler, args.listen, "COUNT_PROXY_READY")


if __name__ == "__main__":
    main()
