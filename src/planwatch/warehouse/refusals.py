"""Files refused before they were read (``audit.refused_files``, migration 0011).

A file above the size limit is refused from what ``stat`` says of it: it is
never opened, hashed or copied. Its refusal is recorded with that stat, so
that a later poll skips the same file without reading it; a file changed since
(another size, time or inode) is looked at anew.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb

from planwatch.vocabulary.problems import Problem
from planwatch.warehouse.inbox_index import StatKey


@dataclass(frozen=True)
class Refusal:
    inbox_path: str
    file_name: str
    stat_key: StatKey  # size, mtime_ns, ctime_ns, inode
    agency_code: str | None
    period: str | None
    received_at: datetime
    file_modified_at: datetime
    problems: tuple[Problem, ...]
    receipt_path: str | None


def refused(conn: psycopg.Connection, stats: Mapping[str, StatKey]) -> set[str]:
    """The inbox paths among ``stats`` refused with exactly that stat."""
    if not stats:
        return set()
    rows = conn.execute(
        "select inbox_path, file_size, mtime_ns, ctime_ns, inode from audit.refused_files"
        " where inbox_path = any(%s)", (list(stats),)).fetchall()
    return {path for path, *key in rows if tuple(key) == stats[path]}


def record_refusal(conn: psycopg.Connection, refusal: Refusal) -> bool:
    """Record ``refusal`` (the caller commits); False if that file was refused already."""
    row = conn.execute(
        """insert into audit.refused_files
               (inbox_path, file_name, file_size, mtime_ns, ctime_ns, inode, agency_code,
                period, received_at, file_modified_at, reasons, receipt_path)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           on conflict on constraint refused_files_stat_key do nothing
           returning refusal_id""",
        (refusal.inbox_path, refusal.file_name, *refusal.stat_key, refusal.agency_code,
         refusal.period, refusal.received_at, refusal.file_modified_at,
         Jsonb([p.to_dict() for p in refusal.problems]), refusal.receipt_path)).fetchone()
    return row is not None
