"""``planwatch inbox migrate``: an inbox of month folders moved into the senders' folders.

Before each reporting unit had its folder (``catalog.inbox_layout``), files lay in
``inbox/<YYYY-MM>/`` (or ``inbox/<issuer>/<YYYY-MM>/``). Each such file is moved
to the folder of the agency it names, keeping the folders it was in below the
issuer (``2024-03/SKHDT_2024-03.xlsx`` -> ``TTH/SKHDT/2024-03/SKHDT_2024-03.xlsx``).
The agency is the one the warehouse recorded for that file, else the one its
name gives (``<AGENCY>_<YYYY-MM>…``); the issuer, the file's issuer folder, else
its recorded plan's, else the only issuer with a plan listing that agency for
that month. A file none of these place stays where it is, and is reported.

A file already processed keeps its identity: its move is recorded
(``audit.inbox_moves``, committed before the file is moved), so that at its new
path, with the same bytes, it is processed already and is not ingested again.
Running it twice moves nothing the second time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import psycopg

from planwatch.catalog import Catalogs, load_catalogs
from planwatch.catalog.inbox_layout import OUTSIDE, agency_folder, sender_of
from planwatch.config import Settings
from planwatch.digests import sha256_of_stream
from planwatch.ingest.files import InboxFile, discover
from planwatch.warehouse.submissions import processed_files


@dataclass
class Migration:
    moved: list[tuple[str, str]] = field(default_factory=list)  # (from, to)
    processed: int = 0  # of the moved, those already processed (their move recorded)
    left: list[tuple[str, str]] = field(default_factory=list)  # (path, why)

    def lines(self) -> list[str]:
        out = [f"moved {src} -> {dst}" for src, dst in self.moved]
        out += [f"left {path}: {why}" for path, why in self.left]
        out.append(f"{len(self.moved)} file(s) moved ({self.processed} already processed: "
                   f"not ingested again), {len(self.left)} left where they were")
        return out


def _recorded(conn: psycopg.Connection, inbox_path: str, sha: str) -> tuple[str | None, str | None]:
    """(agency, plan) the warehouse recorded for this file, if it was processed."""
    row = conn.execute(
        """select agency_code, plan_code from audit.submissions
           where inbox_path = %s and file_sha256 = %s and agency_code is not null
           order by submission_id limit 1""", (inbox_path, sha)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _target(file: InboxFile, catalogs: Catalogs, agency: str | None,
            plan_code: str | None) -> tuple[str | None, str]:
    """The new inbox path of a file, or None and why not."""
    if not agency:
        return None, "no agency recorded for it nor named by its file name"
    parts = PurePosixPath(file.inbox_path).parts
    issuer = catalogs.issuer_of(file.inbox_path)
    below = parts[1:] if issuer else parts  # what lies below the issuer's folder
    if issuer is None and plan_code in catalogs.by_plan:
        issuer = catalogs.by_plan[plan_code].plan.issuer_code
    if issuer is None:
        period = file.folder_period or file.name_hint[1]
        issuers = {c.plan.issuer_code for c in catalogs
                   if agency in c.agency_by_code and (not period or c.plan.covers(period))}
        if len(issuers) != 1:
            return None, f"agency {agency}: no single issuer ({', '.join(sorted(issuers))})"
        (issuer,) = issuers
    if agency not in {a for c in catalogs if c.plan.issuer_code == issuer
                      for a in c.agency_by_code}:
        return None, f"agency {agency} is in no plan of issuer {issuer}"
    return str(PurePosixPath(agency_folder(issuer, agency), *below)), ""


def migrate_inbox(conn: psycopg.Connection, inbox: Path, catalogs: Catalogs) -> Migration:
    """Move every file outside the senders' folders into its agency's folder (as
    the warehouse's owner: it records moves in ``audit.inbox_moves``)."""
    result = Migration()
    root = inbox.resolve()
    for file in discover(root):
        if sender_of(file.inbox_path, catalogs).via != OUTSIDE:
            continue
        try:
            with file.open() as handle:
                sha = sha256_of_stream(handle)
        except OSError as exc:
            result.left.append((file.inbox_path, f"not read ({exc})"))
            continue
        agency, plan_code = _recorded(conn, file.inbox_path, sha)
        name_agency = file.name_hint[0]
        agency = agency or (name_agency if name_agency in catalogs.agency_codes else None)
        target, why = _target(file, catalogs, agency, plan_code)
        if target is None:
            result.left.append((file.inbox_path, why))
            continue
        destination = root / target
        if destination.exists() or destination.is_symlink():
            result.left.append((file.inbox_path, f"{target} exists already"))
            continue
        processed = (file.inbox_path, sha) in processed_files(conn, [file.inbox_path])
        if processed:  # recorded first: a move that then fails leaves a harmless row
            conn.execute("insert into audit.inbox_moves (from_path, to_path, file_sha256)"
                         " values (%s, %s, %s)", (file.inbox_path, target, sha))
            conn.commit()
            result.processed += 1
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.rename(file.path, destination)
        result.moved.append((file.inbox_path, target))
        _remove_empty_folders(file.path.parent, root)
    conn.commit()
    return result


def _remove_empty_folders(folder: Path, root: Path) -> None:
    """The old month folder, once emptied (and its empty parents below the inbox)."""
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def migrate(url: str, inbox: Path, settings: Settings) -> list[str]:
    """``planwatch inbox migrate``: what moved (as the owner: it records moves)."""
    if not inbox.is_dir():
        return [f"inbox not found: {inbox}"]
    with psycopg.connect(url) as conn:
        return migrate_inbox(conn, inbox, load_catalogs(settings.catalog_dir)).lines()
