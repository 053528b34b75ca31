"""Finding pending files in an inbox and keeping their exact bytes.

A file's name comes from outside: it is only ever used as text (in the audit
tables as a bound parameter, in receipts escaped). What planwatch writes is
named by the file's SHA-256, so a name like ``../../etc/passwd`` goes nowhere.
"""

from __future__ import annotations

import json
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
    """Every regular file under ``inbox`` (links are not followed), oldest first."""
    root = inbox.resolve()
    found = [
        _inbox_file(path, root) for path in sorted(root.rglob("*"))
        if not path.is_symlink() and path.is_file() and not _system_file(path)
    ]
    found.sort(key=lambda f: (f.received_at, f.inbox_path))
    return found


def _system_file(path: Path) -> bool:
    """Dot files (``.DS_Store``, ``.~lock``) are the system's, not an agency's; a
    dot-named workbook or CSV (``..\\x.xlsx``) is still a submission to record."""
    return path.name.startswith(".") and path.suffix.lower() not in ACCEPTED_SUFFIXES


def discover_one(path: Path, inbox: Path) -> InboxFile:
    """One file as ``discover`` would list it; it must lie inside the inbox."""
    root = inbox.resolve()
    resolved = path.resolve()
    if path.is_symlink() or not resolved.is_relative_to(root) or not resolved.is_file():
        raise ValueError(f"not a file inside the inbox: {path}")
    return _inbox_file(resolved, root)


def _inbox_file(path: Path, root: Path) -> InboxFile:
    stat = path.stat()
    return InboxFile(
        path=path,
        inbox_path=path.relative_to(root).as_posix(),
        name=path.name,
        size=stat.st_size,
        received_at=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
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
