"""Start SecantusDB (the local MongoDB stand-in) with mongod's background transaction reaper.

mongod aborts a multi-document transaction that has been open longer than
transactionLifetimeLimitSeconds (default 60) from a periodic background job, so a
transaction left behind by a client that was killed mid-transaction stops blocking
other writers after about a minute. SecantusDB 0.7.0b3 only reaps such transactions
when another *transactional* statement arrives; plain writes that hit the abandoned
transaction's documents retry forever and never trigger the reaper, so one
`kill -9` in a test could wedge the whole server (see docs/mongodb-compatibility.md).

This launcher changes nothing else: it runs SecantusDB's own command line with a
daemon thread that calls the server's existing reaper once a second, and lets the
local stack set the lifetime (MAILFLEET_MONGO_TXN_LIFETIME_SECONDS, default 60 as
in mongod).
"""

from __future__ import annotations

import os
import sys
import threading
import time

from secantus import cli
from secantus.server import SecantusDBServer

REAP_INTERVAL_SECONDS = 1.0


def _lifetime_seconds() -> float:
    raw = os.environ.get("MAILFLEET_MONGO_TXN_LIFETIME_SECONDS", "60")
    try:
        value = float(raw)
    except ValueError:
        sys.exit(f"MAILFLEET_MONGO_TXN_LIFETIME_SECONDS must be a number of seconds, got {raw!r}")
    if value <= 0:
        sys.exit(f"MAILFLEET_MONGO_TXN_LIFETIME_SECONDS must be positive, got {raw!r}")
    return value


def _install_reaper(lifetime_seconds: float) -> None:
    original_init = SecantusDBServer.__init__
    original_start = SecantusDBServer.start

    def init(self: SecantusDBServer, *args: object, **kwargs: object) -> None:
        kwargs["transaction_lifetime_seconds"] = lifetime_seconds
        original_init(self, *args, **kwargs)

    def start(self: SecantusDBServer) -> None:
        original_start(self)

        def reap_forever() -> None:
            while True:
                time.sleep(REAP_INTERVAL_SECONDS)
                try:
                    self.transactions.prune_expired()
                except Exception:  # the reaper must outlive one bad sweep, as mongod's does
                    pass

        threading.Thread(target=reap_forever, name="mailfleet-txn-reaper", daemon=True).start()

    SecantusDBServer.__init__ = init  # type: ignore[method-assign]
    SecantusDBServer.start = start  # type: ignore[method-assign]


if __name__ == "__main__":
    _install_reaper(_lifetime_seconds())
    sys.exit(cli.main(sys.argv[1:]))
