"""Which of an inbox's files no run has processed yet, reading only new or changed ones.

Used by the service's poll (``submissions__ingest``'s first task) and by
``planwatch ingest``. A file is pending until a submission of that inbox path
with those exact bytes is in ``audit.submissions``; its bytes are known from
``audit.inbox_index`` while stat says the file is unchanged, so a poll of an
inbox of processed files costs a listing and two queries, not a read of every
file. A file something wrote to less than the quiet period ago
(``Settings.inbox_quiet_s``) is still arriving: it is left for a later poll,
neither read nor indexed. A file indexed is stamped with the server's time it
was seen complete (``flow.arrival``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import psycopg

from planwatch.digests import sha256_of_stream
from planwatch.ingest.files import InboxFile
from planwatch.warehouse.inbox_index import known_digests, remember
from planwatch.warehouse.refusals import refused
from planwatch.warehouse.submissions import processed_files


def pending_files(conn: psycopg.Connection, files: Sequence[InboxFile],
                  quiet_s: float = 0, max_bytes: int | None = None) -> list[InboxFile]:
    """``files`` less those already processed and those written to in the last
    ``quiet_s`` seconds, in their order; the files not in the index (or changed
    since) are hashed and indexed (committed). A file above ``max_bytes`` is
    never read here: it is pending until refused (``warehouse.refusals``)."""
    now_ns = time.time_ns()
    files = [f for f in files if f.settled(now_ns, quiet_s)]
    large = {f.inbox_path: f.stat_key for f in files
             if max_bytes is not None and f.size > max_bytes}
    waiting = _unprocessed(conn, [f for f in files if f.inbox_path not in large])
    waiting |= set(large) - refused(conn, large)
    return [f for f in files if f.inbox_path in waiting]


def digests_of(conn: psycopg.Connection, files: Sequence[InboxFile]) -> dict[str, str]:
    """inbox_path -> SHA-256 of ``files`` as ``pending_files`` indexed them."""
    return known_digests(conn, {f.inbox_path: f.stat_key for f in files})


def _unprocessed(conn: psycopg.Connection, files: Sequence[InboxFile]) -> set[str]:
    """The inbox paths of ``files`` whose bytes no run has processed."""
    if not files:
        return set()
    digests = digests_of(conn, files)
    hashed = []
    for file in files:
        if file.inbox_path not in digests:
            try:
                with file.open() as handle:  # no link followed (ingest.files.open_beneath)
                    digests[file.inbox_path] = sha256_of_stream(handle)
            except OSError:  # taken away, or swapped for a link, since it was listed
                continue
            hashed.append((file.inbox_path, file.stat_key, digests[file.inbox_path],
                           file.changed_at))
    remember(conn, hashed)
    conn.commit()
    done = processed_files(conn, list(digests))
    return {path for path, sha in digests.items() if (path, sha) not in done}
