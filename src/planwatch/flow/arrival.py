"""When a file arrived, by whose clock: the received time a submission records.

The service stamps its own time. A file's modification time is set by its
sender (``touch``, ``sftp put -p``, a zip tool), so it is kept beside the
received time as information, never used as it. The received time is when the
server saw the complete file: its ctime (the kernel's clock at the file's last
write or rename, which no sender can set back), never later than the poll that
first indexed it (``flow.pending``), recorded once in ``audit.inbox_index`` and
not moved by a later poll while the file's bytes are unchanged.

An import of old files with their recorded times (a Department's archive, the
demo's simulated year) is an operator's explicit action: ``planwatch ingest
--historical [--operator NAME]``, or a DAG run whose conf names the operator.
Each is recorded in ``audit.historical_imports`` with the operator's name, and
the database stamps its role and time; its submissions take the files' own
times, labelled ``file_time``.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from planwatch.errors import UserError
from planwatch.ingest.files import InboxFile
from planwatch.vocabulary.statuses import FILE_TIME, SERVER_CLOCK
from planwatch.warehouse.inbox_index import first_received
from planwatch.warehouse.submissions import record_historical_import


@dataclass(frozen=True)
class Arrival:
    received_at: datetime
    kind: str  # vocabulary.statuses.RECEIVED_TIME_KINDS
    historical_import_id: int | None = None


def arrived_when(file: InboxFile, indexed: datetime | None, *,
                 now: datetime | None = None) -> Arrival:
    """The server's time for a file the poll indexed at ``indexed`` (None: not
    indexed, e.g. a file handed over directly): its last change, never later
    than the first sight."""
    seen = indexed or now or datetime.now(UTC)
    if not file.ctime_ns:  # not listed from the file system: no change time known
        return Arrival(seen, SERVER_CLOCK)
    return Arrival(min(file.changed_at, seen), SERVER_CLOCK)


@dataclass(frozen=True)
class Dating:
    """How one ingest run dates its files: by the server's clock, or (an
    operator's historical import) by the files' own times."""

    operator: str | None = None  # None: the server's clock

    @classmethod
    def historical(cls, operator: str | None = None) -> Dating:
        """An import of old files, in the name of ``operator`` (default: the OS user)."""
        name = (operator or "").strip() or getpass.getuser()
        return cls(name)

    @classmethod
    def asked(cls, historical: bool, operator: str | None) -> Dating:
        """What the command line asked for (``--historical [--operator NAME]``)."""
        if not historical:
            if operator:
                raise UserError("--operator names who runs a --historical import")
            return SERVER
        return cls.historical(operator)

    def arrivals(self, conn: psycopg.Connection, files: list[tuple[InboxFile, str]],
                 run_label: str) -> list[Arrival]:
        """Each (file, SHA-256)'s arrival, in order."""
        if self.operator is None:
            indexed = first_received(conn, [(f.inbox_path, sha) for f, sha in files])
            now = datetime.now(UTC)
            return [arrived_when(f, indexed.get((f.inbox_path, sha)), now=now)
                    for f, sha in files]
        if not files:
            return []
        import_id = record_historical_import(conn, run_label, self.operator)
        return [Arrival(f.modified_at, FILE_TIME, import_id) for f, _ in files]


SERVER = Dating()
