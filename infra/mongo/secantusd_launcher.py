"""Start SecantusDB (the local MongoDB stand-in) with two of mongod's behaviours it lacks.

1. **The background transaction reaper.** mongod aborts a multi-document transaction that has been
   open longer than transactionLifetimeLimitSeconds (default 60) from a periodic background job, so a
   transaction left behind by a client that was killed mid-transaction stops blocking other writers
   after about a minute. SecantusDB 0.7.0b3 only reaps such transactions when another *transactional*
   statement arrives; plain writes that hit the abandoned transaction's documents retry forever and
   never trigger the reaper, so one `kill -9` in a test could wedge the whole server (see
   docs/mongodb-compatibility.md). A daemon thread calls the server's existing reaper once a second;
   the local stack sets the lifetime (MAILFLEET_MONGO_TXN_LIFETIME_SECONDS, default 60 as in mongod).

2. **An `_id` equality beside other predicates uses the `_id` index.** mongod plans
   `{_id: X, status: "sending"}` on the `_id` index and filters the one document it fetches.
   SecantusDB takes its primary-key lookup only for a filter that is `_id` *alone*; and every
   findAndModify re-asserts its query as `{_id: X, $and: [query]}` before writing, which its planner
   never serves from an index. So each `findOneAndUpdate` that matched a document scanned the whole
   collection: 50 ms at 5,000 documents, growing with every mail (the outbox's per-key counters, the
   sender's claims), the stand-in at 100% of a core in the 10,000-order chaos run. The patch narrows
   the candidates to the `_id` lookup whenever the top-level filter has an `_id` equality (or `$in`);
   the server still applies the whole filter to each candidate (its `matches()` pass after every index
   lookup), so what matches is unchanged.

3. **The TTL monitor reads its index.** mongod's TTL monitor walks the TTL index up to the cutoff, so
   a sweep costs what expires. SecantusDB 0.7.0b3 decodes *every* document of each collection that has a
   TTL index, once a minute, holding the storage-wide lock, so every request of every client waits for
   a time that grows with the outbox records the stack holds (0.28 s per pass at 20,000, measured
   in-process; docs/mongodb-compatibility.md). The patch hands
   the sweep the documents its TTL index finds below the cutoff instead of the whole collection; the
   server still applies its own expiry filter (partial filter included) to each, so what is deleted is
   unchanged (a document that expires between the two cutoffs goes in the next sweep).

Nothing else changes: the launcher runs SecantusDB's own command line.
"""

from __future__ import annotations

import datetime
import os
import sys
import threading
import time

from secantus import cli
from secantus import storage as secantus_storage
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


def _install_id_lookup() -> None:
    storage_class = secantus_storage.Storage
    original = storage_class._try_index_id_keys
    point_keys = secantus_storage._id_point_lookup_keys

    def try_index_id_keys(self, db, coll, filter, *, collation=None):  # type: ignore[no-untyped-def]
        # Only where the original would not already take its own fast path, and never with a collation
        # (a collated string `_id` may match other spellings than its key).
        if (
            collation is None
            and isinstance(filter, dict)
            and len(filter) > 1
            and "_id" in filter
            and not self._is_timeseries(db, coll)
        ):
            keys = point_keys(filter["_id"])
            if keys is not None:
                recordids = [self._doc_recordid(db, coll, k) for k in keys]
                return [r for r in recordids if r is not None]
        return original(self, db, coll, filter, collation=collation)

    storage_class._try_index_id_keys = try_index_id_keys  # type: ignore[method-assign]


def _ttl_range_filters(storage, db, coll, now):  # type: ignore[no-untyped-def]
    """``{field: {$lt: cutoff}}`` per single-field TTL index of the collection (mongod's TTL indexes)."""
    filters = []
    for _name, key_spec, opts in storage._iter_indexes(db, coll):
        ttl = opts.get("expireAfterSeconds")
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl != ttl or ttl < 0:
            continue
        if len(key_spec) != 1:
            continue
        field = next(iter(key_spec))
        if not isinstance(field, str) or field == "_id":
            continue
        try:
            filters.append({field: {"$lt": now - datetime.timedelta(seconds=float(ttl))}})
        except OverflowError:
            continue
    return filters


def _install_indexed_ttl() -> None:
    storage_class = secantus_storage.Storage
    original_prune = storage_class.prune_ttl
    original_scan = storage_class._scan_docs
    sweeping = threading.local()

    def prune_ttl(self, db, coll, *, now=None):  # type: ignore[no-untyped-def]
        # Taken before the server takes its own, so this cutoff is never later than the server's.
        when = now if now is not None else datetime.datetime.now(datetime.timezone.utc)
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        sweeping.scope = (db, coll, when)
        try:
            return original_prune(self, db, coll, now=now)
        finally:
            sweeping.scope = None

    def scan_docs(self, db, coll):  # type: ignore[no-untyped-def]
        scope = getattr(sweeping, "scope", None)
        if scope is None or scope[:2] != (db, coll):
            return original_scan(self, db, coll)
        # Inside a TTL sweep of this collection (the only full scan prune_ttl makes): the index's
        # candidates. Where no index serves a filter, _candidates_iter scans, as the sweep did.
        sweeping.scope = None
        try:
            seen = {}
            for ttl_filter in _ttl_range_filters(self, db, coll, scope[2]):
                for row in self._candidates_iter(db, coll, ttl_filter):
                    seen.setdefault(row[0], row)
            return list(seen.values())
        finally:
            sweeping.scope = scope

    storage_class.prune_ttl = prune_ttl  # type: ignore[method-assign]
    storage_class._scan_docs = scan_docs  # type: ignore[method-assign]


if __name__ == "__main__":
    _install_reaper(_lifetime_seconds())
    _install_id_lookup()
    _install_indexed_ttl()
    sys.exit(cli.main(sys.argv[1:]))
