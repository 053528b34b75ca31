"""What the poll knows of the inbox's files: ``audit.inbox_index`` (migration 0006).

Each file's SHA-256 is kept with what stat said of it (size, mtime, ctime,
inode). While those are unchanged the file is not read again: a poll of an
inbox of processed files reads no file. A changed entry (rewritten, replaced,
touched) is hashed again. The index is a cache, never evidence: what was
received is ``audit.files`` and ``audit.submissions``, and the ingest hashes
every file it takes again.

It also keeps, per file, the server's time when the poll first saw it complete
(``received_at``, migration 0010; ``flow.arrival``): set once, and kept while
the file's bytes are unchanged, whatever a later poll finds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import psycopg

StatKey = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def known_digests(conn: psycopg.Connection, stats: dict[str, StatKey]) -> dict[str, str]:
    """inbox_path -> SHA-256 for the given paths whose stat is what the index holds."""
    rows = conn.execute(
        "select inbox_path, size, mtime_ns, ctime_ns, inode, sha256 from audit.inbox_index"
        " where inbox_path = any(%s)", (list(stats),)).fetchall()
    return {path: sha for path, *key, sha in rows if tuple(key) == stats[path]}


def remember(conn: psycopg.Connection,
             entries: Iterable[tuple[str, StatKey, str, datetime]]) -> None:
    """Record (inbox_path, stat, SHA-256, received at) of files just hashed; a
    file's received time is kept while its bytes are unchanged. The caller commits."""
    with conn.cursor() as cur:
        cur.executemany(
            """insert into audit.inbox_index as i
                   (inbox_path, size, mtime_ns, ctime_ns, inode, sha256, received_at)
               values (%s, %s, %s, %s, %s, %s, least(%s, clock_timestamp()))
               on conflict (inbox_path) do update set
                   size = excluded.size, mtime_ns = excluded.mtime_ns,
                   ctime_ns = excluded.ctime_ns, inode = excluded.inode,
                   sha256 = excluded.sha256, indexed_at = now(),
                   received_at = case when i.sha256 = excluded.sha256
                                      then coalesce(i.received_at, excluded.received_at)
                                      else excluded.received_at end""",
            [(path, *key, sha, received) for path, key, sha, received in entries])


def first_received(conn: psycopg.Connection,
                   files: Sequence[tuple[str, str]]) -> dict[tuple[str, str], datetime]:
    """(inbox_path, SHA-256) -> when the poll first saw those bytes there."""
    if not files:
        return {}
    rows = conn.execute(
        "select inbox_path, sha256, received_at from audit.inbox_index"
        " where inbox_path = any(%s) and received_at is not null",
        ([path for path, _ in files],)).fetchall()
    wanted = set(files)
    return {(path, sha): at for path, sha, at in rows if (path, sha) in wanted}
