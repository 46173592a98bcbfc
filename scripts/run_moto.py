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

Transactions snapshot only the items they touch (see
`snapshot_touched_items`): moto's own TransactWriteItems deep-copies every
table a transaction names, once per transaction item, so each registration
or service account creation costs time in proportion to everything the
shared server holds by then, and the test run slows as it goes.
"""
import argparse
import copy
import signal
import sys
import threading

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend, Table
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from waitress import create_server


class _TablesNotCopied:
    """Stands in for the `copy` module inside moto's DynamoDB backend: a
    table is "copied" as itself (its transaction's rollback then puts the
    same table back), anything else is copied for real."""

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _item_key(table, op):
    """The (hash, range) key a transaction item names, or None when it names
    none that can be read (moto then refuses the transaction itself)."""
    attrs = op.get("Key") or op.get("Item") or {}
    if table.hash_key_attr not in attrs:
        return None
    range_value = None
    if table.range_key_attr is not None:
        if table.range_key_attr not in attrs:
            return None
        range_value = DynamoType(attrs[table.range_key_attr])
    return DynamoType(attrs[table.hash_key_attr]), range_value


def _restore(table, hash_value, range_value, item):
    """Puts back an item as it was before the transaction (`None`: absent)."""
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
        return
    if item is None:
        table.items.get(hash_value, {}).pop(range_value, None)
    else:
        table.items[hash_value][range_value] = item


def snapshot_touched_items():
    """TransactWriteItems keeps its all-or-nothing result with a snapshot of
    only the items it names: each is copied before the transaction runs, and
    if it fails in any way every one is restored, which is all a
    transaction can have changed. Requests are still served one at a time
    (`serialized`), so nothing else writes in between."""
    dynamodb_models.copy = _TablesNotCopied
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        touched = []
        for entry in transact_items:
            for op in entry.values():
                table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
                key = _item_key(table, op) if table is not None else None
                if key is not None:
                    item = table.get_item(*key)
                    touched.append((table, *key, copy.deepcopy(item)))
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(touched):
                _restore(table, hash_value, range_value, item)
            raise

    DynamoDBBackend.transact_write_items = transact_write_items


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

    snapshot_touched_items()
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
