"""Finding pending files in an inbox and keeping their exact bytes.

A file's name comes from outside: it is only ever used as text (in the audit
tables as a bound parameter, in receipts escaped). What planwatch writes is
named by the file's SHA-256, so a name like ``../../etc/passwd`` goes nowhere.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from planwatch.text import safe_label
from planwatch.vocabulary.problems import Problem

ACCEPTED_SUFFIXES = {".xlsx", ".csv"}
PERIOD_DIR = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
NAME_HINT = re.compile(
    r"^(?P<agency>[A-Za-z0-9]+(?:_[A-Za-z]+)*?)_(?P<period>\d{4}-\d{2})(?:_|\.|$)"
)


@dataclass(frozen=True)
class InboxFile:
    path: Path
    inbox_path: str  # relative to the inbox, POSIX form: the file's identity there
    name: str
    size: int
    received_at: datetime
    # What else stat said when the file was listed: with ``size``, the file's
    # identity for the poll's index (``stat_key``). ctime is the kernel's (any
    # write or rename sets it); a sender can set mtime, not ctime.
    mtime_ns: int = 0
    ctime_ns: int = 0
    inode: int = 0

    @property
    def stat_key(self) -> tuple[int, int, int, int]:
        """(size, mtime, ctime, inode): unchanged, the file's bytes are too."""
        return self.size, self.mtime_ns, self.ctime_ns, self.inode

    def settled(self, now_ns: int, quiet_s: float) -> bool:
        """Nothing has written to the file for ``quiet_s``: its ctime (set by the
        kernel on every write, unlike the mtime a sender sets) is that old."""
        return self.ctime_ns <= now_ns - int(quiet_s * 1e9)

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def folder_period(self) -> str | None:
        """The reporting period named by the file's folder (``inbox/2024-03/...``)."""
        parent = Path(self.inbox_path).parent.name
        return parent if PERIOD_DIR.match(parent) else None

    @property
    def name_hint(self) -> tuple[str | None, str | None]:
        """Agency and period as the file name states them, if it follows the rule."""
        match = NAME_HINT.match(self.name)
        if not match:
            return None, None
        return match.group("agency").upper(), match.group("period")


def discover(inbox: Path) -> list[InboxFile]:
    """Every regular file under ``inbox`` (links are not followed), oldest first.

    One directory read and one ``lstat`` per file: the service lists the whole
    inbox, which only grows, on every poll."""
    root = inbox.resolve()
    found: list[InboxFile] = []

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{entry.name}/")
                elif entry.is_file(follow_symlinks=False) and not _system_file(entry.name):
                    found.append(_inbox_file(Path(entry.path), f"{prefix}{entry.name}",
                                             entry.stat(follow_symlinks=False)))

    if root.is_dir():
        walk(str(root), "")
    found.sort(key=lambda f: (f.received_at, f.inbox_path))
    return found


# Names of files still being written: an SFTP or browser upload in progress
# (WinSCP's ``.filepart``, ``.part``), an open workbook's owner file (``~$``) and
# LibreOffice's lock (``.~lock.…#``). Never a submission, whatever their suffix.
PARTIAL_UPLOADS = ("*.filepart", "*.part", "~$*", ".~lock*")


def _system_file(name: str) -> bool:
    """Dot files (``.DS_Store``) are the system's, not an agency's, and partial
    uploads are not yet anything; a dot-named workbook or CSV (``..\\x.xlsx``) is
    still a submission to record."""
    if any(fnmatch.fnmatch(name.lower(), pattern) for pattern in PARTIAL_UPLOADS):
        return True
    return name.startswith(".") and Path(name).suffix.lower() not in ACCEPTED_SUFFIXES


def discover_one(path: Path, inbox: Path) -> InboxFile:
    """One file as ``discover`` would list it; it must lie inside the inbox."""
    root = inbox.resolve()
    resolved = path.resolve()
    if path.is_symlink() or not resolved.is_relative_to(root) or not resolved.is_file():
        raise ValueError(f"not a file inside the inbox: {path}")
    return _inbox_file(resolved, resolved.relative_to(root).as_posix(), resolved.stat())


def _inbox_file(path: Path, inbox_path: str, stat: os.stat_result) -> InboxFile:
    return InboxFile(
        path=path,
        inbox_path=inbox_path,
        name=path.name,
        size=stat.st_size,
        received_at=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
        mtime_ns=stat.st_mtime_ns,
        ctime_ns=stat.st_ctime_ns,
        inode=stat.st_ino,
    )


def archive(path: Path, sha256: str, archive_dir: Path) -> Path:
    """Copy the exact bytes to ``archive/<aa>/<sha256><suffix>`` (idempotent)."""
    suffix = path.suffix.lower() if path.suffix.lower() in ACCEPTED_SUFFIXES else ".bin"
    target = archive_dir / sha256[:2] / f"{sha256}{suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(path, partial)
        partial.replace(target)
    return target



def receipt_name(sha256: str, inbox_path: str) -> str:
    """The receipt's file name: one per file received, by hash and inbox path."""
    return f"{sha256[:16]}_{safe_label(inbox_path.replace('/', '_'))}.html"


def quarantine(archived: Path, quarantine_dir: Path, file_name: str, sha256: str, *,
               period: str | None, problems: Iterable[Problem]) -> Path:
    """A copy of a rejected file beside a JSON of its reasons, for clerks:
    ``quarantine/<YYYY-MM or unknown>/<sha>_<name>`` (idempotent)."""
    folder = quarantine_dir / (period or "unknown")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha256[:12]}_{safe_label(file_name)}"
    shutil.copyfile(archived, target)
    target.with_name(target.name + ".reasons.json").write_text(
        json.dumps({"file_name": file_name, "file_sha256": sha256,
                    "problems": [p.to_dict() for p in problems]},
                   ensure_ascii=False, indent=2), encoding="utf-8")
    return target
